"""The seeded gateway senders (the portal, the regional gateway's workstation, the State
Corporation) require WS-Security by default: an unsigned message as `egov-portal` is refused, a
signed one taken, egovsim's own systems sign theirs; a switch makes a sender optional."""

from __future__ import annotations

import uuid

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from egovsim.cli import build_parser, settings_for
from egovsim.clock import Clock
from egovsim.config import settings_from_env
from egovsim.gateway.wssecurity import verify_envelope
from egovsim.testing import Simulator
from egovsim.web.app import create_app
from tests.conftest import NOW
from tests.test_gateway import send_message
from tests.test_testing_kit import signed_by

SEEDED = {"egov-portal", "arm-rshep", "gk-almaty"}


async def _soap(simulator: Simulator, body: bytes) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            simulator.url + "/shep/async", data=body, headers={"Content-Type": "text/xml"}
        ) as reply,
    ):
        return reply.status, await reply.text()


async def test_every_seeded_sender_requires_a_signature(egovsim_simulator: Simulator) -> None:
    listing = await egovsim_simulator.call("GET", "/api/v1/gateway/senders")
    policies = {s["sender_id"]: s["signature"] for s in listing["senders"]}
    assert {name: policies[name] for name in SEEDED} == dict.fromkeys(SEEDED, "required")


async def test_an_unsigned_message_as_the_portal_is_refused_and_a_signed_one_taken(
    egovsim_simulator: Simulator,
) -> None:
    status, answer = await _soap(egovsim_simulator, send_message(message_id=str(uuid.uuid4())))
    assert status == 500
    assert "WSS_SIGNATURE_MISSING" in answer

    signer = egovsim_simulator.persona("egov-gateway")
    envelope = send_message(message_id=str(uuid.uuid4()))
    signed = signer.sign_envelope(envelope, await egovsim_simulator.now())
    status, answer = await _soap(egovsim_simulator, signed)
    assert status == 200, answer


async def test_the_portal_signs_what_it_sends(egovsim_simulator: Simulator) -> None:
    (played,) = await egovsim_simulator.play(signed_by("citizen-valid"))
    assert played.application is not None
    log = await egovsim_simulator.call("GET", "/api/v1/gateway/messages?limit=10")
    (request,) = [m for m in log["messages"] if m["message_type"] == "REQUEST"]
    assert request["sender_id"] == "egov-portal"
    assert request["security"]["signed"] is True


async def test_the_switch_makes_a_seeded_sender_optional(settings) -> None:
    optional = settings.with_overrides(wss_optional_senders=frozenset({"egov-portal"}))
    app = create_app(optional, Clock(frozen_at=NOW))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        listing = await (await client.get("/api/v1/gateway/senders")).json()
    policies = {s["sender_id"]: s["signature"] for s in listing["senders"]}
    assert policies["egov-portal"] == "optional"
    assert policies["arm-rshep"] == policies["gk-almaty"] == "required"


def test_the_switch_is_read_from_the_environment() -> None:
    found = settings_from_env({"EGOVSIM_WSS_OPTIONAL": "egov-portal, gk-almaty,"})
    assert found.wss_optional_senders == {"egov-portal", "gk-almaty"}
    assert settings_from_env({}).wss_optional_senders == frozenset()
    arguments = build_parser().parse_args(["serve", "--wss-optional", "arm-rshep"])
    assert settings_for(arguments).wss_optional_senders == {"arm-rshep"}


async def test_the_log_keeps_the_portals_envelope_as_signed_and_intact(
    egovsim_simulator: Simulator,
) -> None:
    # The gateway does not verify again what the portal signed inside the same process; the
    # envelope it keeps must still be the signed one, whole, as a peer would have received it.
    (played,) = await egovsim_simulator.play(signed_by("citizen-valid"))
    assert played.application is not None
    log = await egovsim_simulator.call("GET", "/api/v1/gateway/messages?limit=10")
    (request,) = [m for m in log["messages"] if m["message_type"] == "REQUEST"]
    reply = await egovsim_simulator.request(
        "GET", f"/api/v1/gateway/messages/{request['message_id']}/envelope"
    )
    assert reply.status == 200
    check = verify_envelope(reply.raw, require=True)
    assert check.code is None, check.detail
    assert check.certificate is not None
    gateway = egovsim_simulator.persona("egov-gateway").signer().certificate
    assert check.certificate == gateway
    assert request["security"]["signer"] is not None
