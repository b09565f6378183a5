"""What an instance keeps in memory of the state it shares with the other instances on its
database (the clock, the fault switches, the NCALayer key set, the test PKI, the gateway's
senders and routes, the caches the trainer clears), reloaded when another instance changed it.

Every change raises a counter in `shared_versions` in its own transaction; each instance reads
the counters every `Settings.shared_refresh` seconds (one small query) and reloads the topics
that moved. So a change made through one instance is served by every other one at most one
refresh interval (plus the reload) later, on SQLite (several processes on one file) and
PostgreSQL alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

from egovsim.simulator.pki_sharing import SharedPki
from egovsim.storage.database import Database
from egovsim.storage.shared_versions import PKI, TOPICS, SharedVersions, bump

log = logging.getLogger("egovsim")
#: The caches the trainer clears (the console's button, a reset): every instance clears its own.
CACHES = "caches"
#: A topic's reload.
Reload = Callable[[], Awaitable[None]]


class SharedState:
    """The refresh: reads the counters, reloads what moved (`reloads`), keeps the PKI's copy
    in step (`SharedPki.sync`)."""

    def __init__(
        self,
        database: Database,
        pki: SharedPki,
        reloads: Mapping[str, Reload],
        interval: float,
    ) -> None:
        self._db = database
        self._versions = SharedVersions(database)
        self._pki = pki
        self._reloads = dict(reloads)
        self.interval = interval
        self._seen: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._refreshing = asyncio.Lock()

    async def remember(self) -> None:
        """Take the counters as they are, before the start reads what they guard (a change
        made after this is reloaded at the first refresh)."""
        self._seen = await self._versions.read()

    def start(self) -> None:
        """Refresh every `interval` seconds in the background until `stop`."""
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="shared-state")

    async def stop(self) -> None:
        """Stop the refreshes (one under way ends first: cancelled inside a write transaction,
        it would leave the connection in it), and send what this instance changed of the PKI
        since the last."""
        if self._task is None:
            return
        self._stopping.set()
        await self._task
        self._task = None
        try:
            await self._pki.sync()
        except Exception:
            # Not lost: the copy remembers what it last sent, and the next start sends it.
            log.exception("could not send the test PKI's last changes to the database")

    @contextlib.asynccontextmanager
    async def changing(self) -> AsyncIterator[None]:
        """Around a change made here to what a refresh reloads (written, then applied): no reload
        runs meanwhile, so none can put back what the database held before the change."""
        async with self._refreshing:
            yield

    async def announce(self, *topics: str) -> None:
        """Tell the other instances that `topics` changed here outside a store's own write (a
        reset, the trainer clearing the caches)."""
        async with self._db.write() as connection:
            await bump(connection, *topics)

    async def refresh(self) -> list[str]:
        """Reload what another instance changed, and send what this one changed of the PKI;
        the topics reloaded."""
        async with self._refreshing:
            return await self._refresh()

    async def _refresh(self) -> list[str]:
        versions = await self._versions.read()
        moved = [
            topic
            for topic in (*TOPICS, CACHES)
            if topic != PKI and versions.get(topic, 0) != self._seen.get(topic, 0)
        ]
        for topic in moved:
            self._seen[topic] = versions.get(topic, 0)
            await self._reloads[topic]()
        if await self._pki.sync(versions.get(PKI, 0)):
            moved.append(PKI)
        return moved

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)
            if self._stopping.is_set():
                return
            try:
                await self.refresh()
            except Exception:
                # A database that is away for a moment (a PostgreSQL restart, a busy SQLite
                # file): the next refresh tries again; the instance serves what it holds.
                log.exception("could not refresh the state shared with other instances")
