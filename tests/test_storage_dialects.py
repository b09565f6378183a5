"""What must hold the same on SQLite and PostgreSQL (the test id says which): the shipped schema,
its append-only rules, the reset, timestamps compared as text, one writer across instances, the
command line's reads; and the dialect's translations themselves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from egovsim.storage.database import Database, bundled_migrations, read_saved
from egovsim.storage.dialect import named_lock, numbered_placeholders, postgresql_statements
from egovsim.storage.reset import empty_database
from tests.conftest import BOTH_DATABASES
from tests.test_storage import INTEGRITY

both = pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)

_APPLICATION = (
    "INSERT INTO providers (id, bin, name_kk, name_ru, name_en, region)"
    " VALUES ('p', '000000000001', 'k', 'r', 'e', 'x');"
    "INSERT INTO applications (number, provider_id, regulation_id, channel, category,"
    " applicant_name, form_json, documents_json, received_at, status)"
    " VALUES ('A-1', 'p', 'r', 'portal', 'individual', 'N', '{}', '[]', '2026-01-01',"
    " 'in_progress')"
)


async def _one_transition(database: Database) -> None:
    async with database.write() as connection:
        for statement in _APPLICATION.split(";"):
            await connection.execute(statement)
        await connection.execute(
            "INSERT INTO transitions (application_id, at, actor, action, channel, details_json)"
            " SELECT id, '2026-01-01', 'a', 'register', 'portal', '{}' FROM applications"
        )


@both
async def test_the_shipped_migrations_are_applied_and_recorded(database_location) -> None:
    database = await Database.open(database_location)
    try:
        applied = await database.applied_migrations()
        assert applied == [(m.version, m.name) for m in bundled_migrations()]
        assert {"applications", "gateway_messages", "portal_timeline"} <= set(
            await database.tables()
        )
    finally:
        await database.close()
    again = await Database.open(database_location)  # a second start migrates nothing
    await again.close()


@both
async def test_transitions_are_never_rewritten_nor_removed(database_location) -> None:
    database = await Database.open(database_location)
    try:
        await _one_transition(database)
        for statement in ("UPDATE transitions SET actor = 'b'", "DELETE FROM transitions"):
            with pytest.raises(Exception, match="transitions are never"):
                async with database.write() as connection:
                    await connection.execute(statement)
        assert len(await database.fetch_all("SELECT * FROM transitions")) == 1
    finally:
        await database.close()


@both
async def test_a_reset_empties_every_table_restarts_ids_and_keeps_the_rules(
    database_location,
) -> None:
    database = await Database.open(database_location)
    try:
        await _one_transition(database)
        emptied = await empty_database(database)
        assert emptied.rows == {"applications": 1, "providers": 1, "transitions": 1}
        assert await database.applied_migrations()  # the migrations' record stays
        await _one_transition(database)
        row = await database.fetch_one("SELECT id FROM applications")
        assert row is not None and row[0] == 1
        with pytest.raises(Exception, match="transitions are never removed"):
            async with database.write() as connection:
                await connection.execute("DELETE FROM transitions")
    finally:
        await database.close()


@both
async def test_timestamps_compare_as_their_text_does(database_location) -> None:
    """ISO 8601 text orders byte by byte on both (PostgreSQL's columns collate as "C")."""
    database = await Database.open(database_location)
    moments = [
        datetime(2026, 3, 1, 10, 0, tzinfo=UTC).isoformat(),
        datetime(2026, 3, 1, 10, 0, 0, 500000, tzinfo=UTC).isoformat(),
        datetime(2026, 3, 1, 10, 0, 1, tzinfo=UTC).isoformat(),
    ]
    try:
        async with database.write() as connection:
            await connection.executemany(
                "INSERT INTO portal_challenges (id, nonce, expires_at) VALUES (?, ?, ?)",
                [(f"c{n}", b"n", moment) for n, moment in enumerate(moments)],
            )
        rows = await database.fetch_all(
            "SELECT id FROM portal_challenges WHERE expires_at > ? ORDER BY expires_at",
            (moments[0],),
        )
        assert [row["id"] for row in rows] == ["c1", "c2"]
    finally:
        await database.close()


@both
async def test_two_instances_holding_one_lock_on_one_database_write_one_at_a_time(
    database_location,
) -> None:
    first = await Database.open(database_location)
    second = await Database.open(database_location)

    async def bump(database: Database) -> None:
        async with database.write() as connection:
            lock = named_lock(database.dialect, "challenges numbering")
            if lock is not None:
                await connection.execute(*lock)
            cursor = await connection.execute("SELECT COUNT(*) FROM portal_challenges")
            found = await cursor.fetchone()
            assert found is not None
            await asyncio.sleep(0.001)  # let the other instance try to write in between
            await connection.execute(
                "INSERT INTO portal_challenges (id, nonce, expires_at) VALUES (?, ?, ?)",
                (f"c{int(found[0]):03d}", b"n", "2026"),
            )

    try:
        await asyncio.gather(*(bump(first if n % 2 else second) for n in range(16)))
        rows = await first.fetch_all("SELECT id FROM portal_challenges ORDER BY id")
        assert [row["id"] for row in rows] == [f"c{n:03d}" for n in range(16)]
    finally:
        await first.close()
        await second.close()


@both
async def test_a_unique_key_refuses_a_second_row_and_on_conflict_keeps_the_first(
    database_location,
) -> None:
    database = await Database.open(database_location)
    insert = "INSERT INTO gateway_replays (signature_hash, fresh_until) VALUES (?, ?)"
    try:
        async with database.write() as connection:
            await connection.execute(insert, (b"\x01", 1.5))
            await connection.execute(insert + " ON CONFLICT DO NOTHING", (b"\x01", 9.0))
        with pytest.raises(INTEGRITY):
            async with database.write() as connection:
                await connection.execute(insert, (b"\x01", 2.0))
        rows = await database.fetch_all("SELECT signature_hash, fresh_until FROM gateway_replays")
        assert [(bytes(r[0]), r[1]) for r in rows] == [(b"\x01", 1.5)]
    finally:
        await database.close()


@both
async def test_the_command_line_reads_what_a_server_saved(database_location) -> None:
    query = "SELECT frozen_at, offset_seconds FROM clock_state"
    if isinstance(database_location, Path):
        assert read_saved(database_location, [query]) is None  # no database yet
    database = await Database.open(database_location)
    try:
        async with database.write() as connection:
            await connection.execute(
                "INSERT INTO clock_state (id, frozen_at, offset_seconds, updated_at)"
                " VALUES (1, NULL, 3600.5, 'now')"
            )
        found = await asyncio.to_thread(read_saved, database_location, [query])
        assert found is not None and [tuple(row) for row in found[0]] == [(None, 3600.5)]
    finally:
        await database.close()


def test_the_unreachable_server_is_read_as_no_database() -> None:
    assert read_saved("postgresql://nobody@127.0.0.1:9/none", ["SELECT 1"]) is None


def test_placeholders_are_numbered_outside_quoted_text() -> None:
    sql = "SELECT '?' AS mark, \"a?\" FROM t WHERE x = ? AND y IN (?, ?) AND z = 'it''s ?'"
    assert numbered_placeholders(sql) == (
        "SELECT '?' AS mark, \"a?\" FROM t WHERE x = $1 AND y IN ($2, $3) AND z = 'it''s ?'"
    )


def test_a_refusing_trigger_becomes_a_function_and_its_trigger() -> None:
    made = postgresql_statements(
        "CREATE TRIGGER t_never_updated BEFORE UPDATE ON t\nBEGIN\n"
        "    SELECT RAISE(ABORT, 't is never rewritten');\nEND;"
    )
    assert made[0].startswith("CREATE FUNCTION t_never_updated() RETURNS trigger")
    assert "RAISE EXCEPTION 't is never rewritten'" in made[0]
    assert made[1] == (
        "CREATE TRIGGER t_never_updated BEFORE UPDATE ON t FOR EACH ROW"
        " EXECUTE FUNCTION t_never_updated()"
    )


def test_column_types_are_mapped_in_tables_only() -> None:
    (table,) = postgresql_statements(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, x REAL, b BLOB, s TEXT)"
    )
    assert table == (
        "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT,"
        ' x DOUBLE PRECISION, b BYTEA, s TEXT COLLATE "C")'
    )
    update = "UPDATE t SET s = 'TEXT' WHERE n = 1"
    assert postgresql_statements(update) == [update]
