"""The trainer's `gateway-down` switch: the gateway takes no messages (GATEWAY_UNAVAILABLE, a
soapenv:Server fault on HTTP 503), the portal's signed request is not sent (REQUEST_NOT_SENT),
the counter cannot forward (FORWARD_FAILED); switched off, what was not sent goes at once. And the
receiver's `unreachable` switch heard at once by a SyncChannel caller."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from lxml import etree

from egovsim.clock import Clock
from egovsim.web.app import create_app
from tests.conftest import soap_envelope
from tests.test_gateway import first, post, send_message, status_request
from tests.test_portal import deliver_all, inbox_number, staff, working_morning
from tests.test_portal_api import Cabinet, egovsim_cms, signed_in
from tests.test_statecorp import APPLICANT, LICENCE, clerk

DOWN = "/api/v1/faults/gateway-down"
SOAP_ENV = "{http://schemas.xmlsoap.org/soap/envelope/}"


@pytest.fixture
async def api(gateway_settings) -> AsyncIterator[TestClient]:
    """The whole app, delivery worker off, its clock frozen on a working morning after NOW."""
    clock = Clock(frozen_at=working_morning())
    async with TestClient(TestServer(create_app(gateway_settings, clock), host="127.0.0.1")) as c:
        yield c


async def switch(client: Any, on: bool) -> dict[str, Any]:
    reply = await (client.put(DOWN, json={"on": True}) if on else client.delete(DOWN))
    body = await reply.json()
    assert reply.status == 200, body
    return body  # type: ignore[no-any-return]


async def sent_licence(client: Any, persona: Any) -> tuple[Cabinet, int, int, dict[str, Any]]:
    """citizen-valid signs a duplicate licence request over the API; the signature's answer
    (its HTTP status and body, whatever they are)."""
    cabinet = await signed_in(client, persona, "citizen-valid")
    application = await cabinet.licence_draft()
    document = await cabinet.document(application)
    reply = await client.post(
        f"/api/v1/portal/applications/{application}/signature",
        data=egovsim_cms(client, persona("citizen-valid").sign, document),
        headers={**cabinet.headers, "Content-Type": "application/pkcs7-signature"},
    )
    return cabinet, application, reply.status, await reply.json()


# -- the switch -----------------------------------------------------------------------------------


async def test_the_switch_is_listed_and_the_gateway_answers_every_request_with_a_503_fault(
    api,
) -> None:
    listed = (await (await api.get("/api/v1/faults")).json())["faults"]
    (down,) = [switch for switch in listed if switch["name"] == "gateway-down"]
    assert down["on"] is False
    shown = await switch(api, True)
    assert shown["on"] is True and "GATEWAY_UNAVAILABLE" in shown["effect"]

    message_id = str(uuid.uuid4())
    for channel, body in (
        ("async", send_message(message_id=message_id)),
        ("async", status_request(message_id)),
        ("sync", b"not even xml"),
    ):
        reply = await api.post(f"/shep/{channel}", data=body, headers={"Content-Type": "text/xml"})
        assert reply.status == 503
        fault = etree.fromstring(await reply.read())
        assert first(fault, "errorCode") == "GATEWAY_UNAVAILABLE"
        assert fault.findtext(f".//{SOAP_ENV}Fault/faultcode") == "soapenv:Server"

    assert (await switch(api, False))["on"] is False
    status, answer = await post(api, "/shep/async", send_message(message_id=message_id))
    assert status == 200, etree.tostring(answer)


async def test_the_refusal_catalogue_says_the_gateway_down_answers_503(api) -> None:
    entry = await (await api.get("/api/v1/refusals/GATEWAY_UNAVAILABLE")).json()
    assert entry["step"] == "gateway"
    assert entry["soap_fault"] == {
        "http_status": 503,
        "faultcode": "soapenv:Server",
        "detail": "ErrorInfo",
    }
    assert entry["trigger"]["fault_switch"] == "PUT /api/v1/faults/gateway-down"


async def test_the_switch_survives_a_restart(gateway_settings) -> None:
    clock = Clock(frozen_at=working_morning())
    async with TestClient(TestServer(create_app(gateway_settings, clock), host="127.0.0.1")) as c:
        await switch(c, True)
    async with TestClient(TestServer(create_app(gateway_settings, clock), host="127.0.0.1")) as c:
        reply = await c.post("/shep/async", data=status_request(str(uuid.uuid4())))
        assert reply.status == 503


# -- what cannot be sent, and goes once the gateway is back ---------------------------------------


async def test_a_request_signed_while_the_gateway_is_down_is_not_sent_then_goes_when_it_is_back(
    api, persona
) -> None:
    await switch(api, True)
    cabinet, application, status, answer = await sent_licence(api, persona)
    assert status == 502
    assert (answer["error"]["code"], answer["error"]["step"]) == ("REQUEST_NOT_SENT", "P7")
    detail = await cabinet.call("GET", f"/applications/{application}")
    assert detail["status"] == "signed"
    unsent = detail["timeline"][-1]
    assert (unsent["step"], unsent["event"]) == ("P7", "not_sent")
    assert unsent["details"]["detail"].startswith("GATEWAY_UNAVAILABLE")

    await switch(api, False)
    detail = await cabinet.call("GET", f"/applications/{application}")
    assert detail["status"] == "sent"
    await deliver_all(api)
    detail = await cabinet.call("GET", f"/applications/{application}")
    assert detail["status"] == "in_progress"


async def test_the_workstations_answers_while_the_gateway_is_down_reach_the_cabinet_after(
    api, persona
) -> None:
    cabinet, application, status, answer = await sent_licence(api, persona)
    assert status == 200, answer
    await deliver_all(api)
    await switch(api, True)
    office = await staff(api, "alm-office")
    await office.act(await inbox_number(office), "register")
    await deliver_all(api)

    def actions(detail: dict[str, Any]) -> list[Any]:
        return [e["details"].get("action") for e in detail["timeline"]]

    assert "register" not in actions(await cabinet.call("GET", f"/applications/{application}"))
    await switch(api, False)
    await deliver_all(api)
    assert actions(await cabinet.call("GET", f"/applications/{application}")).count("register") == 1


async def test_the_counter_cannot_forward_while_the_gateway_is_down_and_forwards_after(
    api,
) -> None:
    desk = await clerk(api)
    opened = await desk.call(
        "POST",
        "/api/v1/statecorp/packages",
        {"service": LICENCE, "variant": "duplicate", "applicant": APPLICANT},
        201,
    )
    await desk.act(opened["id"], "check", documents=["application", "identity-document", "photo"])
    await switch(api, True)
    refused = await desk.act(opened["id"], "forward", status=502)
    assert (refused["error"]["code"], refused["error"]["step"]) == (
        "FORWARD_FAILED",
        "state_corporation",
    )
    assert "GATEWAY_UNAVAILABLE" in str(refused["error"]["details"])
    assert (await desk.call("GET", f"/api/v1/statecorp/packages/{opened['id']}"))[
        "status"
    ] == "accepted"

    await switch(api, False)
    forwarded = await desk.act(opened["id"], "forward")
    assert forwarded["status"] == "forwarded"


# -- a receiver's unreachable switch, synchronously ------------------------------------------------


async def test_a_sync_caller_hears_at_once_that_the_receiver_is_unreachable(api) -> None:
    service = "shymkent-energy-readiness-passport"
    reply = await api.put(
        f"/api/v1/gateway/routes/{service}/fault", json={"kind": "unreachable", "seconds": 0}
    )
    assert reply.status == 200, await reply.text()
    body = (
        '<typ:SendMessage xmlns:typ="http://bip.bee.kz/SyncChannel/v10/Types"><request>'
        f"<requestInfo><messageId>{uuid.uuid4()}</messageId><serviceId>{service}</serviceId>"
        "<messageDate>2027-09-01T10:00:00+05:00</messageDate>"
        "<sender><senderId>egov-portal</senderId><password>Qwerty12</password></sender>"
        "</requestInfo><requestData><data>{}</data></requestData></request></typ:SendMessage>"
    )
    status, fault = await post(api, "/shep/sync", soap_envelope(body))
    assert status == 500
    assert first(fault, "errorCode") == "RECEIVER_UNREACHABLE"
