"""What the console keeps while the simulator runs: the one run under way, and the tour."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from egovsim.console.tour import TourRun
from egovsim.errors import EgovsimError

#: How long a try-it run may take before it is stopped, in seconds.
TRY_SECONDS = 120.0
#: How long one tour step may take (a `deliver` waits up to 30 s for the gateway), in seconds.
STEP_SECONDS = 60.0


@dataclass
class ConsoleState:
    """The console's state in a running simulator: a lock that lets one run act at a time
    (a try-it run, a tour step, a reset), the tour under way, and the time limits."""

    try_seconds: float = TRY_SECONDS
    step_seconds: float = STEP_SECONDS
    tour: TourRun | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _doing: str | None = None

    @property
    def busy(self) -> str | None:
        """What is under way, or None."""
        return self._doing if self._lock.locked() else None

    @contextlib.asynccontextmanager
    async def exclusive(self, doing: str) -> AsyncIterator[None]:
        """Run `doing` alone; CONSOLE_BUSY when something else is under way (a second click
        is refused at once rather than queued behind a run of minutes)."""
        if self._lock.locked():
            raise EgovsimError("CONSOLE_BUSY", {"under_way": self._doing, "asked": doing})
        async with self._lock:
            self._doing = doing
            try:
                yield
            finally:
                self._doing = None

    async def end_tour(self) -> None:
        """Close the tour under way, if any (its HTTP session to the simulator)."""
        tour, self.tour = self.tour, None
        if tour is not None:
            await tour.close()
