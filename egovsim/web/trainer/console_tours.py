"""`/api/v1/console/tours/...`: the guided tours stepped one at a time, each started from what
it needs whatever ran before (its accounts without failed logins, every switch off, the
verifier's caches empty), as a refusal's "try it" is."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from egovsim.console.prepare import needs_of, prepare_accounts, switches_off
from egovsim.console.tour import Sight, Tour, TourRun, shipped_tours
from egovsim.errors import LANGUAGES, EgovsimError
from egovsim.pki.personas import load_personas
from egovsim.scenarios.actors import ActorError, Http
from egovsim.scenarios.model import Scenario
from egovsim.storage.accounts import AccountStore
from egovsim.web.common.i18n import word
from egovsim.web.common.keys import CONSOLE, SIMULATOR
from egovsim.web.common.openapi import WORDS, api, component
from egovsim.web.common.operator import operator_only
from egovsim.web.trainer.console_forms import own_address

routes = web.RouteTableDef()


async def prepare_run(app: web.Application, scenario: Scenario, http: Http) -> list[str]:
    """Set what `scenario` needs of this simulator, so what ran before cannot change its
    outcome: every switch off (through the fault APIs, at `http`), its accounts without failed
    logins or a lock and free to register again, the verifier's caches empty; what was done."""
    done = await switches_off(http)
    personas = load_personas(app[SIMULATOR].settings.certs_dir)
    done += await prepare_accounts(
        AccountStore(app[SIMULATOR].database), needs_of(scenario, personas)
    )
    app[SIMULATOR].clear_caches()
    return done


def preparation(app: web.Application, scenario: Scenario) -> Callable[[Http], Awaitable[list[str]]]:
    """`prepare_run` for `scenario`, to be called by a run with its own `Http`."""

    async def prepare(http: Http) -> list[str]:
        return await prepare_run(app, scenario, http)

    return prepare


def words(msgid: str) -> dict[str, str]:
    """A word of the catalogs in every language."""
    return {lang: word(msgid, lang) for lang in LANGUAGES}


def tour_json(tour: Tour, run: TourRun | None = None) -> dict[str, Any]:
    """A tour with its steps' narrations, and how far it went when it is the one under way."""
    steps = []
    for position, step in enumerate(tour.scenario.steps):
        shown: dict[str, Any] = {
            "name": step.name,
            "kind": step.kind,
            "narration": words(tour.narration_msgid(step)),
            "expected_refusal": step.refused.code if step.refused else None,
            "outcome": None,
        }
        if run is not None and position < len(run.outcomes):
            shown["outcome"] = run.outcomes[position].to_json()
            shown["sight"] = sight_json(run.sights[position])
        steps.append(shown)
    state = run.state if run is not None else None
    return {
        "id": tour.id,
        "title": words(tour.title_msgid()),
        "total": len(tour.scenario.steps),
        "position": run.position if run is not None else None,
        "finished": run.finished if run is not None else None,
        "application": state.application if state is not None else None,
        "provider_application": state.provider_application if state is not None else None,
        "package": state.package if state is not None else None,
        "prepared": run.prepared if run is not None else None,
        "steps": steps,
    }


def sight_json(sight: Sight | None) -> dict[str, Any] | None:
    """Where the room sees a step's effect, and who the trainer signs in as to see it."""
    if sight is None:
        return None
    who = {"kind": sight.who[0], "id": sight.who[1]} if sight.who else None
    return {"path": sight.path, "who": who}


TOUR = component(
    "ConsoleTour",
    {
        "type": "object",
        "description": "A guided tour: each step a narration and one action; with `position` "
        "and each done step's outcome when it is the tour under way.",
        "required": ["id", "title", "total", "position", "finished", "steps"],
        "properties": {
            "id": {"type": "string"},
            "title": WORDS,
            "total": {"type": "integer"},
            "position": {"type": ["integer", "null"]},
            "finished": {"type": ["boolean", "null"]},
            "application": {"type": ["integer", "null"]},
            "provider_application": {"type": ["integer", "null"]},
            "package": {"type": ["integer", "null"]},
            "prepared": {
                "type": ["array", "null"],
                "description": "What the tour's start set so earlier runs cannot change its "
                "outcome: accounts' failed logins forgotten, switches off.",
                "items": {"type": "string"},
            },
            "steps": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "kind", "narration", "outcome"],
                    "properties": {
                        "name": {"type": "string"},
                        "kind": {"type": "string"},
                        "narration": WORDS,
                        "expected_refusal": {"type": ["string", "null"]},
                        "outcome": {"type": ["object", "null"]},
                        "sight": {"type": ["object", "null"]},
                    },
                },
            },
        },
    },
)


def find_tour(tour_id: str) -> Tour:
    """A shipped tour by its id; NOT_FOUND otherwise."""
    tours = shipped_tours()
    if tour_id not in tours:
        raise EgovsimError("NOT_FOUND", {"tour": tour_id, "known": list(tours)})
    return tours[tour_id]


async def start_tour(request: web.Request, tour: Tour) -> TourRun:
    """(Re)start `tour`: the one under way ends, what the tour needs is prepared (its accounts,
    the switches, the caches), the simulator's clock goes to the tour's start. CONSOLE_BUSY
    while a run is under way."""
    app = request.app
    state = app[CONSOLE]
    settings = app[SIMULATOR].settings
    async with state.exclusive(f"tour {tour.id}"):
        await state.end_tour()
        run = TourRun(
            tour,
            own_address(request),
            settings.certs_dir,
            settings.persona_password,
            app[SIMULATOR].calendar,
            settings.operator_token,
        )
        http = Http(own_address(request), settings.operator_token)
        try:
            async with asyncio.timeout(state.step_seconds):
                run.prepared = await prepare_run(app, tour.scenario, http)
                await run.start()
        except (ActorError, TimeoutError) as error:
            await run.close()
            raise EgovsimError(
                "INTERNAL_ERROR", {"tour": tour.id, "reason": f"the tour cannot start: {error}"}
            ) from None
        finally:
            await http.close()
        state.tour = run
    return run


async def next_step(request: web.Request, tour: Tour) -> TourRun:
    """Do the next step of `tour` (started first if it is not the one under way)."""
    state = request.app[CONSOLE]
    run = state.tour
    if run is None or run.tour.id != tour.id:
        run = await start_tour(request, tour)
    if run.finished:
        return run
    async with state.exclusive(f"tour {tour.id}"):
        try:
            async with asyncio.timeout(state.step_seconds):
                await run.next()
        except TimeoutError:
            run.interrupt(f"stopped after {state.step_seconds:g} s")
    return run


def current_run(request: web.Request, tour: Tour) -> TourRun | None:
    """The run of `tour` if it is the one under way."""
    run = request.app[CONSOLE].tour
    return run if run is not None and run.tour.id == tour.id else None


_TOUR_PARAMETERS = {"tour": {"type": "string", "examples": ["happy-path", "refusal-revoked"]}}


@routes.get("/api/v1/console/tours")
@operator_only
@api(response={"type": "object", "properties": {"tours": {"type": "array", "items": TOUR}}})
async def list_tours(request: web.Request) -> web.Response:
    """The guided tours, each step with its narration in kk, ru and en; the one under way
    with its steps' outcomes."""
    return web.json_response(
        {
            "tours": [
                tour_json(tour, current_run(request, tour)) for tour in shipped_tours().values()
            ]
        }
    )


@routes.post("/api/v1/console/tours/{tour}/start")
@operator_only
@api(response=TOUR, parameters=_TOUR_PARAMETERS)
async def start(request: web.Request) -> web.Response:
    """Start a tour from its beginning ("back to start"): the simulator's clock moves to where
    it starts; no step is done yet."""
    tour = find_tour(request.match_info["tour"])
    return web.json_response(tour_json(tour, await start_tour(request, tour)))


@routes.post("/api/v1/console/tours/{tour}/next")
@operator_only
@api(response=TOUR, parameters=_TOUR_PARAMETERS)
async def next_(request: web.Request) -> web.Response:
    """Do the tour's next step through the simulator's public interfaces, as a scenario step;
    the answer has its outcome and where the room sees it (`sight`)."""
    tour = find_tour(request.match_info["tour"])
    return web.json_response(tour_json(tour, await next_step(request, tour)))
