"""The simulator's clock setting, kept so a restart keeps the simulated time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from egovsim.storage.database import Database, read_saved
from egovsim.storage.records import (
    ClockState,
)
from egovsim.storage.rows import time_or_none
from egovsim.storage.shared_versions import CLOCK, bump


class ClockStore:
    """Where the clock's setting is kept."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # -- the clock ----------------------------------------------------------------------------

    async def clock_state(self) -> ClockState | None:
        """The clock as last saved, or None when it was never set."""
        row = await self._db.fetch_one("SELECT frozen_at, offset_seconds FROM clock_state")
        if row is None:
            return None
        return ClockState(time_or_none(row["frozen_at"]), row["offset_seconds"])

    async def save_clock_state(self, state: ClockState, now: datetime) -> None:
        """Remember how the clock is set, so a restart keeps the simulated time and the other
        instances on the database move theirs."""
        async with self._db.write() as connection:
            await connection.execute(
                "INSERT INTO clock_state (id, frozen_at, offset_seconds, updated_at)"
                " VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                " frozen_at = excluded.frozen_at, offset_seconds = excluded.offset_seconds,"
                " updated_at = excluded.updated_at",
                (
                    state.frozen_at.isoformat() if state.frozen_at else None,
                    state.offset_seconds,
                    now.isoformat(),
                ),
            )
            await bump(connection, CLOCK)


def saved_clock_state(location: Path | str) -> ClockState | None:
    """The clock as a running server last saved it, read without a running event loop (the
    command line shares the simulated time this way); None when there is no database yet."""
    found = read_saved(location, ["SELECT frozen_at, offset_seconds FROM clock_state WHERE id = 1"])
    if not found or not found[0]:
        return None
    row = found[0][0]
    return ClockState(time_or_none(row[0]), float(row[1]))
