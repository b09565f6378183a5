"""The answers landed on the portal (`portal_answers`) are kept by their messageId alone
(WITHOUT ROWID on SQLite, migration `answers_kept_by_key`): a database from before migrates
with every answer, which still lands only once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from egovsim.storage.database import Database, bundled_migrations

LANDED = [
    ("01a25313-6982-76e6-a019-db512718d4a8", 1, "UPDATE", "2026-05-27T05:00:00+00:00"),
    ("01a25313-6985-768d-b590-365dbd0324dc", 1, "RESPONSE", "2026-05-28T05:00:00+00:00"),
]


async def _database_from_before(path: Path) -> None:
    """A database at the migration before ours, with a portal application and its answers."""
    ours = next(m.version for m in bundled_migrations() if m.name == "answers_kept_by_key")
    database = await Database.open(path, [m for m in bundled_migrations() if m.version < ours])
    await database.close()
    with sqlite3.connect(path) as connection:  # foreign keys unchecked: no account needed
        connection.execute(
            "INSERT INTO portal_applications (id, number, account_id, applicant_kind,"
            " applicant_iin, applicant_name, person_iin, person_name, regulation_id, category,"
            " form_json, status, created_at, updated_at) VALUES (1, 'EGOV-1', 1, 'individual',"
            " '750214312012', 'A', '750214312012', 'A', 'svc', 'c', '{}', 'delivered', ?, ?)",
            (LANDED[0][3], LANDED[0][3]),
        )
        connection.executemany("INSERT INTO portal_answers VALUES (?, ?, ?, ?)", LANDED)


async def test_the_answers_migrate_to_a_table_kept_by_their_message_id(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await _database_from_before(path)
    database = await Database.open(path)
    try:
        rows = await database.fetch_all(
            "SELECT message_id, application_id, message_type, landed_at FROM portal_answers"
            " ORDER BY message_id"
        )
        assert [tuple(row) for row in rows] == LANDED
        made = await database.fetch_one(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'portal_answers'"
        )
        assert made is not None and "WITHOUT ROWID" in made[0]
        indexes = await database.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'portal_answers'"
        )
        assert indexes == []  # the messageIds are kept once, in the table's own B-tree
    finally:
        await database.close()


async def test_an_answer_from_before_the_migration_still_lands_only_once(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await _database_from_before(path)
    database = await Database.open(path)
    landing = (
        "INSERT INTO portal_answers (message_id, application_id, message_type, landed_at)"
        " VALUES (?, 1, 'UPDATE', ?) ON CONFLICT (message_id) DO NOTHING"
    )
    try:
        async with database.write() as connection:
            again = await connection.execute(landing, (LANDED[0][0], LANDED[0][3]))
            assert again.rowcount == 0
            new = await connection.execute(landing, ("01a25313-0000-7000-8000-000000000001", "x"))
            assert new.rowcount == 1
    finally:
        await database.close()
