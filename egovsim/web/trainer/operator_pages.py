"""The operator's sign-in page (`/console/sign-in`): the secret typed once, an operator session
cookie after, so the console, the gateway's log and the "try it" runs open in a browser."""

from __future__ import annotations

from aiohttp import web

from egovsim.errors import EgovsimError
from egovsim.web.common.keys import simulator_of
from egovsim.web.common.operator import (
    OPERATOR_COOKIE,
    SESSION_SECONDS,
    SIGN_IN_PATH,
    secret_matches,
    session_cookie_value,
)
from egovsim.web.common.render import render
from egovsim.web.common.requests import local_path
from egovsim.web.trainer.console_forms import checked_form, form_token, with_token

routes = web.RouteTableDef()


def _page(request: web.Request, next_path: str, error: EgovsimError | None = None) -> web.Response:
    response = render(
        request,
        "console_sign_in.html",
        error=error,
        status=error.http_status if error else 200,
        csrf=form_token(request),
        next=next_path,
        needed=simulator_of(request).settings.operator_token is not None,
    )
    return with_token(request, response)


@routes.get(SIGN_IN_PATH)
async def sign_in_page(request: web.Request) -> web.Response:
    """The sign-in form; `?next=` (a path of this site) is where it leads after."""
    return _page(request, local_path(request.query.get("next"), "/console"))


@routes.post(SIGN_IN_PATH)
async def sign_in(request: web.Request) -> web.StreamResponse:
    """Check the secret (the console's form token too) and set the operator's session."""
    form = await checked_form(request)
    next_path = local_path(form.get("next"), "/console")
    secret = simulator_of(request).settings.operator_token
    if secret is not None and not secret_matches(secret, form.get("secret", "")):
        refused = EgovsimError("OPERATOR_REQUIRED", {"reason": "the secret does not match"})
        return _page(request, next_path, refused)
    response = web.HTTPSeeOther(next_path)
    if secret is not None:
        response.set_cookie(
            OPERATOR_COOKIE,
            session_cookie_value(secret),
            max_age=SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="Strict",
        )
    raise response


@routes.post("/console/sign-out")
async def sign_out(request: web.Request) -> web.StreamResponse:
    """End the operator's session in this browser."""
    await checked_form(request)
    response = web.HTTPSeeOther(SIGN_IN_PATH)
    response.del_cookie(OPERATOR_COOKIE, path="/")
    raise response
