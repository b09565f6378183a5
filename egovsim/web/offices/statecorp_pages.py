"""`/statecorp`: the State Corporation's counter in web pages (sign in, take a package with its
checklist, the printable receipts, forwarding, the results waiting and their hand-out)."""

from __future__ import annotations

import hashlib
import hmac

from aiohttp import web

from egovsim.errors import EgovsimError
from egovsim.passwords import token_hash
from egovsim.statecorp.centres import centre
from egovsim.storage.paging import ListRequest
from egovsim.storage.statecorp import Operator
from egovsim.web.common.keys import simulator_of
from egovsim.web.common.models import shown
from egovsim.web.common.render import render
from egovsim.web.common.requests import path_id
from egovsim.web.offices.staff_login import sign_in_from_form
from egovsim.web.offices.statecorp_api import COOKIE, current_operator, open_session
from egovsim.web.offices.statecorp_models import StatecorpPackage

routes = web.RouteTableDef()
ACTIONS = ("check", "forward", "serve", "hand_out", "request_again")


def csrf_token(request: web.Request) -> str:
    """A form token bound to the session: a site that cannot read the cookie cannot make it."""
    session = request.cookies.get(COOKIE, "")
    return hmac.new(b"egovsim-statecorp-csrf", session.encode(), hashlib.sha256).hexdigest()


async def _form(request: web.Request) -> dict[str, list[str]]:
    data = await request.post()
    if not hmac.compare_digest(str(data.get("csrf", "")), csrf_token(request)):
        raise EgovsimError("BAD_REQUEST", {"reason": "the form is stale: reload the page"})
    form: dict[str, list[str]] = {}
    for key, value in data.items():
        form.setdefault(key, []).append(str(value))
    return form


def _one(form: dict[str, list[str]], key: str) -> str:
    return (form.get(key) or [""])[0].strip()


async def _operator_or_login(request: web.Request) -> Operator | web.Response:
    try:
        return await current_operator(request)
    except EgovsimError:
        return render(request, "staff_login.html", office="statecorp")


@routes.get("/statecorp")
async def home(request: web.Request) -> web.StreamResponse:
    """The counter of the signed-in operator (`?q=` finds packages by IIN or number), or the
    sign-in form."""
    operator = await _operator_or_login(request)
    if isinstance(operator, web.Response):
        return operator
    counter = simulator_of(request).statecorp.counter
    everything = await counter.packages(operator, ListRequest(after=request.query.get("after")))
    waiting = await counter.packages(operator, ListRequest(status="at_centre"))
    query = request.query.get("q", "").strip()
    return render(
        request,
        "statecorp_home.html",
        query=query,
        found=await counter.find(operator, query) if query else None,
        operator=operator,
        centre=centre(operator.centre_id),
        csrf=csrf_token(request),
        services=counter.services(),
        waiting=waiting.views,
        everything=everything.views,
        next_page=_following(request, everything.next_cursor),
    )


def _following(request: web.Request, cursor: str | None) -> str | None:
    """The page's address with the list of packages moved on to `cursor`."""
    return str(request.rel_url.update_query(after=cursor)) if cursor else None


@routes.post("/statecorp/login")
async def login(request: web.Request) -> web.StreamResponse:
    """Sign in from the form; the session cookie is the API's."""
    return await sign_in_from_form(request, "statecorp", COOKIE, _session_token)


async def _session_token(request: web.Request, login: str, password: str) -> str:
    token, _ = await open_session(request, login, password)
    return token


@routes.post("/statecorp/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    """Sign out from the form."""
    await _form(request)
    if token := request.cookies.get(COOKIE):
        await simulator_of(request).statecorp.store.close_session(token_hash(token))
    response = web.HTTPSeeOther("/statecorp")
    response.del_cookie(COOKIE, path="/")
    raise response


@routes.post("/statecorp/packages")
async def open_package(request: web.Request) -> web.StreamResponse:
    """An applicant at the counter: the service and variant chosen, the IIN given."""
    operator = await current_operator(request)
    form = await _form(request)
    service, _, variant = _one(form, "service").partition(":")
    view = await simulator_of(request).statecorp.counter.open_package(
        operator, service, variant or None, _one(form, "iin"), _one(form, "name"), {}
    )
    raise web.HTTPSeeOther(f"/statecorp/packages/{view.package.id}")


def _package_id(request: web.Request) -> int:
    return path_id(request, "package", "PACKAGE_NOT_FOUND", "package")


@routes.get("/statecorp/packages/{package}")
async def package(request: web.Request) -> web.StreamResponse:
    """A package: its checklist at the counter, its receipt to print, its timeline."""
    operator = await _operator_or_login(request)
    if isinstance(operator, web.Response):
        return operator
    view = await simulator_of(request).statecorp.counter.package(operator, _package_id(request))
    return render(
        request,
        "statecorp_package.html",
        operator=operator,
        centre=view.centre,
        csrf=csrf_token(request),
        view=view,
        data=shown(StatecorpPackage.of(view)),
    )


@routes.post("/statecorp/packages/{package}/{action}")
async def act(request: web.Request) -> web.StreamResponse:
    """Do an action from a form; its refusal is shown on the package's page."""
    operator = await current_operator(request)
    statecorp = simulator_of(request).statecorp
    package_id = _package_id(request)
    action = request.match_info["action"]
    form = await _form(request)
    try:
        if action == "check":
            await statecorp.counter.check(operator, package_id, form.get("documents", []))
        elif action == "forward":
            await statecorp.counter.forward(operator, package_id)
        elif action == "serve":
            await statecorp.handout.serve(operator, package_id)
        elif action == "hand_out":
            params: dict[str, object] = {
                "document": _one(form, "document"),
                "document_number": _one(form, "document_number"),
                "notarized": _one(form, "notarized") == "yes",
                "representative": {
                    "name": _one(form, "representative_name"),
                    "iin": _one(form, "representative_iin"),
                },
            }
            await statecorp.handout.hand_out(operator, package_id, params)
        elif action == "request_again":
            await statecorp.returns.request_again(operator, package_id)
        else:
            raise EgovsimError("PACKAGE_STATE_WRONG", {"action": action, "actions": ACTIONS})
    except EgovsimError as error:
        view = await statecorp.counter.package(operator, package_id)
        return render(
            request,
            "statecorp_package.html",
            error=error,
            status=error.http_status,
            operator=operator,
            centre=view.centre,
            csrf=csrf_token(request),
            view=view,
            data=shown(StatecorpPackage.of(view)),
        )
    raise web.HTTPSeeOther(f"/statecorp/packages/{package_id}")
