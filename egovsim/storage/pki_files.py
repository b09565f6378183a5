"""The test PKI's files in the database, the truth that each instance's certs directory copies:
fetched by the `pki` counter they were written at, written in the transaction that raises it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from egovsim.storage.database import Connection, Database, WorkConnection
from egovsim.storage.shared_versions import PKI, bump, current_version


@dataclass(frozen=True, slots=True)
class PkiChanges:
    """The files changed after some version: path → content (None: removed), as of `version`."""

    version: int
    files: Mapping[str, bytes | None]


class PkiFiles:
    """Reads of the PKI's files; their writes happen in a caller's transaction (`publish`)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def version(self) -> int:
        """The `pki` counter (0 when no PKI was ever shared through this database)."""
        row = await self._db.fetch_one(
            "SELECT version FROM shared_versions WHERE topic = ?", (PKI,)
        )
        return 0 if row is None else int(row["version"])

    async def changed_since(self, version: int) -> PkiChanges:
        """The files written after `version`, and the counter they bring the copy to, read in
        one consistent view."""

        def read(connection: WorkConnection) -> PkiChanges:
            found = connection.execute(
                "SELECT version FROM shared_versions WHERE topic = ?", (PKI,)
            ).fetchone()
            rows = connection.execute(
                "SELECT path, content FROM pki_files WHERE version > ?", (version,)
            ).fetchall()
            return PkiChanges(
                0 if found is None else int(found[0]),
                {str(row[0]): None if row[1] is None else bytes(row[1]) for row in rows},
            )

        return await self._db.snapshot(read)


async def locked_version(connection: Connection) -> int:
    """The `pki` counter inside the caller's write transaction, its row held until the end of
    it: the instances that send or copy the PKI at once take turns (the second sees the
    first's files), as do two that start on a database without one (one makes it)."""
    cursor = await connection.execute(
        "INSERT INTO shared_versions (topic, version) VALUES (?, 0)"
        " ON CONFLICT (topic) DO UPDATE SET version = shared_versions.version RETURNING version",
        (PKI,),
    )
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def publish(connection: Connection, files: Mapping[str, bytes | None]) -> int:
    """Write changed files (None: removed) in the caller's write transaction, under a raised
    `pki` counter; the new counter."""
    await bump(connection, PKI)
    version = await current_version(connection, PKI)
    await connection.executemany(
        "INSERT INTO pki_files (path, content, version) VALUES (?, ?, ?)"
        " ON CONFLICT (path) DO UPDATE SET content = excluded.content,"
        " version = excluded.version",
        [(path, content, version) for path, content in sorted(files.items())],
    )
    return version
