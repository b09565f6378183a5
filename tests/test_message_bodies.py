"""The gateway's message bodies are stored once, deflated, and read back byte for byte; a
database from before keeps every body it had through the migration."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from egovsim.storage.applications import ApplicationStore
from egovsim.storage.database import Database, bundled_migrations
from egovsim.storage.gateway import Attempt, GatewayStore
from egovsim.storage.portal_cabinet import CabinetStore

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RESULT_CMS = b"0\x82\x05\x00" + bytes(range(256)) * 5
REPORT = {"signed": True, "signer": {"name": "ШЛЮЗ ЭҮШ", "iin": "900101350013"}}


def _envelope(message_id: str, filler: str = "a") -> tuple[bytes, bytes]:
    data = f'<data xmlns="urn:x"><id>{message_id}</id><cms>{filler * 3000}</cms></data>'.encode()
    envelope = (
        b'<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/'
        b'envelope/"><soap:Header><wsse:Security>' + b"MIIC" * 400 + b"</wsse:Security>"
        b"</soap:Header><soap:Body>" + data + b"</soap:Body></soap:Envelope>"
    )
    return envelope, data


def _fields(message_id: str, envelope: bytes, data: bytes) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "correlation_id": None,
        "service_id": "svc",
        "message_type": "REQUEST",
        "channel": "async",
        "sender_id": "egov-portal",
        "content_hash": "0" * 64,
        "envelope": envelope,
        "data_xml": data,
        "security": REPORT,
        "accepted_at": NOW,
        "answer": {"messageId": message_id, "sessionId": f"s-{message_id}"},
    }


def _stored(path: Path, sql: str) -> list[Any]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


async def test_a_message_is_read_back_byte_for_byte_from_its_deflated_bodies(tmp_path) -> None:
    database = await Database.open(tmp_path / "db.sqlite3")
    store = GatewayStore(database)
    envelope, data = _envelope("m-1")
    try:
        await store.accept(_fields("m-1", envelope, data))
        message = await store.message("m-1")
        assert message is not None
        assert (message.envelope, message.data_xml, message.security) == (envelope, data, REPORT)
        listed = await store.search(bodies=False)
        assert [m.message_id for m in listed] == ["m-1"]
        assert (listed[0].envelope, listed[0].data_xml, listed[0].security) == (b"", b"", REPORT)
    finally:
        await database.close()
    [(stored_data, encoding, row_envelope)] = _stored(
        tmp_path / "db.sqlite3", "SELECT data_xml, data_encoding, envelope FROM gateway_messages"
    )
    # The data is a part of its envelope: deflated against it, a few dozen bytes remain.
    assert encoding == "deflate-envelope"
    assert len(stored_data) < 100 < len(data)
    assert row_envelope == b""
    [(size, content_size)] = _stored(
        tmp_path / "db.sqlite3",
        f"SELECT size, length(content) FROM message_bodies WHERE size = {len(envelope)}",
    )
    assert content_size < size / 2


async def test_the_same_body_twice_is_stored_once(tmp_path) -> None:
    database = await Database.open(tmp_path / "db.sqlite3")
    store = GatewayStore(database)
    envelope, data = _envelope("shared")
    other, other_data = _envelope("other", filler="b")
    try:
        await store.accept(_fields("m-1", envelope, data))
        await store.accept(_fields("m-2", envelope, data))
        await store.accept(_fields("m-3", other, other_data))
        first = await store.message("m-1")
        assert first is not None
        request = b"<push>" + b"x" * 5000 + b"</push>"
        attempt = Attempt(NOW, 3.0, "delivered", "", request, b"<ok/>")
        await store.record_attempts([(first, attempt, "DELIVERED", None, NOW)])
        await store.record_attempts([(first, attempt, "DELIVERED", None, NOW)])
        assert [a.request for a in await store.attempts(first)] == [request, request]
        assert [a.response for a in await store.attempts(first)] == [b"<ok/>", b"<ok/>"]
        third = await store.message("m-3")
        assert third is not None and third.envelope == other and third.data_xml == other_data
    finally:
        await database.close()
    # Two envelopes, one report, one request, one response.
    assert _stored(tmp_path / "db.sqlite3", "SELECT COUNT(*) FROM message_bodies") == [(5,)]


async def test_a_database_from_before_keeps_every_body_through_the_migration(tmp_path) -> None:
    path = tmp_path / "db.sqlite3"
    # A database as it was before the bodies moved (the migrations after ours build on them).
    first = next(m.version for m in bundled_migrations() if m.name == "message_bodies")
    before = [m for m in bundled_migrations() if m.version < first]
    database = await Database.open(path, before)
    await database.close()
    envelope, data = _envelope("old")
    with sqlite3.connect(path) as connection:
        for message_id in ("old-1", "old-2"):
            connection.execute(
                "INSERT INTO gateway_messages (message_id, correlation_id, service_id,"
                " message_type, channel, sender_id, content_hash, envelope, data_xml,"
                " security_json, state, accepted_at, answer_json) VALUES"
                " (?, NULL, 'svc', 'REQUEST', 'async', 'egov-portal', '0', ?, ?, ?,"
                " 'DELIVERED', ?, '{}')",
                (message_id, envelope, data, json.dumps(REPORT), NOW.isoformat()),
            )
        connection.execute(
            "INSERT INTO gateway_attempts (message, at, duration_ms, outcome, request, response)"
            " VALUES (1, ?, 1.5, 'delivered', ?, ?)",
            (NOW.isoformat(), b"<push/>", b"<ok/>"),
        )
        # A signed result, the provider's and the portal's copy (their owners are left out:
        # this connection does not check foreign keys).
        connection.execute(
            "INSERT INTO results (application_id, kind, refusal, document_json, prepared_at,"
            " prepared_by, signature) VALUES (7, 'licence', 0, '{}', ?, 1, ?)",
            (NOW.isoformat(), RESULT_CMS),
        )
        connection.execute(
            "INSERT INTO portal_results (application_id, message_id, kind, refusal, cms,"
            " document, verification_json, received_at)"
            " VALUES (3, 'old-1', 'licence', 0, ?, X'7B7D', '{}', ?)",
            (RESULT_CMS, NOW.isoformat()),
        )
    database = await Database.open(path)
    store = GatewayStore(database)
    try:
        for message_id in ("old-1", "old-2"):
            message = await store.message(message_id)
            assert message is not None
            assert (message.envelope, message.data_xml, message.security) == (
                envelope,
                data,
                REPORT,
            )
        attempts = await store.attempts(message)
        assert attempts == []
        first = await store.message("old-1")
        assert first is not None
        [attempt] = await store.attempts(first)
        assert (attempt.request, attempt.response) == (b"<push/>", b"<ok/>")
        result = await ApplicationStore(database).result(7)
        assert result is not None and result.signature == RESULT_CMS
        landed = await CabinetStore(database).result(3)
        assert landed is not None and landed.cms == RESULT_CMS
    finally:
        await database.close()
    # One envelope for both messages, one report, the request and the response, one result
    # CMS for both its copies, and the landed result's document and report (both `{}`, one
    # body); the rows keep references, not copies.
    assert _stored(path, "SELECT COUNT(*) FROM message_bodies") == [(6,)]
    assert _stored(path, "SELECT COUNT(*) FROM gateway_messages WHERE length(envelope) > 0") == [
        (0,)
    ]


def test_an_answer_keeps_its_ids_in_the_row_and_reads_back_as_it_was_given() -> None:
    from egovsim.storage.gateway_messages import answer_json, answer_of

    given = {
        "messageId": "m-1",
        "correlationId": "c-1",
        "responseDate": "2026-03-02",
        "sessionId": "s",
    }
    kept = answer_json(given, "m-1", "c-1")
    assert "m-1" not in kept and "c-1" not in kept
    assert answer_of(kept, "m-1", "c-1") == given
    assert list(answer_of(kept, "m-1", "c-1")) == list(given)
    # An answer whose ids are not the row's own, or one kept before, is kept and read whole.
    other = answer_json(given, "m-2", "c-1")
    assert answer_of(other, "m-2", "c-1") == given
    assert answer_of('{"messageId": "m-1", "sessionId": "s"}', "m-1", None) == {
        "messageId": "m-1",
        "sessionId": "s",
    }
