"""Faults the gateway answers without reading the request (the trainer's `gateway-down`, an
envelope over the size limit) are signed with the gateway's ECDSA key like every answer to a
signed request, and verify with xmlsec1 (zeep's check) against the `egov-gateway` certificate;
an unsigned request's fault stays unsigned."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

from egovsim.gateway.wssecurity import sign_envelope, verify_envelope
from egovsim.web.gateway import shep as shep_routes
from tests.test_gateway import first, send_message

xmlsec = pytest.importorskip("xmlsec", reason="zeep's WS-Security needs xmlsec (the test extra)")
zeep_signature = pytest.importorskip("zeep.wsse.signature")

DOWN = "/api/v1/faults/gateway-down"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"


def _signed(persona, data: str = "{}") -> bytes:
    from tests.test_workstation import day_in_certificate_window

    head = persona("shymkent-energy-head").sign
    message = send_message(message_id=str(uuid.uuid4()), data=data)
    return sign_envelope(
        message, head.key, head.certificate, created=day_in_certificate_window(9, 1)
    )


async def _answer(shep, body: bytes) -> tuple[int, bytes]:
    reply = await shep.post("/shep/async", data=body, headers={"Content-Type": "text/xml"})
    return reply.status, await reply.read()


def _assert_signed_by_the_gateway(answer: bytes, persona, tmp_path: Path) -> None:
    gateway = persona("egov-gateway").sign.certificate
    pem = tmp_path / "gateway.pem"
    pem.write_bytes(gateway.public_bytes(serialization.Encoding.PEM))
    root = etree.fromstring(answer)
    zeep_signature.verify_envelope(root, str(pem))  # xmlsec1, not egovsim's own check
    check = verify_envelope(root, require=True)
    assert check.passed, check.detail
    assert check.certificate == gateway
    method = root.find(".//{http://www.w3.org/2000/09/xmldsig#}SignatureMethod")
    assert method is not None and method.get("Algorithm") == ECDSA_SHA256


async def test_a_signed_request_to_a_gateway_that_is_down_gets_a_signed_fault(
    shep, persona, tmp_path
) -> None:
    assert (await shep.put(DOWN, json={"on": True})).status == 200
    status, answer = await _answer(shep, _signed(persona))
    assert status == 503
    assert first(etree.fromstring(answer), "errorCode") == "GATEWAY_UNAVAILABLE"
    _assert_signed_by_the_gateway(answer, persona, tmp_path)


async def test_an_unsigned_request_to_a_gateway_that_is_down_gets_an_unsigned_fault(shep) -> None:
    assert (await shep.put(DOWN, json={"on": True})).status == 200
    status, answer = await _answer(shep, send_message(message_id=str(uuid.uuid4())))
    assert status == 503
    assert b"Signature" not in answer


async def test_a_signed_envelope_over_the_limit_gets_a_signed_fault(
    shep, persona, tmp_path, monkeypatch
) -> None:
    # The limit is 10 MiB; a smaller one here keeps the test quick, the path is the same.
    monkeypatch.setattr(shep_routes, "MAX_ENVELOPE", shep_routes.HEAD + 4096)
    big = _signed(persona, data="x" * (shep_routes.HEAD + 8192))
    status, answer = await _answer(shep, big)
    assert status == 500
    fault = etree.fromstring(answer)
    assert first(fault, "errorCode") == "ENVELOPE_MALFORMED"
    assert b"too_large" in answer
    _assert_signed_by_the_gateway(answer, persona, tmp_path)


async def test_an_unsigned_envelope_over_the_limit_gets_an_unsigned_fault(
    shep, monkeypatch
) -> None:
    monkeypatch.setattr(shep_routes, "MAX_ENVELOPE", shep_routes.HEAD + 4096)
    big = send_message(message_id=str(uuid.uuid4()), data="x" * (shep_routes.HEAD + 8192))
    status, answer = await _answer(shep, big)
    assert status == 500
    assert first(etree.fromstring(answer), "errorCode") == "ENVELOPE_MALFORMED"
    assert b"Signature" not in answer
