"""Leases on runs that must be alone (the console's one run at a time), kept in the database so
that every instance on it sees them, and freed by themselves when their holder dies."""

from __future__ import annotations

import time

from egovsim.storage.database import Database


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
