"""Where a step's term starts, as the regulation's text says: from the submission of the package
(the State Corporation's acceptance counts as the submission), from a date in the form (the
passed exam), or from the step's own start; and the route's deadline that follows.

One rule for everyone who counts: the provider's workstation when a step opens, and the State
Corporation's receipt, whose ready date is the route's deadline.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from egovsim.errors import EgovsimError
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import SUBMISSION, Regulation, Step


def term_start(
    calendar: WorkingCalendar,
    step: Step,
    variant: str | None,
    form: Mapping[str, Any],
    submitted_at: datetime,
    started_at: datetime,
) -> datetime:
    """The moment `step`'s term counts from: the submission, the morning of a form's date, or
    the step's start. The day of the submission itself does not count: a term in working days
    ends the N-th working day after it (`WorkingCalendar.deadline`)."""
    rule = step.counts_from.get(variant) if variant is not None else None
    if rule == SUBMISSION:
        return submitted_at
    if rule is not None and form.get(rule):
        day = date.fromisoformat(str(form[rule]))  # checked at intake
        return datetime.combine(day, calendar.hours.start, tzinfo=calendar.zone)
    return started_at


def step_deadline(
    calendar: WorkingCalendar,
    step: Step,
    variant: str | None,
    form: Mapping[str, Any],
    submitted_at: datetime,
    started_at: datetime,
) -> datetime:
    """When `step`, opened at `started_at`, must be done."""
    start = term_start(calendar, step, variant, form, submitted_at, started_at)
    return calendar.deadline(start, step.term(variant))


def route_deadline(
    calendar: WorkingCalendar,
    regulation: Regulation,
    variant: str | None,
    form: Mapping[str, Any],
    channel: str,
    submitted_at: datetime,
    arrives_at: datetime,
) -> datetime:
    """When the route ends if each step takes its whole term, from the application's arrival
    at the provider: the State Corporation's ready date is this deadline's day."""
    moment = arrives_at
    for step in regulation.route_for(channel):
        moment = step_deadline(calendar, step, variant, form, submitted_at, moment)
    return moment


def term_dates(regulation: Regulation, variant: str | None) -> tuple[str, ...]:
    """The form's date fields a term of the route counts from for `variant` (the exam date of
    a licence after the exam): the form must carry them, and none may be in the future."""
    if variant is None:
        return ()
    fields = (step.counts_from.get(variant) for step in regulation.steps)
    return tuple(dict.fromkeys(f for f in fields if f is not None and f != SUBMISSION))


def required_in(regulation: Regulation, field_id: str) -> list[str]:
    """The variants whose form must carry `field_id` because a term counts from it."""
    return [v.id for v in regulation.variants if field_id in term_dates(regulation, v.id)]


def check_term_dates(
    regulation: Regulation, variant: str | None, form: Mapping[str, Any], day: date
) -> None:
    """TERM_DATE_INVALID (P3) unless every date a term counts from is given and not after
    `day` (a well-formed date: the form's own check comes first)."""
    for field_id in term_dates(regulation, variant):
        value = form.get(field_id)
        if not value:
            raise EgovsimError(
                "TERM_DATE_INVALID", {"field": field_id, "variant": variant, "reason": "missing"}
            )
        try:
            given = date.fromisoformat(str(value))
        except ValueError:
            raise EgovsimError("FORM_INVALID", {"invalid": [field_id]}) from None
        if given > day:
            raise EgovsimError(
                "TERM_DATE_INVALID",
                {"field": field_id, "date": str(value), "today": day.isoformat()},
            )
