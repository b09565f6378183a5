"""The test PKI on HTTP at the addresses its certificates name: CA certificates, CRLs, OCSP.

The fault switches (`egovsim.web.trainer.faults`) act here, so a verifier meets them as any client
of these addresses would: the responder down (HTTP 503), slow, or answering "unknown", and the
CRLs frozen as they were when `crl-stale` was switched on.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import urllib.parse

from aiohttp import web, web_log
from aiohttp.web_request import BaseRequest
from cryptography.hazmat.primitives import serialization

from egovsim.pki.authority import PkiError
from egovsim.pki.ocsp import MAX_REQUEST
from egovsim.signatures.fetching_http import read_limited
from egovsim.signatures.fetching_local import served_crl
from egovsim.signatures.revocation import FetchError
from egovsim.storage.faults import OCSP_DOWN, OCSP_UNKNOWN
from egovsim.web.common.errors import error_response
from egovsim.web.common.keys import simulator_of
from egovsim.web.common.lean import lean
from egovsim.web.common.telemetry import JsonAccessLine

routes = web.RouteTableDef()


class AccessLog(web_log.AccessLogger):
    """The server's access log, without a line per OCSP answer given unless debug logging is on:
    a responder under load answers thousands a second, and formatting and writing their lines
    cost it more than the answers themselves. Refusals and errors (a 503 of `ocsp-down`) stay."""

    def log(self, request: BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Log the request, unless it is an OCSP request answered (HTTP 200)."""
        if (
            response.status == 200
            and (request.path == "/ocsp" or request.path.startswith("/ocsp/"))
            and not self.logger.isEnabledFor(logging.DEBUG)
        ):
            return
        super().log(request, response, time)


class JsonAccessLog(AccessLog, JsonAccessLine):
    """The access log of `serve --log-format json`: `AccessLog` decides which requests are
    logged (its `super().log` is `JsonAccessLine.log` here), `JsonAccessLine` writes them."""


@routes.get("/cert/{name}.cer")
async def ca_certificate(request: web.Request) -> web.Response:
    """A CA certificate, DER, as the AIA caIssuers address names it."""
    published = simulator_of(request).pki.published_certificates()
    certificate = published.get(request.match_info["name"])
    if certificate is None:
        return error_response("NOT_FOUND", {"certificate": request.match_info["name"]})
    body = certificate.public_bytes(serialization.Encoding.DER)
    return web.Response(body=body, content_type="application/pkix-cert")


@routes.get("/crl/{name}.crl")
async def crl(request: web.Request) -> web.Response:
    """A full or delta CRL, DER, published anew when it is stale at the simulator's time
    (unless `crl-stale` holds the one published before it was switched on)."""
    sim = simulator_of(request)
    try:
        body = served_crl(sim.pki, sim.faults.current, request.match_info["name"], sim.clock.now())
    except PkiError:
        return error_response("NOT_FOUND", {"crl": request.match_info["name"]})
    return web.Response(body=body, content_type="application/pkix-crl")


async def _ocsp_response(request: web.Request, der: bytes) -> web.Response:
    # The path of every OCSP answer, kept short: the switches asked only when one is on, the
    # type header made once.
    sim = simulator_of(request)
    faults = sim.faults.current
    unknown = False
    if faults.on:
        if faults.is_on(OCSP_DOWN):
            return web.Response(
                status=503, text="the OCSP responder is down (fault switch ocsp-down)\n"
            )
        delay = faults.ocsp_delay()
        if delay:
            await asyncio.sleep(delay)
        unknown = faults.is_on(OCSP_UNKNOWN)
    body = sim.ocsp.respond(der, sim.clock.now(), all_unknown=unknown)
    return web.Response(body=body, headers=_OCSP_HEADERS)


_OCSP_HEADERS = {"Content-Type": "application/ocsp-response"}


@routes.post("/ocsp")
@lean
async def ocsp_post(request: web.Request) -> web.Response:
    """RFC 6960 Appendix A.1: the DER request in the body."""
    if request.content_length is not None and request.content_length > MAX_REQUEST:
        return error_response("REQUEST_TOO_LARGE", {"limit": MAX_REQUEST})
    try:
        body = await read_limited(request.content, MAX_REQUEST)
    except FetchError:
        return error_response("REQUEST_TOO_LARGE", {"limit": MAX_REQUEST})
    return await _ocsp_response(request, body)


#: Requests met in GET paths, by the path's text: an RFC 5019 client asks the same few again
#: and again, and unquoting and decoding base64 cost as much as the answer's lookup.
_DECODED: dict[str, bytes] = {}
_MAX_DECODED = 10_000


@routes.get("/ocsp/{encoded:.*}")
@lean
async def ocsp_get(request: web.Request) -> web.Response:
    """RFC 6960 Appendix A.1: the base64 of the DER request, URL-encoded, in the path."""
    raw = request.raw_path.split("/ocsp/", 1)[1].split("?", 1)[0]
    der = _DECODED.get(raw)
    if der is None:
        try:
            der = base64.b64decode(urllib.parse.unquote(raw), validate=True)
        except (binascii.Error, ValueError):
            der = b""
        if len(_DECODED) >= _MAX_DECODED:
            _DECODED.clear()
        _DECODED[raw] = der
    return await _ocsp_response(request, der)
