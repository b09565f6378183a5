"""What every part of the State Corporation's work shares: reading a package with its timeline,
changing it only in the state it was read in, and sending about it through the gateway."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from egovsim.errors import EgovsimError
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Duration, Regulation
from egovsim.statecorp.centres import centre
from egovsim.statecorp.packages import PackageView, StepView
from egovsim.storage.statecorp import Operator, Package, StateCorpStore, StepChange
from egovsim.storage.statecorp_lists import PackageLists

#: Regulation items 9 and 10: a receipt, and a hand-out, within 20 minutes at the counter.
AT_COUNTER = timedelta(minutes=20)
ONE_WORKING_DAY = Duration(1, "working_days")
#: Sends through the gateway: (service, message type, messageId, correlationId, data) →
#: (accepted, what the gateway said); `GatewaySender.send`.
Send = Callable[[str, str, str, str | None, str], Awaitable[tuple[bool, str]]]


class PackageDesk:
    """The centres' packages as the State Corporation's parts read and change them (each part
    is a subclass over the same store, services, calendar, clock and gateway sender)."""

    def __init__(
        self,
        store: StateCorpStore,
        regulations: Mapping[str, Regulation],
        calendar: WorkingCalendar,
        now: Callable[[], datetime],
        send: Send,
    ) -> None:
        self._store = store
        self._lists = PackageLists(store.database)
        self._regulations = regulations
        self._calendar = calendar
        self._now = now
        self._send = send

    async def package(self, operator: Operator, package_id: int) -> PackageView:
        """A package of the operator's centre (another centre's is not found)."""
        package = await self._store.package(package_id)
        if package is None or package.centre_id != operator.centre_id:
            raise EgovsimError("PACKAGE_NOT_FOUND", {"package": package_id})
        return await self._view(package_id)

    async def _view(self, package_id: int) -> PackageView:
        package = await self._store.package(package_id)
        assert package is not None
        now = self._now()
        steps = [
            StepView(s, (s.finished_at or now) > s.deadline)
            for s in await self._store.steps(package_id)
        ]
        return PackageView(
            package, steps, centre(package.centre_id), self._regulations[package.regulation_id]
        )

    async def _views(self, packages: list[Package]) -> list[PackageView]:
        """The views of a page of packages: their steps in one query, whatever its length."""
        if not packages:
            return []
        now = self._now()
        steps = await self._lists.steps_of([p.id for p in packages])
        return [
            PackageView(
                p,
                [StepView(s, (s.finished_at or now) > s.deadline) for s in steps.get(p.id, [])],
                centre(p.centre_id),
                self._regulations[p.regulation_id],
            )
            for p in packages
        ]

    async def _update(
        self,
        package: Package,
        expected: tuple[str, ...],
        values: dict[str, Any],
        change: StepChange,
    ) -> None:
        """The change, if the package is still in one of the `expected` states; otherwise
        PACKAGE_STATE_WRONG (someone else changed it since it was read)."""
        if not await self._store.update(package.id, expected, values, change):
            raise EgovsimError("PACKAGE_STATE_WRONG", {"reason": "the package just changed"})

    async def _send_json(
        self,
        package: Package,
        message_type: str,
        message_id: str,
        correlation_id: str | None,
        data: Mapping[str, Any],
    ) -> tuple[bool, str]:
        """Send `data` about the package to its service through the gateway, as JSON."""
        return await self._send(
            package.regulation_id,
            message_type,
            message_id,
            correlation_id,
            json.dumps(data, ensure_ascii=False, sort_keys=True),
        )

    @staticmethod
    def _expect(package: Package, statuses: tuple[str, ...]) -> None:
        if package.status not in statuses:
            raise EgovsimError(
                "PACKAGE_STATE_WRONG", {"status": package.status, "expected": list(statuses)}
            )

    def _local(self, moment: datetime) -> date:
        return moment.astimezone(self._calendar.zone).date()
