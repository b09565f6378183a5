"""The month's end of a paper result at a centre (Regulation item 10): uncollected, it goes back
to the provider's storage, from where the applicant's later request brings it again within one
working day.

The sweep claims the results it returns (a lease on each, renewed while it works), so the
sweeps of several instances on one database return each result once; the provider's notice has
a messageId made from the result and its month's end, so a sweep that died after telling the
provider and before recording it tells the same notice again, which the gateway takes once.
"""

from __future__ import annotations

import time
from datetime import datetime

from egovsim.errors import EgovsimError
from egovsim.statecorp.desk import ONE_WORKING_DAY, PackageDesk
from egovsim.statecorp.packages import PackageView, message_id
from egovsim.storage.run_locks import instance_id, kept_renewed
from egovsim.storage.statecorp import Operator, Package, StepChange

#: How many due results a sweep reads at a time.
SWEEP_PAGE = 200


class Returns(PackageDesk):
    """The centres' uncollected results sent back to storage, and asked for again."""

    #: Seconds the sweep's claim on a result lasts unless renewed (`Settings.worker_lease`).
    lease = 15.0

    async def sweep(self) -> list[PackageView]:
        """Results uncollected after their month go back to the provider's storage (the
        provider is told through the gateway); the packages this sweep returned. Results
        another instance's sweep holds are left to it."""
        now = self._now()
        if not await self._lists.due_back(now, 1):
            return []  # the common case, read without a write
        holder = instance_id()  # each sweep its own: two at once in one instance hold apart

        async def renew() -> None:
            await self._lists.renew_claims(holder, time.time() + self.lease)

        try:
            async with kept_renewed(renew, self.lease / 3):
                return await self._return_due(now, holder)
        finally:
            await self._lists.release_claims(holder)

    async def _return_due(self, now: datetime, holder: str) -> list[PackageView]:
        returned = []
        # What this sweep claimed stays leased to it until the end, so a result that would not
        # move is not claimed (nor tried) again in this sweep.
        while due := await self._lists.claim_due_back(
            now, SWEEP_PAGE, holder, time.time(), self.lease
        ):
            for package in due:
                sent, detail = await self._tell_provider(
                    package, "returned-to-storage", package.kept_until or now
                )
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

    async def _tell_provider(
        self, package: Package, kind: str, moment: datetime
    ) -> tuple[bool, str]:
        """Send the provider the notice `kind` about `package`; its messageId is made from the
        package, the kind and `moment`, the same each time it is sent for that moment."""
        assert package.request_message_id is not None
        return await self._send_json(
            package,
            "NOTIFICATION",
            message_id(package, f"{kind}:{moment.isoformat()}"),
            package.request_message_id,
            {"kind": kind, "number": package.provider_number, "package": package.number},
        )
