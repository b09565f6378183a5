"""`/api/v1/console/tours/...`: the guided tours stepped one at a time, each started from what
it needs whatever ran before (its accounts without failed logins, every switch off, the
verifier's caches empty), as a refusal's "try it" is."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from egovsim.console.prepare import needs_of, prepare_accounts, switches_off
from egovsim.console.tour import Tour, TourRun, shipped_tours
from egovsim.errors import EgovsimError
from egovsim.pki.personas import load_personas
from egovsim.scenarios.actors import ActorError, Http
from egovsim.scenarios.model import Scenario
from egovsim.storage.accounts import AccountStore
from egovsim.web.common.keys import CONSOLE, SIMULATOR
from egovsim.web.common.models import answer
from egovsim.web.common.openapi import api
from egovsim.web.common.operator import operator_only
from egovsim.web.trainer.console_forms import own_address
from egovsim.web.trainer.console_models import ConsoleTour, ConsoleTours

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
@api(response=ConsoleTours)
async def list_tours(request: web.Request) -> web.Response:
    """The guided tours, each step with its narration in kk, ru and en; the one under way
    with its steps' outcomes."""
    tours = shipped_tours().values()
    return answer(ConsoleTours(tours=[ConsoleTour.of(t, current_run(request, t)) for t in tours]))


@routes.post("/api/v1/console/tours/{tour}/start")
@operator_only
@api(response=ConsoleTour, parameters=_TOUR_PARAMETERS)
async def start(request: web.Request) -> web.Response:
    """Start a tour from its beginning ("back to start"): the simulator's clock moves to where
    it starts; no step is done yet."""
    tour = find_tour(request.match_info["tour"])
    return answer(ConsoleTour.of(tour, await start_tour(request, tour)))


@routes.post("/api/v1/console/tours/{tour}/next")
@operator_only
@api(response=ConsoleTour, parameters=_TOUR_PARAMETERS)
async def next_(request: web.Request) -> web.Response:
    """Do the tour's next step through the simulator's public interfaces, as a scenario step;
    the answer has its outcome and where the room sees it (`sight`)."""
    tour = find_tour(request.match_info["tour"])
    return answer(ConsoleTour.of(tour, await next_step(request, tour)))
