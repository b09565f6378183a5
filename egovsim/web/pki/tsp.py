"""The test PKI's time-stamping authority on HTTP (RFC 3161 §3.4): `POST /tsp`.

The fault switches act here, as a client of the NCA's TSA would meet them: `tsa-down` answers
HTTP 503, `tsa-slow` waits first, `tsa-wrong-imprint` stamps another imprint than the one asked
for, `tsa-untrusted` signs with a TSA certificate the untrusted CA issued.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from egovsim.pki.tsa import MAX_REQUEST, TimeStampAuthority, tsa_key
from egovsim.signatures.fetching_http import read_limited
from egovsim.signatures.revocation import FetchError
from egovsim.storage.faults import TSA_DOWN, TSA_UNTRUSTED_SWITCH, TSA_WRONG_IMPRINT
from egovsim.web.common.errors import error_response
from egovsim.web.common.keys import simulator_of

routes = web.RouteTableDef()
#: The TSA's serial numbers and count of issued tokens live as long as the application.
TSA = web.AppKey("tsa", TimeStampAuthority)
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


def register(app: web.Application) -> None:
    """Serve `/tsp` in `app`."""
    app[TSA] = TimeStampAuthority()
    app.router.add_routes(routes)


@routes.post("/tsp")
async def time_stamp(request: web.Request) -> web.Response:
    """A DER TimeStampReq in, a DER TimeStampResp out (a refusal is a TimeStampResp too)."""
    if request.content_type != QUERY_TYPE:
        return error_response(
            "BAD_REQUEST", {"reason": f"the body must be {QUERY_TYPE}, not {request.content_type}"}
        )
    if request.content_length is not None and request.content_length > MAX_REQUEST:
        return error_response("REQUEST_TOO_LARGE", {"limit": MAX_REQUEST})
    try:
        body = await read_limited(request.content, MAX_REQUEST)
    except FetchError:
        return error_response("REQUEST_TOO_LARGE", {"limit": MAX_REQUEST})
    sim = simulator_of(request)
    faults = sim.faults.current
    if faults.is_on(TSA_DOWN):
        return web.Response(status=503, text="the TSA is down (fault switch tsa-down)\n")
    delay = faults.tsa_delay()
    if delay:
        await asyncio.sleep(delay)
    authority = request.app[TSA]
    now = sim.clock.now()
    signer = tsa_key(sim.pki, now, untrusted=faults.is_on(TSA_UNTRUSTED_SWITCH))
    reply = authority.respond(body, now, signer, wrong_imprint=faults.is_on(TSA_WRONG_IMPRINT))
    return web.Response(body=reply, content_type=REPLY_TYPE)
