"""A provider team's tests of its own system against egovsim, written with `egovsim.testing`.

"Our system" here is the reference provider system of examples/ (a team puts its own in its
place): it receives REQUESTs from the gateway, acknowledges them, and answers with an UPDATE and a
RESPONSE carrying a result signed by the provider's first head, every envelope WS-Security
signed. egovsim plays the portal, the gateway and the PKI around it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from egovsim.testing import Simulator
from examples.provider_system import ProviderSystem

SERVICE = "shymkent-energy-readiness-passport"
SENDER, PASSWORD = "our-system", "s3cret"

#: A citizen of the energy company orders the passport on the portal and signs it; the gateway
#: takes it to the service's receiver: our system.
ORDER = f"""
suite: our-system
scenarios:
  - name: the company's first head orders the readiness passport
    clock: in-window 08-15..09-30
    steps:
      - login: company-first-head
      - order:
          service: {SERVICE}
          form: {{applicant-category: energy-producing-organization, heating-season: 2027}}
          attach: {{application: pdf, supporting-documents: pdf}}
      - sign: {{detached: true}}
      - expect: {{signature: TOTAL_PASSED}}
"""


@pytest.fixture
async def our_system(egovsim_simulator: Simulator) -> AsyncIterator[ProviderSystem]:
    """Our system on a loopback port, keyed with the provider's first head's certificate of
    egovsim's test PKI, registered at the gateway as the service's receiver and as a sender
    whose messages must be WS-Security signed."""
    head = egovsim_simulator.persona("shymkent-energy-head")
    assert head.sign is not None
    system = ProviderSystem(egovsim_simulator.url, SENDER, PASSWORD, head.sign, SERVICE)
    server = TestServer(system.application(), host="127.0.0.1")
    await server.start_server()
    await egovsim_simulator.register_system(SERVICE, str(server.make_url("/")), SENDER, PASSWORD)
    try:
        yield system
    finally:
        await asyncio.gather(*system.answers, return_exceptions=True)
        await system.close()
        await server.close()


async def _application(simulator: Simulator, number: int) -> dict:
    async with await simulator.sign_in("company-first-head") as session:
        reply = await session.request("GET", f"/api/v1/portal/applications/{number}")
    assert reply.status == 200, reply.evidence()
    return reply.body  # type: ignore[no-any-return]


async def test_a_citizens_request_reaches_us_and_our_result_reaches_the_cabinet(
    egovsim_simulator: Simulator, our_system: ProviderSystem
) -> None:
    (ordered,) = await egovsim_simulator.play(ORDER)
    assert ordered.application is not None

    # The gateway pushes the REQUEST to us; we acknowledge it and answer.
    await egovsim_simulator.wait_for(lambda: _received(our_system), timeout=30)
    await asyncio.gather(*our_system.answers)

    async def completed() -> bool:
        detail = await _application(egovsim_simulator, ordered.application or 0)
        return detail["status"] == "completed"

    await egovsim_simulator.wait_for(completed, timeout=30)
    detail = await _application(egovsim_simulator, ordered.application)
    assert detail["result"]["indication"] == "TOTAL_PASSED"


async def _received(system: ProviderSystem) -> bool:
    return bool(system.received)


async def test_the_gateway_refuses_an_unsigned_message_of_a_required_sender(
    egovsim_simulator: Simulator,
) -> None:
    reached = await egovsim_simulator.refusal("WSS_SIGNATURE_MISSING")
    assert reached.error["code"] == "WSS_SIGNATURE_MISSING"
