"""One middleware turns every refusal and HTTP error into one JSON shape; never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from egovsim.errors import CATALOGUE, EgovsimError

log = logging.getLogger("egovsim.web")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTTP_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
}


def error_body(
    code: str, details: dict[str, Any] | None = None, step: str | None = None
) -> dict[str, Any]:
    """The one shape of an error: code, step (the service regulation's id when the refusal
    names one), the message in kk/ru/en, and details."""
    entry = CATALOGUE[code]
    return {
        "error": {
            "code": code,
            "step": step or entry.step,
            "message": dict(entry.messages),
            "details": details or {},
        }
    }


def error_response(
    code: str,
    details: dict[str, Any] | None = None,
    request: web.Request | None = None,
    step: str | None = None,
) -> web.Response:
    """The error with the catalogue's HTTP status: a page for a browser on a page's address,
    the JSON body everywhere else."""
    status = CATALOGUE[code].http_status
    if request is not None and _wants_page(request):
        from egovsim.web.common.render import render

        error = EgovsimError(code, details or {}, step)
        return render(request, "error.html", error=error, status=status)
    return web.json_response(error_body(code, details, step), status=status)


#: Addresses that answer with JSON (or SOAP, certificates, CRLs, OCSP) whoever asks.
_MACHINE_PATHS = (
    "/api/",
    "/shep/",
    "/ncalayer",
    "/static/",
    "/cert/",
    "/crl/",
    "/ocsp",
    "/healthz",
    "/favicon.ico",
)


def _wants_page(request: web.Request) -> bool:
    """A browser asking for one of the pages (the portal, the workstation, the gateway's) gets
    its refusal as a page; machines get the JSON shape."""
    if request.path.startswith(_MACHINE_PATHS):
        return False
    return "text/html" in request.headers.get("Accept", "")


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render refusals and HTTP errors; log and hide anything unexpected."""
    try:
        return await handler(request)
    except EgovsimError as error:
        response = error_response(error.code, dict(error.details), request, error.service_step)
        if error.code == "OPERATOR_REQUIRED":
            # RFC 9110: a 401 names the scheme that would be admitted.
            response.headers["WWW-Authenticate"] = 'Bearer realm="egovsim"'
        return response
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code = _HTTP_CODES.get(error.status, "BAD_REQUEST" if error.status < 500 else None)
        if code is None:
            log.error("HTTP %s on %s %s", error.status, request.method, request.path)
            return error_response("INTERNAL_ERROR")
        return error_response(code, {"reason": error.reason, "status": error.status}, request)
    except HttpProcessingError as error:
        # What aiohttp's parsers refuse inside a body a handler reads (a multipart part's
        # header with a control byte): the client's mistake, with aiohttp's own status.
        code = _HTTP_CODES.get(error.code, "BAD_REQUEST")
        return error_response(code, {"reason": error.message.strip()[:200]}, request)
    except ValueError as error:
        if _raised_by_body_parser(error):
            return error_response("BAD_REQUEST", {"reason": str(error)[:200]}, request)
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response("INTERNAL_ERROR")
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response("INTERNAL_ERROR")


#: aiohttp's modules that read a request's body: a ValueError raised in one of them is the
#: client's malformed body (a multipart without its boundary, cut short), wherever a handler
#: reads a form.
_BODY_PARSERS = ("aiohttp.multipart", "aiohttp.web_request", "aiohttp.helpers")


def _raised_by_body_parser(error: BaseException) -> bool:
    frame = error.__traceback__
    if frame is None:
        return False
    while frame.tb_next is not None:
        frame = frame.tb_next
    return str(frame.tb_frame.f_globals.get("__name__", "")).startswith(_BODY_PARSERS)
