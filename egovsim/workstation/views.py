"""What the workstation shows of an application: its route with deadlines, history, result,
and how that view is read from the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Regulation, Text
from egovsim.storage.application_lists import ApplicationLists
from egovsim.storage.applications import ApplicationStore
from egovsim.storage.records import (
    Application,
    DocumentCheck,
    ResultRecord,
    StepRecord,
    Transition,
)


@dataclass(frozen=True, slots=True)
class StepView:
    """A step with what a reader needs: its deadline, and whether it is overdue now."""

    record: StepRecord
    name: Text
    overdue: bool
    refusal_deadline: datetime | None


@dataclass(frozen=True, slots=True)
class ApplicationView:
    """An application with its route so far, its history, its checks and its result."""

    application: Application
    regulation: Regulation
    steps: list[StepView]
    transitions: list[Transition]
    checks: list[DocumentCheck]
    result: ResultRecord | None

    @property
    def current(self) -> StepView | None:
        """The open step, if any."""
        return next((s for s in self.steps if s.record.finished_at is None), None)

    @property
    def submitted_at(self) -> datetime:
        """When the package was submitted: the State Corporation's acceptance for a package
        it forwarded, else the application's arrival (the terms "from the submission")."""
        received = next((t for t in self.transitions if t.action == "receive"), None)
        stated = received.details.get("submitted_at") if received else None
        if isinstance(stated, str):
            try:
                return datetime.fromisoformat(stated)
            except ValueError:
                pass
        return self.application.received_at


async def read_view(
    applications: ApplicationStore,
    regulations: Mapping[str, Regulation],
    calendar: WorkingCalendar,
    application_id: int,
    now: datetime,
) -> ApplicationView:
    """An existing application as the workstation shows it at `now`: a step is overdue when it
    ran, or still runs, past its deadline (a refused one past the refusal's shorter term)."""
    application = await applications.application(application_id)
    assert application is not None
    records = await applications.steps(application_id)
    transitions = await applications.transitions(application_id)
    result = await applications.result(application_id)
    checks = await applications.checks(application_id)
    return view_of(application, regulations, calendar, now, records, transitions, checks, result)


async def read_views(
    lists: ApplicationLists,
    regulations: Mapping[str, Regulation],
    calendar: WorkingCalendar,
    found: list[Application],
    now: datetime,
    history: bool = True,
) -> list[ApplicationView]:
    """The views of a page of applications, read in a fixed few queries whatever its length;
    without `history`, their open steps only (no transitions, checks or result), for a list."""
    if not found:
        return []
    details = await lists.details([a.id for a in found], history)
    return [
        view_of(
            a,
            regulations,
            calendar,
            now,
            details.steps.get(a.id, []),
            details.transitions.get(a.id, []),
            details.checks.get(a.id, []),
            details.results.get(a.id),
        )
        for a in found
    ]


def view_of(
    application: Application,
    regulations: Mapping[str, Regulation],
    calendar: WorkingCalendar,
    now: datetime,
    records: list[StepRecord],
    transitions: list[Transition],
    checks: list[DocumentCheck],
    result: ResultRecord | None,
) -> ApplicationView:
    """An application's view from its rows: a step is overdue when it ran, or still runs,
    past its deadline (a refused one past the refusal's shorter term)."""
    regulation = regulations[application.regulation_id]
    steps = []
    for record in records:
        step = regulation.step(record.step_id)
        refusal_deadline = None
        if step.id == regulation.refusal.at_step:
            refusal_deadline = calendar.deadline(record.started_at, regulation.refusal.duration)
        deadline = record.deadline
        if record.outcome == "refusal" and refusal_deadline is not None:
            deadline = refusal_deadline
        end = record.finished_at or now
        steps.append(StepView(record, step.name, end > deadline, refusal_deadline))
    return ApplicationView(application, regulation, steps, transitions, checks, result)
