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

from egovsim.storage.bodies import sha256

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
    # The migrations find a body by its digest, as PostgreSQL's own sha256() does.
    await connection.create_function("sha256", 1, sha256, deterministic=True)
    await connection.execute("PRAGMA foreign_keys = ON")
    await connection.execute("PRAGMA busy_timeout = 5000")


class Database:
    """An open database: `read()` for queries, `write()` for transactions."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        #: Works waiting for the next group commit, and the task that commits them.
        self._queued: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None

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
        """Run `work` on the writing connection in a BEGIN IMMEDIATE transaction, on the
        database's own thread, in a single trip there and back; its result, or its exception
        with nothing of it written.

        For hot paths: each awaited statement of `write()` waits its turn on a busy event loop,
        so a transaction of four statements takes four turns; this one takes one. Works that
        arrive while one is committing are committed together, each in its own savepoint
        (group commit): a failing work is rolled back alone. `work` runs outside the event
        loop and must neither touch it nor begin or end transactions itself.
        """
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queued.append((work, future))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_queued())
        result: T = await future
        return result

    async def _commit_queued(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            try:
                async with self._write_lock:
                    # aiosqlite runs a function on its connection's thread with `_execute`; it
                    # has no public name for it (pinned in pyproject.toml, held by the tests).
                    run, connection = self._writer._execute, self._writer._conn
                    works = [work for work, _ in batch]
                    outcomes = await run(_commit_together, connection, works)  # type: ignore[no-untyped-call]
            except BaseException as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                if not isinstance(error, Exception):
                    raise
                continue
            for (_, future), (done, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if done:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    async def snapshot(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work`'s queries on the reading connection in one read transaction (one
        consistent view of the database), on its thread, in a single trip there and back.

        For answers that read several tables: each awaited query waits its turn on a busy
        event loop. `work` runs outside the event loop and must not write or touch the loop.
        """

        def in_snapshot(connection: sqlite3.Connection) -> T:
            connection.execute("BEGIN")
            try:
                return work(connection)
            finally:
                connection.execute("COMMIT")  # ends the read transaction; nothing was written

        run, connection = self._reader._execute, self._reader._conn
        result: T = await run(in_snapshot, connection)  # type: ignore[no-untyped-call]
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


def _commit_together(
    connection: sqlite3.Connection, works: list[Callable[[sqlite3.Connection], Any]]
) -> list[tuple[bool, Any]]:
    """Run `works` in one BEGIN IMMEDIATE transaction, each in a savepoint of its own; (True,
    result) or (False, exception) for each, in order. Runs on the database's thread."""
    outcomes: list[tuple[bool, Any]] = []
    connection.execute("BEGIN IMMEDIATE")
    try:
        for work in works:
            connection.execute("SAVEPOINT work")
            try:
                outcomes.append((True, work(connection)))
            except Exception as error:
                connection.execute("ROLLBACK TO work")
                outcomes.append((False, error))
            connection.execute("RELEASE work")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return outcomes


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
