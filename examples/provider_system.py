"""A small reference provider system for egovsim's gateway (SHEP v10).

It does what a provider's information system integrating with the e-government gateway does:

- it implements IAsyncChannelClient: egovsim pushes REQUEST messages to it (`sendMessage`); it
  reads them as untrusted XML, checks their WS-Security signature and the signer's certificate
  (chain to the NCA, validity, revocation by OCSP or CRL at the addresses the certificate
  names), and acknowledges them; whatever it refuses gets a SOAP fault (HTTP 500);
- it handles each messageId once: a REQUEST delivered again (the gateway retries when an
  acknowledgement was lost) is acknowledged again and not answered twice;
- it answers through egovsim's AsyncChannel with a real SOAP toolkit (a zeep client generated
  from egovsim's WSDL): an UPDATE with a status, then a RESPONSE carrying the result as a CMS
  signed by the provider's authorized person, with the request's messageId as correlationId;
  the answers' messageIds derive from the request's, so a resent answer is applied once;
- every envelope it sends is WS-Security signed (a zeep plugin);
- it takes the gateway's changeMassageStatusNotification about the messages it sent.

Run it beside `egovsim serve` (or `egovsim conformance`):

    python -m examples.provider_system --port 8181 --gateway http://127.0.0.1:8080 \\
        --sender shymkent-energy-is --password secret \\
        --p12 certs/personas/shymkent-energy-head/RSA256_....p12 --p12-password Qwerty12 \\
        --service shymkent-energy-readiness-passport
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import zeep
from aiohttp import web
from cryptography import x509
from lxml import etree
from zeep import xsd

from egovsim.gateway.wssecurity import SecurityCheck, sign_envelope, verify_envelope
from egovsim.pki.keystore import Keystore, load_keystore
from egovsim.signatures import cms
from egovsim.signatures.checks import EXPECT_NOTHING
from egovsim.signatures.encoding import to_der
from egovsim.signatures.fetching import Unreachable
from egovsim.signatures.fetching_http import HttpFetcher
from egovsim.signatures.verifier import Verifier
from egovsim.signatures.xmlsafe import XmlRefused, parse_xml

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES = "http://bip.bee.kz/AsyncChannel/v10/Types"
CLIENT_TYPES = "http://bip.bee.kz/AsyncChannel/v10/Types/Client"
#: The namespace of the answers' messageIds (uuid5 of the request's messageId and the answer).
ANSWER_IDS = uuid.UUID("0d7b6f1e-8a4c-4f53-9b1e-5c2a7e9d3f60")


class WsSecuritySigner(zeep.Plugin):  # type: ignore[misc]
    """Signs every outgoing envelope (Body and Timestamp) with the system's certificate."""

    def __init__(self, keystore: Keystore) -> None:
        self._keystore = keystore

    def egress(
        self, envelope: Any, http_headers: Any, operation: Any, binding_options: Any
    ) -> tuple[Any, Any]:
        signed = sign_envelope(
            etree.tostring(envelope),
            self._keystore.key,
            self._keystore.certificate,
            created=datetime.now(UTC),
        )
        return etree.fromstring(signed), http_headers


class PkiFetcher:
    """Fetches CRLs, OCSP answers and CA certificates at the addresses certificates name; when
    nothing listens there, at the same path on egovsim's own address, since egovsim serves its
    test PKI on the gateway's port, which may not be the one its certificates were issued for."""

    def __init__(self, http: HttpFetcher, egovsim: str) -> None:
        self._http = http
        self._egovsim = egovsim.rstrip("/")

    def _elsewhere(self, url: str) -> str:
        parts = urlsplit(url)
        return self._egovsim + parts.path + (f"?{parts.query}" if parts.query else "")

    async def get(self, url: str) -> bytes:
        """GET at the certificate's address, else at egovsim's."""
        try:
            return await self._http.get(url)
        except Unreachable:
            return await self._http.get(self._elsewhere(url))

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        """POST at the certificate's address, else at egovsim's."""
        try:
            return await self._http.post(url, body, content_type)
        except Unreachable:
            return await self._http.post(self._elsewhere(url), body, content_type)


@dataclass
class ProviderSystem:
    """The system: what it received, and how it checks and answers."""

    gateway: str  # egovsim's base URL
    sender_id: str
    password: str
    keystore: Keystore
    service_id: str
    #: The CAs it trusts; none given, the CAs its own keystore's chain carries (the NCA).
    trust: list[x509.Certificate] = field(default_factory=list)
    received: list[str] = field(default_factory=list)  # each REQUEST's messageId, once
    pushes: int = 0  # every push taken, duplicates included
    notifications: list[tuple[str, str]] = field(default_factory=list)  # (messageId, state)
    answers: list[asyncio.Task[None]] = field(default_factory=list)
    _clients: dict[bool, Any] = field(default_factory=dict)
    _verifier: Verifier | None = None
    _http: HttpFetcher | None = None

    # -- receiving ----------------------------------------------------------------------------

    async def receive(self, request: web.Request) -> web.Response:
        """IAsyncChannelClient `sendMessage`: check, remember, acknowledge, answer later."""
        body = await request.read()
        try:
            root = parse_xml(body)  # no DTD, no entities, size and depth limits
        except XmlRefused as refused:
            return self.malformed(str(refused))
        refusal = await self.check_security(root)
        if refusal is not None:
            return _fault(*refusal)
        notification = root.find(f".//{{{CLIENT_TYPES}}}changeMassageStatusNotification")
        if notification is not None:  # the gateway tells us what became of our message
            self.notifications.append(
                (
                    notification.findtext(".//messageId") or "",
                    notification.findtext(".//messageState") or "",
                )
            )
            return web.Response(body=_notified(), content_type="text/xml")
        message_id = (root.findtext(".//messageInfo/messageId") or "").strip()
        if root.find(f".//{{{TYPES}}}sendMessage") is None or not message_id:
            return _fault("ENVELOPE_MALFORMED", "not a sendMessage with a messageId")
        self.pushes += 1
        if self.is_new(message_id):
            self.received.append(message_id)
            self.answers.append(asyncio.create_task(asyncio.to_thread(self.answer, message_id)))
        return web.Response(body=_acknowledgement(message_id), content_type="text/xml")

    def malformed(self, detail: str) -> web.Response:
        """What it says to a push that is not XML it can read: a SOAP fault."""
        return _fault("ENVELOPE_MALFORMED", detail)

    def is_new(self, message_id: str) -> bool:
        """Whether this messageId was not handled before (a redelivery is acknowledged only)."""
        return message_id not in self.received

    async def check_security(self, root: etree._Element) -> tuple[str, str] | None:
        """The signature, then the signer's certificate; the fault's code and words, or None."""
        check = verify_envelope(root, require=True)
        if check.code is not None:
            return check.code, check.detail
        return await self.check_certificate(check)

    async def check_certificate(self, check: SecurityCheck) -> tuple[str, str] | None:
        """Chain, validity and revocation of the signer's certificate. egovsim's clock may be
        set anywhere in time, so the check is made at the moment the signed Timestamp names."""
        if check.certificate_der is None:
            return "WSS_TOKEN_INVALID", "no certificate in the security token"
        report = await self.verifier().verify_certificate(
            check.certificate_der, at=check.signed_at, expect=EXPECT_NOTHING
        )
        if report.passed:
            return None
        failed = next((c for c in report.checks if c.code == report.code), None)
        detail = failed.detail if failed is not None else ""
        return "WSS_CERTIFICATE_REFUSED", f"{report.code}: {detail}".rstrip(": ")

    def verifier(self) -> Verifier:
        """The certificate checks: online revocation, refused when it cannot be learnt."""
        if self._verifier is None:
            self._http = HttpFetcher(timeout=5.0)
            self._verifier = Verifier(
                self.trust or list(self.keystore.chain),
                fetcher=PkiFetcher(self._http, self.gateway),
                policy="hard-fail",
            )
        return self._verifier

    async def close(self) -> None:
        """Close the connections the certificate checks opened."""
        if self._http is not None:
            await self._http.close()

    # -- answering ----------------------------------------------------------------------------

    def answer_id(self, request_id: str, what: str) -> str:
        """An answer's messageId, derived from what it answers."""
        return str(uuid.uuid5(ANSWER_IDS, f"{request_id}:{what}"))

    def signs(self, message_type: str) -> bool:
        """Whether the envelope of an answer of this type is WS-Security signed (always)."""
        return True

    def result_data(self, request_id: str, now: datetime) -> str:
        """The RESPONSE's data: the result, signed as CMS by the authorized person."""
        result = json.dumps(
            {"request": request_id, "result": "passport", "issued_at": now.isoformat()}
        ).encode()
        signature = cms.sign(
            result, self.keystore.key, self.keystore.certificate, self.keystore.chain, now
        )
        return base64.b64encode(signature).decode()

    def answer(self, request_id: str) -> None:
        """An UPDATE with a status, then the signed RESPONSE, through egovsim's AsyncChannel."""
        now = datetime.now(UTC)
        self.send("UPDATE", self.answer_id(request_id, "update"), request_id, "IN_PROGRESS")
        self.send(
            "RESPONSE",
            self.answer_id(request_id, "response"),
            request_id,
            self.result_data(request_id, now),
        )

    def send(self, message_type: str, message_id: str, correlation_id: str, data: str) -> None:
        """One AsyncChannel `sendMessage` with the zeep client."""
        self._proxy(self.signs(message_type)).sendMessage(
            request={
                "messageInfo": {
                    "messageId": message_id,
                    "correlationId": correlation_id,
                    "serviceId": self.service_id,
                    "messageType": message_type,
                    "messageDate": datetime.now(UTC),
                    "sender": {"senderId": self.sender_id, "password": self.password},
                },
                "messageData": {"data": xsd.AnyObject(xsd.String(), data)},
            }
        )

    def _proxy(self, signed: bool) -> Any:
        if signed not in self._clients:
            plugins = [WsSecuritySigner(self.keystore)] if signed else []
            client = zeep.Client(f"{self.gateway}/shep/async?wsdl", plugins=plugins)
            proxy = client.bind("AsyncChannelHttpService", "AsyncChannelHttpPort")
            proxy._binding_options["address"] = f"{self.gateway}/shep/async"
            self._clients[signed] = proxy
        return self._clients[signed]

    def application(self) -> web.Application:
        """The system's HTTP side."""
        app = web.Application()
        app.router.add_post("/", self.receive)

        async def closing(_: web.Application) -> None:
            await self.close()

        app.on_cleanup.append(closing)
        return app


def _acknowledgement(message_id: str) -> bytes:
    response = (
        f'<ns:sendMessageResponse xmlns:ns="{TYPES}"><response>'
        f"<messageId>{message_id}</messageId><correlationId>{message_id}</correlationId>"
        f"<responseDate>{datetime.now(UTC).isoformat()}</responseDate></response>"
        f"</ns:sendMessageResponse>"
    )
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Body>{response}'
        f"</soapenv:Body></soapenv:Envelope>"
    ).encode()


def _notified() -> bytes:
    response = (
        f'<ns:changeMassageStatusNotificationResponse xmlns:ns="{CLIENT_TYPES}">'
        f"<response><responseDate>{datetime.now(UTC).isoformat()}</responseDate>"
        f"<sessionId>{{{uuid.uuid4()}}}</sessionId></response>"
        f"</ns:changeMassageStatusNotificationResponse>"
    )
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Body>{response}'
        f"</soapenv:Body></soapenv:Envelope>"
    ).encode()


def _fault(code: str, detail: str) -> web.Response:
    fault = etree.Element(f"{{{SOAP}}}Fault")
    etree.SubElement(fault, "faultcode").text = "soapenv:Client"
    etree.SubElement(fault, "faultstring").text = f"{code}: {detail}"
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soapenv": SOAP})
    etree.SubElement(envelope, f"{{{SOAP}}}Body").append(fault)
    body = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    return web.Response(body=body, status=500, content_type="text/xml", charset="utf-8")


def certificates_from(paths: list[Path]) -> list[x509.Certificate]:
    """CA certificates from files, DER or PEM."""
    return [x509.load_der_x509_certificate(to_der(path.read_bytes())) for path in paths]


def command_line(description: str) -> argparse.ArgumentParser:
    """The options of a provider system run on its own: its port, the gateway, its sender's
    credentials, its keystore, its service and the CAs it trusts."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=8181)
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--sender", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--p12", type=Path, required=True)
    parser.add_argument("--p12-password", required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        metavar="CERT",
        help="a CA certificate to trust (DER or PEM; default: the CAs in the keystore)",
    )
    return parser


def main() -> None:
    """Run the system on a port."""
    arguments = command_line((__doc__ or "").split("\n")[0]).parse_args()
    system = ProviderSystem(
        arguments.gateway.rstrip("/"),
        arguments.sender,
        arguments.password,
        load_keystore(arguments.p12, arguments.p12_password),
        arguments.service,
        certificates_from(arguments.trust),
    )
    web.run_app(system.application(), host="127.0.0.1", port=arguments.port)


if __name__ == "__main__":
    main()
