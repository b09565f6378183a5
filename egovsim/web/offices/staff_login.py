"""The staff sign-in form of the offices' pages (the provider's workstation, the State
Corporation's counter): the same form and cookie, each office with its own sessions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from egovsim.errors import EgovsimError
from egovsim.web.common.render import render

#: Checks a login and password and opens a session: its token (a refusal otherwise).
OpenSession = Callable[[web.Request, str, str], Awaitable[str]]


async def sign_in_from_form(
    request: web.Request, office: str, cookie: str, open_session: OpenSession
) -> web.StreamResponse:
    """Sign in from `staff_login.html`: on to `/{office}` with the session cookie (the API's),
    or the form again with the refusal (401)."""
    data = await request.post()
    try:
        token = await open_session(
            request, str(data.get("login", "")), str(data.get("password", ""))
        )
    except EgovsimError as error:
        return render(request, "staff_login.html", office=office, error=error, status=401)
    response = web.HTTPSeeOther(f"/{office}")
    response.set_cookie(cookie, token, httponly=True, samesite="Lax", path="/")
    raise response
