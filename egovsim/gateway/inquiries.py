"""The AsyncChannel's questions about messages already accepted: a message's state
(`getMessageStatus`), the messages waiting for a receiver that fetches them (`getMessages`), and
a receiver's word that it took one (`sendDeliveryNotification`)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from lxml import etree

from egovsim.gateway import soap
from egovsim.gateway.answers import Answer, GatewayFault, answer_of
from egovsim.signatures.xmlsafe import parse_xml
from egovsim.storage.gateway import GatewayStore, StoredMessage

#: Authenticates a sender by its id and password (GatewayFault when it cannot).
Authenticate = Callable[[str, str | None], Awaitable[object]]


class Inquiries:
    """Answers the AsyncChannel's questions from the gateway's store."""

    def __init__(
        self, store: GatewayStore, now: Callable[[], datetime], authenticate: Authenticate
    ) -> None:
        self._store = store
        self._now = now
        self._authenticate = authenticate

    async def status(self, op: soap.Operation) -> Answer:
        """getMessageStatus: the state of one message the sender names."""
        request = soap.request_of(op)
        sender = soap.sender_of(request)
        assert sender is not None
        await self._authenticate(*sender)
        message_id = soap.text_of(request, "messageId") or ""
        stored = await self._store.message(message_id)
        if stored is None:
            raise GatewayFault("MESSAGE_UNKNOWN", message_id)
        outer, response = soap.wrapper(soap.ASYNC_TYPES, "getMessageStatusResponse")
        etree.SubElement(response, "messageState").text = stored.state
        soap.status_info(
            response,
            "status",
            stored.state,
            _state_text(stored),
            stored.delivered_at or stored.accepted_at,
        )
        etree.SubElement(response, "responseDate").text = self._now().isoformat()
        return answer_of(outer)

    async def messages(self, op: soap.Operation) -> Answer:
        """getMessages: up to `amount` messages of a service (and a correlation id)."""
        request = soap.request_of(op)
        sender = soap.sender_of(request, required=False)
        if sender is not None:
            await self._authenticate(*sender)
        service_id = soap.text_of(request, "serviceId") or ""
        if await self._store.route(service_id) is None:
            raise GatewayFault("SERVICE_UNKNOWN", service_id)
        amount_text = soap.text_of(request, "amount", required=False)
        try:
            amount = max(1, min(int(amount_text or 100), 1000))
        except ValueError:
            raise GatewayFault("ENVELOPE_MALFORMED", f"amount {amount_text!r}") from None
        found = await self._store.for_receiver(
            service_id, soap.text_of(request, "correlationId", required=False), amount
        )
        outer, response = soap.wrapper(soap.ASYNC_TYPES, "getMessagesResponse")
        etree.SubElement(response, "responseDate").text = self._now().isoformat()
        etree.SubElement(response, "sessionId").text = str(uuid.uuid4())
        for stored in found:
            message = etree.SubElement(response, "messages")
            info = soap.MessageInfo(
                stored.message_id,
                stored.correlation_id,
                stored.service_id,
                stored.message_type,
                stored.accepted_at,
                stored.sender_id,
                None,
            )
            soap.message_info_element(message, "messageInfo", info, stored.message_id)
            holder = etree.SubElement(message, "messageData")
            holder.append(parse_xml(stored.data_xml))
        return answer_of(outer)

    async def delivery_notification(self, op: soap.Operation) -> Answer:
        """sendDeliveryNotification: a receiver that fetched a message says it took it."""
        request = soap.request_of(op)
        sender = soap.sender_of(request, required=False)
        if sender is not None:
            await self._authenticate(*sender)
        notification = soap.child_of(request, "notification")
        assert notification is not None
        message_id = soap.text_of(notification, "messageId") or ""
        if await self._store.message(message_id) is None:
            raise GatewayFault("MESSAGE_UNKNOWN", message_id)
        outer, response = soap.wrapper(soap.ASYNC_TYPES, "sendDeliveryNotificationResponse")
        etree.SubElement(response, "notificationId").text = str(uuid.uuid4())
        etree.SubElement(response, "responseDate").text = self._now().isoformat()
        etree.SubElement(response, "sessionId").text = str(uuid.uuid4())
        return answer_of(outer)


def _state_text(stored: StoredMessage) -> str:
    return {
        "ON_DELIVERY": "being delivered",
        "DELIVERED": "delivered",
        "NOT_DELIVERED": "the receiver refused the message",
        "DELIVERY_STOPPED": "delivery stopped after the last attempt",
    }[stored.state]
