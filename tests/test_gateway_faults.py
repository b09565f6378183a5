"""Fault switches per receiver: delay, drop, duplicate delivery, unreachable, malformed envelope,
slow acknowledgement; each on and off through the API."""

from __future__ import annotations

import uuid

import pytest
from lxml import etree

from tests.test_gateway import (
    PASSPORT,
    deliver,
    first,
    post,
    send_message,
    status_request,
)


async def _external_with_fault(shep, url: str, kind: str, seconds: float = 0) -> None:
    reply = await shep.post("/api/v1/gateway/routes", json={"service_id": PASSPORT, "url": url})
    assert reply.status == 201
    reply = await shep.put(
        f"/api/v1/gateway/routes/{PASSPORT}/fault", json={"kind": kind, "seconds": seconds}
    )
    body = await reply.json()
    assert reply.status == 200, body
    assert body["fault"] == {"kind": kind, "seconds": seconds}


async def _state(shep, message_id: str) -> str:
    _, answer = await post(shep, "/shep/async", status_request(message_id))
    return first(answer, "messageState")


async def _sent(shep) -> str:
    message_id = str(uuid.uuid4())
    status, _ = await post(shep, "/shep/async", send_message(message_id=message_id))
    assert status == 200
    return message_id


async def test_a_delay_holds_the_message_back(shep, provider_system) -> None:
    system, url = provider_system
    system.fail_first = 0
    await _external_with_fault(shep, url, "delay", 3600)
    message_id = await _sent(shep)
    await deliver(shep)  # the first look postpones it by an hour
    assert await deliver(shep) == 0
    assert await _state(shep, message_id) == "ON_DELIVERY"
    assert system.received == []


async def test_a_dropped_message_is_reported_delivered_but_never_arrives(
    shep,
    provider_system,
) -> None:
    system, url = provider_system
    await _external_with_fault(shep, url, "drop")
    message_id = await _sent(shep)
    await deliver(shep)
    assert await _state(shep, message_id) == "DELIVERED"
    assert system.received == []
    log = await (await shep.get(f"/api/v1/gateway/messages/{message_id}")).json()
    assert log["attempts"][0]["outcome"] == "dropped"


async def test_a_duplicate_delivery_reaches_the_receiver_twice(
    shep,
    provider_system,
) -> None:
    system, url = provider_system
    system.fail_first = 0
    await _external_with_fault(shep, url, "duplicate")
    message_id = await _sent(shep)
    await deliver(shep)
    assert await _state(shep, message_id) == "DELIVERED"
    ids = [first(etree.fromstring(body), "messageId") for body in system.received]
    assert ids == [message_id, message_id]


async def test_an_unreachable_receiver_is_retried_then_given_up(
    shep,
    provider_system,
) -> None:
    system, url = provider_system
    await _external_with_fault(shep, url, "unreachable")
    message_id = await _sent(shep)
    for _ in range(3):
        await deliver(shep)
    assert await _state(shep, message_id) == "DELIVERY_STOPPED"
    assert system.received == []
    switched_off = await shep.delete(f"/api/v1/gateway/routes/{PASSPORT}/fault")
    assert (await switched_off.json())["fault"] is None


async def test_a_malformed_envelope_reaches_the_receiver(shep, provider_system) -> None:
    system, url = provider_system
    system.fail_first = 0
    await _external_with_fault(shep, url, "malformed")
    await _sent(shep)
    await deliver(shep)
    assert system.received
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(system.received[0])


async def test_a_slow_acknowledgement_still_answers_after_storing(
    shep,
    provider_system,
    monkeypatch,
) -> None:
    import egovsim.gateway.service as service

    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    _, url = provider_system
    await _external_with_fault(shep, url, "slow_ack", 7)
    monkeypatch.setattr(service.asyncio, "sleep", record)
    message_id = await _sent(shep)
    monkeypatch.undo()
    assert waited == [7.0]
    assert await _state(shep, message_id) == "ON_DELIVERY"


async def test_an_unknown_fault_or_route_is_refused(shep) -> None:
    bad = await shep.put(f"/api/v1/gateway/routes/{PASSPORT}/fault", json={"kind": "gremlins"})
    assert (await bad.json())["error"]["code"] == "BAD_REQUEST"
    missing = await shep.put("/api/v1/gateway/routes/nowhere/fault", json={"kind": "drop"})
    assert missing.status == 404


async def test_the_operator_page_shows_the_log_and_switches_faults(shep) -> None:
    import re

    message_id = await _sent(shep)
    page = await shep.get("/gateway?lang=en")
    html = await page.text()
    assert page.status == 200
    assert message_id in html
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert token
    stale = await shep.post(
        f"/gateway/routes/{PASSPORT}/fault",
        data={"csrf": "nope", "kind": "drop", "seconds": "0"},
        headers={"Accept": "text/html"},
    )
    assert stale.status == 400
    done = await shep.post(
        f"/gateway/routes/{PASSPORT}/fault",
        data={"csrf": token.group(1), "kind": "drop", "seconds": "0"},
        allow_redirects=False,
    )
    assert done.status == 303
    routes = await (await shep.get("/api/v1/gateway/routes")).json()
    assert {r["service_id"]: r["fault"] for r in routes["routes"]}[PASSPORT] == {
        "kind": "drop",
        "seconds": 0.0,
    }
    detail = await shep.get(f"/gateway/messages/{message_id}")
    assert message_id in await detail.text()
    missing = await shep.get("/gateway/messages/none", headers={"Accept": "text/html"})
    assert missing.status == 404
