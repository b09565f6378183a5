"""The trainer's console as pages: `/console` (the clock, the reset, quick logins, the fault
switches, the State Corporation's sweep, the tours) and `/console/tours/{tour}`, a guided
tour stepped through in front of a room, with the diagrams of the tour's application lit.

Every form posts to the page's own address and comes back to the page (no script needed). Where
an API makes the change (the clock API, the fault API, the gateway's), the page calls it at
the simulator's own address, so the page does exactly what a script would.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web

from egovsim.console import logins
from egovsim.console.live import StepOutcome
from egovsim.console.tour import Sight, Tour, TourRun, shipped_tours
from egovsim.diagrams import Progress, portal_progress, progress, workstation_progress
from egovsim.errors import CATALOGUE, EgovsimError
from egovsim.pki.personas import load_personas
from egovsim.portal.applications import ApplicationDetail
from egovsim.portal.model import Applicant
from egovsim.scenarios.actors import ActorError, Http
from egovsim.web.clock_routes import clock_json
from egovsim.web.console_logins import (
    HOMES,
    local_path,
    people_json,
    quick_login,
    set_session_cookie,
)
from egovsim.web.console_routes import (
    current_run,
    find_tour,
    jump,
    next_step,
    own_address,
    receiver_kinds_json,
    receivers_json,
    reset_app,
    save_clock,
    start_tour,
    switches_json,
)
from egovsim.web.diagram_routes import diagram_view
from egovsim.web.keys import (
    ACCOUNTS,
    CALENDAR,
    CLOCK,
    CONSOLE,
    NCALAYER_KEYS,
    PORTAL,
    REGULATIONS,
    SETTINGS,
    STAFF,
    STATECORP,
    VERIFIER,
    WORKSTATION,
)
from egovsim.web.render import render
from egovsim.workstation.views import ApplicationView

routes = web.RouteTableDef()

#: The console's forms carry this cookie's value (a double-submit token: another site's form
#: cannot read the cookie to copy it).
CSRF_COOKIE = "egovsim_console"
#: What a form did, as the page tells it after coming back (`?done=`).
DONE = ("reset", "caches", "sweep", "clock", "fault", "receiver")
#: The units the clock form moves by.
UNITS = ("minutes", "hours", "working_days")


#: A token made for this request, when it came without the cookie.
_NEW_TOKEN = web.RequestKey("egovsim_console_token", str)


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
    http = Http(own_address(request))
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


def _back(what: str, anchor: str = "") -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"/console?done={what}{anchor}")


# -- /console -----------------------------------------------------------------------------------


async def _console_page(request: web.Request, error: EgovsimError | None = None) -> web.Response:
    app = request.app
    state = app[CONSOLE]
    done = request.query.get("done")
    tours = shipped_tours()
    current = app[NCALAYER_KEYS].current
    response = render(
        request,
        "console.html",
        error=error,
        status=error.http_status if error else 200,
        csrf=form_token(request),
        done=done if done in DONE else None,
        returned=request.query.get("returned", "0"),
        clock=clock_json(app),
        clock_local=app[CLOCK].now().astimezone(app[CALENDAR].zone),
        units=UNITS,
        switches=switches_json(app),
        receivers=await receivers_json(app),
        receiver_kinds=receiver_kinds_json(),
        people=people_json(app),
        tours=list(tours.values()),
        tour=state.tour,
        busy=state.busy,
        ncalayer_persona=current.id if current is not None else None,
    )
    return with_token(request, response)


@routes.get("/console")
async def console(request: web.Request) -> web.Response:
    """The trainer's console."""
    return await _console_page(request)


async def _acting(
    request: web.Request, action: Callable[[], Awaitable[web.HTTPSeeOther]]
) -> web.StreamResponse:
    """Run a form's action and go where it says; a refusal shows on the console page with its
    code and step instead."""
    try:
        redirect = await action()
    except EgovsimError as error:
        return await _console_page(request, error)
    raise redirect


@routes.post("/console/clock")
async def clock_form(request: web.Request) -> web.StreamResponse:
    """Freeze, let run, move forward, jump to a day, or go back to real time."""
    form = await checked_form(request)

    async def act() -> web.HTTPSeeOther:
        action = form.get("action")
        if action in ("freeze", "unfreeze"):
            await call_api(request, "POST", "/api/v1/clock", {"freeze": action == "freeze"})
        elif action == "advance":
            unit = form.get("unit", "")
            try:
                amount = int(form.get("amount", ""))
            except ValueError:
                raise EgovsimError("CLOCK_CHANGE_INVALID", {"amount": form.get("amount")}) from None
            if unit not in UNITS:
                raise EgovsimError("CLOCK_CHANGE_INVALID", {"unit": unit, "units": list(UNITS)})
            await call_api(request, "POST", "/api/v1/clock", {"advance": {unit: amount}})
        elif action == "jump":
            await jump(request.app, form.get("date", ""), form.get("time") or None)
        elif action == "real":
            request.app[CLOCK].restore(None, timedelta(0))
            await save_clock(request.app)
        else:
            raise EgovsimError("CLOCK_CHANGE_INVALID", {"action": action})
        return _back("clock", "#clock")

    return await _acting(request, act)


@routes.post("/console/reset")
async def reset_form(request: web.Request) -> web.StreamResponse:
    """Reset to a clean demo, once the trainer ticked that everything goes."""
    form = await checked_form(request)

    async def act() -> web.HTTPSeeOther:
        if form.get("confirm") != "yes":
            raise EgovsimError("BAD_REQUEST", {"reason": "tick the box to confirm the reset"})
        await reset_app(request.app)
        return _back("reset")

    return await _acting(request, act)


@routes.post("/console/login")
async def login_form(request: web.Request) -> web.StreamResponse:
    """Sign in as a persona, a staff member or an operator, and open their page."""
    form = await checked_form(request)

    async def act() -> web.HTTPSeeOther:
        kind = form.get("kind", "")
        cookie, token, _ = await quick_login(request, kind, form.get(kind) or None)
        response = web.HTTPSeeOther(local_path(form.get("next"), HOMES[kind]))
        set_session_cookie(response, cookie, token)
        return response

    return await _acting(request, act)


@routes.post("/console/faults/{name}")
async def fault_form(request: web.Request) -> web.StreamResponse:
    """Switch a fault on (with its seconds, for a slow responder) or off, by the fault API."""
    form = await checked_form(request)
    name = request.match_info["name"]

    async def act() -> web.HTTPSeeOther:
        path = f"/api/v1/faults/{name}"
        if form.get("on") == "1":
            body: dict[str, Any] = {"on": True}
            if form.get("seconds"):
                body["seconds"] = _number(form["seconds"])
            await call_api(request, "PUT", path, body)
        else:
            await call_api(request, "DELETE", path)
        return _back("fault", f"#fault-{name}")

    return await _acting(request, act)


@routes.post("/console/gateway/{service_id}")
async def receiver_form(request: web.Request) -> web.StreamResponse:
    """Switch a gateway receiver's fault on (a kind, with seconds) or off, by the gateway's
    API."""
    form = await checked_form(request)
    service_id = request.match_info["service_id"]

    async def act() -> web.HTTPSeeOther:
        path = f"/api/v1/gateway/routes/{service_id}/fault"
        kind = form.get("kind", "off")
        if kind == "off":
            await call_api(request, "DELETE", path)
        else:
            seconds = _number(form.get("seconds") or "5")
            await call_api(request, "PUT", path, {"kind": kind, "seconds": seconds})
        return _back("receiver", "#receivers")

    return await _acting(request, act)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise EgovsimError("BAD_REQUEST", {"reason": "seconds must be a number"}) from None


@routes.post("/console/caches")
async def caches_form(request: web.Request) -> web.StreamResponse:
    """Clear the verifier's CRL and OCSP caches."""
    await checked_form(request)
    request.app[VERIFIER].clear_revocation_caches()
    raise _back("caches", "#faults")


@routes.post("/console/sweep")
async def sweep_form(request: web.Request) -> web.StreamResponse:
    """The State Corporation's storage sweep now."""
    await checked_form(request)
    returned = await request.app[STATECORP].returns.sweep()
    raise web.HTTPSeeOther(f"/console?done=sweep&returned={len(returned)}#statecorp")


# -- /console/tours/{tour} ----------------------------------------------------------------------


def _steps(tour: Tour, run: TourRun | None) -> list[dict[str, Any]]:
    """Each step of the tour as the page shows it: its words, done or not, its outcome."""
    shown = []
    done = run.position if run is not None else 0
    for position, step in enumerate(tour.scenario.steps):
        outcome: StepOutcome | None = None
        sight: Sight | None = None
        if run is not None and position < len(run.outcomes):
            outcome, sight = run.outcomes[position], run.sights[position]
        shown.append(
            {
                "number": position + 1,
                "step": step,
                "msgid": tour.narration_msgid(step),
                "state": "done" if position < done else "current" if position == done else "",
                "outcome": outcome,
                "sight": sight,
                "refusal": outcome.refusal() if outcome is not None else None,
            }
        )
    return shown


def _ordered(tour: Tour) -> tuple[str, str | None] | None:
    """The service and variant the tour's applicant orders (its first `order` step), if any."""
    for step in tour.scenario.steps:
        service = step.args.get("service") if step.kind == "order" else None
        if service:
            variant = step.args.get("variant")
            return str(service), str(variant) if variant else None
    return None


def _shown(run: TourRun, kind: str) -> list[str]:
    """Whom the room was shown so far of a kind ("persona", "staff"), the latest first."""
    return [
        sight.who[1]
        for sight in reversed(run.sights)
        if sight is not None and sight.who is not None and sight.who[0] == kind
    ]


async def _applicant_of(app: web.Application, persona_id: str) -> Applicant | None:
    """The portal account a persona acts for, as its cabinet knows it (the console looks over
    the room's shoulder, without a session of its own); None for a persona without one."""
    listing = logins.portal_personas(load_personas(app[SETTINGS].certs_dir))
    persona = next((p for p in listing if p["id"] == persona_id), None)
    if persona is None:
        return None
    legal = bool(persona.get("bin"))
    return await app[ACCOUNTS].applicant(
        logins.portal_login_id(persona),
        str(persona["iin"]),
        str(persona["name"]),
        str(persona["role"]) if legal and persona.get("role") else None,
    )


async def _portal_application(app: web.Application, run: TourRun) -> ApplicationDetail | None:
    """The tour's application as its applicant's cabinet shows it, when there is one."""
    state = run.state
    if state is None or state.application is None:
        return None
    persona_id = state.applicant or next(iter(_shown(run, "persona")), None)
    applicant = await _applicant_of(app, persona_id) if persona_id else None
    if applicant is None:
        return None
    try:
        return await app[PORTAL].application(applicant, state.application)
    except EgovsimError:
        return None  # gone with a reset, or another account's


async def _provider_application(app: web.Application, run: TourRun) -> ApplicationView | None:
    """The tour's application at the provider's workstation, as the staff member the room saw
    last sees it, once the staff have it."""
    state = run.state
    staff = _shown(run, "staff")
    if state is None or state.provider_application is None or not staff:
        return None
    member = await app[STAFF].staff_by_login(staff[0])
    if member is None:
        return None
    try:
        return await app[WORKSTATION].application(member, state.provider_application)
    except EgovsimError:
        return None


async def tour_diagrams(
    request: web.Request, tour: Tour, run: TourRun | None
) -> list[dict[str, Any]]:
    """The diagrams of the tour's application, lit as it stands (what `_diagram.html` takes):
    Annex 1 from the portal's application, Annex 2 from the provider's at the workstation once
    there is one. Before the application exists, Annex 1 of the service the tour orders, with
    the sign-in done once the applicant is signed in; none for a tour that orders nothing."""
    app = request.app
    detail = await _portal_application(app, run) if run is not None else None
    view = await _provider_application(app, run) if run is not None else None
    facts: Progress | None
    if detail is not None:
        regulation, variant = detail.regulation, detail.application.variant
        facts = portal_progress(detail, 1)
    elif view is not None:
        regulation, variant = view.regulation, view.application.variant
        facts = workstation_progress(view, 1)
    else:
        ordered = _ordered(tour)
        found = app[REGULATIONS].get(ordered[0]) if ordered is not None else None
        if ordered is None or found is None:
            return []
        regulation, variant = found, ordered[1]
        signed_in = run is not None and run.state is not None and run.state.applicant is not None
        facts = progress(["P1", "C1"], "P3") if signed_in else None
    diagrams = [diagram_view(request, regulation, 1, facts, variant)]
    if view is not None:
        route = workstation_progress(view, 2)
        diagrams.append(diagram_view(request, view.regulation, 2, route, view.application.variant))
    return diagrams


async def _tour_page(
    request: web.Request, tour: Tour, error: EgovsimError | None = None
) -> web.Response:
    run = current_run(request, tour)
    steps = _steps(tour, run)
    last = steps[run.position - 1] if run is not None and run.position > 0 else None
    upcoming = None if run is not None and run.finished else steps[run.position if run else 0]
    response = render(
        request,
        "console_tour.html",
        error=error,
        status=error.http_status if error else 200,
        csrf=form_token(request),
        tour=tour,
        run=run,
        steps=steps,
        last=last,
        upcoming=upcoming,
        busy=request.app[CONSOLE].busy,
        state=run.state if run is not None else None,
        diagrams=await tour_diagrams(request, tour, run),
    )
    return with_token(request, response)


@routes.get("/console/tours/{tour}")
async def tour_page(request: web.Request) -> web.Response:
    """A guided tour: the step to do next with its narration, the last step's outcome and
    where the room sees it, the application's diagrams lit, every step with its state."""
    return await _tour_page(request, find_tour(request.match_info["tour"]))


@routes.post("/console/tours/{tour}/start")
async def tour_start(request: web.Request) -> web.StreamResponse:
    """Start the tour again from its beginning."""
    await checked_form(request)
    tour = find_tour(request.match_info["tour"])
    try:
        await start_tour(request, tour)
    except EgovsimError as error:
        return await _tour_page(request, tour, error)
    raise web.HTTPSeeOther(f"/console/tours/{tour.id}")


@routes.post("/console/tours/{tour}/next")
async def tour_next(request: web.Request) -> web.StreamResponse:
    """Do the tour's next step."""
    await checked_form(request)
    tour = find_tour(request.match_info["tour"])
    try:
        await next_step(request, tour)
    except EgovsimError as error:
        return await _tour_page(request, tour, error)
    raise web.HTTPSeeOther(f"/console/tours/{tour.id}#now")
