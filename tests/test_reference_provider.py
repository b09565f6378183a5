"""The reference provider system (examples/) proves the contract end to end: egovsim pushes a
signed REQUEST, the system answers with an UPDATE and a RESPONSE carrying a CMS-signed result
through a zeep client, every envelope WS-Security signed; the answers land as the portal's."""

from __future__ import annotations

import asyncio
import uuid

from aiohttp.test_utils import TestServer

from examples.provider_system import ProviderSystem
from tests.test_gateway import PASSPORT, deliver, first, post, send_message


async def test_the_reference_system_receives_and_answers_through_the_gateway(shep, persona) -> None:
    gateway = str(shep.make_url("")).rstrip("/")
    system = ProviderSystem(
        gateway, "shymkent-energy-is", "s3cret", persona("shymkent-energy-head").sign, PASSPORT
    )
    server = TestServer(system.application(), host="127.0.0.1")
    await server.start_server()
    try:
        await shep.post(
            "/api/v1/gateway/senders",
            json={"sender_id": "shymkent-energy-is", "password": "s3cret", "signature": "required"},
        )
        await shep.post(
            "/api/v1/gateway/routes",
            json={
                "service_id": PASSPORT,
                "url": str(server.make_url("/")),
                "sender_id": "shymkent-energy-is",
            },
        )
        request_id = str(uuid.uuid4())
        status, _ = await post(shep, "/shep/async", send_message(message_id=request_id))
        assert status == 200

        await deliver(shep)  # the REQUEST goes to the system, which checks and acknowledges
        assert system.received == [request_id]
        await asyncio.gather(*system.answers)  # its zeep client sent UPDATE and RESPONSE
        await deliver(shep)  # the answers reach the portal; the RESPONSE's CMS is verified

        log = await (await shep.get(f"/api/v1/gateway/messages?correlation_id={request_id}")).json()
        by_type = {m["message_type"]: m for m in log["messages"]}
        assert set(by_type) == {"REQUEST", "UPDATE", "RESPONSE"}
        assert all(m["state"] == "DELIVERED" for m in log["messages"])
        assert by_type["RESPONSE"]["security"]["signed"] is True
        assert by_type["RESPONSE"]["sender_id"] == "shymkent-energy-is"
        detail = await (
            await shep.get(f"/api/v1/gateway/messages/{by_type['RESPONSE']['message_id']}")
        ).json()
        assert "verified TOTAL_PASSED" in detail["attempts"][-1]["detail"]
        # The gateway told the system what became of its UPDATE and RESPONSE.
        answered = {by_type["UPDATE"]["message_id"], by_type["RESPONSE"]["message_id"]}
        assert set(system.notifications) == {(m, "DELIVERED") for m in answered}
    finally:
        await server.close()


async def test_an_unsigned_push_is_refused_by_the_reference_system(shep, persona) -> None:
    system = ProviderSystem(
        "http://127.0.0.1:9", "x", "x", persona("shymkent-energy-head").sign, PASSPORT
    )
    server = TestServer(system.application(), host="127.0.0.1")
    await server.start_server()
    try:
        async with shep.session.post(str(server.make_url("/")), data=send_message()) as reply:
            assert reply.status == 500
            assert "WSS_SIGNATURE_MISSING" in first(
                __import__("lxml.etree").etree.fromstring(await reply.read()), "faultstring"
            )
    finally:
        await server.close()
