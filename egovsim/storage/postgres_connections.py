"""The PostgreSQL store's plumbing: asyncpg connections dressed as the storage interface's
connections (awaited, or blocking for `transact()` works on a worker thread), the side loop
whose pool runs those works' statements off the server's event loop, and the connection that
LISTENs for the other instances' announcements."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import asyncpg

from egovsim.storage.database import Row
from egovsim.storage.dialect import numbered_placeholders

T = TypeVar("T")

#: Connections of the side loop's pool: one for the group commit, the rest for snapshots.
SIDE_POOL_SIZE = 4
#: Seconds to reach the server before giving up.
CONNECT_TIMEOUT = 10.0
_RETURNS_ROWS = re.compile(r"^\s*(?:SELECT|WITH|VALUES)\b|\bRETURNING\b", re.IGNORECASE)
Tracer = Callable[[str], object] | None


async def run_statement(
    connection: asyncpg.Connection, sql: str, parameters: tuple[Any, ...], tracer: Tracer
) -> tuple[list[Any], int]:
    """One statement: its rows (if it returns any) and how many rows it touched."""
    if tracer is not None:
        tracer(sql)
    text = numbered_placeholders(sql)
    if _RETURNS_ROWS.search(text):
        rows = await connection.fetch(text, *parameters)
        return rows, len(rows)
    status = await connection.execute(text, *parameters)
    count = status.rsplit(" ", 1)[-1]
    return [], int(count) if count.isdigit() else -1


class Cursor:
    """A statement's rows and row count, for both the awaited and the blocking connection."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> Row | None:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> Sequence[Row]:
        return self._rows


class BlockingCursor:
    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return self._rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


class PgConnection:
    """The connection of a `write()` block."""

    def __init__(self, connection: asyncpg.Connection, tracer: Tracer) -> None:
        self._connection = connection
        self._tracer = tracer

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> Cursor:
        return Cursor(*await run_statement(self._connection, sql, tuple(parameters), self._tracer))

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        if self._tracer is not None:
            self._tracer(sql)
        await self._connection.executemany(numbered_placeholders(sql), [tuple(row) for row in rows])


class BlockingConnection:
    """The connection a work sees on its worker thread: each statement is run by the event
    loop on the transaction's connection, and waited for."""

    def __init__(self, connection: PgConnection, loop: asyncio.AbstractEventLoop) -> None:
        self._connection = connection
        self._loop = loop

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> BlockingCursor:
        coroutine = self._connection.execute(sql, parameters)
        cursor = asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()
        return BlockingCursor(cursor._rows, cursor.rowcount)

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        coroutine = self._connection.executemany(sql, list(rows))
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()


class SideLoop:
    """An event loop on a thread of its own with a pool of its own, where the statements of
    `transact()` and `snapshot()` works run (each work on a worker thread of this loop)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="egovsim-postgresql", daemon=True
        )
        self._pool: asyncpg.Pool | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        """The side loop's connections."""
        assert self._pool is not None, "the side loop is started by `start`"
        return self._pool

    async def start(self, url: str) -> None:
        """Run the loop and open its pool."""
        self._thread.start()

        async def opened() -> asyncpg.Pool:
            return await asyncpg.create_pool(
                url, min_size=1, max_size=SIDE_POOL_SIZE, timeout=CONNECT_TIMEOUT
            )

        self._pool = await self.call(opened())

    def call(self, coroutine: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
        """Run `coroutine` on the side loop, awaited from the caller's."""
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    async def stop(self) -> None:
        """Close the pool and end the loop and its thread."""
        if self._thread.is_alive():
            if self._pool is not None:
                await self.call(self._pool.close())
            await self.call(self.loop.shutdown_default_executor())
            self.loop.call_soon_threadsafe(self.loop.stop)
            await asyncio.to_thread(self._thread.join)
        self.loop.close()


class PgListening:
    """A connection of its own that LISTENs on one channel; dead once the server drops it (a
    restart), when the caller listens again."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    @classmethod
    async def open(cls, url: str, channel: str, heard: Callable[[str], object]) -> PgListening:
        """Connect to `url` and call `heard` with each payload announced on `channel`."""
        connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)

        def announced(_: object, __: int, ___: str, payload: str) -> None:
            heard(payload)

        try:
            await connection.add_listener(channel, announced)
        except BaseException:
            await connection.close()
            raise
        return cls(connection)

    @property
    def alive(self) -> bool:
        """Whether the connection still hears."""
        return not self._connection.is_closed()

    async def close(self) -> None:
        """Stop listening and close the connection."""
        if not self._connection.is_closed():
            await self._connection.close(timeout=CONNECT_TIMEOUT)
