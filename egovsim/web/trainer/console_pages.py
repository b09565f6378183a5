"""The trainer's console as a page, `/console`: the clock, the reset, quick logins, the fault
switches, the State Corporation's sweep, the tours (their pages are `console_tour_pages`).

The page always renders, whatever state it finds: a clock beyond what a date holds, a store
that fails to answer. Each part is read on its own; a part that cannot be read is shown empty
and listed at the top with why, beside "set the clock back to now" and "reset". Every form
posts to the page's own address and comes back to the page (no script needed), and checks
what it was given before it changes anything. Where an API makes the change (the clock API,
the fault API, the gateway's), the page calls it at the simulator's own address, so the page
does exactly what a script would.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web

from egovsim.console.health import ClockReading, describe, moved, read_clock
from egovsim.errors import EgovsimError
from egovsim.web.common.keys import (
    CONSOLE,
    SIMULATOR,
    simulator_of,
)
from egovsim.web.common.models import shown
from egovsim.web.common.operator import operator_only
from egovsim.web.common.render import render
from egovsim.web.common.requests import local_path
from egovsim.web.trainer.console_forms import call_api, checked_form, form_token, with_token
from egovsim.web.trainer.console_logins import (
    HOMES,
    quick_login,
    set_session_cookie,
)
from egovsim.web.trainer.console_models import ConsoleReceiverKind
from egovsim.web.trainer.console_routes import (
    console_parts,
    jump,
    reset_app,
    save_clock,
)

log = logging.getLogger("egovsim.console")
routes = web.RouteTableDef()

#: What a form did, as the page tells it after coming back (`?done=`).
DONE = ("reset", "caches", "sweep", "clock", "fault", "receiver")
#: The units the clock form moves by, and how long one of each lasts at most (a working day
#: is at most a few calendar days: what the check of a move's reach counts).
UNITS = {
    "minutes": timedelta(minutes=1),
    "hours": timedelta(hours=1),
    "days": timedelta(days=1),
    "working_days": timedelta(days=2),
}


def _back(what: str, anchor: str = "") -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"/console?done={what}{anchor}")


# -- /console -----------------------------------------------------------------------------------


async def _console_page(request: web.Request, error: EgovsimError | None = None) -> web.Response:
    app = request.app
    state = app[CONSOLE]
    done = request.query.get("done")
    parts = await console_parts(app)
    current = app[SIMULATOR].keyring.current
    response = render(
        request,
        "console.html",
        error=error,
        status=error.http_status if error else 200,
        csrf=form_token(request),
        done=done if done in DONE else None,
        returned=request.query.get("returned", "0"),
        clock=shown(parts.clock) if parts.clock is not None else None,
        clock_local=parts.reading.local,
        units=list(UNITS),
        switches=[shown(switch) for switch in parts.switches],
        receivers=[shown(route) for route in parts.receivers],
        receiver_kinds=[shown(kind) for kind in ConsoleReceiverKind.every()],
        people=shown(parts.people),
        tours=parts.tours,
        tour=state.tour,
        busy=await state.busy_anywhere(),
        ncalayer_persona=current.id if current is not None else None,
        troubles=parts.troubles,
        reason=_reason(error),
    )
    return with_token(request, response)


def _reason(error: EgovsimError | None) -> str | None:
    """Why a form was refused, in the refusal's details, for the trainer to put it right."""
    reason = error.details.get("reason") if error is not None else None
    return str(reason) if reason else None


@routes.get("/console")
@operator_only
async def console(request: web.Request) -> web.Response:
    """The trainer's console."""
    return await _console_page(request)


async def _acting(
    request: web.Request, action: Callable[[], Awaitable[web.HTTPSeeOther]]
) -> web.StreamResponse:
    """Run a form's action and go where it says; a refusal shows on the console page with its
    code and step instead, and so does a failure of the simulator (a store that fails): the
    page comes back with it rather than a bare error."""
    try:
        redirect = await action()
    except EgovsimError as error:
        return await _console_page(request, error)
    except Exception as error:
        log.exception("a console action failed on %s", request.path)
        failure = EgovsimError("INTERNAL_ERROR", {"reason": describe(error)})
        return await _console_page(request, failure)
    raise redirect


def _readable(reading: ClockReading) -> None:
    """CLOCK_CHANGE_INVALID when the clock cannot be told: only "back to now" moves it then."""
    if reading.now is None:
        raise EgovsimError(
            "CLOCK_CHANGE_INVALID",
            {"reason": f"{reading.problem}: set the clock back to now first"},
        )


def _advance(form: dict[str, str], reading: ClockReading) -> dict[str, Any]:
    """The clock API's body of a move forward, checked first: a whole positive number of a
    known unit, landing within the console's reach of real time."""
    unit, text = form.get("unit", ""), form.get("amount", "").strip()
    if unit not in UNITS:
        raise EgovsimError("CLOCK_CHANGE_INVALID", {"unit": unit, "units": list(UNITS)})
    if not text.isdigit() or int(text) < 1:
        raise EgovsimError(
            "CLOCK_CHANGE_INVALID", {"amount": text, "reason": "move forward by a whole number"}
        )
    amount = int(text)
    assert reading.now is not None
    try:
        moved(reading.now, UNITS[unit] * amount)
    except (OverflowError, ValueError) as error:
        raise EgovsimError(
            "CLOCK_CHANGE_INVALID", {"amount": amount, "unit": unit, "reason": str(error)}
        ) from None
    return {"advance": {unit: amount}}


@routes.post("/console/clock")
@operator_only
async def clock_form(request: web.Request) -> web.StreamResponse:
    """Freeze, let run, move forward, jump to a day, or go back to real time ("now")."""
    form = await checked_form(request)
    app = request.app

    async def act() -> web.HTTPSeeOther:
        action = form.get("action")
        if action == "real":
            # Back to now first, in memory, so whatever fails after (saving it) leaves the
            # clock readable.
            app[SIMULATOR].clock.restore(None, timedelta(0))
            await save_clock(app)
            return _back("clock", "#clock")
        sim = app[SIMULATOR]
        reading = read_clock(sim.clock, sim.calendar.zone)
        _readable(reading)
        if action in ("freeze", "unfreeze"):
            await call_api(request, "POST", "/api/v1/clock", {"freeze": action == "freeze"})
        elif action == "advance":
            await call_api(request, "POST", "/api/v1/clock", _advance(form, reading))
        elif action == "jump":
            await jump(app, form.get("date", ""), form.get("time") or None)
        else:
            raise EgovsimError("CLOCK_CHANGE_INVALID", {"action": action})
        return _back("clock", "#clock")

    return await _acting(request, act)


@routes.post("/console/reset")
@operator_only
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
@operator_only
async def login_form(request: web.Request) -> web.StreamResponse:
    """Sign in as a persona, a staff member or an operator, and open their page."""
    form = await checked_form(request)

    async def act() -> web.HTTPSeeOther:
        kind = form.get("kind", "")
        if kind not in HOMES:
            raise EgovsimError("BAD_REQUEST", {"kind": kind, "kinds": list(HOMES)})
        show = form.get("show") == "1"
        cookie, token, _ = await quick_login(request, kind, form.get(kind) or None, show)
        response = web.HTTPSeeOther(local_path(form.get("next"), HOMES[kind]))
        set_session_cookie(response, cookie, token)
        return response

    return await _acting(request, act)


@routes.post("/console/faults/{name}")
@operator_only
async def fault_form(request: web.Request) -> web.StreamResponse:
    """Switch a fault on (with its seconds, for a slow responder) or off, by the fault API."""
    form = await checked_form(request)
    name = request.match_info["name"]

    async def act() -> web.HTTPSeeOther:
        path = f"/api/v1/faults/{name}"
        if form.get("on") == "1":
            body: dict[str, Any] = {"on": True}
            if form.get("seconds"):
                body["seconds"] = _seconds(form["seconds"])
            await call_api(request, "PUT", path, body)
        else:
            await call_api(request, "DELETE", path)
        return _back("fault", f"#fault-{name}")

    return await _acting(request, act)


@routes.post("/console/gateway/{service_id}")
@operator_only
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
            seconds = _seconds(form.get("seconds") or "5")
            await call_api(request, "PUT", path, {"kind": kind, "seconds": seconds})
        return _back("receiver", "#receivers")

    return await _acting(request, act)


def _seconds(text: str) -> float:
    """A form's seconds: a finite number, not negative; BAD_REQUEST otherwise."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value < float("inf"):
        raise EgovsimError("BAD_REQUEST", {"reason": "seconds must be a number", "seconds": text})
    return value


@routes.post("/console/caches")
@operator_only
async def caches_form(request: web.Request) -> web.StreamResponse:
    """Clear the verifier's CRL and OCSP caches."""
    await checked_form(request)

    async def act() -> web.HTTPSeeOther:
        await request.app[SIMULATOR].clear_caches_everywhere()
        return _back("caches", "#faults")

    return await _acting(request, act)


@routes.post("/console/sweep")
@operator_only
async def sweep_form(request: web.Request) -> web.StreamResponse:
    """The State Corporation's storage sweep now."""
    await checked_form(request)

    async def act() -> web.HTTPSeeOther:
        returned = await simulator_of(request).statecorp.returns.sweep()
        return web.HTTPSeeOther(f"/console?done=sweep&returned={len(returned)}#statecorp")

    return await _acting(request, act)
