"""A State Corporation package as the centre shows it (its steps, each overdue or not), and the
records its paper result keeps: the result as it arrived, how long it waits, the messageIds the
centre sends about it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Regulation
from egovsim.statecorp.centres import CentreSpec
from egovsim.storage.statecorp import Package, PackageStep

#: The namespace of the centre's messageIds (uuid5 of the package and what is sent).
MESSAGE_IDS = uuid.UUID("0c1d7e52-3a3b-4f0e-8d0c-6b1f7f5a2c41")


@dataclass(frozen=True, slots=True)
class StepView:
    """A step on the centre's side as shown: overdue once its deadline passed unfinished (or
    it finished late)."""

    record: PackageStep
    overdue: bool


@dataclass(frozen=True, slots=True)
class PackageView:
    """A package with its timeline and its centre."""

    package: Package
    steps: list[StepView]
    centre: CentreSpec
    regulation: Regulation

    def step(self, name: str) -> StepView | None:
        """The latest step of that name."""
        return next((s for s in reversed(self.steps) if s.record.step == name), None)

    @property
    def missing(self) -> list[str]:
        """The required documents of the checklist that were not presented."""
        return [
            i["document"] for i in self.package.checklist if i["required"] and not i["presented"]
        ]


def message_id(package: Package, what: str) -> str:
    """The messageId of what the centre sends about a package (the same for the same thing, so
    sending it again is harmless)."""
    return str(uuid.uuid5(MESSAGE_IDS, f"{package.centre_id}:{package.id}:{what}"))


def result_record(data: Mapping[str, Any], verification: Mapping[str, Any]) -> dict[str, Any]:
    """The provider's paper result as the centre keeps it, with the verifier's report on it."""
    return {
        "kind": data.get("result_kind"),
        "refusal": bool(data.get("refusal")),
        "grounds": data.get("grounds"),
        "number": data.get("number"),
        "signed_at": data.get("signed_at"),
        "verification": dict(verification),
    }


def kept_until_after(arrival: datetime, calendar: WorkingCalendar) -> datetime:
    """Until when a result that arrived waits for its applicant: one month, to the next working
    moment when that day is off."""
    return calendar.next_working_moment(_one_month_after(arrival, calendar))


def _one_month_after(moment: datetime, calendar: WorkingCalendar) -> datetime:
    """The same local time a calendar month later (the month's last day when shorter)."""
    local = moment.astimezone(calendar.zone)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = local.day
    while True:
        try:
            return local.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1
