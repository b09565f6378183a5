"""Leases, kept in the database so that every instance on it sees them and freed by themselves
when their holder dies: named ones on runs that must be alone (the console's one run at a time,
the catch-up), and the worker's own id and renewal for the rows it claims."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from egovsim.storage.database import Database

log = logging.getLogger("egovsim.workers")


def instance_id() -> str:
    """A new holder's id: this machine, this process, and a token of its own (two simulators
    in one process hold apart), which an operator reads in `claimed_by` to see who works."""
    return f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(4)}"


@contextlib.asynccontextmanager
async def kept_renewed(renew: Callable[[], Awaitable[object]], every: float) -> AsyncIterator[None]:
    """Run `renew` every `every` seconds while the block runs (a lease outlives a slow piece of
    work only while its holder is alive to renew it); a failed renewal is logged and retried."""

    async def renewing() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await renew()
            except Exception:  # the next renewal may get through before the lease ends
                log.warning("renewing a lease failed", exc_info=True)

    task = asyncio.create_task(renewing(), name="lease-renewal")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class RunLocks:
    """Named leases, each taken by one holder for a bounded time."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def take(self, name: str, doing: str, holder: str, seconds: float) -> str | None:
        """Take `name` for `doing` until `seconds` from now; None when taken, else what holds
        it now (a lease past its end is taken over)."""
        now = time.time()
        async with self._db.write() as connection:
            await connection.execute(
                "DELETE FROM run_locks WHERE name = ? AND ends_at <= ?", (name, now)
            )
            cursor = await connection.execute(
                "INSERT INTO run_locks (name, doing, holder, ends_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING",
                (name, doing, holder, now + seconds),
            )
            if cursor.rowcount == 1:
                return None
            cursor = await connection.execute("SELECT doing FROM run_locks WHERE name = ?", (name,))
            row = await cursor.fetchone()
        return str(row[0]) if row is not None else doing

    async def renew(self, name: str, holder: str, seconds: float) -> bool:
        """Move the end of the holder's lease on `name` to `seconds` from now; False when it
        holds none any more (it ended and was taken over)."""
        async with self._db.write() as connection:
            cursor = await connection.execute(
                "UPDATE run_locks SET ends_at = ? WHERE name = ? AND holder = ?",
                (time.time() + seconds, name, holder),
            )
            return cursor.rowcount == 1

    async def give_back(self, name: str, holder: str) -> None:
        """End the holder's lease on `name` (nothing when it holds none)."""
        async with self._db.write() as connection:
            await connection.execute(
                "DELETE FROM run_locks WHERE name = ? AND holder = ?", (name, holder)
            )

    async def doing(self, name: str) -> str | None:
        """What holds `name` now, or None."""
        row = await self._db.fetch_one(
            "SELECT doing FROM run_locks WHERE name = ? AND ends_at > ?", (name, time.time())
        )
        return None if row is None else str(row["doing"])
