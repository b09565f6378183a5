"""The embedded SQLite database (the default dialect): WAL mode, foreign keys, one writer.

Reads go through their own connection (WAL lets them run beside a write); every write goes
through `Database.write()`, one at a time, in a `BEGIN IMMEDIATE` transaction, so a write never
fails half-way for a lock another write holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from egovsim.storage.bodies import sha256
from egovsim.storage.database import (
    Connection,
    Database,
    Migration,
    Row,
    Use,
    WorkConnection,
    split_statements,
)

T = TypeVar("T")


def _announce_nothing(channel: str, payload: str) -> None:
    """SQLite's stand-in for PostgreSQL's `pg_notify` (see `shared_versions.CHANNEL`)."""


async def _configure(connection: aiosqlite.Connection) -> None:
    connection.row_factory = aiosqlite.Row
    # The migrations find a body by its digest, as PostgreSQL's own sha256() does.
    await connection.create_function("sha256", 1, sha256, deterministic=True)
    # A raised shared counter is announced on PostgreSQL; instances on one SQLite file read
    # the counters instead, so the announcement is nothing here.
    await connection.create_function("pg_notify", 2, _announce_nothing)
    await connection.execute("PRAGMA foreign_keys = ON")
    await connection.execute("PRAGMA busy_timeout = 5000")


class SqliteDatabase(Database):
    """A SQLite file: a reading connection, and a writing one that takes one write at a time."""

    dialect = "sqlite"

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        #: Works waiting for the next group commit, and the task that commits them.
        self._queued: list[tuple[Callable[[WorkConnection], Any], asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, path: Path, migrations: list[Migration]) -> SqliteDatabase:
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
            await database._migrate(migrations)
        except BaseException:
            await writer.close()
            await reader.close()
            raise
        return database

    @property
    def described(self) -> str:
        """The file's path."""
        return f"SQLite {self.path}"

    def _statements(self, migration: Migration) -> list[str]:
        return split_statements(migration.sql)

    async def close(self) -> None:
        """Close both connections (an unclosed aiosqlite connection keeps the process alive)."""
        await self._reader.close()
        await self._writer.close()

    @contextlib.asynccontextmanager
    async def bulk_load(self) -> AsyncIterator[None]:
        """Foreign keys unchecked (the copies' keys are chosen together: each check would be a
        lookup per row for nothing) and no sync at commits (a crashed fill is done again, not
        recovered); both set outside a transaction, as SQLite requires."""
        async with self._write_lock:
            await self._writer.execute("PRAGMA foreign_keys = OFF")
            await self._writer.execute("PRAGMA synchronous = OFF")
        try:
            yield
        finally:
            async with self._write_lock:
                await self._writer.execute("PRAGMA synchronous = NORMAL")
                await self._writer.execute("PRAGMA foreign_keys = ON")

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[Connection]:
        """One write transaction at a time: BEGIN IMMEDIATE, COMMIT, or ROLLBACK on error."""
        async with self._write_lock:
            # BEGIN runs on the connection's thread however the caller fares: a caller
            # cancelled while it ran must not leave the writer inside a transaction that
            # every later write would then fail to begin.
            begun = asyncio.ensure_future(self._writer.execute("BEGIN IMMEDIATE"))
            try:
                await asyncio.shield(begun)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await begun
                    await self._writer.execute("ROLLBACK")
                raise
            try:
                yield cast(Connection, self._writer)
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    async def transact(self, work: Callable[[WorkConnection], T]) -> T:
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

    async def snapshot(self, work: Callable[[WorkConnection], T]) -> T:
        """Run `work`'s queries on the reading connection in one read transaction (one
        consistent view of the database), on its thread, in a single trip there and back.

        For answers that read several tables: each awaited query waits its turn on a busy
        event loop. `work` runs outside the event loop and must not write or touch the loop.
        """

        def in_snapshot(connection: sqlite3.Connection) -> T:
            connection.execute("BEGIN")
            try:
                return work(cast(WorkConnection, connection))
            finally:
                connection.execute("COMMIT")  # ends the read transaction; nothing was written

        run, connection = self._reader._execute, self._reader._conn
        result: T = await run(in_snapshot, connection)  # type: ignore[no-untyped-call]
        return result

    def use(self) -> Use:
        """The works queued for the next group commit, and whether a write is under way."""
        return Use(writers_waiting=len(self._queued), writing=int(self._write_lock.locked()))

    async def trace(self, callback: Callable[[str], object] | None) -> None:
        """Call `callback` with each statement either connection runs (None stops it): how a
        test counts the queries a page costs."""
        for connection in (self._reader, self._writer):
            # On the connection's own thread, where sqlite3 lets it be changed.
            run = connection._execute
            await run(connection._conn.set_trace_callback, callback)  # type: ignore[no-untyped-call]

    async def fetch_all(self, sql: str, parameters: Iterable[Any] = ()) -> list[Row]:
        """Rows of a query on the reading connection."""
        return list(await self._reader.execute_fetchall(sql, tuple(parameters)))

    async def tables(self) -> list[str]:
        """The schema's tables (SQLite's own aside)."""
        rows = await self.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
        return [str(row[0]) for row in rows]

    async def references(self) -> dict[str, set[str]]:
        """From each table's `PRAGMA foreign_key_list`."""
        found: dict[str, set[str]] = {}
        for table in await self.tables():
            keys = await self.fetch_all(f'PRAGMA foreign_key_list("{table}")')
            found[table] = {str(key["table"]) for key in keys} - {table}
        return found

    async def empty(self, kept: Iterable[str]) -> dict[str, int]:
        """The triggers that refuse a DELETE are dropped and made again from their own SQL
        inside the same transaction, so no moment exists where the rule is off for anyone
        else. Foreign keys are checked at the commit, when every table is empty, so the order
        of deletes does not matter. AUTOINCREMENT counters start again from 1."""
        rows: dict[str, int] = {}
        async with self.write() as connection:
            await connection.execute("PRAGMA defer_foreign_keys = ON")
            cursor = await connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            )
            triggers = [(str(name), str(sql)) for name, sql in await cursor.fetchall()]
            cursor = await connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
            tables = [str(name) for (name,) in await cursor.fetchall() if name not in kept]
            for name, _ in triggers:
                await connection.execute(f'DROP TRIGGER "{name}"')
            for table in tables:
                cursor = await connection.execute(f'DELETE FROM "{table}"')
                if cursor.rowcount:
                    rows[table] = cursor.rowcount
            cursor = await connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
            )
            if await cursor.fetchone() is not None:
                await connection.execute("DELETE FROM sqlite_sequence")
            for _, sql in triggers:
                await connection.execute(sql)
        return rows

    async def ids_taken(self, tables: Iterable[str]) -> None:
        """Nothing to do: SQLite's next rowid is always past the largest."""


def _commit_together(
    connection: sqlite3.Connection, works: list[Callable[[WorkConnection], Any]]
) -> list[tuple[bool, Any]]:
    """Run `works` in one BEGIN IMMEDIATE transaction, each in a savepoint of its own; (True,
    result) or (False, exception) for each, in order. Runs on the database's thread."""
    outcomes: list[tuple[bool, Any]] = []
    connection.execute("BEGIN IMMEDIATE")
    try:
        for work in works:
            connection.execute("SAVEPOINT work")
            try:
                outcomes.append((True, work(cast(WorkConnection, connection))))
            except Exception as error:
                connection.execute("ROLLBACK TO work")
                outcomes.append((False, error))
            connection.execute("RELEASE work")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return outcomes


def read_once(path: Path, queries: Sequence[str]) -> list[list[Any]] | None:
    """The rows of each query from the file at `path`, opened read-only; None without one."""
    if not path.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            return [connection.execute(query).fetchall() for query in queries]
    except sqlite3.Error:
        return None
