"""What the workstation shows of an application: its route with deadlines, history, result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from egovsim.regulations.model import Regulation, Text
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
