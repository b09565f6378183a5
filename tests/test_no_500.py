"""Each input that ended in a 500 when the simulator was tried as an attacker would, now refused
with its stable code: OCSP requests with a negative serial, a non-ASCII token, lone surrogates
in JSON, a control byte in a multipart header, a clock moved beyond what a calendar holds."""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
import uuid

from aiohttp.test_utils import TestClient, TestServer
from asn1crypto import ocsp as asn1_ocsp
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp

from egovsim.pki.hierarchy import NCA
from egovsim.web.app import create_app
from egovsim.web.common.keys import SIMULATOR
from tests.test_gateway import first, post, send_message
from tests.test_workstation import day_in_certificate_window


def _request_with_serial(pki, serial: int) -> bytes:
    """An OCSP request for `serial` under the NCA's key, as a hostile client can encode it."""
    issuer = pki.authority(NCA).certificate
    key = issuer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )
    name = issuer.subject.public_bytes()
    cert_id = {
        "hash_algorithm": {"algorithm": "sha1"},
        "issuer_name_hash": hashlib.sha1(name).digest(),
        "issuer_key_hash": hashlib.sha1(key).digest(),
        "serial_number": serial,
    }
    request = asn1_ocsp.OCSPRequest({"tbs_request": {"request_list": [{"req_cert": cert_id}]}})
    return bytes(request.dump())


async def test_an_ocsp_request_for_a_negative_serial_is_answered_malformed(client, pki) -> None:
    for serial in (-1, -(2**64)):
        await _ask_malformed(client, _request_with_serial(pki, serial))


async def _ask_malformed(client, der: bytes) -> None:
    posted = await client.post(
        "/ocsp", data=der, headers={"Content-Type": "application/ocsp-request"}
    )
    encoded = urllib.parse.quote(base64.b64encode(der).decode(), safe="")
    got = await client.get(f"/ocsp/{encoded}")
    for reply in (posted, got):
        assert reply.status == 200
        answer = ocsp.load_der_ocsp_response(await reply.read())
        assert answer.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def _signed_message(persona) -> bytes:
    """A sendMessage signed by the Shymkent head at the `shep` fixture's time."""
    from egovsim.gateway.wssecurity import sign_envelope

    head = persona("shymkent-energy-head").sign
    message = send_message(message_id=str(uuid.uuid4()))
    return sign_envelope(
        message, head.key, head.certificate, created=day_in_certificate_window(9, 1)
    )


async def test_a_non_ascii_character_in_a_security_token_is_a_wss_fault(shep, persona) -> None:
    signed = _signed_message(persona)
    start = signed.index(b"BinarySecurityToken")
    start = signed.index(b">", start) + 1
    spoiled = signed[: start + 4] + "ж".encode() + signed[start + 4 :]
    status, fault = await post(shep, "/shep/async", spoiled)
    assert (status, first(fault, "errorCode")) == (500, "WSS_TOKEN_INVALID")


#: JSON bodies holding a lone surrogate, which no UTF-8 text (nor SQLite) holds.
SURROGATES = (
    ("/api/v1/gateway/routes", '{"service_id": "\\ud800", "url": "http://127.0.0.1:9/"}'),
    ("/api/v1/gateway/senders", '{"sender_id": "\\udfff", "password": "x"}'),
    ("/api/v1/auth/login", '{"login": "\\ud800", "password": "x"}'),
)


async def test_json_with_a_lone_surrogate_is_a_bad_request(client) -> None:
    for path, body in SURROGATES:
        reply = await client.post(path, data=body, headers={"Content-Type": "application/json"})
        assert reply.status == 400, (path, await reply.text())
        assert (await reply.json())["error"]["code"] == "BAD_REQUEST"


#: What schemathesis sent the operator's routes and senders (a control character, a valid
#: surrogate pair, a list where a string goes) and its siblings: each refused with a code
#: naming the field, before anything is stored.
OPERATOR_BODIES = (
    (
        "/api/v1/gateway/routes",
        '{"provider": "\\u001e5P\\ud84d\\udffe\\udb3e\\udefd",'
        ' "service_id": "shymkent-energy-readiness-passport", "sender_id": [null, null]}',
        "BAD_REQUEST",
    ),
    (
        "/api/v1/gateway/routes",
        '{"provider": "shymkent-energy", "service_id": "shymkent-energy-readiness-passport",'
        ' "sender_id": "[None, None]"}',
        "ROUTE_PARTY_UNKNOWN",
    ),
    (
        "/api/v1/gateway/routes",
        '{"provider": "\\ud84d\\udffe", "service_id": "shymkent-energy-readiness-passport"}',
        "ROUTE_PARTY_UNKNOWN",
    ),
    (
        "/api/v1/gateway/routes",
        '{"service_id": ["x"], "provider": "shymkent-energy"}',
        "BAD_REQUEST",
    ),
    (
        "/api/v1/gateway/routes",
        '{"service_id": "a\\u0000b", "url": "http://127.0.0.1:9/"}',
        "BAD_REQUEST",
    ),
    ("/api/v1/gateway/routes", '{"service_id": "x", "url": "http://[::1"}', "BAD_REQUEST"),
    ("/api/v1/gateway/routes", '{"service_id": "x", "url": 7}', "BAD_REQUEST"),
    (
        "/api/v1/gateway/routes",
        '{"service_id": "x", "url": "http://127.0.0.1:9/", "provider": "shymkent-energy"}',
        "BAD_REQUEST",
    ),
    ("/api/v1/gateway/senders", '{"sender_id": "s\\u001e", "password": "x"}', "BAD_REQUEST"),
    ("/api/v1/gateway/senders", '{"sender_id": [null], "password": "x"}', "BAD_REQUEST"),
    ("/api/v1/gateway/senders", '{"sender_id": "s", "password": {"a": 1}}', "BAD_REQUEST"),
    ("/api/v1/gateway/senders", '{"sender_id": "s", "password": "x", "name": 5}', "BAD_REQUEST"),
    (
        "/api/v1/gateway/senders",
        '{"sender_id": "s", "password": "x", "signature": []}',
        "BAD_REQUEST",
    ),
)


async def test_operator_bodies_the_fuzzer_found_are_refused_with_a_code_and_change_nothing(
    client,
) -> None:
    before = await (await client.get("/api/v1/gateway/routes")).json()
    senders = await (await client.get("/api/v1/gateway/senders")).json()
    for path, body, code in OPERATOR_BODIES:
        reply = await client.post(path, data=body, headers={"Content-Type": "application/json"})
        assert reply.status == 400, (body, await reply.text())
        assert (await reply.json())["error"]["code"] == code, body
    assert await (await client.get("/api/v1/gateway/routes")).json() == before
    assert await (await client.get("/api/v1/gateway/senders")).json() == senders


async def test_a_control_byte_in_a_multipart_header_is_a_bad_request(client) -> None:
    boundary = "b0undary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="document"; filename="a\x01b.cms"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
        "data\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    for path in ("/api/v1/portal/check-document", "/check"):
        reply = await client.post(
            path,
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert reply.status == 400, (path, await reply.text())


#: Moves beyond 2000..2099: a hundred million days, past any float, years 9999 and 0435, a day
#: no calendar has, ten million working days.
BEYOND = (
    {"advance": {"days": 100_000_000}},
    {"advance": {"days": 1e300}},
    {"set": "9999-12-31T23:59:59+00:00"},
    {"set": "0435-01-01T00:00:00+00:00"},
    {"set": "2026-02-30T10:00:00+05:00"},
    {"advance": {"working_days": 10_000_000}},
)


async def test_a_clock_move_beyond_the_documented_range_is_refused_and_changes_nothing(
    client,
) -> None:
    before = await (await client.get("/api/v1/clock")).json()
    for change in BEYOND:
        reply = await client.post("/api/v1/clock", json=change)
        assert reply.status == 400, change
        assert (await reply.json())["error"]["code"] == "CLOCK_CHANGE_INVALID"
        assert await (await client.get("/api/v1/clock")).json() == before, change
    assert (await client.get("/")).status == 200
    jump = await client.post("/api/v1/console/clock/jump", json={"date": "9999-12-31"})
    assert (await jump.json())["error"]["code"] == "CLOCK_CHANGE_INVALID"


async def test_a_lone_surrogate_to_the_state_corporations_packages_is_a_bad_request(client) -> None:
    session = await client.post(
        "/api/v1/statecorp/session", json={"login": "gk-alm-1", "password": "Qwerty12"}
    )
    assert session.status == 200, await session.text()
    token = (await session.json())["token"]
    reply = await client.post(
        "/api/v1/statecorp/packages",
        data='{"application": "\\ud800", "service_id": "\\udfff"}',
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    assert reply.status == 400
    assert (await reply.json())["error"]["code"] == "BAD_REQUEST"


async def test_a_relative_namespace_in_a_signed_body_is_a_malformed_envelope(shep, persona) -> None:
    signed = _signed_message(persona)
    # Found by `make fuzz`: canonical XML cannot hold a relative namespace URI.
    relative = signed.replace(b'"http://bip.bee.kz/AsyncChannel', b'"bip.bee.kz/AsyncChannel')
    status, fault = await post(shep, "/shep/async", relative)
    assert (status, first(fault, "errorCode")) == (500, "ENVELOPE_MALFORMED")


async def test_a_clock_saved_outside_its_range_is_not_restored(settings) -> None:
    from datetime import UTC, datetime

    from egovsim.storage.records import ClockState

    running = settings.with_overrides(clock_frozen_at=None)
    async with TestClient(TestServer(create_app(running), host="127.0.0.1")) as first_run:
        # What an earlier version let a trainer save: the year 9999.
        beyond = ClockState(datetime(9999, 1, 1, tzinfo=UTC), 0.0)
        await first_run.app[SIMULATOR].clock_store.save_clock_state(beyond, datetime.now(UTC))
    async with TestClient(TestServer(create_app(running), host="127.0.0.1")) as second_run:
        clock = await (await second_run.get("/api/v1/clock")).json()
        assert clock["mode"] == "real"
        assert (await second_run.get("/")).status == 200
