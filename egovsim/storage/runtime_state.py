"""Runtime state that is not a cache and not the clock or the switches (which have their own
stores): the NCALayer signer's current key set."""

from __future__ import annotations

from datetime import datetime

from egovsim.storage.database import Database
from egovsim.storage.shared_versions import KEY_SET, bump


class NcalayerStateStore:
    """Which persona's key set the NCALayer signer uses, as the trainer last chose it."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def persona(self) -> str | None:
        """The chosen persona, or None when none was chosen since the last reset."""
        row = await self._db.fetch_one("SELECT persona FROM ncalayer_state WHERE id = 1")
        return None if row is None else str(row["persona"])

    async def choose(self, persona: str, now: datetime) -> None:
        """Remember `persona` as the current key set."""
        async with self._db.write() as connection:
            await connection.execute(
                "INSERT INTO ncalayer_state (id, persona, updated_at) VALUES (1, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET persona = excluded.persona,"
                " updated_at = excluded.updated_at",
                (persona, now.isoformat()),
            )
            await bump(connection, KEY_SET)
