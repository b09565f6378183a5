"""PostgreSQL, the store several instances share (`--database-url postgresql://…`): asyncpg with a
connection pool, behind the same interface as the SQLite file.

Write transactions of every instance run side by side: each read-modify-write holds the rows it
guards (`SELECT … FOR NO KEY UPDATE`, `INSERT … ON CONFLICT`, an `UPDATE … WHERE` that checks
what it changes), not the whole database. What must be alone (migrations, a reset, ids moved
past a bulk copy) holds one advisory lock (`ALONE_LOCK`) that only such writes take. A
transaction that PostgreSQL ends to break a deadlock, or that a snapshot conflict ends, is run
again (`RETRIED`).

A `transact()` or `snapshot()` work is plain blocking code written for one trip to SQLite's
thread. It runs on a worker thread, and its statements go to connections of their own driven by
an event loop of their own on another thread (`SideLoop`): never to the server's loop, where
each statement would wait its turn behind every request being answered. `transact()` works that
arrive while one commits are committed together (group commit, as on SQLite): one transaction
and one commit for the batch, each work in its own savepoint, so a failing work is rolled back
alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg

from egovsim.storage.database import (
    Connection,
    Database,
    Migration,
    Row,
    Use,
    WorkConnection,
    split_statements,
)
from egovsim.storage.dialect import postgresql_statements
from egovsim.storage.postgres_connections import (
    CONNECT_TIMEOUT,
    BlockingConnection,
    PgConnection,
    PgListening,
    SideLoop,
    Tracer,
    run_statement,
)

T = TypeVar("T")

#: The advisory lock of the writes that must be alone: migrations, a reset, ids moved after a
#: bulk copy ("egovsim" in ASCII). Other writes never take it.
ALONE_LOCK = 0x65676F7673696D
#: Connections in the pool.
POOL_SIZE = 8
#: `write()` blocks of this instance under way at once: the rest of the pool is for reads, so a
#: writer that waits for a row another holds never leaves the reads without a connection.
WRITERS = 4
#: SQLSTATEs of a transaction PostgreSQL ended for a conflict that running it again resolves:
#: a deadlock broken, a serialization failure.
RETRIED = frozenset({"40P01", "40001"})
#: How many times such a transaction (or a work of a group commit) is run again.
RETRIES = 5
#: The most works one group commit takes (the rest wait for the next).
GROUP_LIMIT = 256


def _commit_together(
    connection: BlockingConnection, works: list[Callable[[WorkConnection], Any]]
) -> list[tuple[bool, Any]]:
    """Run `works` in the transaction under way, each in a savepoint of its own (a lone work
    needs none: its failure rolls the transaction back); (True, result) or (False, exception)
    for each, in order. Runs on a worker thread of the side loop."""
    if len(works) == 1:
        return [(True, works[0](connection))]
    outcomes: list[tuple[bool, Any]] = []
    for work in works:
        for attempt in range(RETRIES + 1):
            connection.execute("SAVEPOINT work")
            try:
                outcome: tuple[bool, Any] = (True, work(connection))
            except Exception as error:
                connection.execute("ROLLBACK TO SAVEPOINT work")
                outcome = (False, error)
            connection.execute("RELEASE SAVEPOINT work")
            # A work that PostgreSQL chose to break a deadlock gave its rows back with its
            # savepoint: the others of the batch keep theirs, and it runs again.
            if outcome[0] or not retried(outcome[1]) or attempt == RETRIES:
                break
        outcomes.append(outcome)
    return outcomes


def retried(error: BaseException) -> bool:
    """Whether `error` ended a transaction that runs again as it was (a deadlock broken)."""
    return getattr(error, "sqlstate", None) in RETRIED


class PostgresDatabase(Database):
    """A PostgreSQL database reached through a pool of asyncpg connections."""

    dialect = "postgresql"

    def __init__(self, url: str, pool: asyncpg.Pool, side: SideLoop) -> None:
        self.url = url
        self._pool = pool
        self._side = side
        self._tracer: Tracer = None
        self._writers = asyncio.Semaphore(WRITERS)
        self._writing = 0
        #: Works waiting for the next group commit, the task that commits them, and how many
        #: the commit under way holds.
        self._queued: list[tuple[Callable[[WorkConnection], Any], asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None
        self._committing = 0

    @classmethod
    async def connect(cls, url: str, migrations: list[Migration]) -> PostgresDatabase:
        """Connect to `url` and bring its schema up to date (one instance migrates; the others
        wait for it on the lock of the writes that must be alone)."""
        pool = await asyncpg.create_pool(
            url, min_size=1, max_size=POOL_SIZE, timeout=CONNECT_TIMEOUT
        )
        side = SideLoop()
        database = cls(url, pool, side)
        try:
            await side.start(url)
            await database._migrate(migrations)
        except BaseException:
            await side.stop()
            await pool.close()
            raise
        return database

    @property
    def described(self) -> str:
        """Host, port and database, without user or password."""
        parts = urlsplit(self.url)
        return f"PostgreSQL {parts.hostname}:{parts.port or 5432}{parts.path}"

    def _statements(self, migration: Migration) -> list[str]:
        """With the column types and the triggers turned into PostgreSQL's (from its own form
        of the migration where it has one)."""
        script = migration.sql if migration.postgresql is None else migration.postgresql
        return [
            turned
            for statement in split_statements(script)
            for turned in postgresql_statements(statement)
        ]

    async def close(self) -> None:
        """Close the pools' connections (after the group commit under way, if any)."""
        if self._committer is not None:
            with contextlib.suppress(Exception):
                await self._committer
        await self._side.stop()
        await self._pool.close()

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[Connection]:
        """A write transaction beside the others (each holds the rows it changes): committed at
        the end, rolled back on error."""
        # Writers of this instance queue here, not in the pool: writers waiting for a row while
        # holding every connection would leave none for the reads the row's holder makes.
        async with self._writers, self._pool.acquire() as connection, connection.transaction():
            self._writing += 1
            try:
                yield PgConnection(connection, self._tracer)
            finally:
                self._writing -= 1

    @contextlib.asynccontextmanager
    async def write_alone(self) -> AsyncIterator[Connection]:
        """A write transaction that no other `write_alone()` of any instance runs beside."""
        async with self.write() as connection:
            await connection.execute("SELECT pg_advisory_xact_lock(?)", (ALONE_LOCK,))
            yield connection

    async def transact(self, work: Callable[[WorkConnection], T]) -> T:
        """`work` in a write transaction, with the works that arrive
        while one commits (group commit, each in its own savepoint); its result, or its
        exception with nothing of it written."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queued.append((work, future))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_queued())
        result: T = await future
        return result

    async def _commit_queued(self) -> None:
        while self._queued:
            batch = self._queued[:GROUP_LIMIT]
            self._queued = self._queued[GROUP_LIMIT:]
            self._committing = len(batch)
            try:
                outcomes = await self._side.call(self._commit([work for work, _ in batch]))
            except BaseException as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                if not isinstance(error, Exception):
                    raise
                continue
            finally:
                self._committing = 0
            for (_, future), (done, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if done:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    async def _commit(self, works: list[Callable[[WorkConnection], Any]]) -> list[tuple[bool, Any]]:
        """One transaction for `works`, on the side loop (a lone work that fails rolls it back
        and is its only outcome)."""
        loop = asyncio.get_running_loop()
        for attempt in range(RETRIES + 1):
            try:
                async with self._side.pool.acquire() as connection, connection.transaction():
                    blocking = BlockingConnection(PgConnection(connection, self._tracer), loop)
                    return await loop.run_in_executor(None, _commit_together, blocking, works)
            except Exception as error:
                # A lone work (no savepoint) that PostgreSQL chose to break a deadlock, or a
                # commit that failed so, took the whole transaction with it: run it again.
                if retried(error) and attempt < RETRIES:
                    continue
                if len(works) == 1:
                    return [(False, error)]
                raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def snapshot(self, work: Callable[[WorkConnection], T]) -> T:
        """`work` in a read-only transaction that sees one moment of the database."""
        result: T = await self._side.call(self._snapshot(work))
        return result

    async def _snapshot(self, work: Callable[[WorkConnection], T]) -> T:
        loop = asyncio.get_running_loop()
        async with (
            self._side.pool.acquire() as connection,
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            blocking = BlockingConnection(PgConnection(connection, self._tracer), loop)
            return await loop.run_in_executor(None, work, blocking)

    async def copy_in(self, tables: Sequence[tuple[str, Sequence[str], Sequence[Any]]]) -> None:
        """The rows in one transaction with binary COPY, table by table, on the side loop."""

        async def copy() -> None:
            async with self._side.pool.acquire() as connection, connection.transaction():
                for table, columns, rows in tables:
                    if rows:
                        await connection.copy_records_to_table(
                            table, records=rows, columns=list(columns)
                        )

        await self._side.call(copy())

    async def listen(self, channel: str, heard: Callable[[str], object]) -> PgListening:
        """Call `heard` with each payload NOTIFYed on `channel`, on a connection of its own."""
        return await PgListening.open(self.url, channel, heard)

    def use(self) -> Use:
        """The works queued for the next group commit and under way, and both pools'
        connections (the server loop's and the side loop's)."""
        side = self._side.pool
        return Use(
            writers_waiting=len(self._queued),
            writing=int(self._committing > 0) + self._writing,
            connections=self._pool.get_size() + side.get_size(),
            connections_idle=self._pool.get_idle_size() + side.get_idle_size(),
            connections_max=self._pool.get_max_size() + side.get_max_size(),
        )

    async def trace(self, callback: Callable[[str], object] | None) -> None:
        """Call `callback` with each statement this database runs from now (None stops it)."""
        self._tracer = callback

    async def fetch_all(self, sql: str, parameters: Iterable[Any] = ()) -> list[Row]:
        """Rows of a query, on any connection of the pool."""
        async with self._pool.acquire() as connection:
            rows, _ = await run_statement(connection, sql, tuple(parameters), self._tracer)
        return rows

    async def tables(self) -> list[str]:
        """The tables of the connection's schema."""
        rows = await self.fetch_all(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            " ORDER BY table_name"
        )
        return [str(row[0]) for row in rows]

    async def references(self) -> dict[str, set[str]]:
        """From the catalogue's foreign-key constraints of the connection's schema."""
        found: dict[str, set[str]] = {table: set() for table in await self.tables()}
        rows = await self.fetch_all(
            "SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k"
            " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid"
            " WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace"
        )
        for row in rows:
            if row["child"] in found and row["child"] != row["parent"]:
                found[row["child"]].add(str(row["parent"]))
        return found

    async def empty(self, kept: Iterable[str]) -> dict[str, int]:
        """Counted, then emptied with one TRUNCATE (which fires no row trigger, so the
        append-only rules stay on) that restarts the identities."""
        tables = [table for table in await self.tables() if table not in set(kept)]
        rows: dict[str, int] = {}
        async with self.write_alone() as connection:
            for table in tables:
                cursor = await connection.execute(f'SELECT COUNT(*) FROM "{table}"')
                found = await cursor.fetchone()
                if found is not None and found[0]:
                    rows[table] = int(found[0])
            if tables:
                names = ", ".join(f'"{table}"' for table in tables)
                await connection.execute(f"TRUNCATE {names} RESTART IDENTITY")
        return rows

    async def ids_taken(self, tables: Iterable[str]) -> None:
        """Move each table's identity (where its `id` has one) past the largest id written."""
        async with self.write_alone() as connection:
            for table in tables:
                cursor = await connection.execute(
                    "SELECT pg_get_serial_sequence(?, 'id')", (f'"{table}"',)
                )
                found = await cursor.fetchone()
                if found is None or found[0] is None:
                    continue
                await connection.execute(
                    f'SELECT setval(?, COALESCE(MAX(id), 0) + 1, false) FROM "{table}"',
                    (found[0],),
                )


def read_once(url: str, queries: Sequence[str]) -> list[list[Any]] | None:
    """The rows of each query, on a connection of its own opened and closed on a thread of
    its own (so it works with or without an event loop running here); None if unreachable."""

    async def read() -> list[list[Any]]:
        connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
        try:
            return [list(await connection.fetch(query)) for query in queries]
        finally:
            await connection.close()

    found: list[list[list[Any]] | None] = [None]

    def run() -> None:
        try:
            found[0] = asyncio.run(read())
        except (OSError, asyncpg.PostgresError, TimeoutError):
            found[0] = None

    thread = threading.Thread(target=run, name="egovsim-read-once")
    thread.start()
    thread.join()
    return found[0]
