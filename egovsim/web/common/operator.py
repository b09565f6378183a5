"""The operator's secret: who may change the simulator for everyone or act for someone else.

One secret (`--operator-token`, `EGOVSIM_OPERATOR_TOKEN`). A handler marked `@operator_only`
admits a caller that sends it as `Authorization: Bearer <secret>`, or a browser with the
operator's session cookie, which the console's sign-in page sets. Without a secret configured
every route is open, as `egovsim serve` allows only on a loopback address.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import quote

from aiohttp import web

from egovsim.config import Settings, is_loopback
from egovsim.errors import EgovsimError
from egovsim.web.common.keys import simulator_of

Handler = TypeVar("Handler", bound=Callable[..., Any])

#: The browser's operator session (set by `/console/sign-in`).
OPERATOR_COOKIE = "egovsim_operator"
#: How long a console sign-in lasts.
SESSION_SECONDS = 12 * 3600
#: The OpenAPI security scheme the marked operations declare.
SCHEME_NAME = "operatorToken"
SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "The operator's secret (`egovsim serve --operator-token` or "
    "`EGOVSIM_OPERATOR_TOKEN`). Needed only when the simulator was started with one.",
}
SIGN_IN_PATH = "/console/sign-in"
_MARK = "__egovsim_operator_only__"


def operator_only(handler: Handler) -> Handler:
    """Mark a handler as the operator's: changing the simulator for everyone, or acting for
    someone else."""
    setattr(handler, _MARK, True)
    return handler


def is_operator_only(handler: Any) -> bool:
    """Whether the handler was marked `@operator_only`."""
    return bool(getattr(handler, _MARK, False))


def bind_refusal(settings: Settings) -> str | None:
    """Why `egovsim serve` must not start with these settings (None: it may)."""
    if settings.operator_token is not None or is_loopback(settings.host):
        return None
    return (
        f"refusing to listen on {settings.host} without an operator secret: anyone who reaches "
        "it could take the simulator over (sign in as anyone, reroute the gateway, reset it). "
        "Set one with --operator-token SECRET or EGOVSIM_OPERATOR_TOKEN=SECRET, or listen on "
        "127.0.0.1."
    )


def _session_mac(secret: str, expires: int) -> str:
    key = hashlib.sha256(b"egovsim operator session\0" + secret.encode()).digest()
    return hmac.new(key, str(expires).encode(), hashlib.sha256).hexdigest()


def session_cookie_value(secret: str, now: float | None = None) -> str:
    """A console session for the operator: its expiry and a MAC under the secret, so a new
    secret (a restart with another one) ends every session."""
    expires = int((time.time() if now is None else now) + SESSION_SECONDS)
    return f"{expires}.{_session_mac(secret, expires)}"


def _valid_session(secret: str, value: str) -> bool:
    expires_text, _, mac = value.partition(".")
    if not (expires_text.isascii() and expires_text.isdigit()) or len(expires_text) > 12:
        return False
    expires = int(expires_text)
    if expires < time.time():
        return False
    return hmac.compare_digest(mac.encode(), _session_mac(secret, expires).encode())


def secret_matches(secret: str, sent: str) -> bool:
    """Constant-time comparison of what a caller sent with the secret."""
    return hmac.compare_digest(
        hashlib.sha256(sent.encode("utf-8", "surrogatepass")).digest(),
        hashlib.sha256(secret.encode()).digest(),
    )


def is_operator(request: web.Request) -> bool:
    """Whether the request comes from the operator: no secret is set, or it carries it (the
    bearer token) or the operator's session cookie."""
    secret = simulator_of(request).settings.operator_token
    if secret is None:
        return True
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer " and secret_matches(secret, header[7:].strip()):
        return True
    cookie = request.cookies.get(OPERATOR_COOKIE)
    return cookie is not None and _valid_session(secret, cookie)


def sign_in_address(path_qs: str) -> str:
    """The console's sign-in page, coming back to `path_qs` after."""
    return f"{SIGN_IN_PATH}?next={quote(path_qs, safe='/')}"


@web.middleware
async def operator_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Refuse OPERATOR_REQUIRED to a caller of an operator's route without the secret; a
    browser asking for one of the operator's pages is sent to the sign-in page instead."""
    if not is_operator_only(request.match_info.handler) or is_operator(request):
        return await handler(request)
    if request.method == "GET" and not request.path.startswith("/api/"):
        raise web.HTTPSeeOther(sign_in_address(request.path_qs))
    sent = "Authorization" in request.headers or OPERATOR_COOKIE in request.cookies
    raise EgovsimError(
        "OPERATOR_REQUIRED",
        {
            "reason": "the operator's secret does not match"
            if sent
            else "send the operator's secret: Authorization: Bearer <secret>",
            "sign_in": SIGN_IN_PATH,
        },
    )
