"""The gateway on HTTP: `/shep/sync` and `/shep/async` (SOAP 1.1), each with its WSDL at
`?wsdl`."""

from __future__ import annotations

from aiohttp import StreamReader, web

from egovsim.signatures.fetching_http import read_limited
from egovsim.signatures.revocation import FetchError
from egovsim.web.common.keys import simulator_of
from egovsim.web.gateway.push import wsdl

routes = web.RouteTableDef()
MAX_ENVELOPE = 10 * 1024 * 1024
#: What is kept of an envelope too large to take in: enough to see whether it is signed, as
#: the Security header comes before the Body.
HEAD = 64 * 1024
XML = "text/xml"
#: The answers' type, as a header made once (not parsed again from content_type and charset).
_XML = {"Content-Type": "text/xml; charset=utf-8"}


async def _soap(request: web.Request, channel: str) -> web.Response:
    simulator = simulator_of(request)
    gateway = simulator.gateway
    length = request.content_length
    if length is not None and length <= MAX_ENVELOPE:
        # The common case, a body of a length given and allowed: read in one go (HTTP's
        # parser ends it at Content-Length), not taken in by parts and joined again.
        body = await request.content.read()
        answer = await gateway.handle(channel, body)
    else:
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
    for observe in simulator.soap_observers:
        observe(str(request.url), channel, body, answer)
    return web.Response(body=answer.body, status=answer.status, headers=_XML)


async def _head(stream: StreamReader) -> bytes:
    """The first HEAD bytes of a body (fewer when it is shorter)."""
    head = b""
    while len(head) < HEAD and (chunk := await stream.read(HEAD - len(head))):
        head += chunk
    return head


def _wsdl(request: web.Request, name: str) -> web.Response:
    body = wsdl(name, simulator_of(request).settings.base_url)
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
