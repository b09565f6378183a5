"""The gateway operator's JSON API: the senders, the routes with their fault switches, the message
log with each message's attempts and envelope."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web
from pydantic import ValidationError

from egovsim.config import Settings
from egovsim.errors import EgovsimError
from egovsim.passwords import hash_password
from egovsim.simulator import Simulator
from egovsim.storage.gateway import Route, Sender, StoredMessage
from egovsim.web.common.keys import simulator_of
from egovsim.web.common.models import answer, read_body, read_query, refusal_of
from egovsim.web.common.openapi import api
from egovsim.web.common.operator import operator_only
from egovsim.web.gateway.operator_models import (
    GatewayFaultSwitch,
    GatewayLogPage,
    GatewayLogQuery,
    GatewayMessage,
    GatewayMessageDetail,
    GatewayRoute,
    GatewayRoutes,
    GatewayRouting,
    GatewaySender,
    GatewaySenderRegistered,
    GatewaySenderRegistration,
    GatewaySenders,
)

routes = web.RouteTableDef()
XML = "text/xml"
_SERVICE_ID = {"service_id": {"type": "string", "description": "A gateway serviceId."}}


@routes.get("/api/v1/gateway/senders")
@api(response=GatewaySenders)
@operator_only
async def list_senders(request: web.Request) -> web.Response:
    """Registered senders (never their passwords)."""
    senders = await simulator_of(request).gateway_store.senders()
    return answer(GatewaySenders(senders=[GatewaySender.of(s) for s in senders]))


@routes.post("/api/v1/gateway/senders")
@api(
    request=GatewaySenderRegistration,
    response=GatewaySenderRegistered,
    status=201,
    summary="Register a sender of SOAP messages, with its password and signature policy.",
)
@operator_only
async def register_sender(request: web.Request) -> web.Response:
    """`{"sender_id", "password", "signature": "required"|"optional", "name"}`."""
    body = await read_body(request, GatewaySenderRegistration)
    sim = simulator_of(request)
    sender = Sender(body.sender_id, hash_password(body.password), body.signature, body.name or "")
    await sim.gateway_store.save_sender(sender, sim.clock.now())
    return answer(
        GatewaySenderRegistered(sender_id=body.sender_id, signature=body.signature), status=201
    )


async def set_fault(request: web.Request, switch: GatewayFaultSwitch | None) -> Route:
    """Switch the fault of the route in the address on (`switch`) or off (None); the one place
    the API and the operator's page change a fault."""
    sim = simulator_of(request)
    route = await sim.gateway_store.route(request.match_info["service_id"])
    if route is None:
        raise EgovsimError("NOT_FOUND", {"service_id": request.match_info["service_id"]})
    fault = None if switch is None else {"kind": switch.kind, "seconds": switch.seconds}
    switched = replace(route, fault=fault)
    await sim.gateway_store.save_route(switched, sim.clock.now())
    return switched


def fault_switch(kind: str, seconds: object) -> GatewayFaultSwitch:
    """The switch a form names (the operator's page), refused as the API refuses its body."""
    try:
        return GatewayFaultSwitch.model_validate({"kind": kind, "seconds": seconds})
    except ValidationError as error:
        raise refusal_of(GatewayFaultSwitch, error) from None


@routes.put("/api/v1/gateway/routes/{service_id}/fault")
@api(
    request=GatewayFaultSwitch,
    response=GatewayRoute,
    parameters=_SERVICE_ID,
    summary="Switch a fault on for one receiver, until it is switched off.",
)
@operator_only
async def switch_fault_on(request: web.Request) -> web.Response:
    """`{"kind": "delay"|"drop"|"duplicate"|"unreachable"|"malformed"|"slow_ack",
    "seconds": N}` for one receiver, until switched off."""
    switch = await read_body(request, GatewayFaultSwitch)
    return answer(GatewayRoute.of(await set_fault(request, switch)))


@routes.delete("/api/v1/gateway/routes/{service_id}/fault")
@api(response=GatewayRoute, parameters=_SERVICE_ID)
@operator_only
async def switch_fault_off(request: web.Request) -> web.Response:
    """Back to normal delivery for one receiver."""
    return answer(GatewayRoute.of(await set_fault(request, None)))


@routes.get("/api/v1/gateway/routes")
@api(response=GatewayRoutes)
@operator_only
async def list_routes(request: web.Request) -> web.Response:
    """The routing table."""
    found = await simulator_of(request).gateway_store.routes()
    return answer(GatewayRoutes(routes=[GatewayRoute.of(r) for r in found]))


@routes.post("/api/v1/gateway/routes")
@api(
    request=GatewayRouting,
    response=GatewayRoute,
    status=201,
    summary="Route a serviceId to an external system's URL, or back to a provider's workstation.",
)
@operator_only
async def set_route(request: web.Request) -> web.Response:
    """`{"service_id", "url"}` sends a service to an external system;
    `{"service_id", "provider"}` back to a seeded provider's workstation."""
    body = await read_body(request, GatewayRouting)
    sim = simulator_of(request)
    if body.url is not None:
        _check_receiver_host(sim.settings, body.url)
    await _check_parties(sim, body.provider, body.sender_id)
    receiver = "external" if body.url else "workstation"
    route = Route(body.service_id, receiver, body.url, body.provider, body.sender_id)
    await sim.gateway_store.save_route(route, sim.clock.now())
    return answer(GatewayRoute.of(route), status=201)


@routes.get("/api/v1/gateway/messages")
@api(
    response=GatewayLogPage,
    parameters=GatewayLogQuery,
    summary="A page of the message log, newest first, filtered by the query's fields.",
)
@operator_only
async def message_log(request: web.Request) -> web.Response:
    """A page of the message log, newest first: `?message_id=&correlation_id=&service_id=
    &sender_id=&request_id=&since=&until=&limit=&after=`; `next` is the following page's
    address."""
    query = read_query(request, GatewayLogQuery)
    page = await simulator_of(request).gateway_store.log(
        query.limit,
        query.after or None,
        message_id=query.message_id,
        correlation_id=query.correlation_id,
        service_id=query.service_id,
        sender_id=query.sender_id,
        request_id=query.request_id,
        since=query.since,
        until=query.until,
    )
    following = None
    if page.next_cursor is not None:
        following = str(request.rel_url.update_query(after=page.next_cursor))
    messages = [GatewayMessage.of(m) for m in page.views]
    return answer(GatewayLogPage(messages=messages, next=following))


async def _stored(request: web.Request) -> StoredMessage:
    message = await simulator_of(request).gateway_store.message(request.match_info["message_id"])
    if message is None:
        raise EgovsimError("NOT_FOUND", {"message_id": request.match_info["message_id"]})
    return message


@routes.get("/api/v1/gateway/messages/{message_id}")
@api(response=GatewayMessageDetail)
@operator_only
async def message_detail(request: web.Request) -> web.Response:
    """One message with every delivery attempt."""
    message = await _stored(request)
    attempts = await simulator_of(request).gateway_store.attempts(message)
    return answer(GatewayMessageDetail.of(message, attempts))


@routes.get("/api/v1/gateway/messages/{message_id}/envelope")
@api(response_type=XML)
@operator_only
async def message_envelope(request: web.Request) -> web.Response:
    """The exact bytes of the envelope as it arrived."""
    message = await _stored(request)
    return web.Response(
        body=message.envelope,
        content_type=XML,
        headers={"Content-Disposition": f'attachment; filename="{message.message_id}.xml"'},
    )


def _check_receiver_host(settings: Settings, url: str) -> None:
    """A receiver's host is on the allow-list (its URL's shape is the model's check)."""
    if not settings.allows_receiver(url):
        raise EgovsimError(
            "RECEIVER_HOST_NOT_ALLOWED",
            {
                "url": url,
                "allowed": ["loopback", *settings.receiver_hosts],
                "reason": "the operator names other hosts with serve --receiver-host",
            },
        )


async def _check_parties(sim: Simulator, provider: str | None, sender: str | None) -> None:
    """The provider and the sender a route names exist: ROUTE_PARTY_UNKNOWN, with the known
    ones, before anything is stored."""
    if provider is not None:
        known = [p.id for p in await sim.staff.providers()]
        if provider not in known:
            raise EgovsimError("ROUTE_PARTY_UNKNOWN", {"provider": provider, "known": known})
    if sender is not None and await sim.gateway_store.sender(sender) is None:
        known = [s.sender_id for s in await sim.gateway_store.senders()]
        raise EgovsimError("ROUTE_PARTY_UNKNOWN", {"sender_id": sender, "known": known})
