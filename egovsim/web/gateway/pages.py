"""The gateway's operator pages: the message log with its filters, a message with its attempts,
and the fault switch of each receiver."""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web

from egovsim.errors import EgovsimError
from egovsim.web.common.keys import simulator_of
from egovsim.web.common.operator import operator_only
from egovsim.web.common.render import render
from egovsim.web.gateway.operator_api import fault_switch, set_fault
from egovsim.web.gateway.operator_models import FAULTS

routes = web.RouteTableDef()
CSRF_COOKIE = "egovsim_csrf"
FILTERS = ("message_id", "correlation_id", "service_id", "sender_id", "request_id")
#: Messages on one page of the log.
PAGE = 100


def _csrf(request: web.Request) -> str:
    return request.cookies.get(CSRF_COOKIE) or secrets.token_hex(16)


@routes.get("/gateway")
@operator_only
async def log_page(request: web.Request) -> web.Response:
    """Routes with their faults, and a page of the message log, filtered (`after`: the
    cursor of the page before's "older" link)."""
    store = simulator_of(request).gateway_store
    filters = {name: request.query[name] for name in FILTERS if request.query.get(name)}
    page = await store.log(
        PAGE,
        request.query.get("after") or None,
        message_id=filters.get("message_id"),
        correlation_id=filters.get("correlation_id"),
        service_id=filters.get("service_id"),
        sender_id=filters.get("sender_id"),
        request_id=filters.get("request_id"),
    )
    older = None
    if page.next_cursor is not None:
        older = str(request.rel_url.update_query(after=page.next_cursor))
    token = _csrf(request)
    response = render(
        request,
        "gateway.html",
        routes=await store.routes(),
        messages=page.views,
        older=older,
        newest=str(request.rel_url.with_query(filters)) if "after" in request.query else None,
        filters=filters,
        filter_names=FILTERS,
        faults=FAULTS,
        csrf=token,
    )
    # A double-submit token: a form from another site cannot read this cookie to copy it.
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="Strict", path="/gateway")
    return response


@routes.get("/gateway/messages/{message_id}")
@operator_only
async def message_page(request: web.Request) -> web.Response:
    """One message: its envelope's check, its attempts, the download of its bytes."""
    store = simulator_of(request).gateway_store
    message = await store.message(request.match_info["message_id"])
    if message is None:
        raise EgovsimError("NOT_FOUND", {"message_id": request.match_info["message_id"]})
    return render(
        request, "gateway_message.html", message=message, attempts=await store.attempts(message)
    )


@routes.post("/gateway/routes/{service_id}/fault")
@operator_only
async def switch(request: web.Request) -> web.StreamResponse:
    """Switch a receiver's fault on (a kind) or off, from the page."""
    data = await request.post()
    if not hmac.compare_digest(str(data.get("csrf", "")), request.cookies.get(CSRF_COOKIE, "-")):
        raise EgovsimError("BAD_REQUEST", {"reason": "the form is stale: reload the page"})
    kind = str(data.get("kind", "off"))
    try:
        seconds = float(str(data.get("seconds", "5")))
    except ValueError:
        seconds = -1
    await set_fault(request, None if kind == "off" else fault_switch(kind, seconds))
    raise web.HTTPSeeOther("/gateway")
