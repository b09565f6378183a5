"""What an instance keeps in memory of the state it shares with the other instances on its
database (the clock, the fault switches, the NCALayer key set, the test PKI, the gateway's
senders and routes, the caches the trainer clears), reloaded when another instance changed it.

Every change raises a counter in `shared_versions` in its own transaction; each instance reads
the counters every `Settings.shared_refresh` seconds (one small query) and reloads the topics
that moved. On PostgreSQL the raise is also announced (NOTIFY, at the commit) and each instance
LISTENs: it refreshes as soon as it hears, so another instance serves a change within
milliseconds (plus the reload); the period stays as the fallback for an announcement missed
while the listening connection was down. On SQLite (several processes on one file) a change is
served at most one refresh interval later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

from egovsim.simulator.pki_sharing import SharedPki
from egovsim.storage.database import Database, Listening
from egovsim.storage.shared_versions import CHANNEL, PKI, TOPICS, SharedVersions, bump

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
        listen: bool = True,
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
        #: Set when another instance (or this one) announced a change; the LISTEN connection.
        self._heard = asyncio.Event()
        self._listening: Listening | None = None
        self._listen_wanted = listen
        #: Announcements heard since the start (how a test sees that they arrive).
        self.announcements = 0

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
        try:
            while True:
                await self._listen()
                await self._next_round()
                if self._stopping.is_set():
                    return
                self._heard.clear()
                try:
                    await self.refresh()
                except Exception:
                    # A database that is away for a moment (a PostgreSQL restart, a busy SQLite
                    # file): the next refresh tries again; the instance serves what it holds.
                    log.exception("could not refresh the state shared with other instances")
        finally:
            if self._listening is not None:
                with contextlib.suppress(Exception):
                    await self._listening.close()
                self._listening = None

    async def _next_round(self) -> None:
        """Wait for an announcement, the stop, or the end of the period."""
        stopping = asyncio.ensure_future(self._stopping.wait())
        heard = asyncio.ensure_future(self._heard.wait())
        try:
            await asyncio.wait(
                (stopping, heard), timeout=self.interval, return_when="FIRST_COMPLETED"
            )
        finally:
            for waiting in (stopping, heard):
                waiting.cancel()

    @property
    def listening(self) -> bool:
        """Whether this instance hears the announcements now (PostgreSQL, listening wanted)."""
        return self._listening is not None and self._listening.alive

    async def _listen(self) -> None:
        """LISTEN for the announcements (again, after the server dropped the connection), then
        refresh at once: what changed before it heard (since the start, or while the connection
        was down) was announced to no one here."""
        if not self._listen_wanted or self.listening:
            return
        if self._listening is not None:
            with contextlib.suppress(Exception):
                await self._listening.close()
            self._listening = None
        try:
            self._listening = await self._db.listen(CHANNEL, self._announced)
            if self._listening is not None:
                self._heard.set()
        except Exception:
            log.warning(
                "could not listen for the other instances' changes: reading them every"
                " %s s until it can",
                self.interval,
                exc_info=True,
            )

    def _announced(self, topic: str) -> None:
        self.announcements += 1
        self._heard.set()
