"""The gateway on HTTP: `/shep/sync` and `/shep/async` (SOAP 1.1), each with its WSDL at `?wsdl`,
and the JSON API of the gateway's operator: senders, routes, the message log."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

from aiohttp import StreamReader, web
from yarl import URL

from egovsim.clock import parse_time
from egovsim.config import Settings
from egovsim.errors import EgovsimError
from egovsim.passwords import hash_password
from egovsim.signatures.fetching_http import read_limited
from egovsim.signatures.revocation import FetchError
from egovsim.storage.gateway import Route, Sender, StoredMessage
from egovsim.web.common.keys import CLOCK, GATEWAY, GATEWAY_STORE, SETTINGS, SOAP_OBSERVERS, STAFF
from egovsim.web.common.operator import operator_only
from egovsim.web.common.requests import json_object, optional_text_field, text_field
from egovsim.web.gateway.push import wsdl

routes = web.RouteTableDef()
MAX_ENVELOPE = 10 * 1024 * 1024
#: What is kept of an envelope too large to take in: enough to see whether it is signed, as
#: the Security header comes before the Body.
HEAD = 64 * 1024
XML = "text/xml"


async def _soap(request: web.Request, channel: str) -> web.Response:
    gateway = request.app[GATEWAY]
    head = await _head(request.content)
    try:
        body = head + await read_limited(request.content, MAX_ENVELOPE - len(head))
    except FetchError:
        body = b""
        answer = await gateway.refuse(
            channel, "ENVELOPE_MALFORMED", f"too_large: more than {MAX_ENVELOPE} bytes", head
        )
    else:
        answer = await gateway.handle(channel, body)
    for observe in request.app[SOAP_OBSERVERS]:
        observe(str(request.url), channel, body, answer)
    return web.Response(body=answer.body, status=answer.status, content_type=XML, charset="utf-8")


async def _head(stream: StreamReader) -> bytes:
    """The first HEAD bytes of a body (fewer when it is shorter)."""
    head = b""
    while len(head) < HEAD and (chunk := await stream.read(HEAD - len(head))):
        head += chunk
    return head


def _wsdl(request: web.Request, name: str) -> web.Response:
    body = wsdl(name, request.app[SETTINGS].base_url)
    return web.Response(body=body, content_type=XML, charset="utf-8")


@routes.get("/shep/sync")
async def sync_wsdl(request: web.Request) -> web.Response:
    """The SyncChannel WSDL (`?wsdl`)."""
    return _wsdl(request, "sync.wsdl")


@routes.get("/shep/async")
async def async_wsdl(request: web.Request) -> web.Response:
    """The AsyncChannel WSDL (`?wsdl`); `?client` gives the IAsyncChannelClient one."""
    return _wsdl(request, "async-client.wsdl" if "client" in request.query else "async.wsdl")


@routes.post("/shep/sync")
async def sync_channel(request: web.Request) -> web.Response:
    """SyncChannel `SendMessage`."""
    return await _soap(request, "sync")


@routes.post("/shep/async")
async def async_channel(request: web.Request) -> web.Response:
    """AsyncChannel `sendMessage`, `getMessages`, `getMessageStatus`,
    `sendDeliveryNotification`."""
    return await _soap(request, "async")


# -- the operator's API -----------------------------------------------------------------------


@routes.get("/api/v1/gateway/senders")
@operator_only
async def list_senders(request: web.Request) -> web.Response:
    """Registered senders (never their passwords)."""
    senders = await request.app[GATEWAY_STORE].senders()
    return web.json_response(
        {
            "senders": [
                {"sender_id": s.sender_id, "signature": s.signature_policy, "name": s.name}
                for s in senders
            ]
        }
    )


@routes.post("/api/v1/gateway/senders")
@operator_only
async def register_sender(request: web.Request) -> web.Response:
    """`{"sender_id", "password", "signature": "required"|"optional", "name"}`."""
    body = await json_object(request)
    sender_id = text_field(body, "sender_id")
    password = text_field(body, "password")
    name = optional_text_field(body, "name") or ""
    policy = body.get("signature", "required")
    if policy not in ("required", "optional"):
        raise EgovsimError("BAD_REQUEST", {"field": "signature", "reason": "required or optional"})
    await request.app[GATEWAY_STORE].save_sender(
        Sender(sender_id, hash_password(password), str(policy), name),
        request.app[CLOCK].now(),
    )
    return web.json_response({"sender_id": sender_id, "signature": policy}, status=201)


FAULTS = ("delay", "drop", "duplicate", "unreachable", "malformed", "slow_ack")


def _route_json(route: Route) -> dict[str, Any]:
    return {
        "service_id": route.service_id,
        "receiver": route.receiver,
        "url": route.url,
        "provider": route.provider_id,
        "sender_id": route.sender_id,
        "fault": route.fault,
    }


async def set_fault(request: web.Request, kind: Any, seconds: Any) -> Route:
    """Switch the fault of the route in the address on (a kind) or off (None); the one place
    the API and the operator's page change a fault."""
    store = request.app[GATEWAY_STORE]
    route = await store.route(request.match_info["service_id"])
    if route is None:
        raise EgovsimError("NOT_FOUND", {"service_id": request.match_info["service_id"]})
    fault = None
    if kind is not None:
        if kind not in FAULTS or not isinstance(seconds, int | float) or seconds < 0:
            raise EgovsimError(
                "BAD_REQUEST", {"kinds": list(FAULTS), "reason": "seconds must be a number >= 0"}
            )
        fault = {"kind": kind, "seconds": seconds}
    switched = replace(route, fault=fault)
    await store.save_route(switched, request.app[CLOCK].now())
    return switched


@routes.put("/api/v1/gateway/routes/{service_id}/fault")
@operator_only
async def switch_fault_on(request: web.Request) -> web.Response:
    """`{"kind": "delay"|"drop"|"duplicate"|"unreachable"|"malformed"|"slow_ack",
    "seconds": N}` for one receiver, until switched off."""
    body = await json_object(request)
    route = await set_fault(request, body.get("kind"), body.get("seconds", 5))
    return web.json_response(_route_json(route))


@routes.delete("/api/v1/gateway/routes/{service_id}/fault")
@operator_only
async def switch_fault_off(request: web.Request) -> web.Response:
    """Back to normal delivery for one receiver."""
    return web.json_response(_route_json(await set_fault(request, None, None)))


@routes.get("/api/v1/gateway/routes")
@operator_only
async def list_routes(request: web.Request) -> web.Response:
    """The routing table."""
    found = await request.app[GATEWAY_STORE].routes()
    return web.json_response({"routes": [_route_json(r) for r in found]})


@routes.post("/api/v1/gateway/routes")
@operator_only
async def set_route(request: web.Request) -> web.Response:
    """`{"service_id", "url"}` sends a service to an external system;
    `{"service_id", "provider"}` back to a seeded provider's workstation."""
    body = await json_object(request)
    service_id = text_field(body, "service_id")
    url = optional_text_field(body, "url")
    provider = optional_text_field(body, "provider")
    sender_id = optional_text_field(body, "sender_id")
    if (url is None) == (provider is None):
        raise EgovsimError(
            "BAD_REQUEST", {"reason": 'give "url" (an external system) or "provider", not both'}
        )
    if url is not None:
        _check_receiver_url(request.app[SETTINGS], url)
    await _check_parties(request, provider, sender_id)
    route = Route(service_id, "external" if url else "workstation", url, provider, sender_id)
    await request.app[GATEWAY_STORE].save_route(route, request.app[CLOCK].now())
    return web.json_response(_route_json(route), status=201)


def _message_json(message: StoredMessage) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "correlation_id": message.correlation_id,
        "service_id": message.service_id,
        "message_type": message.message_type,
        "channel": message.channel,
        "sender_id": message.sender_id,
        "state": message.state,
        "attempts": message.attempts,
        "accepted_at": message.accepted_at.isoformat(),
        "delivered_at": message.delivered_at.isoformat() if message.delivered_at else None,
        "next_attempt_at": message.next_attempt_at.isoformat() if message.next_attempt_at else None,
        "security": message.security,
    }


@routes.get("/api/v1/gateway/messages")
@operator_only
async def message_log(request: web.Request) -> web.Response:
    """A page of the message log, newest first: `?message_id=&correlation_id=&service_id=
    &sender_id=&since=&until=&limit=&after=`; `next` is the following page's address."""
    query = request.query
    try:
        since = parse_time(query["since"]) if query.get("since") else None
        until = parse_time(query["until"]) if query.get("until") else None
        limit = max(1, min(int(query.get("limit", "200")), 1000))
    except ValueError as error:
        raise EgovsimError("BAD_REQUEST", {"reason": str(error)}) from None
    page = await request.app[GATEWAY_STORE].log(
        limit,
        query.get("after") or None,
        message_id=query.get("message_id"),
        correlation_id=query.get("correlation_id"),
        service_id=query.get("service_id"),
        sender_id=query.get("sender_id"),
        since=since,
        until=until,
    )
    following = None
    if page.next_cursor is not None:
        following = str(request.rel_url.update_query(after=page.next_cursor))
    return web.json_response(
        {"messages": [_message_json(m) for m in page.views], "next": following}
    )


async def _stored(request: web.Request) -> StoredMessage:
    message = await request.app[GATEWAY_STORE].message(request.match_info["message_id"])
    if message is None:
        raise EgovsimError("NOT_FOUND", {"message_id": request.match_info["message_id"]})
    return message


@routes.get("/api/v1/gateway/messages/{message_id}")
@operator_only
async def message_detail(request: web.Request) -> web.Response:
    """One message with every delivery attempt."""
    message = await _stored(request)
    attempts = await request.app[GATEWAY_STORE].attempts(message)
    body = _message_json(message) | {
        "attempts": [
            {
                "at": a.at.isoformat(),
                "duration_ms": round(a.duration_ms, 2),
                "outcome": a.outcome,
                "detail": a.detail,
                "request": base64.b64encode(a.request).decode() if a.request else None,
                "response": base64.b64encode(a.response).decode() if a.response else None,
            }
            for a in attempts
        ]
    }
    return web.json_response(body)


@routes.get("/api/v1/gateway/messages/{message_id}/envelope")
@operator_only
async def message_envelope(request: web.Request) -> web.Response:
    """The exact bytes of the envelope as it arrived."""
    message = await _stored(request)
    return web.Response(
        body=message.envelope,
        content_type=XML,
        headers={"Content-Disposition": f'attachment; filename="{message.message_id}.xml"'},
    )


def _check_receiver_url(settings: Settings, url: str) -> None:
    """An absolute http(s) URL on a host of the receivers' allow-list."""
    try:
        parsed = URL(url)
    except ValueError:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise EgovsimError("BAD_REQUEST", {"field": "url", "reason": "an http(s) URL with a host"})
    if not settings.allows_receiver(url):
        raise EgovsimError(
            "RECEIVER_HOST_NOT_ALLOWED",
            {
                "url": url,
                "allowed": ["loopback", *settings.receiver_hosts],
                "reason": "the operator names other hosts with serve --receiver-host",
            },
        )


async def _check_parties(request: web.Request, provider: str | None, sender: str | None) -> None:
    """The provider and the sender a route names exist: ROUTE_PARTY_UNKNOWN, with the known
    ones, before anything is stored."""
    if provider is not None:
        known = [p.id for p in await request.app[STAFF].providers()]
        if provider not in known:
            raise EgovsimError("ROUTE_PARTY_UNKNOWN", {"provider": provider, "known": known})
    if sender is not None and await request.app[GATEWAY_STORE].sender(sender) is None:
        known = [s.sender_id for s in await request.app[GATEWAY_STORE].senders()]
        raise EgovsimError("ROUTE_PARTY_UNKNOWN", {"sender_id": sender, "known": known})
