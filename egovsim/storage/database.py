"""The embedded SQLite database: WAL mode, foreign keys, numbered migrations, one writer.

Reads go through their own connection (WAL lets them run beside a write); every write goes
through `Database.write()`, one at a time, in a `BEGIN IMMEDIATE` transaction, so a write never
fails half-way for a lock another write holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")

#: The database's file name in the data directory.
DATABASE_FILE = "egovsim.sqlite3"
MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered schema change."""

    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    """The migrations shipped in `egovsim/storage/migrations/`, in order."""
    found = []
    for entry in resources.files("egovsim.storage").joinpath("migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match is None:
            continue
        found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


async def _configure(connection: aiosqlite.Connection) -> None:
    connection.row_factory = aiosqlite.Row
    await connection.execute("PRAGMA foreign_keys = ON")
    await connection.execute("PRAGMA busy_timeout = 5000")


class Database:
    """An open database: `read()` for queries, `write()` for transactions."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, migrations: Iterable[Migration] | None = None) -> Database:
        """Open (creating if needed) and migrate the database at `path`."""
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await aiosqlite.connect(path, isolation_level=None)
        try:
            await _configure(writer)
            await writer.execute("PRAGMA journal_mode = WAL")
            await writer.execute("PRAGMA synchronous = NORMAL")
            reader = await aiosqlite.connect(path, isolation_level=None)
        except BaseException:
            await writer.close()
            raise
        try:
            await _configure(reader)
            database = cls(path, writer, reader)
            await database._migrate(list(migrations) if migrations else bundled_migrations())
        except BaseException:
            await writer.close()
            await reader.close()
            raise
        return database

    async def close(self) -> None:
        """Close both connections (an unclosed aiosqlite connection keeps the process alive)."""
        await self._reader.close()
        await self._writer.close()

    async def _migrate(self, migrations: list[Migration]) -> None:
        async with self.write() as connection:
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            cursor = await connection.execute("SELECT version FROM schema_migrations")
            applied = {row[0] for row in await cursor.fetchall()}
            for migration in migrations:
                if migration.version in applied:
                    continue
                for statement in _statements(migration.sql):
                    await connection.execute(statement)
                await connection.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, datetime.now(UTC).isoformat()),
                )

    async def applied_migrations(self) -> list[tuple[int, str]]:
        """(version, name) of every applied migration."""
        rows = await self.fetch_all("SELECT version, name FROM schema_migrations ORDER BY version")
        return [(row["version"], row["name"]) for row in rows]

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction at a time: BEGIN IMMEDIATE, COMMIT, or ROLLBACK on error."""
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    async def transact(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` on the writing connection in one BEGIN IMMEDIATE transaction, on the
        database's own thread, in a single trip there and back.

        For hot paths: each awaited statement of `write()` waits its turn on a busy event loop,
        so a transaction of four statements takes four turns; this one takes one. `work` runs
        outside the event loop and must not touch it.
        """

        def in_transaction(connection: sqlite3.Connection) -> T:
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = work(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            return result

        async with self._write_lock:
            # aiosqlite runs a function on its connection's thread with `_execute`; it has no
            # public name for it (pinned in pyproject.toml, held by the storage tests).
            run, connection = self._writer._execute, self._writer._conn
            result: T = await run(in_transaction, connection)  # type: ignore[no-untyped-call]
            return result

    async def trace(self, callback: Callable[[str], object] | None) -> None:
        """Call `callback` with each statement either connection runs (None stops it): how a
        test counts the queries a page costs."""
        for connection in (self._reader, self._writer):
            # On the connection's own thread, where sqlite3 lets it be changed.
            run = connection._execute
            await run(connection._conn.set_trace_callback, callback)  # type: ignore[no-untyped-call]

    async def fetch_all(self, sql: str, parameters: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Rows of a query on the reading connection."""
        return list(await self._reader.execute_fetchall(sql, tuple(parameters)))

    async def fetch_one(self, sql: str, parameters: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a query, or None."""
        rows = await self._reader.execute_fetchall(sql, tuple(parameters))
        return next(iter(rows), None)


def _statements(script: str) -> list[str]:
    """Split a migration into complete statements (a trigger's body keeps its semicolons)."""
    statements = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in pending.splitlines()
    ):
        raise RuntimeError(f"an incomplete statement ends the migration: {pending.strip()[:60]}")
    return statements
