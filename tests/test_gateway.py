"""The gateway (SHEP) over HTTP: the v10 SOAP contract, ErrorInfo faults, durable delivery to the
workstation and to external systems, idempotency, restarts, the message log."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from lxml import etree

from egovsim.clock import Clock
from egovsim.web.app import create_app
from egovsim.web.common.keys import SIMULATOR
from tests.test_workstation import day_in_certificate_window, passport_request

ASYNC = "http://bip.bee.kz/AsyncChannel/v10/Types"
SYNC = "http://bip.bee.kz/SyncChannel/v10/Types"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
PASSPORT = "shymkent-energy-readiness-passport"


def envelope(body: str) -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Header/>'
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


def send_message(
    *,
    message_id: str | None = None,
    service: str = PASSPORT,
    message_type: str = "REQUEST",
    correlation: str | None = None,
    sender: str = "egov-portal",
    password: str = "Qwerty12",
    data: str | None = None,
) -> bytes:
    payload = data if data is not None else json.dumps(passport_request())
    ids = f"<messageId>{message_id}</messageId>" if message_id else ""
    ids += f"<correlationId>{correlation}</correlationId>" if correlation else ""
    return envelope(
        f'<ns:sendMessage xmlns:ns="{ASYNC}"><request><messageInfo>{ids}'
        f"<serviceId>{service}</serviceId><messageType>{message_type}</messageType>"
        f"<messageDate>2027-09-01T10:00:00+05:00</messageDate>"
        f"<sender><senderId>{sender}</senderId><password>{password}</password></sender>"
        f"</messageInfo><messageData><data>{_escape(payload)}</data></messageData>"
        f"</request></ns:sendMessage>"
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def status_request(message_id: str) -> bytes:
    return envelope(
        f'<ns:getMessageStatus xmlns:ns="{ASYNC}"><request><messageId>{message_id}</messageId>'
        f"<requestDate>2027-09-01T10:00:00+05:00</requestDate><sender><senderId>egov-portal"
        f"</senderId><password>Qwerty12</password></sender></request></ns:getMessageStatus>"
    )


def xml(body: bytes) -> etree._Element:
    return etree.fromstring(body)


def first(root: etree._Element, name: str) -> str:
    found = [e for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname == name]
    assert found, f"no {name} in {etree.tostring(root)[:400]!r}"
    return (found[0].text or "").strip()


async def post(client, path: str, body: bytes) -> tuple[int, etree._Element]:
    reply = await client.post(path, data=body, headers={"Content-Type": "text/xml"})
    return reply.status, xml(await reply.read())


async def deliver(client) -> int:
    return int(await client.app[SIMULATOR].delivery.deliver_due())


async def test_a_request_is_accepted_durably_then_registered_at_the_workstation(shep) -> None:
    message_id = str(uuid.uuid4())
    status, answer = await post(shep, "/shep/async", send_message(message_id=message_id))
    assert status == 200
    assert first(answer, "messageId") == message_id
    assert first(answer, "correlationId") == message_id
    _, state = await post(shep, "/shep/async", status_request(message_id))
    assert first(state, "messageState") == "ON_DELIVERY"

    assert await deliver(shep) == 1
    _, state = await post(shep, "/shep/async", status_request(message_id))
    assert first(state, "messageState") == "DELIVERED"
    log = await (await shep.get(f"/api/v1/gateway/messages/{message_id}")).json()
    assert log["attempts"][0]["outcome"] == "delivered"
    assert log["attempts"][0]["detail"].startswith("registered as SHY-")

    reply = await shep.post(
        "/api/v1/workstation/session", json={"login": "shym-office", "password": "Qwerty12"}
    )
    token = (await reply.json())["token"]
    inbox = await (
        await shep.get("/api/v1/workstation/inbox", headers={"Authorization": f"Bearer {token}"})
    ).json()
    assert [a["channel"] for a in inbox["applications"]] == ["portal"]
    # A list row says where the application is; the whole application, its history with the
    # gateway's messageId, is at the row's href.
    whole = await (
        await shep.get(
            inbox["applications"][0]["href"], headers={"Authorization": f"Bearer {token}"}
        )
    ).json()
    assert whole["history"][0]["details"]["message_id"] == message_id


async def test_the_same_message_twice_gets_the_same_answer_and_is_applied_once(shep) -> None:
    message_id = str(uuid.uuid4())
    _, one = await post(shep, "/shep/async", send_message(message_id=message_id))
    _, two = await post(shep, "/shep/async", send_message(message_id=message_id))
    assert etree.tostring(one) == etree.tostring(two)
    assert await deliver(shep) == 1
    status, fault = await post(
        shep,
        "/shep/async",
        send_message(
            message_id=message_id, data=json.dumps(passport_request() | {"category": "x"})
        ),
    )
    assert status == 500
    assert first(fault, "errorCode") == "MESSAGE_ID_DUPLICATE"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (send_message(sender="stranger"), "SENDER_UNKNOWN"),
        (send_message(password="wrong"), "SENDER_PASSWORD_WRONG"),
        (send_message(service="no-such-service"), "SERVICE_UNKNOWN"),
        (send_message(message_type="RESPONSE"), "CORRELATION_ID_MISSING"),
        (send_message(message_type="UPDATE"), "CORRELATION_ID_MISSING"),
        (b"not xml at all", "ENVELOPE_MALFORMED"),
        (b"<a>no envelope</a>", "ENVELOPE_MALFORMED"),
        (
            envelope(f'<ns:sendMessage xmlns:ns="{ASYNC}"><request/></ns:sendMessage>'),
            "ENVELOPE_MALFORMED",
        ),
        (envelope(f'<ns:dance xmlns:ns="{ASYNC}"/>'), "ENVELOPE_MALFORMED"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<x>&e;</x>",
            "ENVELOPE_MALFORMED",
        ),
        (status_request("no-such-message"), "MESSAGE_UNKNOWN"),
    ],
)
async def test_every_refusal_is_an_errorinfo_fault_with_its_code(shep, body, code) -> None:
    status, fault = await post(shep, "/shep/async", body)
    assert status == 500
    assert fault.find(f".//{{{SOAP}}}Fault") is not None
    detail = fault.find(f".//{{{SOAP}}}Fault/detail")
    assert detail is not None
    assert first(detail, "errorCode") == code
    assert first(detail, "errorMessage")
    assert first(detail, "errorDate")


async def test_an_oversize_envelope_is_refused(shep) -> None:
    import io

    big = io.BytesIO(b"<x>" + b" " * (11 * 1024 * 1024) + b"</x>")
    reply = await shep.post("/shep/async", data=big, headers={"Content-Type": "text/xml"})
    status, fault = reply.status, xml(await reply.read())
    assert status == 500
    assert first(fault, "errorCode") == "ENVELOPE_MALFORMED"


async def test_a_refused_application_is_not_delivered_and_says_why(shep) -> None:
    message_id = str(uuid.uuid4())
    await post(
        shep,
        "/shep/async",
        send_message(
            message_id=message_id, data=json.dumps(passport_request() | {"category": "bakery"})
        ),
    )
    await deliver(shep)
    _, state = await post(shep, "/shep/async", status_request(message_id))
    assert first(state, "messageState") == "NOT_DELIVERED"
    log = await (await shep.get(f"/api/v1/gateway/messages/{message_id}")).json()
    assert "APPLICANT_NOT_ELIGIBLE" in log["attempts"][0]["detail"]


async def test_sync_send_message_answers_with_the_receivers_verdict(shep) -> None:
    def sync(message_id: str, payload: dict[str, Any]) -> bytes:
        return envelope(
            f'<ns:SendMessage xmlns:ns="{SYNC}"><request><requestInfo>'
            f"<messageId>{message_id}</messageId><serviceId>{PASSPORT}</serviceId>"
            f"<messageDate>2027-09-01T10:00:00+05:00</messageDate><sender>"
            f"<senderId>egov-portal</senderId><password>Qwerty12</password></sender>"
            f"</requestInfo><requestData><data>{_escape(json.dumps(payload))}</data>"
            f"</requestData></request></ns:SendMessage>"
        )

    status, answer = await post(shep, "/shep/sync", sync(str(uuid.uuid4()), passport_request()))
    assert status == 200
    assert first(answer, "code") == "OK"
    assert first(answer, "data").startswith("registered as SHY-")
    _, refused = await post(
        shep, "/shep/sync", sync(str(uuid.uuid4()), passport_request() | {"documents": ["x"]})
    )
    assert first(refused, "code") == "REFUSED"
    assert "UNKNOWN_DOCUMENT" in first(refused, "message")


async def test_get_messages_returns_a_services_messages(shep) -> None:
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for message_id in ids:
        await post(shep, "/shep/async", send_message(message_id=message_id))
    request = envelope(
        f'<ns:getMessages xmlns:ns="{ASYNC}"><request><serviceId>{PASSPORT}</serviceId>'
        f"<sender><senderId>egov-portal</senderId><password>Qwerty12</password></sender>"
        f"<amount>2</amount></request></ns:getMessages>"
    )
    status, answer = await post(shep, "/shep/async", request)
    assert status == 200
    found = [e.text for e in answer.iter("messageId")]
    assert found == ids[:2]
    assert json.loads(first(answer, "data"))["service"] == PASSPORT


async def test_an_external_system_receives_a_signed_push_after_a_failed_attempt(
    shep, provider_system
) -> None:
    system, url = provider_system
    reply = await shep.post("/api/v1/gateway/routes", json={"service_id": PASSPORT, "url": url})
    assert reply.status == 201
    message_id = str(uuid.uuid4())
    await post(shep, "/shep/async", send_message(message_id=message_id))
    await deliver(shep)  # the system answers 503: a failed attempt, retried
    await deliver(shep)
    _, state = await post(shep, "/shep/async", status_request(message_id))
    assert first(state, "messageState") == "DELIVERED"
    pushed = xml(system.received[-1])
    assert first(pushed, "messageId") == message_id
    assert pushed.find(".//{http://www.w3.org/2000/09/xmldsig#}Signature") is not None
    log = await (await shep.get(f"/api/v1/gateway/messages/{message_id}")).json()
    assert [a["outcome"] for a in log["attempts"]] == ["unavailable", "delivered"]


async def test_delivery_stops_after_the_last_attempt(shep) -> None:
    await shep.post(
        "/api/v1/gateway/routes", json={"service_id": PASSPORT, "url": "http://127.0.0.1:9/nobody"}
    )
    message_id = str(uuid.uuid4())
    await post(shep, "/shep/async", send_message(message_id=message_id))
    for _ in range(3):
        await deliver(shep)
    _, state = await post(shep, "/shep/async", status_request(message_id))
    assert first(state, "messageState") == "DELIVERY_STOPPED"
    assert await deliver(shep) == 0


async def test_a_restart_loses_nothing_and_delivers_what_was_pending(gateway_settings) -> None:
    clock = Clock(frozen_at=day_in_certificate_window(9, 1))
    message_id = str(uuid.uuid4())
    async with TestClient(
        TestServer(create_app(gateway_settings, clock), host="127.0.0.1")
    ) as before:
        await post(before, "/shep/async", send_message(message_id=message_id))
    async with TestClient(
        TestServer(create_app(gateway_settings, clock), host="127.0.0.1")
    ) as after:
        assert await deliver(after) == 1
        _, state = await post(after, "/shep/async", status_request(message_id))
        assert first(state, "messageState") == "DELIVERED"


async def test_the_log_filters_and_gives_back_the_exact_bytes(shep) -> None:
    body = send_message(message_id="log-1", correlation="corr-1", message_type="REQUEST")
    await post(shep, "/shep/async", body)
    await post(shep, "/shep/async", send_message(message_id="log-2"))
    found = await (await shep.get("/api/v1/gateway/messages?correlation_id=corr-1")).json()
    assert [m["message_id"] for m in found["messages"]] == ["log-1"]
    raw = await (await shep.get("/api/v1/gateway/messages/log-1/envelope")).read()
    assert raw == body
    bad = await shep.get("/api/v1/gateway/messages?since=yesterday")
    assert (await bad.json())["error"]["code"] == "BAD_REQUEST"


async def test_the_wsdl_names_this_servers_address(shep) -> None:
    text = await (await shep.get("/shep/async?wsdl")).text()
    assert "EGOVSIM_BASE_URL" not in text
    assert "http://127.0.0.1:9/shep/async" in text
    assert "sendDeliveryNotification" in text
    sync = await (await shep.get("/shep/sync?wsdl")).text()
    assert "http://127.0.0.1:9/shep/sync" in sync


async def _register(client, sender_id: str, policy: str) -> None:
    reply = await client.post(
        "/api/v1/gateway/senders",
        json={"sender_id": sender_id, "password": "s3cret", "signature": policy},
    )
    assert reply.status == 201


def _signed(body: bytes, keystore, at) -> bytes:
    from egovsim.gateway.wssecurity import sign_envelope

    return sign_envelope(body, keystore.key, keystore.certificate, created=at)


async def test_a_sender_that_must_sign_is_refused_unsigned_and_accepted_signed(
    shep, persona
) -> None:
    await _register(shep, "provider-is", "required")
    unsigned = send_message(message_id=str(uuid.uuid4()), sender="provider-is", password="s3cret")
    status, fault = await post(shep, "/shep/async", unsigned)
    assert (status, first(fault, "errorCode")) == (500, "WSS_SIGNATURE_MISSING")

    head = persona("shymkent-energy-head").sign
    message_id = str(uuid.uuid4())
    signed = _signed(
        send_message(message_id=message_id, sender="provider-is", password="s3cret"),
        head,
        day_in_certificate_window(9, 1),
    )
    status, answer = await post(shep, "/shep/async", signed)
    assert status == 200, etree.tostring(answer)
    log = await (await shep.get(f"/api/v1/gateway/messages/{message_id}")).json()
    assert log["security"]["signed"] is True
    assert log["security"]["signer"]["role"] == "first-head"


async def test_a_revoked_signer_is_refused_with_the_c2_code_as_sub_error(shep, persona) -> None:
    await _register(shep, "provider-is", "optional")
    revoked = persona("citizen-revoked").sign
    signed = _signed(
        send_message(message_id=str(uuid.uuid4()), sender="provider-is", password="s3cret"),
        revoked,
        day_in_certificate_window(9, 1),
    )
    status, fault = await post(shep, "/shep/async", signed)
    assert status == 500
    assert first(fault, "errorCode") == "WSS_CERTIFICATE_REFUSED"
    sub = fault.find(".//subError")
    assert sub is not None
    assert first(sub, "errorCode") == "CERT_REVOKED"


async def test_a_tampered_signed_body_is_refused(shep, persona) -> None:
    await _register(shep, "provider-is", "required")
    head = persona("shymkent-energy-head").sign
    signed = _signed(
        send_message(message_id="tamper-1", sender="provider-is", password="s3cret"),
        head,
        day_in_certificate_window(9, 1),
    )
    tampered = signed.replace(b"tamper-1", b"tamper-2")
    status, fault = await post(shep, "/shep/async", tampered)
    assert (status, first(fault, "errorCode")) == (500, "WSS_DIGEST_MISMATCH")


async def test_a_bug_inside_the_gateway_is_still_a_soap_fault(shep, monkeypatch) -> None:

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(shep.app[SIMULATOR].gateway_store, "accept", broken)
    status, fault = await post(shep, "/shep/async", send_message(message_id=str(uuid.uuid4())))
    assert status == 500
    assert first(fault, "faultcode") == "soapenv:Server"
    assert first(fault, "errorCode") == "INTERNAL_ERROR"
