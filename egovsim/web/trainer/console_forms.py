"""What every console form shares: the double-submit token its forms carry, the simulator's own
address, and the call of its own API a form's action makes, as a script would make it."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from aiohttp import web

from egovsim.errors import CATALOGUE, EgovsimError
from egovsim.scenarios.actors import ActorError, Http
from egovsim.web.common.keys import simulator_of

#: The console's forms carry this cookie's value (a double-submit token: another site's form
#: cannot read the cookie to copy it).
CSRF_COOKIE = "egovsim_console"
#: A token made for this request, when it came without the cookie.
_NEW_TOKEN = web.RequestKey("egovsim_console_token", str)


def own_address(request: web.Request) -> str:
    """The simulator's own address as this request reached it (the socket it came in on), for
    the console's runs to act through the public interfaces; the settings' otherwise."""
    transport = request.transport
    if transport is not None:
        sockname = transport.get_extra_info("sockname")
        if isinstance(sockname, tuple) and len(sockname) >= 2:
            host, port = str(sockname[0]), int(sockname[1])
            scheme = "https" if transport.get_extra_info("sslcontext") else "http"
            return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"
    return simulator_of(request).settings.base_url


def form_token(request: web.Request) -> str:
    """The token the console's forms carry: the cookie's, or a new one set by `with_token`."""
    token = request.cookies.get(CSRF_COOKIE) or request.get(_NEW_TOKEN)
    if token is None:
        token = request[_NEW_TOKEN] = secrets.token_hex(16)
    return token


def with_token(request: web.Request, response: web.Response) -> web.Response:
    """Set the token's cookie on a page whose forms carry a new one."""
    if CSRF_COOKIE not in request.cookies and _NEW_TOKEN in request:
        response.set_cookie(
            CSRF_COOKIE, request[_NEW_TOKEN], httponly=True, samesite="Strict", path="/"
        )
    return response


async def checked_form(request: web.Request) -> dict[str, str]:
    """The posted form, when its token is the cookie's; BAD_REQUEST for a stale form."""
    data = await request.post()
    sent, kept = str(data.get("csrf", "")), request.cookies.get(CSRF_COOKIE, "")
    if not kept or not hmac.compare_digest(sent.encode(), kept.encode()):
        raise EgovsimError("BAD_REQUEST", {"reason": "the form is stale: reload the page"})
    return {key: str(value) for key, value in data.items()}


async def call_api(request: web.Request, method: str, path: str, body: Any = None) -> Any:
    """One request to the simulator's own API, as a script would send it; its refusal is
    raised as the same refusal."""
    http = Http(own_address(request), simulator_of(request).settings.operator_token)
    try:
        reply = await http.request(method, path, json_body=body)
    except ActorError as error:
        raise EgovsimError("INTERNAL_ERROR", {"reason": error.message}) from None
    finally:
        await http.close()
    if reply.status >= 400:
        code = reply.error_code()
        if code is None or code not in CATALOGUE:
            raise EgovsimError("INTERNAL_ERROR", {"status": reply.status, "path": path})
        details = reply.body["error"].get("details")
        raise EgovsimError(code, details if isinstance(details, dict) else {})
    return reply.body
