"""`egovsim db migrate`, `status`, `export` and `import`: the schema brought up to date on either
store, and a database carried from SQLite to PostgreSQL and back without a row changed."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from egovsim.cli import main
from egovsim.storage.database import Database, bundled_migrations
from tests.conftest import BOTH_DATABASES


def _db(*args: str | Path, data: Path, url: str | None = None) -> list[str]:
    where = ["--database-url", url] if url else ["--data-dir", str(data)]
    return ["db", *map(str, args), *where]


@pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)
def test_migrate_applies_what_is_missing_once_and_status_says_so(
    database_url: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = bundled_migrations()
    assert main(_db("status", data=tmp_path, url=database_url)) == 0
    assert capsys.readouterr().out.count("pending") == len(shipped)
    assert main(_db("migrate", data=tmp_path, url=database_url)) == 0
    assert f"applied {len(shipped)} migration(s)" in capsys.readouterr().out
    assert main(_db("migrate", data=tmp_path, url=database_url)) == 0
    assert f"up to date (version {len(shipped)})" in capsys.readouterr().out
    assert main(_db("status", data=tmp_path, url=database_url)) == 0
    assert capsys.readouterr().out.count("applied") == len(shipped)


def test_a_database_url_that_is_not_postgresql_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_db("migrate", data=tmp_path, url="mysql://root@localhost/x")) == 2
    assert "must start with postgresql://" in capsys.readouterr().err


async def _some_history(database: Database) -> None:
    async with database.write() as connection:
        await connection.execute(
            "INSERT INTO providers (id, bin, name_kk, name_ru, name_en, region) VALUES"
            " ('almaty-transport', '000000000001', 'Алматы', 'Алматы', 'Almaty', 'almaty')"
        )
        await connection.execute(
            "INSERT INTO applications (number, provider_id, regulation_id, channel, category,"
            " applicant_name, form_json, documents_json, received_at, status, current_role)"
            " VALUES ('ALM-1', 'almaty-transport', 'r', 'portal', 'individual', 'Әлия',"
            " '{\"ключ\": 1}', '[]', '2026-03-01T10:00:00+00:00', 'in_progress', 'office')"
        )
        await connection.execute(
            "INSERT INTO transitions (application_id, at, actor, action, channel, details_json)"
            " VALUES (1, '2026-03-01T10:00:00+00:00', 'portal', 'register', 'portal', '{}')"
        )
        await connection.execute(
            "INSERT INTO gateway_replays (signature_hash, fresh_until) VALUES (?, ?)",
            (bytes(range(256)), 1.5e9),
        )
        await connection.execute(
            "INSERT INTO clock_state (id, frozen_at, offset_seconds, updated_at)"
            " VALUES (1, NULL, -7200.25, 'now')"
        )


def test_a_database_goes_from_sqlite_to_postgresql_and_back_unchanged(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, back = tmp_path / "first", tmp_path / "back"

    async def fill() -> None:
        first.mkdir()
        database = await Database.open(first / "egovsim.sqlite3")
        try:
            await _some_history(database)
        finally:
            await database.close()

    asyncio.run(fill())
    assert main(_db("export", tmp_path / "a.jsonl", data=first)) == 0
    assert main(_db("import", tmp_path / "a.jsonl", data=tmp_path, url=postgres_url)) == 0
    assert "imported 5 rows of" in capsys.readouterr().out
    assert main(_db("export", tmp_path / "b.jsonl", data=tmp_path, url=postgres_url)) == 0
    assert main(_db("import", tmp_path / "b.jsonl", data=back)) == 0
    assert main(_db("export", tmp_path / "c.jsonl", data=back)) == 0

    def rows(name: str) -> list[str]:
        return (tmp_path / name).read_text(encoding="utf-8").splitlines()[1:]

    assert rows("a.jsonl") == rows("b.jsonl") == rows("c.jsonl")
    assert json.loads((tmp_path / "b.jsonl").read_text().splitlines()[0])["from"] == "postgresql"

    async def next_application() -> int:
        database = await Database.open(postgres_url)
        try:
            async with database.write() as connection:
                cursor = await connection.execute(
                    "INSERT INTO applications (number, provider_id, regulation_id, channel,"
                    " category, applicant_name, form_json, documents_json, received_at, status)"
                    " VALUES ('ALM-2', 'almaty-transport', 'r', 'portal', 'individual', 'N',"
                    " '{}', '[]', '2026-03-02', 'in_progress') RETURNING id"
                )
                row = await cursor.fetchone()
                assert row is not None
                return int(row[0])
        finally:
            await database.close()

    assert asyncio.run(next_application()) == 2  # the ids go on after the imported ones


def test_an_import_refuses_a_database_that_has_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def fill() -> None:
        database = await Database.open(tmp_path / "egovsim.sqlite3")
        try:
            await _some_history(database)
        finally:
            await database.close()

    asyncio.run(fill())
    assert main(_db("export", tmp_path / "a.jsonl", data=tmp_path)) == 0
    assert main(_db("import", tmp_path / "a.jsonl", data=tmp_path)) == 1
    assert "the database is not empty" in capsys.readouterr().err
    (tmp_path / "bad.jsonl").write_text("{}\n")
    assert main(_db("import", tmp_path / "bad.jsonl", data=tmp_path / "new")) == 1
    assert "not a file of `egovsim db export`" in capsys.readouterr().err
