"""The month's end of a paper result at a centre (Regulation item 10): uncollected, it goes back
to the provider's storage, from where the applicant's later request brings it again within one
working day."""

from __future__ import annotations

from datetime import datetime

from egovsim.errors import EgovsimError
from egovsim.statecorp.desk import ONE_WORKING_DAY, PackageDesk
from egovsim.statecorp.packages import PackageView, message_id
from egovsim.storage.statecorp import Operator, Package, StepChange

#: How many due results a sweep reads at a time.
SWEEP_PAGE = 200


class Returns(PackageDesk):
    """The centres' uncollected results sent back to storage, and asked for again."""

    async def sweep(self) -> list[PackageView]:
        """Results uncollected after their month go back to the provider's storage (the
        provider is told through the gateway); the packages returned."""
        now = self._now()
        returned = []
        seen: set[int] = set()  # one that would not move is not tried again in this sweep
        while due := [p for p in await self._lists.due_back(now, SWEEP_PAGE) if p.id not in seen]:
            for package in due:
                seen.add(package.id)
                sent, detail = await self._tell_provider(package, "returned-to-storage", now)
                moved = await self._store.update(
                    package.id,
                    ("at_centre",),
                    {"status": "returned"},
                    StepChange(
                        now,
                        finish=(
                            (
                                "storage",
                                "returned_to_provider",
                                "sweep",
                                {"gateway": detail, "sent": sent},
                            ),
                            ("hand_out", "not_collected", "sweep", {}),
                        ),
                    ),
                )
                if moved:
                    returned.append(await self._view(package.id))
        return returned

    async def request_again(self, operator: Operator, package_id: int) -> PackageView:
        """The applicant came after the month: the provider is asked to send the result again,
        which it must do within one working day."""
        view = await self.package(operator, package_id)
        package = view.package
        self._expect(package, ("returned",))
        now = self._now()
        sent, detail = await self._tell_provider(package, "send-again", now)
        if not sent:
            raise EgovsimError("FORWARD_FAILED", {"gateway": detail})
        await self._update(
            package,
            ("returned",),
            {"status": "requested_again"},
            StepChange(
                now, open=(("request_again", self._calendar.deadline(now, ONE_WORKING_DAY)),)
            ),
        )
        return await self._view(package_id)

    async def _tell_provider(self, package: Package, kind: str, now: datetime) -> tuple[bool, str]:
        assert package.request_message_id is not None
        return await self._send_json(
            package,
            "NOTIFICATION",
            message_id(package, f"{kind}:{now.isoformat()}"),
            package.request_message_id,
            {"kind": kind, "number": package.provider_number, "package": package.number},
        )
