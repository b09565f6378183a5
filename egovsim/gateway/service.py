"""The gateway's front door: authenticate the sender, check the signature, route, accept durably.

`Gateway.handle` takes the bytes of a SOAP request and gives the bytes of the answer, a fault
included: nothing a peer system sends ends in an exception.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from lxml import etree

from egovsim.gateway import soap

# Answer and GatewayFault are imported from here by the gateway's callers.
from egovsim.gateway.answers import SERVER_FAULTS as SERVER_FAULTS
from egovsim.gateway.answers import Answer as Answer
from egovsim.gateway.answers import GatewayFault as GatewayFault
from egovsim.gateway.answers import answer_of, down, fault_answer
from egovsim.gateway.inquiries import Inquiries
from egovsim.gateway.parties import Parties
from egovsim.gateway.priority import RequestsFirst
from egovsim.gateway.seed import PORTAL_ROUTE, PORTAL_SENDER
from egovsim.gateway.wsfresh import (
    Freshness,
    ReplayGuard,
    Stale,
    carries_signature,
    looks_signed,
    refuse_ambiguous,
)
from egovsim.gateway.wspolicy import SignaturePolicy
from egovsim.passwords import PasswordChecks
from egovsim.signatures.verifier import Verifier
from egovsim.signatures.xmldsig import canonical
from egovsim.signatures.xmlsafe import XmlRefused, parse_xml
from egovsim.storage.gateway import GatewayStore, Route, Sender, StoredMessage
from egovsim.storage.gateway_accepting import Alongside, Withdrawn

log = logging.getLogger("egovsim.gateway")
NEEDS_CORRELATION = frozenset({"UPDATE", "NOTIFICATION", "RESPONSE"})
MAX_ENVELOPE = 10 * 1024 * 1024


@dataclass(slots=True)
class _Request:
    """What the answer to a request depends on beyond its own bytes."""

    signed: bool = False  # the request carried a WS-Security signature (valid or not)
    #: Signed inside this process a moment ago with this certificate's key (`handle`).
    signed_by: x509.Certificate | None = None
    #: The Envelope element a sender inside this process wrote the bytes from (`handle`).
    written_from: etree._Element | None = None
    #: That sender's own writes, committed with the message's acceptance (`handle`).
    alongside: Alongside | None = None


#: Signs an answer with the gateway's key: the envelope around the Body's one element (which it
#: takes), its Timestamp created at the time given.
ReplySigner = Callable[[etree._Element, datetime], Awaitable[bytes]]
#: The certificate of a sender inside this process that signed the request itself, or None.
Signer = x509.Certificate | None


class Gateway:
    """Accepts SOAP requests of the v10 contract for the sync and async channels."""

    def __init__(
        self,
        store: GatewayStore,
        verifier: Verifier,
        now: Callable[[], datetime],
        wake_delivery: Callable[[], None],
        parties: Parties,
        is_down: Callable[[], bool] | None = None,
        freshness: Freshness | None = None,
        reply_signer: ReplySigner | None = None,
        requests_first: RequestsFirst | None = None,
    ) -> None:
        self._store = store
        #: The requests being answered, which background deliveries give way to.
        self.requests_first = requests_first or RequestsFirst()
        #: The parties on the bus: who answers the SyncChannel (and whom the worker delivers to).
        self.parties = parties
        self._reply_signer = reply_signer
        self._signatures = SignaturePolicy(
            verifier,
            freshness or Freshness(),
            replays=ReplayGuard(store.replays.machine_time, store.replays.seen),
        )
        self._now = now
        self._wake = wake_delivery
        self._is_down = is_down or (lambda: False)
        # A password checked once is not hashed again for each message, nor by each message of
        # a first burst at once: scrypt costs tens of milliseconds and 16 MiB a hash.
        self._passwords = PasswordChecks()
        self._inquiries = Inquiries(store, now, self._sender)

    async def load_replays(self) -> None:
        """Take the signatures accepted before a restart whose windows have not ended."""
        self._signatures.replays.load(await self._store.replays.unexpired())

    async def handle(
        self,
        channel: str,
        envelope_bytes: bytes,
        *,
        signed_by: Signer = None,
        written_from: etree._Element | None = None,
        alongside: Alongside | None = None,
    ) -> Answer:
        """Answer one SOAP request of `channel` ("sync" or "async"); while the gateway is down
        (the trainer's switch), every request is answered GATEWAY_UNAVAILABLE unread. The answer
        to a signed request, a fault too, is signed with the gateway's own key.

        `signed_by` is for a sender inside this process that has just signed the envelope with
        that certificate's key: the signature is not verified again (the certificate still is,
        at the simulator's clock), and the answer, which no one outside sees, is not signed.
        `written_from` is the Envelope element such a sender wrote the bytes from: it is read
        as it is, not parsed again from the bytes (which the message log keeps as sent).
        `alongside` are its own writes, committed in the transaction that accepts the message
        (`Withdrawn` is raised when they withdrew it)."""
        request = _Request(signed_by=signed_by, written_from=written_from, alongside=alongside)
        with self.requests_first.answer():
            if self._is_down():
                request.signed = looks_signed(envelope_bytes)
            answer = await self._answer(channel, envelope_bytes, request)
            return await self._signed_if(request.signed and signed_by is None, answer)

    async def refuse(self, channel: str, code: str, detail: str, head: bytes = b"") -> Answer:
        """A fault for a request that cannot even be read (too large to take in), signed when
        its first bytes (`head`) carry a WS-Security signature."""
        if self._is_down():
            code, detail = "GATEWAY_UNAVAILABLE", down().detail
        if channel == "sync":
            answer = self._fault(soap.SYNC_TYPES, "SendMessage", GatewayFault(code, detail))
        else:
            answer = self._fault(soap.ASYNC_TYPES, "sendMessage", GatewayFault(code, detail))
        return await self._signed_if(looks_signed(head), answer)

    async def _signed_if(self, signed: bool, answer: Answer) -> Answer:
        """The answer as it goes on the wire: signed when asked, else written as it is."""
        if signed and self._reply_signer is not None:
            try:
                content = answer.content
                if content is None:  # a fault: made as bytes, read back (faults are few)
                    content = self._body(parse_xml(answer.body))[0]
                return Answer(answer.status, await self._reply_signer(content, self._now()))
            except Exception:
                log.exception("the gateway could not sign its answer")
        if answer.body or answer.content is None:
            return answer
        return Answer(answer.status, soap.serialize(soap.envelope(answer.content)))

    async def _answer(self, channel: str, envelope_bytes: bytes, request: _Request) -> Answer:
        namespace = soap.SYNC_TYPES if channel == "sync" else soap.ASYNC_TYPES
        operation_name = "SendMessage" if channel == "sync" else "sendMessage"
        if self._is_down():
            return self._fault(namespace, operation_name, down())
        try:
            root = request.written_from
            if root is None:
                root = self._parse(envelope_bytes)
            body = self._body(root)
            if carries_signature(root):
                request.signed = True
                refuse_ambiguous(root)  # before anything reads what was signed
            op = soap.operation(body)
            operation_name = op.name
            if op.channel != channel:
                raise GatewayFault(
                    "ENVELOPE_MALFORMED", f"{op.name} is not an operation of the {channel} channel"
                )
            return await self._dispatch(op, root, envelope_bytes, request)
        except GatewayFault as fault:
            return self._fault(namespace, operation_name, fault)
        except Stale as refused:
            wss = GatewayFault(refused.code, refused.detail, refused.sub)
            return self._fault(namespace, operation_name, wss)
        except (soap.ContractError, XmlRefused) as error:
            return self._fault(
                namespace, operation_name, GatewayFault("ENVELOPE_MALFORMED", str(error))
            )
        except Withdrawn:
            raise  # the sender's own decision, for the sender inside this process
        except Exception:
            # A peer system gets a SOAP fault even for egovsim's own bug; the log has the rest.
            log.exception("the gateway failed on a %s request", channel)
            return self._fault(namespace, operation_name, GatewayFault("INTERNAL_ERROR"))

    # -- reading ------------------------------------------------------------------------------

    def _parse(self, data: bytes) -> etree._Element:
        try:
            return parse_xml(data, max_bytes=MAX_ENVELOPE)
        except XmlRefused as refused:
            raise GatewayFault("ENVELOPE_MALFORMED", f"{refused.reason}: {refused}") from None

    def _body(self, root: etree._Element) -> etree._Element:
        if root.tag != f"{{{soap.SOAP}}}Envelope":
            raise GatewayFault("ENVELOPE_MALFORMED", "not a SOAP 1.1 Envelope")
        bodies = [c for c in root if c.tag == f"{{{soap.SOAP}}}Body"]
        if len(bodies) != 1:
            raise GatewayFault("ENVELOPE_MALFORMED", "the Envelope must hold one Body")
        return bodies[0]

    async def _dispatch(
        self, op: soap.Operation, root: etree._Element, raw: bytes, request: _Request
    ) -> Answer:
        if op.name in ("sendMessage", "SendMessage"):
            return await self._send(op, root, raw, request)
        if op.name == "getMessageStatus":
            return await self._inquiries.status(op)
        if op.name == "getMessages":
            return await self._inquiries.messages(op)
        if op.name == "sendDeliveryNotification":
            return await self._inquiries.delivery_notification(op)
        raise GatewayFault("ENVELOPE_MALFORMED", f"unknown operation {op.name}")

    async def _sender(self, sender_id: str, password: str | None) -> Sender:
        sender = await self._store.sender(sender_id)
        if sender is None:
            raise GatewayFault("SENDER_UNKNOWN", sender_id)
        if not await self._passwords.check(password or "", sender.password_hash):
            raise GatewayFault("SENDER_PASSWORD_WRONG", sender_id)
        return sender

    # -- operations ---------------------------------------------------------------------------

    async def _send(
        self, op: soap.Operation, root: etree._Element, raw: bytes, received: _Request
    ) -> Answer:
        signed_by = received.signed_by
        request = soap.request_of(op)
        sync = op.channel == "sync"
        info_node = soap.child_of(request, "requestInfo" if sync else "messageInfo")
        assert info_node is not None
        info = soap.message_info(info_node)
        data = soap.message_data(request, "requestData" if sync else "messageData")
        sender = await self._sender(info.sender_id, info.password)
        now = self._now()
        if signed_by is None:
            required = sender.signature_policy == "required"
            checked = await self._signatures.check(root, required, now)
        else:
            checked = await self._signatures.vouched(signed_by, now)
        if info.message_type in NEEDS_CORRELATION and not info.correlation_id:
            raise GatewayFault("CORRELATION_ID_MISSING", info.message_type)
        route = await self._store.route(info.service_id)
        if route is None:
            raise GatewayFault("SERVICE_UNKNOWN", info.service_id)
        receiver = "route"
        if info.route_id == PORTAL_ROUTE and info.message_type == "REQUEST":
            # To the portal on the contract's routeId: an office result, or a question (sync).
            receiver = "portal"
        if info.message_type in NEEDS_CORRELATION and info.correlation_id:
            # An answer goes back to whoever asked: the portal's requests are answered to it.
            asked = await self._store.message(info.correlation_id)
            if asked is not None and asked.sender_id == PORTAL_SENDER:
                receiver = "portal"
        message_id = info.message_id or str(uuid.uuid4())
        correlation_id = info.correlation_id or message_id
        # Inclusive c14n keeps every namespace in scope: an xsi:type="xs:string" on `data` names
        # its prefix only in an attribute value, which exclusive c14n would drop.
        data_xml = canonical(data, exclusive=False)
        digest = hashlib.sha256()
        for part in (info.service_id, info.message_type, correlation_id, info.sender_id):
            digest.update(part.encode() + b"\0")
        digest.update(data_xml)
        answer = {
            "messageId": message_id,
            "correlationId": correlation_id,
            "responseDate": now.isoformat(),
            "sessionId": str(uuid.uuid4()),
        }
        stored, fresh = await self._store.accept(
            {
                "message_id": message_id,
                "correlation_id": correlation_id,
                "service_id": info.service_id,
                "message_type": info.message_type,
                "channel": op.channel,
                "sender_id": info.sender_id,
                "receiver": receiver,
                "content_hash": digest.hexdigest(),
                "envelope": raw,
                "data_xml": data_xml,
                "security": checked.security,
                "accepted_at": now,
                "answer": answer,
                "replay": checked.replay,
            },
            received.alongside,
        )
        if not fresh and stored.content_hash != digest.hexdigest():
            raise GatewayFault("MESSAGE_ID_DUPLICATE", message_id)
        self._signatures.accepted(checked)
        if (route.fault or {}).get("kind") == "slow_ack":
            # The fault switch: the acknowledgement comes late (the message is already stored).
            await asyncio.sleep(float((route.fault or {}).get("seconds", 5)))
        if sync:
            return await self._sync_answer(stored, route)
        if fresh:
            self._wake()
        response_wrapper, response = soap.wrapper(soap.ASYNC_TYPES, "sendMessageResponse")
        for name in ("messageId", "correlationId", "responseDate", "sessionId"):
            etree.SubElement(response, name).text = stored.answer[name]
        return answer_of(response_wrapper)

    async def _sync_answer(self, stored: StoredMessage, route: Route) -> Answer:
        receiver = self.parties.sync("portal" if stored.receiver == "portal" else "route")
        if receiver is None:
            raise GatewayFault("RECEIVER_UNREACHABLE", "no receiver answers synchronously")
        if stored.receiver != "portal" and (route.fault or {}).get("kind") == "unreachable":
            # The receiver's fault switch: a synchronous caller hears it at once.
            raise GatewayFault(
                "RECEIVER_UNREACHABLE", "unreachable: the fault switch of this receiver is on"
            )
        code, message, data = await receiver(stored)
        now = self._now()
        outer, response = soap.wrapper(soap.SYNC_TYPES, "SendMessageResponse")
        info = etree.SubElement(response, "responseInfo")
        etree.SubElement(info, "messageId").text = stored.message_id
        if stored.correlation_id:
            etree.SubElement(info, "correlationId").text = stored.correlation_id
        etree.SubElement(info, "responseDate").text = now.isoformat()
        status = etree.SubElement(info, "status")
        etree.SubElement(status, "code").text = code
        etree.SubElement(status, "message").text = message
        holder = etree.SubElement(response, "responseData")
        if data is None:
            data = etree.Element("data")
        holder.append(data)
        return answer_of(outer)

    def _fault(self, namespace: str, operation_name: str, fault: GatewayFault) -> Answer:
        return fault_answer(namespace, operation_name, fault, self._now())
