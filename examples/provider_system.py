"""A small reference provider system for egovsim's gateway (SHEP v10).

It does what a provider's information system integrating with the e-government gateway does:

- it implements IAsyncChannelClient: egovsim pushes REQUEST messages to it (`sendMessage`); it
  checks their WS-Security signature and acknowledges them;
- it answers through egovsim's AsyncChannel with a real SOAP toolkit (a zeep client generated
  from egovsim's WSDL): an UPDATE with a status, then a RESPONSE carrying the result as a CMS
  signed by the provider's authorized person, with the request's messageId as correlationId;
- every envelope it sends is WS-Security signed (a zeep plugin);
- it takes the gateway's changeMassageStatusNotification about the messages it sent.

Run it beside `egovsim serve`:

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

import zeep
from aiohttp import web
from lxml import etree
from zeep import xsd

from egovsim.gateway.wssecurity import sign_envelope, verify_envelope
from egovsim.pki.keystore import Keystore, load_keystore
from egovsim.signatures import cms

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES = "http://bip.bee.kz/AsyncChannel/v10/Types"
CLIENT_TYPES = "http://bip.bee.kz/AsyncChannel/v10/Types/Client"


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


@dataclass
class ProviderSystem:
    """The system: what it received, and how it answers."""

    gateway: str  # egovsim's base URL
    sender_id: str
    password: str
    keystore: Keystore
    service_id: str
    received: list[str] = field(default_factory=list)
    notifications: list[tuple[str, str]] = field(default_factory=list)  # (messageId, state)
    answers: list[asyncio.Task[None]] = field(default_factory=list)
    _client: Any = None

    def _proxy(self) -> Any:
        if self._client is None:
            client = zeep.Client(
                f"{self.gateway}/shep/async?wsdl", plugins=[WsSecuritySigner(self.keystore)]
            )
            proxy = client.bind("AsyncChannelHttpService", "AsyncChannelHttpPort")
            proxy._binding_options["address"] = f"{self.gateway}/shep/async"
            self._client = proxy
        return self._client

    async def receive(self, request: web.Request) -> web.Response:
        """IAsyncChannelClient `sendMessage`: check, remember, acknowledge, answer later."""
        body = await request.read()
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        check = verify_envelope(root, require=True)
        if check.code is not None:
            return _fault(check.code, check.detail)
        notification = root.find(f".//{{{CLIENT_TYPES}}}changeMassageStatusNotification")
        if notification is not None:  # the gateway tells us what became of our message
            self.notifications.append(
                (
                    notification.findtext(".//messageId") or "",
                    notification.findtext(".//messageState") or "",
                )
            )
            return web.Response(body=_notified(), content_type="text/xml")
        message_id = root.findtext(".//messageInfo/messageId") or ""
        self.received.append(message_id)
        self.answers.append(asyncio.create_task(asyncio.to_thread(self.answer, message_id)))
        return web.Response(body=_acknowledgement(message_id), content_type="text/xml")

    def answer(self, request_id: str) -> None:
        """An UPDATE with a status, then the signed RESPONSE, through egovsim's AsyncChannel."""
        proxy = self._proxy()
        sender = {"senderId": self.sender_id, "password": self.password}
        now = datetime.now(UTC)
        proxy.sendMessage(
            request={
                "messageInfo": {
                    "messageId": str(uuid.uuid4()),
                    "correlationId": request_id,
                    "serviceId": self.service_id,
                    "messageType": "UPDATE",
                    "messageDate": now,
                    "sender": sender,
                },
                "messageData": {"data": xsd.AnyObject(xsd.String(), "IN_PROGRESS")},
            }
        )
        result = json.dumps(
            {"request": request_id, "result": "passport", "issued_at": now.isoformat()}
        ).encode()
        signature = cms.sign(
            result, self.keystore.key, self.keystore.certificate, self.keystore.chain, now
        )
        proxy.sendMessage(
            request={
                "messageInfo": {
                    "messageId": str(uuid.uuid4()),
                    "correlationId": request_id,
                    "serviceId": self.service_id,
                    "messageType": "RESPONSE",
                    "messageDate": now,
                    "sender": sender,
                },
                "messageData": {
                    "data": xsd.AnyObject(xsd.String(), base64.b64encode(signature).decode())
                },
            }
        )

    def application(self) -> web.Application:
        """The system's HTTP side."""
        app = web.Application()
        app.router.add_post("/", self.receive)
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
    body = (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>soapenv:Client</faultcode><faultstring>{code}: {detail}</faultstring>"
        f"</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()
    return web.Response(body=body, status=500, content_type="text/xml")


def main() -> None:
    """Run the system on a port."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8181)
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--sender", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--p12", type=Path, required=True)
    parser.add_argument("--p12-password", required=True)
    parser.add_argument("--service", required=True)
    arguments = parser.parse_args()
    system = ProviderSystem(
        arguments.gateway,
        arguments.sender,
        arguments.password,
        load_keystore(arguments.p12, arguments.p12_password),
        arguments.service,
    )
    web.run_app(system.application(), host="127.0.0.1", port=arguments.port)


if __name__ == "__main__":
    main()
