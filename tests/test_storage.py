"""The storage interface on both dialects (the test id says which: [sqlite] or [postgresql]):
numbered migrations recorded, foreign keys, one writer at a time, transactions in one trip;
and SQLite's own: WAL, group commit."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from egovsim.storage.database import Database, Migration, WorkConnection, bundled_migrations
from egovsim.storage.dialect import for_update, named_lock
from tests.conftest import BOTH_DATABASES

both = pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)
#: A unique or foreign key refused, as each driver says it.
INTEGRITY = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)


async def test_a_new_database_is_migrated_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    database = await Database.open(tmp_path / "egovsim.sqlite3")
    try:
        applied = await database.applied_migrations()
        assert applied == [(m.version, m.name) for m in bundled_migrations()]
        mode = await database.fetch_one("PRAGMA journal_mode")
        assert mode is not None and mode[0] == "wal"
        keys = await database.fetch_one("PRAGMA foreign_keys")
        assert keys is not None and keys[0] == 1
    finally:
        await database.close()


@both
async def test_reopening_applies_only_new_migrations(database_location) -> None:
    path = database_location
    first = [Migration(1, "one", "CREATE TABLE a (x INTEGER);")]
    database = await Database.open(path, first)
    await database.close()
    second = [*first, Migration(2, "two", "CREATE TABLE b (y INTEGER);")]
    database = await Database.open(path, second)
    try:
        assert await database.applied_migrations() == [(1, "one"), (2, "two")]
    finally:
        await database.close()


@both
async def test_a_failed_write_leaves_nothing_behind(database_location) -> None:
    database = await Database.open(
        database_location, [Migration(1, "t", "CREATE TABLE t (x INTEGER UNIQUE);")]
    )
    try:
        with pytest.raises(RuntimeError):
            async with database.write() as connection:
                await connection.execute("INSERT INTO t VALUES (1)")
                raise RuntimeError("half-way")
        assert await database.fetch_all("SELECT * FROM t") == []
    finally:
        await database.close()


@both
async def test_read_modify_writes_that_hold_what_they_read_lose_no_update(
    database_location: Path | str,
) -> None:
    database = await Database.open(
        database_location,
        [
            Migration(
                1,
                "t",
                "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);\n"
                "CREATE TABLE t (n INTEGER UNIQUE);",
            )
        ],
    )
    held = for_update(database.dialect)
    lock = named_lock(database.dialect, "t numbering")

    async def bump() -> None:
        async with database.write() as connection:
            cursor = await connection.execute(f"SELECT n FROM counter WHERE id = 1{held}")
            (n,) = await cursor.fetchone()  # type: ignore[misc]
            await asyncio.sleep(0)  # let the others try to write in between
            await connection.execute("UPDATE counter SET n = ? WHERE id = 1", (n + 1,))

    async def number() -> None:
        async with database.write() as connection:
            if lock is not None:
                await connection.execute(*lock)
            cursor = await connection.execute("SELECT COUNT(*) FROM t")
            (count,) = await cursor.fetchone()  # type: ignore[misc]
            await asyncio.sleep(0)
            await connection.execute("INSERT INTO t VALUES (?)", (count,))

    try:
        async with database.write() as connection:
            await connection.execute("INSERT INTO counter (id, n) VALUES (1, 0)")
        await asyncio.gather(*(bump() for _ in range(20)), *(number() for _ in range(20)))
        rows = await database.fetch_all("SELECT n FROM t ORDER BY n")
        assert [row["n"] for row in rows] == list(range(20))
        assert (await database.fetch_one("SELECT n FROM counter"))["n"] == 20  # type: ignore[index]
    finally:
        await database.close()


async def test_postgresql_writes_to_different_rows_run_side_by_side(postgres_url: str) -> None:
    database = await Database.open(
        postgres_url, [Migration(1, "t", "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);")]
    )
    try:
        async with database.write() as connection:
            await connection.executemany("INSERT INTO t VALUES (?, 0)", [(1,), (2,)])
        first_holds = asyncio.Event()
        second_done = asyncio.Event()

        async def first() -> None:
            async with database.write() as connection:
                await connection.execute("UPDATE t SET n = 1 WHERE id = 1")
                first_holds.set()
                # Still open: with one lock for every write, the second would wait for this.
                await asyncio.wait_for(second_done.wait(), 10)

        async def second() -> None:
            await first_holds.wait()
            await database.transact(
                lambda connection: connection.execute("UPDATE t SET n = 2 WHERE id = 2")
            )
            second_done.set()

        await asyncio.gather(first(), second())
        rows = await database.fetch_all("SELECT id, n FROM t ORDER BY id")
        assert [(row["id"], row["n"]) for row in rows] == [(1, 1), (2, 2)]
    finally:
        await database.close()


@both
async def test_a_transaction_in_one_trip_commits_or_leaves_nothing(
    database_location: Path | str,
) -> None:
    database = await Database.open(
        database_location, [Migration(1, "t", "CREATE TABLE t (x INTEGER UNIQUE);")]
    )

    def insert(values: list[int]):  # type: ignore[no-untyped-def]
        def work(connection: WorkConnection) -> int:
            connection.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
            return int(connection.execute("SELECT COUNT(*) FROM t").fetchone()[0])

        return work

    try:
        assert await database.transact(insert([1, 2])) == 2
        with pytest.raises(INTEGRITY):
            await database.transact(insert([3, 1]))  # 3 goes in, 1 is taken: all rolled back
        assert [row["x"] for row in await database.fetch_all("SELECT x FROM t")] == [1, 2]
    finally:
        await database.close()


@both
async def test_transactions_in_one_trip_and_write_blocks_holding_one_lock_take_turns(
    database_location: Path | str,
) -> None:
    database = await Database.open(
        database_location, [Migration(1, "t", "CREATE TABLE t (n INTEGER UNIQUE);")]
    )
    lock = named_lock(database.dialect, "t numbering")

    def bump_now(connection: WorkConnection) -> None:
        if lock is not None:
            connection.execute(*lock)
        (count,) = connection.execute("SELECT COUNT(*) FROM t").fetchone()
        connection.execute("INSERT INTO t VALUES (?)", (count,))

    async def bump_in_steps() -> None:
        async with database.write() as connection:
            if lock is not None:
                await connection.execute(*lock)
            cursor = await connection.execute("SELECT COUNT(*) FROM t")
            (count,) = await cursor.fetchone()  # type: ignore[misc]
            await asyncio.sleep(0)
            await connection.execute("INSERT INTO t VALUES (?)", (count,))

    try:
        await asyncio.gather(
            *(bump_in_steps() if i % 2 else database.transact(bump_now) for i in range(20))
        )
        rows = await database.fetch_all("SELECT n FROM t ORDER BY n")
        assert [row["n"] for row in rows] == list(range(20))
    finally:
        await database.close()


async def test_transactions_arriving_together_commit_together_and_fail_alone(tmp_path) -> None:
    database = await Database.open(
        tmp_path / "db.sqlite3", [Migration(1, "t", "CREATE TABLE t (x INTEGER UNIQUE);")]
    )
    begun: list[str] = []
    await database._writer.set_trace_callback(
        lambda sql: begun.append(sql) if sql.startswith("BEGIN") else None
    )

    def insert(values: list[int]):  # type: ignore[no-untyped-def]
        def work(connection: sqlite3.Connection) -> int:
            connection.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
            return values[0]

        return work

    try:
        works = [insert([n]) for n in range(1, 20)] + [insert([100, 1])]  # the last one fails
        outcomes = await asyncio.gather(
            *(database.transact(w) for w in works), return_exceptions=True
        )
        assert outcomes[:19] == list(range(1, 20))
        assert isinstance(outcomes[19], sqlite3.IntegrityError)
        rows = await database.fetch_all("SELECT x FROM t ORDER BY x")
        assert [row["x"] for row in rows] == list(range(1, 20))  # 100 was rolled back alone
        assert len(begun) <= 2  # one transaction for the burst (two if the first went alone)
    finally:
        await database.close()


@both
async def test_a_snapshot_reads_several_tables_in_one_trip(database_location) -> None:
    database = await Database.open(
        database_location,
        [Migration(1, "t", "CREATE TABLE a (x INTEGER);\nCREATE TABLE b (y INTEGER);")],
    )

    def both_counts(connection: WorkConnection) -> tuple[int, int]:
        (a,) = connection.execute("SELECT COUNT(*) FROM a").fetchone()
        (b,) = connection.execute("SELECT COUNT(*) FROM b").fetchone()
        return a, b

    try:
        async with database.write() as connection:
            await connection.execute("INSERT INTO a VALUES (1)")
        assert await database.snapshot(both_counts) == (1, 0)
        assert await database.fetch_all("SELECT x FROM a")  # the reader is usable after it
    finally:
        await database.close()


@both
async def test_foreign_keys_refuse_an_orphan(database_location) -> None:
    database = await Database.open(database_location)
    try:
        with pytest.raises(INTEGRITY, match=r"(?i)foreign key"):
            async with database.write() as connection:
                await connection.execute(
                    "INSERT INTO staff (provider_id, login, password_hash, role, name, iin)"
                    " VALUES ('nobody', 'x', 'h', 'office', 'X', '1')"
                )
    finally:
        await database.close()


async def test_a_write_cancelled_while_it_begins_leaves_the_writer_free(tmp_path) -> None:
    database = await Database.open(
        tmp_path / "t.sqlite3", [Migration(1, "t", "CREATE TABLE t (x INTEGER UNIQUE);")]
    )
    try:

        async def write_one() -> None:
            async with database.write() as connection:
                await connection.execute("INSERT INTO t VALUES (1)")

        # Cancelled at once: the BEGIN is on the database's thread already, or about to be.
        for _ in range(20):
            task = asyncio.create_task(write_one())
            await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        async with database.write() as connection:
            await connection.execute("INSERT INTO t VALUES (2)")
        assert [tuple(row) for row in await database.fetch_all("SELECT x FROM t")] == [(2,)]
    finally:
        await database.close()


@both
async def test_rows_copied_in_bulk_come_back_as_written_with_their_types(
    database_location: Path | str,
) -> None:
    database = await Database.open(
        database_location,
        [
            Migration(
                1,
                "t",
                "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT NOT NULL, size REAL,"
                " body BLOB);\n"
                "CREATE TABLE b (a_id INTEGER NOT NULL REFERENCES a (id), n INTEGER);",
            )
        ],
    )
    rows = [(n, f"name {n}", n / 4, bytes([n % 256]) if n % 2 else None) for n in range(1, 501)]
    try:
        await database.copy_in(
            [("a", ["id", "name", "size", "body"], rows), ("b", ["a_id", "n"], [(7, 1), (9, 2)])]
        )
        found = await database.fetch_all("SELECT id, name, size, body FROM a ORDER BY id")
        assert [
            (r["id"], r["name"], r["size"], None if r["body"] is None else bytes(r["body"]))
            for r in found
        ] == rows
        assert [tuple(r) for r in await database.fetch_all("SELECT a_id, n FROM b")] == [
            (7, 1),
            (9, 2),
        ]
        # A batch whose rows break a rule leaves nothing of itself.
        with pytest.raises(INTEGRITY):
            await database.copy_in([("a", ["id", "name"], [(501, "x"), (1, "taken")])])
        assert await database.fetch_one("SELECT id FROM a WHERE id = 501") is None
    finally:
        await database.close()
