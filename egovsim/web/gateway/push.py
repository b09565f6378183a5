"""Pushing messages to external provider systems (IAsyncChannelClient `sendMessage`) and their
messages' final states, signed with the gateway's own key (`egovsim.gateway.own_key`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import aiohttp
from lxml import etree

from egovsim.clock import utcnow
from egovsim.gateway import soap
from egovsim.gateway.delivery import (
    Delivered,
    DeliveryPolicy,
    Notifier,
    Receiver,
    Unavailable,
)
from egovsim.gateway.own_key import signed_as_gateway
from egovsim.pki.keystore import Keystore
from egovsim.signatures.fetching_http import read_limited
from egovsim.signatures.xmlsafe import XmlRefused, parse_xml
from egovsim.storage.gateway import GatewayStore, Route, StoredMessage

MAX_ANSWER = 1024 * 1024


def external_receiver(
    session: aiohttp.ClientSession,
    keystore: Keystore | None,
    policy: DeliveryPolicy,
    allows: Callable[[str], bool],
    gateway_sender: str = "egov-gateway",
) -> Receiver:
    """Deliver to a registered system's URL; a SOAP fault, an HTTP error or no answer in time
    is a failed attempt (retried)."""

    async def deliver(message: StoredMessage, route: Route) -> Delivered:
        if not route.url:
            raise Unavailable(f"the route of {route.service_id} has no URL")
        if not allows(route.url):
            # A route kept from a start with another allow-list is not followed either.
            raise Unavailable(f"{route.url} is not on the receivers' allow-list")
        root = soap.client_send_message(
            message.message_id,
            message.correlation_id,
            message.service_id,
            message.message_type,
            message.accepted_at,
            gateway_sender,
            message.data_xml,
        )
        if keystore is None:
            body = soap.serialize(root)
        else:
            body = await signed_as_gateway(keystore, soap.body_content(root), message.accepted_at)
        if (route.fault or {}).get("kind") == "malformed":
            body = body[: len(body) // 2]  # the fault switch: an envelope cut in half
        timeout = aiohttp.ClientTimeout(total=policy.timeout)
        try:
            async with session.post(
                route.url,
                data=body,
                timeout=timeout,
                allow_redirects=False,
                headers={
                    "Content-Type": "text/xml; charset=utf-8",
                    "SOAPAction": '""',
                },
            ) as reply:
                answer = await read_limited(reply.content, MAX_ANSWER)
                status = reply.status
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise Unavailable(f"{type(error).__name__}: {error}") from None
        except Exception as error:  # read_limited's FetchError: an answer too large
            raise Unavailable(str(error)) from None
        if status != 200:
            raise Unavailable(f"HTTP {status}")
        try:
            answered = parse_xml(answer)
        except XmlRefused as refused:
            raise Unavailable(f"the answer is not XML: {refused.reason}") from None
        if answered.find(f".//{{{soap.SOAP}}}Fault") is not None:
            raise Unavailable("the receiver answered with a SOAP fault")
        if not any(
            etree.QName(e).localname == "sendMessageResponse"
            for e in answered.iter()
            if isinstance(e.tag, str)
        ):
            raise Unavailable("the answer is not a sendMessageResponse")
        return Delivered(f"HTTP {status} from {route.url}", body, answer)

    return deliver


def wsdl(name: str, base_url: str) -> bytes:
    """One of egovsim's WSDLs with the server's address filled in."""
    text = (Path(__file__).resolve().parents[2] / "gateway" / "wsdl" / name).read_text()
    return text.replace("EGOVSIM_BASE_URL", base_url).encode()


def status_notifier(
    session: aiohttp.ClientSession,
    store: GatewayStore,
    keystore: Keystore | None,
    policy: DeliveryPolicy,
    allows: Callable[[str], bool],
) -> Notifier:
    """Tell an external sender the final state of its message, at the URL of the route that
    names it as its system (changeMassageStatusNotification); other senders are not called."""

    async def notify(message: StoredMessage, state: str, detail: str) -> None:
        url = next(
            (r.url for r in await store.routes() if r.sender_id == message.sender_id and r.url),
            None,
        )
        if url is None or not allows(url):
            return
        root = soap.status_notification(
            message.message_id, state, detail, utcnow(), str(uuid.uuid4())
        )
        if keystore is None:
            body = soap.serialize(root)
        else:
            body = await signed_as_gateway(keystore, soap.body_content(root), utcnow())
        timeout = aiohttp.ClientTimeout(total=policy.timeout)
        async with session.post(
            url,
            data=body,
            timeout=timeout,
            allow_redirects=False,
            headers={
                "Content-Type": "text/xml; charset=utf-8",
                "SOAPAction": '""',
            },
        ) as reply:
            await read_limited(reply.content, MAX_ANSWER)

    return notify
