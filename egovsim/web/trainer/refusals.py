"""The refusal catalogue as an API and a page: every refusal code, its step, its HTTP status or
SOAP fault, its words in kk, ru and en, and how to trigger it.

`GET /api/v1/refusals` lists every entry, `GET /api/v1/refusals/{code}` gives one, and
`/refusals` shows them as a table grouped by step, filterable by step. "Try it"
(`POST /api/v1/refusals/{code}/try`, and a button on the page) runs a shipped scenario that
reaches the refusal against the running simulator and shows each step's outcome.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from egovsim import errors
from egovsim.console.trial import Trial, run_trial
from egovsim.errors import CATALOGUE, LANGUAGES, EgovsimError
from egovsim.scenarios.index import scenarios_for
from egovsim.web.common.i18n import language
from egovsim.web.common.keys import CONSOLE, SIMULATOR
from egovsim.web.common.models import answer, shown
from egovsim.web.common.openapi import api
from egovsim.web.common.operator import operator_only
from egovsim.web.common.render import render
from egovsim.web.trainer.console_forms import checked_form, form_token, own_address, with_token
from egovsim.web.trainer.console_routes import save_clock
from egovsim.web.trainer.console_tours import preparation
from egovsim.web.trainer.refusal_models import Refusal, RefusalList, RefusalTrial

routes = web.RouteTableDef()

#: The order steps are shown in: the portal sequence first, then the systems behind it.
STEP_ORDER = (
    "C1",
    "P3",
    "P4",
    "C2",
    "P7",
    "C3",
    "P8",
    "P9",
    "workstation",
    "state_corporation",
    "gateway",
    "clock",
    "console",
    "HTTP",
)

STEP_PARAMETER = {
    "type": "string",
    "description": "Only the refusals of this step (C1, C2, C3, gateway, ...).",
}


def steps() -> list[str]:
    """Every step that has a refusal, in the order of the portal sequence."""
    known = {entry.step for entry in CATALOGUE.values()}
    ordered = [step for step in STEP_ORDER if step in known]
    return ordered + sorted(known - set(ordered))


def _chosen_step(request: web.Request) -> str | None:
    """The `?step=` filter; a step with no refusals is refused rather than shown empty."""
    step = request.query.get("step") or None
    if step is not None and step not in steps():
        raise EgovsimError("BAD_REQUEST", {"step": step, "known": steps()})
    return step


def _entries(step: str | None) -> list[errors.Refusal]:
    order = {name: position for position, name in enumerate(steps())}
    chosen = [e for e in CATALOGUE.values() if step is None or e.step == step]
    return sorted(chosen, key=lambda e: (order[e.step], e.code))


@routes.get("/api/v1/refusals")
@api(response=RefusalList, parameters={"step": STEP_PARAMETER})
async def list_refusals(request: web.Request) -> web.Response:
    """Every refusal egovsim can give, with its step, status or SOAP fault, words and trigger.

    `?step=C2` keeps the refusals of one step; an unknown step is BAD_REQUEST."""
    chosen = _entries(_chosen_step(request))
    return answer(RefusalList(refusals=[Refusal.of(entry) for entry in chosen]))


@routes.get("/api/v1/refusals/{code}")
@api(response=Refusal, parameters={"code": {"type": "string", "examples": ["CERT_EXPIRED"]}})
async def show_refusal(request: web.Request) -> web.Response:
    """One refusal of the catalogue by its code; an unknown code is NOT_FOUND."""
    code = request.match_info["code"]
    entry = CATALOGUE.get(code)
    if entry is None:
        raise EgovsimError("NOT_FOUND", {"code": code})
    return answer(Refusal.of(entry))


@routes.get("/refusals")
async def refusals_page(request: web.Request) -> web.Response:
    """The catalogue as a table grouped by step, with a filter by step and "try it"."""
    step = _chosen_step(request)
    lang = language(request)
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in _entries(step):
        groups.setdefault(entry.step, []).append(shown(Refusal.of(entry)))
    response = render(
        request,
        "refusals.html",
        groups=groups,
        steps=steps(),
        chosen_step=step,
        others=[other for other in LANGUAGES if other != lang],
        csrf=form_token(request),
    )
    return with_token(request, response)


# -- try it -------------------------------------------------------------------------------------


async def try_code(request: web.Request, code: str) -> Trial:
    """Run the shipped scenario written for `code` against this simulator at its own address,
    one run at a time (CONSOLE_BUSY) and bounded in time; the clock is put back as it was
    and the verifier's caches emptied after. NOT_FOUND for an unknown code or one that no
    shipped scenario reaches."""
    if code not in CATALOGUE:
        raise EgovsimError("NOT_FOUND", {"code": code})
    found = scenarios_for(code)
    if not found:
        raise EgovsimError(
            "NOT_FOUND", {"code": code, "reason": "no shipped scenario reaches this refusal"}
        )
    app = request.app
    sim, state = app[SIMULATOR], app[CONSOLE]
    settings, clock = sim.settings, sim.clock
    async with state.exclusive(f"try {code}"):
        frozen_at, offset = clock.frozen_at, clock.offset
        try:
            return await run_trial(
                code,
                found[0],
                own_address(request),
                settings.certs_dir,
                settings.persona_password,
                app[SIMULATOR].calendar,
                state.try_seconds,
                preparation(app, found[0].load()[1]),
                settings.operator_token,
            )
        finally:
            clock.restore(frozen_at, offset)
            await save_clock(app)
            # Answers cached while a switch was on must not outlive the run.
            app[SIMULATOR].clear_caches()


@routes.post("/api/v1/refusals/{code}/try")
@operator_only
@api(response=RefusalTrial, parameters={"code": {"type": "string", "examples": ["CERT_REVOKED"]}})
async def try_refusal(request: web.Request) -> web.Response:
    """Run the shipped scenario that reaches the refusal against this running simulator and
    answer each step's outcome with its evidence, and the refusal received.

    The scenario acts through the public interfaces as `egovsim scenario run --base-url`
    does, so what it creates (accounts it locks, applications) stays: reset the demo after.
    The clock is put back as it was, and so are the fault switches. One run at a time
    (CONSOLE_BUSY), stopped after the console's time limit (`timed_out`)."""
    trial = await try_code(request, request.match_info["code"])
    return answer(RefusalTrial.of(trial))


@routes.post("/refusals/{code}/try")
@operator_only
async def try_page(request: web.Request) -> web.Response:
    """The "try it" button: the run's outcome as a page."""
    await checked_form(request)
    code = request.match_info["code"]
    try:
        trial = await try_code(request, code)
    except EgovsimError as error:
        if error.code != "CONSOLE_BUSY":
            raise
        response = render(
            request,
            "console_try.html",
            error=error,
            status=error.http_status,
            code=code,
            trial=None,
            csrf=form_token(request),
        )
        return with_token(request, response)
    response = render(request, "console_try.html", code=code, trial=trial, csrf=form_token(request))
    return with_token(request, response)
