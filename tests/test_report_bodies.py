"""The verifier's reports, the applicant's CMS and e-document and the landed result's document
are kept once in `message_bodies` and read back as they were written; a database from before
keeps every one of them through the migration, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from egovsim.storage.applications import ApplicationStore
from egovsim.storage.database import Database, bundled_migrations
from egovsim.storage.portal import PortalStore
from egovsim.storage.portal_cabinet import CabinetStore
from egovsim.web.common.keys import SIMULATOR
from tests.conftest import BOTH_DATABASES
from tests.test_pages_time import _completed_licence
from tests.test_portal_api import api  # noqa: F401

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REPORT = {
    "indication": "TOTAL_PASSED",
    "signer": {"name": "АХМЕТОВ ЕРЛАН", "iin": "940308355225"},
    "checks": [{"name": "chain", "status": "passed", "detail": "3 certificates"}],
}
RESULT_REPORT = {"indication": "TOTAL_PASSED", "signer": {"name": "ИП ОФИС"}}
EDOCUMENT = b'<?xml version="1.0"?><request>' + "заявление".encode() * 40 + b"</request>"
CMS = b"0\x82\x05\x00" + bytes(range(256)) * 4
RESULT_CMS = b"0\x82\x06\x00" + bytes(range(255, -1, -1)) * 4
RESULT_DOCUMENT = json.dumps({"kind": "licence", "number": "ALA-000001"}).encode()


async def _rows(database: Database, sql: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in await database.fetch_all(sql)]


async def test_a_signed_and_answered_application_keeps_each_report_once_and_reads_it_back(
    api,  # noqa: F811
    persona,
) -> None:
    cabinet, number = await _completed_licence(api, persona)
    database = api.server.app[SIMULATOR].database
    detail = await CabinetStore(database).detail(number)
    assert detail is not None and detail.result is not None
    application = detail.application
    assert application.verification and application.verification["indication"] == "TOTAL_PASSED"
    assert application.edocument and application.signature
    # The timeline's report is the application's own, kept once for both.
    (confirmed,) = [e for e in detail.timeline if e.event == "signature_confirmed"]
    assert confirmed.details["report"] == application.verification
    assert detail.result.verification and detail.result.document and detail.result.cms
    shown = await cabinet.call("GET", f"/applications/{number}")
    assert any(entry["details"].get("report") for entry in shown["timeline"])

    assert await _rows(
        database,
        "SELECT COUNT(*) FROM portal_applications WHERE verification_json IS NOT NULL"
        " OR signature IS NOT NULL OR edocument IS NOT NULL",
    ) == [(0,)]
    assert await _rows(
        database, "SELECT COUNT(*) FROM portal_timeline WHERE details_json LIKE '%\"report\"%'"
    ) == [(0,)]
    assert await _rows(
        database,
        "SELECT COUNT(*) FROM portal_timeline t JOIN portal_applications a"
        " ON a.id = t.application_id WHERE t.report_body = a.verification_body",
    ) == [(1,)]
    assert await _rows(
        database,
        "SELECT COUNT(*) FROM results WHERE verification_json IS NOT NULL"
        " OR verification_body IS NULL",
    ) == [(0,)]
    assert await _rows(
        database,
        "SELECT COUNT(*) FROM portal_results WHERE length(verification_json) > 0"
        " OR length(document) > 0 OR verification_body IS NULL",
    ) == [(0,)]


@pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)
async def test_a_database_from_before_keeps_its_reports_and_documents_through_the_migration(
    database_location,
) -> None:
    first = next(m.version for m in bundled_migrations() if m.name == "reports_by_reference")
    database = await Database.open(
        database_location, [m for m in bundled_migrations() if m.version < first]
    )
    try:
        await _written_before(database)
    finally:
        await database.close()
    database = await Database.open(database_location)
    try:
        application = await PortalStore(database).application(1)
        assert application is not None
        assert (application.edocument, application.signature) == (EDOCUMENT, CMS)
        assert application.verification == REPORT
        entries = await PortalStore(database).timeline(1)
        assert [e.details for e in entries] == [
            {"message_id": "m-1", "report": REPORT},
            {"message_id": "m-1"},
        ]
        result = await ApplicationStore(database).result(1)
        assert result is not None and result.verification == RESULT_REPORT
        landed = await CabinetStore(database).result(1)
        assert landed is not None
        assert (landed.cms, landed.document, landed.verification) == (
            RESULT_CMS,
            RESULT_DOCUMENT,
            RESULT_REPORT,
        )
        assert await _rows(
            database,
            "SELECT COUNT(*) FROM portal_applications WHERE edocument IS NOT NULL"
            " OR signature IS NOT NULL OR verification_json IS NOT NULL",
        ) == [(0,)]
        # The rows keep references: the provider's report and the portal's copy of it are one
        # body; the timeline's report, cut from its entry's JSON by the database, is kept apart
        # from the application's (the same value, not the same bytes).
        assert await _rows(
            database,
            "SELECT COUNT(*) FROM message_bodies WHERE id IN (SELECT verification_body FROM"
            " portal_applications UNION SELECT report_body FROM portal_timeline)",
        ) == [(2,)]
        assert await _rows(
            database,
            "SELECT COUNT(*) FROM message_bodies WHERE id IN (SELECT verification_body FROM"
            " results UNION SELECT verification_body FROM portal_results)",
        ) == [(1,)]
        # The timeline is still never rewritten.
        with pytest.raises(Exception, match="never rewritten"):
            async with database.write() as connection:
                await connection.execute("UPDATE portal_timeline SET step = 'P0'")
    finally:
        await database.close()


async def _written_before(database: Database) -> None:
    """An application signed, answered and with its result, as the rows were kept before."""
    report = json.dumps(REPORT, ensure_ascii=False)
    result_report = json.dumps(RESULT_REPORT, ensure_ascii=False)
    at = NOW.isoformat()
    async with database.write() as connection:
        await connection.execute(
            "INSERT INTO providers (id, bin, name_kk, name_ru, name_en, region)"
            " VALUES ('p', '000000000001', 'k', 'r', 'e', 'x')"
        )
        await connection.execute(
            "INSERT INTO portal_accounts (kind, login, name, password_hash, created_at)"
            " VALUES ('individual', '940308355225', 'N', 'x', ?)",
            (at,),
        )
        await connection.execute(
            "INSERT INTO portal_applications (id, number, account_id, applicant_kind,"
            " applicant_iin, applicant_name, person_iin, person_name, regulation_id, category,"
            " form_json, status, created_at, updated_at, edocument, signature,"
            " verification_json, signed_at, message_id) VALUES (1, 'EGOV-1', 1, 'individual',"
            " '940308355225', 'N', '940308355225', 'N', 'r', 'c', '{}', 'completed', ?, ?, ?,"
            " ?, ?, ?, 'm-1')",
            (at, at, EDOCUMENT, CMS, report, at),
        )
        for details in ({"message_id": "m-1", "report": REPORT}, {"message_id": "m-1"}):
            await connection.execute(
                "INSERT INTO portal_timeline (application_id, at, step, event, details_json)"
                " VALUES (1, ?, 'C2', 'signature_confirmed', ?)",
                (at, json.dumps(details, ensure_ascii=False)),
            )
        await connection.execute(
            "INSERT INTO applications (id, number, provider_id, regulation_id, channel,"
            " category, applicant_name, form_json, documents_json, received_at, status)"
            " VALUES (1, 'A-1', 'p', 'r', 'portal', 'c', 'N', '{}', '[]', ?, 'completed')",
            (at,),
        )
        await connection.execute(
            "INSERT INTO staff (id, login, provider_id, role, name, password_hash, iin)"
            " VALUES (1, 'head', 'p', 'head', 'H', 'x', '800101300011')"
        )
        await connection.execute(
            "INSERT INTO results (application_id, kind, refusal, document_json, prepared_at,"
            " prepared_by, signature, signed_at, signed_by, verification_json)"
            " VALUES (1, 'licence', 0, '{}', ?, 1, ?, ?, 1, ?)",
            (at, RESULT_CMS, at, result_report),
        )
        await connection.execute(
            "INSERT INTO portal_results (application_id, message_id, kind, refusal, cms,"
            " document, verification_json, received_at)"
            " VALUES (1, 'r-1', 'licence', 0, ?, ?, ?, ?)",
            (RESULT_CMS, RESULT_DOCUMENT, result_report, at),
        )
