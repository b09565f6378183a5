"""The signatures the gateway accepted, kept in the database until their Timestamp's window
ends, so that one sent again is refused as a replay after a restart too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from egovsim.storage.database import Database, Row, WorkConnection


def remember_accepted(
    connection: WorkConnection,
    batch: list[dict[str, Any]],
    found: list[Row],
    now: float,
) -> None:
    """In the transaction that accepts a batch of messages: keep the signatures (`"replay"`:
    hash and end of window) of those accepted (new, or sent again with the same content) and
    let go of those whose window has ended by `now`."""
    hashes = {row["message_id"]: row["content_hash"] for row in found}
    connection.executemany(
        "INSERT INTO gateway_replays (signature_hash, fresh_until) VALUES (?, ?)"
        " ON CONFLICT (signature_hash) DO UPDATE SET fresh_until = excluded.fresh_until",
        [
            fields["replay"]
            for fields in batch
            if fields.get("replay") and hashes.get(fields["message_id"]) == fields["content_hash"]
        ],
    )
    connection.execute("DELETE FROM gateway_replays WHERE fresh_until <= ?", (now,))


class ReplayStore:
    """Reads the signatures kept; windows end on the machine's clock, in seconds since 1970
    (never the simulator's, which a trainer may move back)."""

    def __init__(self, database: Database, machine_time: Callable[[], float]) -> None:
        self._db = database
        self.machine_time = machine_time

    async def unexpired(self) -> dict[bytes, float]:
        """Every signature whose window has not ended, with its end, after pruning the rest."""
        async with self._db.write() as connection:
            await connection.execute(
                "DELETE FROM gateway_replays WHERE fresh_until <= ?", (self.machine_time(),)
            )
            cursor = await connection.execute(
                "SELECT signature_hash, fresh_until FROM gateway_replays"
            )
            rows = await cursor.fetchall()
        return {bytes(key): float(until) for key, until in rows}

    async def seen(self, signature_hash: bytes) -> bool:
        """Whether this signature was accepted and its window has not ended."""
        row = await self._db.fetch_one(
            "SELECT 1 FROM gateway_replays WHERE signature_hash = ? AND fresh_until > ?",
            (signature_hash, self.machine_time()),
        )
        return row is not None
