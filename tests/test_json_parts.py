"""The parts of stored JSON that recur (texts in three languages, a certificate's holder, a
chain) are kept once in `json_parts` and read back in place: a timeline, a notice and a
package's result are what they were, on SQLite and on PostgreSQL, and rows from before read as
they did."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from egovsim.storage import json_parts
from egovsim.storage.applications import ApplicationStore
from egovsim.storage.database import Database
from egovsim.storage.portal import PortalStore
from egovsim.storage.portal_cabinet import CabinetStore
from egovsim.storage.portal_rows import TimelineEntry, append_timeline
from egovsim.storage.statecorp import StateCorpStore
from egovsim.web.common.keys import SIMULATOR
from tests.conftest import BOTH_DATABASES
from tests.test_pages_time import _completed_licence
from tests.test_portal_api import api  # noqa: F401

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NAME = {
    "kk": "Кеңсе қызметкері өтінішті тіркейді",
    "ru": "Сотрудник канцелярии регистрирует заявление",
    "en": "The office clerk registers the application",
}
SIGNER = {"name": "АХМЕТОВ ЕРЛАН", "iin": "940308355225", "serial": "2E6E", "issuer": "C=KZ"}
CHAIN = ["АХМЕТОВ ЕРЛАН (serial 2E6E)" * 3, "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST" * 3]
DETAILS = {
    "message_id": "m-1",
    "route_step": {"id": "register", "name": NAME, "deadline": "2026-03-03T05:30:00+00:00"},
    "current": {"id": "sign", "name": NAME},
    "signer": SIGNER,
    "chain": CHAIN,
    # What a provider may send: a dictionary that looks like a reference is kept as it came.
    "payload": {"$p": "not-a-part"},
    "other": {"$e": {"$p": 1}},
    "short": {"kk": "а", "ru": "б"},
}


def test_recurring_parts_are_cut_out_and_put_back_as_they_were() -> None:
    stored, parts = json_parts.packed(DETAILS)
    assert NAME["kk"] not in stored and SIGNER["serial"] not in stored
    kept = dict(parts)
    # The name (twice, one part), the signer, the chain and the short text.
    assert (len(parts), len(kept)) == (5, 4)
    assert json_parts.references([stored]) == set(kept)
    assert json_parts.unpacked(stored, kept) == DETAILS
    assert json_parts.unpacked(json.dumps({"a": 1}), {}) == {"a": 1}


def test_a_value_without_recurring_parts_is_stored_as_plain_json() -> None:
    value = {"message_id": "m-1", "documents": ["application"], "number": "ALA-000001"}
    stored, parts = json_parts.packed(value)
    assert parts == [] and json.loads(stored) == value


async def _application(database: Database) -> None:
    at = NOW.isoformat()
    async with database.write() as connection:
        await connection.execute(
            "INSERT INTO portal_accounts (kind, login, name, password_hash, created_at)"
            " VALUES ('individual', '940308355225', 'N', 'x', ?)",
            (at,),
        )
        await connection.execute(
            "INSERT INTO portal_applications (id, number, account_id, applicant_kind,"
            " applicant_iin, applicant_name, person_iin, person_name, regulation_id, category,"
            " form_json, status, created_at, updated_at) VALUES (1, 'EGOV-1', 1, 'individual',"
            " '940308355225', 'N', '940308355225', 'N', 'r', 'c', '{}', 'sent', ?, ?)",
            (at, at),
        )
        # An entry from before the parts: its values in place.
        await connection.execute(
            "INSERT INTO portal_timeline (application_id, at, step, event, details_json)"
            " VALUES (1, ?, 'P7', 'registered', ?)",
            (at, json.dumps({"current": {"name": NAME}}, ensure_ascii=False)),
        )


@pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)
async def test_a_timeline_keeps_its_names_once_and_reads_back_the_same(
    database_location,
) -> None:
    database = await Database.open(database_location)
    try:
        await _application(database)
        entries = [
            TimelineEntry(NOW, "C3", "provider_step", None, DETAILS),
            TimelineEntry(NOW, "P8", "provider_step", None, {**DETAILS, "message_id": "m-2"}),
        ]
        async with database.write() as connection:
            await append_timeline(connection, 1, entries)
        read = await PortalStore(database).timeline(1)
        assert [e.details for e in read] == [{"current": {"name": NAME}}, *map(_details, entries)]
        detail = await CabinetStore(database).detail(1)
        assert detail is not None and detail.timeline == read
        stored = await database.fetch_all("SELECT details_json FROM portal_timeline")
        assert sum(NAME["ru"] in row[0] for row in stored) == 1, "only the row from before"
        counted = await database.fetch_one("SELECT COUNT(*) FROM json_parts")
        assert counted is not None and counted[0] == 4
    finally:
        await database.close()


def _details(entry: TimelineEntry) -> dict[str, object]:
    return entry.details


async def test_a_routed_application_shows_its_steps_names_and_notice_from_the_parts(
    api,  # noqa: F811
    persona,
) -> None:
    cabinet, number = await _completed_licence(api, persona)
    database = api.server.app[SIMULATOR].database
    shown = await cabinet.call("GET", f"/applications/{number}")
    named = [
        e["details"]["route_step"]["name"]
        for e in shown["timeline"]
        if isinstance(e["details"].get("route_step"), dict)
    ]
    assert named and all(set(name) == {"kk", "ru", "en"} for name in named)
    rows = await database.fetch_all("SELECT details_json FROM portal_timeline")
    assert not any('"kk"' in row[0] for row in rows), "names are parts, not copies"
    detail = await CabinetStore(database).detail(number)
    assert detail is not None
    notices = await CabinetStore(database).notifications(detail.application.account_id)
    rows = await database.fetch_all("SELECT details_json FROM portal_notifications")
    assert len(rows) == len(notices) > 0
    assert not any('"serial"' in row[0] for row in rows), "the signer is a part"
    for notice in notices:
        assert set(notice.text) == {"kk", "ru", "en"}
    # The provider's result names its service and itself in three languages: parts too.
    rows = await database.fetch_all("SELECT document_json FROM results")
    assert rows and not any('"kk"' in row[0] for row in rows)
    provider_side = await database.fetch_one("SELECT application_id FROM results")
    assert provider_side is not None
    result = await ApplicationStore(database).result(provider_side[0])
    assert result is not None and set(result.document["service"]["name"]) == {"kk", "ru", "en"}
    packages = await database.fetch_all(
        "SELECT id, result_json FROM statecorp_packages WHERE result_json IS NOT NULL"
    )
    assert packages, "the paper result waits at the centre"
    for package_id, stored in packages:
        assert '"serial"' not in stored, "the result's signer is a part"
        package = await StateCorpStore(database).package(package_id)
        assert package is not None and package.result is not None
        assert "serial" in package.result["verification"]["signer"]
