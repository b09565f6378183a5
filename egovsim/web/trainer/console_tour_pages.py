"""The trainer's guided tours as pages: `/console/tours/{tour}`, a tour stepped through in front
of a room, with the step to do next, where the room sees the last one, and the diagrams of the
tour's application lit as it stands."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from egovsim.console import logins
from egovsim.console.health import Troubles
from egovsim.console.live import StepOutcome
from egovsim.console.tour import Sight, Tour, TourRun
from egovsim.diagrams import Progress, portal_progress, progress, workstation_progress
from egovsim.errors import EgovsimError
from egovsim.pki.personas import load_personas
from egovsim.portal.applications import ApplicationDetail
from egovsim.portal.model import Applicant
from egovsim.web.common.keys import (
    CONSOLE,
    SIMULATOR,
)
from egovsim.web.common.operator import operator_only
from egovsim.web.common.render import render
from egovsim.web.portal.diagrams import diagram_view
from egovsim.web.trainer.console_forms import checked_form, form_token, with_token
from egovsim.web.trainer.console_tours import current_run, find_tour, next_step, start_tour
from egovsim.workstation.views import ApplicationView

routes = web.RouteTableDef()


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
    listing = logins.portal_personas(load_personas(app[SIMULATOR].settings.certs_dir))
    persona = next((p for p in listing if p["id"] == persona_id), None)
    if persona is None:
        return None
    legal = bool(persona.get("bin"))
    return await app[SIMULATOR].accounts.applicant(
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
        return await app[SIMULATOR].portal.application(applicant, state.application)
    except EgovsimError:
        return None  # gone with a reset, or another account's


async def _provider_application(app: web.Application, run: TourRun) -> ApplicationView | None:
    """The tour's application at the provider's workstation, as the staff member the room saw
    last sees it, once the staff have it."""
    state = run.state
    staff = _shown(run, "staff")
    if state is None or state.provider_application is None or not staff:
        return None
    member = await app[SIMULATOR].staff.staff_by_login(staff[0])
    if member is None:
        return None
    try:
        return await app[SIMULATOR].workstation.application(member, state.provider_application)
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
        found = app[SIMULATOR].regulations.get(ordered[0]) if ordered is not None else None
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
    # The diagrams read the clock and the stores: what fails is said, the page still renders.
    troubles = Troubles()
    nothing: list[dict[str, Any]] = []
    diagrams = await troubles.read("diagrams", lambda: tour_diagrams(request, tour, run), nothing)
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
        busy=await request.app[CONSOLE].busy_anywhere(),
        state=run.state if run is not None else None,
        diagrams=diagrams,
        troubles=troubles.found,
    )
    return with_token(request, response)


@routes.get("/console/tours/{tour}")
@operator_only
async def tour_page(request: web.Request) -> web.Response:
    """A guided tour: the step to do next with its narration, the last step's outcome and
    where the room sees it, the application's diagrams lit, every step with its state."""
    return await _tour_page(request, find_tour(request.match_info["tour"]))


@routes.post("/console/tours/{tour}/start")
@operator_only
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
@operator_only
async def tour_next(request: web.Request) -> web.StreamResponse:
    """Do the tour's next step."""
    await checked_form(request)
    tour = find_tour(request.match_info["tour"])
    try:
        await next_step(request, tour)
    except EgovsimError as error:
        return await _tour_page(request, tour, error)
    raise web.HTTPSeeOther(f"/console/tours/{tour.id}#now")
