"""A portal request's attachments, fetched by the provider through the gateway when opened.

The REQUEST carries each attachment's metadata only (document, file name, type, size, SHA-256):
a document of item 9 may weigh 10 MiB and an envelope at most that. When a specialist opens one,
the provider's system asks the portal for it with a SyncChannel `SendMessage` of the service whose
`routeId` names the portal (`PORTAL_ROUTE`), its data `{"request": the REQUEST's messageId,
"document": id, "sha256": hex}`; the portal answers at once with the content in base64, and only
to the sender the REQUEST was routed to. Both are in the gateway's log like any other message.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from lxml import etree

from egovsim.errors import CATALOGUE, EgovsimError
from egovsim.gateway import soap
from egovsim.gateway.parties import SyncAnswerer, SyncVerdict
from egovsim.gateway.seed import PORTAL_ROUTE, PORTAL_SENDER, WORKSTATION_SENDER
from egovsim.gateway.service import Answer
from egovsim.gateway.wssecurity import sign_envelope
from egovsim.pki.keystore import Keystore
from egovsim.signatures.xmlsafe import XmlRefused, parse_xml
from egovsim.storage.gateway import GatewayStore, StoredMessage

Handle = Callable[[str, bytes], Awaitable[Answer]]
#: The portal's side: (REQUEST messageId, document, SHA-256) -> the content, None if it has none.
AttachmentContent = Callable[[str, str, str], Awaitable[bytes | None]]


def question_envelope(
    *, service_id: str, data: str, sender_id: str, password: str, at: datetime
) -> bytes:
    """A SyncChannel `SendMessage` to the portal's route, its data as text."""
    outer, request = soap.wrapper(soap.SYNC_TYPES, "SendMessage", "request")
    info = etree.SubElement(request, "requestInfo")
    etree.SubElement(info, "messageId").text = str(uuid.uuid4())
    etree.SubElement(info, "serviceId").text = service_id
    etree.SubElement(info, "messageDate").text = at.isoformat()
    etree.SubElement(info, "routeId").text = PORTAL_ROUTE
    sender = etree.SubElement(info, "sender")
    etree.SubElement(sender, "senderId").text = sender_id
    etree.SubElement(sender, "password").text = password
    holder = etree.SubElement(request, "requestData")
    etree.SubElement(holder, "data").text = data
    return soap.serialize(soap.envelope(outer))


class AttachmentFetcher:
    """The workstation's side: asks the portal for an attachment, in-process through
    `Gateway.handle`, as its sender (WS-Security signed with `keystore` when given)."""

    def __init__(
        self,
        handle: Handle,
        password: str,
        now: Callable[[], datetime],
        keystore: Keystore | None = None,
        sender_id: str = WORKSTATION_SENDER,
    ) -> None:
        self._handle = handle
        self._password = password
        self._now = now
        self._keystore = keystore
        self._sender_id = sender_id

    async def fetch(self, service_id: str, request_id: str, document: str, sha256: str) -> bytes:
        """The content of a REQUEST's attachment; a coded refusal otherwise: the gateway's
        fault (GATEWAY_UNAVAILABLE, ...), or NOT_FOUND when the portal has no such attachment."""
        data = json.dumps({"request": request_id, "document": document, "sha256": sha256})
        envelope = question_envelope(
            service_id=service_id,
            data=data,
            sender_id=self._sender_id,
            password=self._password,
            at=self._now(),
        )
        if self._keystore is not None:
            envelope = sign_envelope(
                envelope, self._keystore.key, self._keystore.certificate, created=self._now()
            )
        answer = await self._handle("sync", envelope)
        try:
            root = parse_xml(answer.body, max_bytes=64 * 1024 * 1024)
        except XmlRefused as refused:
            raise _unavailable(document, "INTERNAL_ERROR", str(refused)) from None
        if answer.status != 200:
            code = next((e.text for e in root.iter("errorCode")), None) or "INTERNAL_ERROR"
            words = next((e.text for e in root.iter("errorData")), None) or ""
            raise _unavailable(document, code, words)
        status = next((e.text for e in root.iter("code")), None)
        text = "".join(next(root.iter("data")).itertext()).strip()
        if status != "OK":
            message = next((e.text for e in root.iter("message")), None) or text
            raise _unavailable(document, "NOT_FOUND", message)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise _unavailable(
                document, "INTERNAL_ERROR", "the portal's answer is not base64"
            ) from None


def portal_attachments(store: GatewayStore, content: AttachmentContent) -> SyncAnswerer:
    """The portal's answer to a synchronous question routed to it: the content of one of its
    REQUESTs' attachments, for the sender that REQUEST was routed to."""

    async def answer(message: StoredMessage) -> SyncVerdict:
        text = "".join(etree.fromstring(message.data_xml).itertext()).strip()
        try:
            asked: Any = json.loads(text)
        except ValueError:
            asked = None
        fields = ("request", "document", "sha256")
        if not isinstance(asked, dict) or not all(isinstance(asked.get(f), str) for f in fields):
            return "REFUSED", 'the data must be {"request", "document", "sha256"} as text', None
        request = await store.message(asked["request"])
        if request is None or request.sender_id != PORTAL_SENDER:
            return "REFUSED", f"the portal sent no request {asked['request']}", None
        if request.service_id != message.service_id:
            return "REFUSED", f"request {request.message_id} is not of {message.service_id}", None
        route = await store.route(request.service_id)
        allowed = WORKSTATION_SENDER if route and route.receiver == "workstation" else None
        allowed = allowed or (route.sender_id if route else None)
        if message.sender_id != allowed:
            return "REFUSED", f"the request was not routed to {message.sender_id}", None
        found = await content(asked["request"], asked["document"], asked["sha256"])
        if found is None:
            return (
                "REFUSED",
                f"the request has no attachment {asked['document']} of that digest",
                None,
            )
        data = etree.Element("data")
        data.text = base64.b64encode(found).decode()
        return "OK", f"the attachment {asked['document']} ({len(found)} bytes)", data

    return answer


def _unavailable(document: str, code: str, detail: str) -> EgovsimError:
    """The refusal the specialist sees when an attachment cannot be had."""
    known = code if code in CATALOGUE else "INTERNAL_ERROR"
    return EgovsimError(known, {"document": document, "reason": detail})
