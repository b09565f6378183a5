"""What the console keeps while the simulator runs: the one run under way (a lease in the
database, so every instance on it sees it), and the tour."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from egovsim.console.tour import TourRun
from egovsim.errors import EgovsimError
from egovsim.storage.run_locks import RunLocks

#: How long a try-it run may take before it is stopped, in seconds.
TRY_SECONDS = 120.0
#: How long one tour step may take (a `deliver` waits up to 30 s for the gateway), in seconds.
STEP_SECONDS = 60.0


#: The lease the console's runs share, in `RunLocks`.
RUN = "console"
#: How long a lease outlives the longest run it may cover, in seconds: a holder that died
#: frees the console after that at the latest.
LEASE_MARGIN = 60.0


@dataclass
class ConsoleState:
    """The console's state in a running simulator: one run at a time (a try-it run, a tour
    step, a reset) across every instance on the database (`locks`), the tour under way, and
    the time limits."""

    locks: RunLocks
    try_seconds: float = TRY_SECONDS
    step_seconds: float = STEP_SECONDS
    tour: TourRun | None = None
    holder: str = field(default_factory=lambda: uuid.uuid4().hex)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _doing: str | None = None

    @property
    def busy(self) -> str | None:
        """What this instance has under way, or None."""
        return self._doing if self._lock.locked() else None

    async def busy_anywhere(self) -> str | None:
        """What is under way on any instance of the database, or None."""
        return self.busy or await self.locks.doing(RUN)

    @contextlib.asynccontextmanager
    async def exclusive(self, doing: str) -> AsyncIterator[None]:
        """Run `doing` alone; CONSOLE_BUSY when something else is under way here or on
        another instance (a second click is refused at once rather than queued behind a run
        of minutes)."""
        if self._lock.locked():
            raise EgovsimError("CONSOLE_BUSY", {"under_way": self._doing, "asked": doing})
        async with self._lock:
            lease = max(self.try_seconds, self.step_seconds) + LEASE_MARGIN
            holding = await self.locks.take(RUN, doing, self.holder, lease)
            if holding is not None:
                raise EgovsimError("CONSOLE_BUSY", {"under_way": holding, "asked": doing})
            self._doing = doing
            try:
                yield
            finally:
                self._doing = None
                await self.locks.give_back(RUN, self.holder)

    async def end_tour(self) -> None:
        """Close the tour under way, if any (its HTTP session to the simulator)."""
        tour, self.tour = self.tour, None
        if tour is not None:
            await tour.close()
