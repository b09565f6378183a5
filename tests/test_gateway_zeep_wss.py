"""A zeep client signing with its `BinarySignature` (RSA-SHA256) against the WSDL egovsim serves,
verifying the gateway's signed answers with the gateway's certificate; and the SHA-1 that
`BinarySignature` signs with by default, answered with a signed WSS fault zeep reads as a Fault."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import zeep
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import serialization
from lxml import etree
from zeep import xsd
from zeep.plugins import HistoryPlugin
from zeep.wsse import BinarySignature
from zeep.wsse.signature import verify_envelope
from zeep.wsse.utils import WSU, get_security_header

from egovsim.clock import Clock
from egovsim.web.app import create_app
from tests.test_workstation import day_in_certificate_window, passport_request

xmlsec = pytest.importorskip("xmlsec", reason="zeep's WS-Security needs xmlsec (the test extra)")

NOW = day_in_certificate_window(9, 1)
PASSPORT = "shymkent-energy-readiness-passport"
SENDER = {"senderId": "zeep-is", "password": "s3cret"}
DS = "http://www.w3.org/2000/09/xmldsig#"


class GatewaySignature(BinarySignature):
    """zeep's BinarySignature with a signed Timestamp (which it signs when one is there), and
    the gateway's answers verified with the gateway's certificate: zeep's own `verify` uses the
    certificate it signs with, which the gateway's answer is not signed by."""

    def __init__(self, key: Path, cert: Path, gateway_cert: Path, created: datetime, **how):
        super().__init__(str(key), str(cert), **how)
        self.gateway_cert = str(gateway_cert)
        self.created = created

    def apply(self, envelope: Any, headers: Any) -> Any:
        stamp, created = "%Y-%m-%dT%H:%M:%SZ", self.created.astimezone(UTC)
        get_security_header(envelope).append(
            WSU.Timestamp(
                WSU.Created(created.strftime(stamp)),
                WSU.Expires((created + timedelta(minutes=5)).strftime(stamp)),
            )
        )
        return super().apply(envelope, headers)

    def verify(self, envelope: Any) -> Any:
        verify_envelope(envelope, self.gateway_cert)  # zeep's own check, the gateway's key
        return envelope


def _pem(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.fixture
async def live(settings) -> AsyncIterator[TestServer]:
    quiet = settings.with_overrides(gateway_worker=False)
    server = TestServer(create_app(quiet, Clock(frozen_at=NOW)), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        reply = await http.post(
            str(server.make_url("/api/v1/gateway/senders")),
            json={"sender_id": "zeep-is", "password": "s3cret", "signature": "required"},
        )
        assert reply.status == 201
    try:
        yield server
    finally:
        await server.close()


def _files(tmp_path: Path, persona) -> tuple[Path, Path, Path]:
    signer = persona("shymkent-energy-head").sign
    key = _pem(
        tmp_path,
        "key.pem",
        signer.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    cert = _pem(tmp_path, "cert.pem", signer.certificate.public_bytes(serialization.Encoding.PEM))
    gateway = persona("egov-gateway").sign.certificate.public_bytes(serialization.Encoding.PEM)
    return key, cert, _pem(tmp_path, "gateway.pem", gateway)


def _send(base: str, wsse: Any, history: HistoryPlugin, service: str = PASSPORT) -> Any:
    client = zeep.Client(f"{base}/shep/async?wsdl", wsse=wsse, plugins=[history])
    proxy = client.bind("AsyncChannelHttpService", "AsyncChannelHttpPort")
    proxy._binding_options["address"] = f"{base}/shep/async"
    return proxy.sendMessage(
        request={
            "messageInfo": {
                "messageId": str(uuid.uuid4()),
                "serviceId": service,
                "messageType": "REQUEST",
                "messageDate": datetime(2027, 9, 1, 10),
                "sender": SENDER,
            },
            "messageData": {"data": xsd.AnyObject(xsd.String(), json.dumps(passport_request()))},
        }
    )


async def test_a_zeep_binary_signature_client_sends_and_verifies_the_signed_answer(
    live, persona, tmp_path
) -> None:
    key, cert, gateway = _files(tmp_path, persona)
    wsse = GatewaySignature(
        key,
        cert,
        gateway,
        NOW,
        signature_method=xmlsec.Transform.RSA_SHA256,
        digest_method=xmlsec.Transform.SHA256,
    )
    history = HistoryPlugin()
    base = str(live.make_url("")).rstrip("/")
    answer = await asyncio.to_thread(_send, base, wsse, history)
    assert answer["messageId"]
    received = history.last_received["envelope"]
    signatures = received.findall(f".//{{{DS}}}Signature")
    assert len(signatures) == 1
    # zeep verified it with xmlsec1 (GatewaySignature.verify): the gateway signs with ECDSA P-256.
    method = signatures[0].find(f".//{{{DS}}}SignatureMethod").get("Algorithm")
    assert method == "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    # The answer is the gateway's: it does not verify with the client's own certificate.
    with pytest.raises(zeep.exceptions.SignatureVerificationFailed):
        verify_envelope(received, str(cert))


async def test_a_refusal_to_a_signed_request_is_a_signed_fault_zeep_reads_as_a_fault(
    live, persona, tmp_path
) -> None:
    key, cert, gateway = _files(tmp_path, persona)
    how = {
        "signature_method": xmlsec.Transform.RSA_SHA256,
        "digest_method": xmlsec.Transform.SHA256,
    }
    wsse = GatewaySignature(key, cert, gateway, NOW, **how)
    base = str(live.make_url("")).rstrip("/")
    with pytest.raises(zeep.exceptions.Fault) as fault:
        await asyncio.to_thread(_send, base, wsse, HistoryPlugin(), "no-such-service")
    assert fault.value.detail.find(".//errorCode").text == "SERVICE_UNKNOWN"


async def test_the_sha1_zeep_signs_with_by_default_gets_a_signed_wss_fault(
    live, persona, tmp_path
) -> None:
    key, cert, gateway = _files(tmp_path, persona)
    wsse = GatewaySignature(key, cert, gateway, NOW)  # zeep's defaults: RSA-SHA1 over SHA-1
    history = HistoryPlugin()
    base = str(live.make_url("")).rstrip("/")
    with pytest.raises(zeep.exceptions.Fault) as fault:
        await asyncio.to_thread(_send, base, wsse, history)
    assert fault.value.detail.find(".//errorCode").text == "WSS_WEAK_ALGORITHM"
    sent = etree.tostring(history.last_sent["envelope"]).decode()
    assert "rsa-sha1" in sent
