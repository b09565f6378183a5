"""One storage interface, two dialects: the embedded SQLite file (the default) or a PostgreSQL
database that several instances share (`--database-url`); numbered migrations for both.

Repositories see only `Database`: `read`-side queries (`fetch_all`, `fetch_one`, `snapshot`),
write transactions (`write`, `transact`), with `?` placeholders and SQL that both engines take
(the differences live in `egovsim.storage.dialect`).
"""

from __future__ import annotations

import abc
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, TypeVar

from egovsim.config import Settings
from egovsim.storage.dialect import Dialect

T = TypeVar("T")

#: The database's file name in the data directory.
DATABASE_FILE = "egovsim.sqlite3"
MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)(\.postgresql)?\.sql$")
#: SQLite's page cache during a bulk load (KiB): the indexes it fills stay in memory.
BULK_CACHE_KIB = 256 * 1024
#: What a `--database-url` of PostgreSQL starts with.
POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")


class Row(Protocol):
    """A result row, by position or by column name (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...
    def keys(self) -> Iterable[str]: ...


class Cursor(Protocol):
    """What a statement in a `write()` block gives back."""

    @property
    def rowcount(self) -> int: ...
    async def fetchone(self) -> Row | None: ...
    async def fetchall(self) -> Sequence[Row]: ...


class Connection(Protocol):
    """The connection of a `write()` block, inside its transaction."""

    async def execute(self, sql: str, parameters: Iterable[Any] = ..., /) -> Cursor: ...
    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]], /) -> Any: ...


class WorkCursor(Protocol):
    """What a statement in a `transact()` or `snapshot()` work gives back."""

    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class WorkConnection(Protocol):
    """The connection a `transact()` or `snapshot()` work runs its statements on, blocking."""

    def execute(self, sql: str, parameters: Iterable[Any] = ..., /) -> WorkCursor: ...
    def executemany(self, sql: str, rows: Iterable[Iterable[Any]], /) -> Any: ...


class Listening(Protocol):
    """What `Database.listen` gives: whether it still hears, and how to stop it."""

    @property
    def alive(self) -> bool: ...
    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Use:
    """What a database's connections are doing at one moment (`/metrics`)."""

    #: Write transactions of this instance waiting for their turn.
    writers_waiting: int
    #: Write transactions of this instance under way (a group commit is one; SQLite has at
    #: most one, PostgreSQL several side by side).
    writing: int
    #: The pool's connections, open, idle and at most (PostgreSQL; None for SQLite's two).
    connections: int | None = None
    connections_idle: int | None = None
    connections_max: int | None = None


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered schema change, and its PostgreSQL form when the SQLite one is not enough."""

    version: int
    name: str
    sql: str
    postgresql: str | None = None


def bundled_migrations() -> list[Migration]:
    """The migrations shipped in `egovsim/storage/migrations/`, in order: `NNNN_name.sql` for
    both engines, and beside it `NNNN_name.postgresql.sql` where PostgreSQL needs its own."""
    sql: dict[tuple[int, str], str] = {}
    twins: dict[tuple[int, str], str] = {}
    for entry in resources.files("egovsim.storage").joinpath("migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match is None:
            continue
        key = (int(match.group(1)), match.group(2))
        (twins if match.group(3) else sql)[key] = entry.read_text("utf-8")
    if set(twins) - set(sql):
        raise RuntimeError(
            f"PostgreSQL migrations without their own: {sorted(set(twins) - set(sql))}"
        )
    found = [Migration(v, name, text, twins.get((v, name))) for (v, name), text in sql.items()]
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


def split_statements(script: str) -> list[str]:
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


def database_location(settings: Settings) -> Path | str:
    """Where `settings` keep the database: the PostgreSQL URL, or the SQLite file in the data
    directory."""
    return settings.database_url or settings.data_dir / DATABASE_FILE


def is_postgresql(location: Path | str) -> bool:
    """Whether a database location is a PostgreSQL URL."""
    return isinstance(location, str) and location.startswith(POSTGRESQL_SCHEMES)


def read_saved(location: Path | str, queries: Sequence[str]) -> list[list[Any]] | None:
    """The rows of each query, read without a running event loop (how the command line sees
    what a running server saved); None when there is no database yet or it cannot be read."""
    if is_postgresql(location):
        from egovsim.storage.postgres import read_once as read_postgresql

        return read_postgresql(str(location), queries)
    from egovsim.storage.sqlite import read_once as read_sqlite

    return read_sqlite(Path(location), queries)


class Database(abc.ABC):
    """An open database: `fetch_*` and `snapshot()` to read, `write()` and `transact()` to
    change it. SQLite runs one write transaction at a time; PostgreSQL runs them side by side,
    so a read-modify-write holds what it guards (`dialect.for_update`, `dialect.named_lock`, an
    upsert, or an `UPDATE … WHERE` that checks what it changes)."""

    dialect: Dialect

    @staticmethod
    async def open(location: Path | str, migrations: Iterable[Migration] | None = None) -> Database:
        """Open and migrate the database at `location`: a SQLite file (created if needed) or
        a `postgresql://` URL."""
        chosen = list(migrations) if migrations is not None else bundled_migrations()
        if is_postgresql(location):
            from egovsim.storage.postgres import PostgresDatabase

            return await PostgresDatabase.connect(str(location), chosen)
        from egovsim.storage.sqlite import SqliteDatabase

        return await SqliteDatabase.connect(Path(location), chosen)

    @property
    @abc.abstractmethod
    def described(self) -> str:
        """Which database this is, for logs and health pages (never a password)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close every connection (an unclosed one keeps the process alive)."""

    @abc.abstractmethod
    def write(self) -> AbstractAsyncContextManager[Connection]:
        """One write transaction: committed at the end of the block, rolled back on error."""

    def write_alone(self) -> AbstractAsyncContextManager[Connection]:
        """A write transaction that no other `write_alone()` runs beside, in any instance on
        the database (migrations, a reset): SQLite's every write is one."""
        return self.write()

    @abc.abstractmethod
    async def transact(self, work: Callable[[WorkConnection], T]) -> T:
        """Run `work` in one write transaction, off the event loop, in a single trip; its
        result, or its exception with nothing of it written. `work` must neither touch the
        event loop nor begin or end transactions itself."""

    @abc.abstractmethod
    async def snapshot(self, work: Callable[[WorkConnection], T]) -> T:
        """Run `work`'s queries in one read transaction (one consistent view), off the event
        loop, in a single trip. `work` must not write or touch the event loop."""

    async def listen(self, channel: str, heard: Callable[[str], object]) -> Listening | None:
        """Call `heard` with the payload of each announcement on `channel` (PostgreSQL's
        LISTEN, on a connection of its own) until closed; None where a database announces
        nothing (SQLite: the instances on one file read its counters instead)."""
        return None

    @contextlib.asynccontextmanager
    async def bulk_load(self) -> AsyncIterator[None]:
        """While rows made consistent elsewhere are copied in (`db fill`): checks and
        durability a bulk load does not need may be relaxed (SQLite's); restored after."""
        yield

    async def copy_in(self, tables: Sequence[tuple[str, Sequence[str], Sequence[Any]]]) -> None:
        """Write rows (`(table, columns, rows)`, in order) in one transaction, as fast as the
        engine takes many rows: `executemany` here; PostgreSQL's binary COPY."""
        sqlite = self.dialect == "sqlite"

        def work(connection: WorkConnection) -> None:
            # A bulk load touches the same index pages batch after batch: keep them in memory.
            if sqlite:
                connection.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
            for table, columns, rows in tables:
                if rows:
                    names = ", ".join(f'"{column}"' for column in columns)
                    marks = ", ".join("?" * len(columns))
                    connection.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

        await self.transact(work)

    @abc.abstractmethod
    def use(self) -> Use:
        """What its connections are doing now: the writers waiting and working, the pool."""

    @abc.abstractmethod
    async def trace(self, callback: Callable[[str], object] | None) -> None:
        """Call `callback` with each statement run (None stops it): how a test counts the
        queries a page costs."""

    @abc.abstractmethod
    async def fetch_all(self, sql: str, parameters: Iterable[Any] = ()) -> list[Row]:
        """Rows of a query."""

    async def fetch_one(self, sql: str, parameters: Iterable[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        return next(iter(await self.fetch_all(sql, parameters)), None)

    @abc.abstractmethod
    async def tables(self) -> list[str]:
        """The names of the schema's tables, sorted."""

    @abc.abstractmethod
    async def references(self) -> dict[str, set[str]]:
        """Each table's foreign keys: the tables it refers to (itself aside)."""

    @abc.abstractmethod
    async def empty(self, kept: Iterable[str]) -> dict[str, int]:
        """Delete every row of every table but `kept`, in one write transaction, ids starting
        again from 1; the rows removed from each table that had any."""

    @abc.abstractmethod
    async def ids_taken(self, tables: Iterable[str]) -> None:
        """After rows were written with ids chosen by the writer (a bulk copy): the next id
        each table gives is past them."""

    async def _migrate(self, migrations: list[Migration]) -> None:
        """Apply the migrations not recorded yet, in one write transaction (an instance that
        starts beside another waits for it, then finds nothing left to do)."""
        async with self.write_alone() as connection:
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            cursor = await connection.execute("SELECT version FROM schema_migrations")
            applied = {row[0] for row in await cursor.fetchall()}
            for migration in migrations:
                if migration.version in applied:
                    continue
                for statement in self._statements(migration):
                    await connection.execute(statement)
                await connection.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, datetime.now(UTC).isoformat()),
                )

    @abc.abstractmethod
    def _statements(self, migration: Migration) -> list[str]:
        """A migration's statements in this dialect."""

    async def applied_migrations(self) -> list[tuple[int, str]]:
        """(version, name) of every applied migration."""
        rows = await self.fetch_all("SELECT version, name FROM schema_migrations ORDER BY version")
        return [(row["version"], row["name"]) for row in rows]


@contextlib.asynccontextmanager
async def opened(location: Path | str) -> AsyncIterator[Database]:
    """The database at `location`, migrated, and closed at the end of the block."""
    database = await Database.open(location)
    try:
        yield database
    finally:
        await database.close()
