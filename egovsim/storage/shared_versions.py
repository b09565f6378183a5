"""The counters that tell the instances on one database what another changed: one per topic,
raised in the transaction of the change, read by each instance at most once per refresh; on
PostgreSQL each raise is also announced (`NOTIFY` on `CHANNEL`, sent at the commit), so the
others refresh at once rather than at their next period."""

from __future__ import annotations

from egovsim.storage.database import Connection, Database

#: The simulator's clock setting.
CLOCK = "clock"
#: The trainer's fault switches (and the CRLs `crl-stale` holds).
FAULTS = "faults"
#: The NCALayer signer's current key set.
KEY_SET = "key-set"
#: The test PKI's files (issued, revoked, released, a CRL published).
PKI = "pki"
#: The gateway's senders and routes.
ROUTES = "gateway-routes"
#: Every topic, in the order an instance reloads them (the clock first: the rest may read it).
TOPICS = (CLOCK, FAULTS, KEY_SET, PKI, ROUTES)
#: The channel a raised counter is announced on (PostgreSQL's LISTEN/NOTIFY; the payload is the
#: topic). SQLite's `pg_notify` does nothing: instances on one file read the counters.
CHANNEL = "egovsim_shared"


async def bump(connection: Connection, *topics: str) -> None:
    """Raise the counters of `topics`, inside the caller's write transaction."""
    for topic in topics:
        await connection.execute(
            "INSERT INTO shared_versions (topic, version) VALUES (?, 1)"
            " ON CONFLICT (topic) DO UPDATE SET version = shared_versions.version + 1",
            (topic,),
        )
        await connection.execute("SELECT pg_notify(?, ?)", (CHANNEL, topic))


async def current_version(connection: Connection, topic: str) -> int:
    """One counter as the caller's write transaction sees it (0 when it never moved)."""
    cursor = await connection.execute(
        "SELECT version FROM shared_versions WHERE topic = ?", (topic,)
    )
    row = await cursor.fetchone()
    return 0 if row is None else int(row[0])


class SharedVersions:
    """Reads every counter in one query (the refresh's only cost when nothing changed)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def read(self) -> dict[str, int]:
        """Each topic's counter; a topic that never moved is absent."""
        rows = await self._db.fetch_all("SELECT topic, version FROM shared_versions")
        return {str(row["topic"]): int(row["version"]) for row in rows}
