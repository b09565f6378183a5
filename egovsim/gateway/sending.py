"""Sending through the gateway from inside the process: the parties' `sendMessage` requests,
WS-Security signed with egovsim's own key, handed to `Gateway.handle` as if they came over
HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from egovsim.gateway import soap
from egovsim.gateway.service import Answer
from egovsim.gateway.wssign import signed_envelope
from egovsim.pki.keystore import Keystore
from egovsim.signatures.xmldsig import SigningKey
from egovsim.storage.gateway_accepting import Alongside


class Handle(Protocol):
    """`Gateway.handle`: a SOAP request's bytes in, the answer out."""

    def __call__(
        self,
        channel: str,
        envelope: bytes,
        /,
        *,
        signed_by: x509.Certificate | None = None,
        written_from: etree._Element | None = None,
        alongside: Alongside | None = None,
    ) -> Awaitable[Answer]: ...


def send_message_content(
    *,
    message_id: str,
    correlation_id: str | None,
    service_id: str,
    message_type: str,
    message_date: datetime,
    sender_id: str,
    password: str,
    data: str,
    route_id: str | None = None,
) -> etree._Element:
    """The Body's element of an AsyncChannel `sendMessage` request, its data as text."""
    outer, request = soap.wrapper(soap.ASYNC_TYPES, "sendMessage", "request")
    info = etree.SubElement(request, "messageInfo")
    etree.SubElement(info, "messageId").text = message_id
    if correlation_id:
        etree.SubElement(info, "correlationId").text = correlation_id
    etree.SubElement(info, "serviceId").text = service_id
    etree.SubElement(info, "messageType").text = message_type
    if route_id:
        etree.SubElement(info, "routeId").text = route_id
    etree.SubElement(info, "messageDate").text = message_date.isoformat()
    sender = etree.SubElement(info, "sender")
    etree.SubElement(sender, "senderId").text = sender_id
    etree.SubElement(sender, "password").text = password
    holder = etree.SubElement(request, "messageData")
    etree.SubElement(holder, "data").text = data
    return outer


class GatewaySender:
    """A sender of the gateway that sends from inside the process, through `Gateway.handle`."""

    def __init__(
        self,
        handle: Handle,
        sender_id: str,
        password: str,
        now: Callable[[], datetime],
        keystore: Keystore | None = None,
    ) -> None:
        self._handle = handle
        self.sender_id = sender_id
        self._password = password
        self._now = now
        #: The key its envelopes are WS-Security signed with (None: sent unsigned).
        self._keystore = keystore

    async def send(
        self,
        service_id: str,
        message_type: str,
        message_id: str,
        correlation_id: str | None,
        data: str,
        route_id: str | None = None,
        alongside: Alongside | None = None,
    ) -> tuple[bool, str]:
        """(accepted, what the gateway said): "accepted as …", or the fault's code and words;
        `alongside`, the sender's own writes committed with the acceptance (`Gateway.handle`)."""
        content = send_message_content(
            message_id=message_id,
            correlation_id=correlation_id,
            service_id=service_id,
            message_type=message_type,
            message_date=self._now(),
            sender_id=self.sender_id,
            password=self._password,
            data=data,
            route_id=route_id,
        )
        certificate = None
        if self._keystore is None:
            written_from = soap.envelope(content)
            envelope = soap.serialize(written_from)
        else:
            signer = SigningKey.of(self._keystore.key, self._keystore.certificate)
            certificate = signer.certificate
            # The gateway does not verify again what was signed here a moment ago
            # (`signed_by`); the log keeps the envelope as it was signed, written once from
            # its element. An RSA key signs beside the event loop (it releases the GIL); an
            # ECDSA one, a tenth of the cost, in place, as a thread would cost more.
            if isinstance(signer.key, ec.EllipticCurvePrivateKey):
                envelope = signed_envelope(content, signer, created=self._now())
            else:
                envelope = await asyncio.to_thread(
                    signed_envelope, content, signer, created=self._now()
                )
            # The gateway reads the signed Body as it was built, not parsed back from the
            # bytes; its Header, the signature it does not verify again, is left out.
            written_from = etree.Element(f"{{{soap.SOAP}}}Envelope", nsmap={"soapenv": soap.SOAP})
            written_from.append(content.getparent())
        answer = await self._handle(
            "async",
            envelope,
            signed_by=certificate,
            written_from=written_from,
            alongside=alongside,
        )
        if answer.status == 200:
            return True, f"accepted as {message_id}"
        root = etree.fromstring(answer.body)
        code = next((e.text for e in root.iter("errorCode")), None) or "?"
        words = next((e.text for e in root.iter("errorData")), None) or next(
            (e.text for e in root.iter("errorMessage")), ""
        )
        return False, f"{code}: {words}"

    async def send_request(
        self, message_id: str, service_id: str, data: str, alongside: Alongside | None = None
    ) -> tuple[bool, str]:
        """A REQUEST (the portal's `send_request`), the portal's own writes `alongside`."""
        return await self.send(service_id, "REQUEST", message_id, None, data, alongside=alongside)
