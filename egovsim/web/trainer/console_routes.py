"""`/api/v1/console/...`: the trainer's console: what it shows, a jump of the clock to a day,
the reset to a clean demo, clearing the verifier's caches, the State Corporation's storage
sweep (the quick logins are `console_logins`, the guided tours `console_tours`).

The clock's other moves are the clock API's (`/api/v1/clock`), the fault switches the fault
API's (`/api/v1/faults`, `/api/v1/gateway/routes/{id}/fault`); the console's page uses them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from egovsim.console.clock_moves import jump_target, parse_clock_time
from egovsim.console.health import ClockReading, Trouble, Troubles, out_of_reach, read_clock
from egovsim.console.state import ConsoleState
from egovsim.console.tour import Tour, shipped_tours
from egovsim.errors import EgovsimError
from egovsim.storage.faults import FAULT_NAMES
from egovsim.storage.reset import Emptied
from egovsim.web.common.keys import (
    CONSOLE,
    SIMULATOR,
    simulator_of,
)
from egovsim.web.common.models import answer, read_body
from egovsim.web.common.openapi import api
from egovsim.web.common.operator import operator_only
from egovsim.web.gateway.operator_models import GatewayRoute
from egovsim.web.offices.statecorp_models import StatecorpPackage
from egovsim.web.trainer.clock import clock_changed, clock_of
from egovsim.web.trainer.clock_models import Clock
from egovsim.web.trainer.console_logins import people_of
from egovsim.web.trainer.console_models import (
    ConsoleCachesCleared,
    ConsoleClockJump,
    ConsoleOverview,
    ConsolePeople,
    ConsoleReceiverKind,
    ConsoleReset,
    ConsoleSweep,
    ConsoleSwitch,
    ConsoleTour,
    ConsoleTrouble,
)
from egovsim.web.trainer.faults import switch_of

routes = web.RouteTableDef()


async def console_state(app: web.Application) -> AsyncIterator[None]:
    """The console's state for the app's life; a tour under way is ended with the app."""
    app[CONSOLE] = ConsoleState(app[SIMULATOR].run_locks)
    yield
    await app[CONSOLE].end_tour()


# -- what the console shows ---------------------------------------------------------------------


def switches_of(app: web.Application) -> list[ConsoleSwitch]:
    """Every named switch as `GET /api/v1/faults` shows it, with the refusals it leads to."""
    faults = app[SIMULATOR].faults.current
    return [ConsoleSwitch.with_codes(switch_of(name, faults)) for name in FAULT_NAMES]


async def receivers_of(app: web.Application) -> list[GatewayRoute]:
    """Every gateway route with its fault."""
    return [GatewayRoute.of(route) for route in await app[SIMULATOR].gateway_store.routes()]


@dataclass(frozen=True)
class ConsoleParts:
    """What the console shows, each part read on its own: the clock (None when it cannot be
    told), the switches, the receivers, who can be signed in as, the tours; and what could not
    be read (those parts are empty)."""

    reading: ClockReading
    clock: Clock | None
    switches: list[ConsoleSwitch]
    receivers: list[GatewayRoute]
    people: ConsolePeople
    tours: list[Tour]
    troubles: list[Trouble]


async def console_parts(app: web.Application) -> ConsoleParts:
    """Read what the console shows without failing, whatever state the simulator is in."""
    troubles = Troubles()
    sim = app[SIMULATOR]
    reading = read_clock(sim.clock, sim.calendar.zone)
    if reading.problem is not None:
        troubles.note("clock", reading.problem)

    async def clock() -> Clock | None:
        return clock_of(app) if reading.now is not None else None

    async def switches() -> list[ConsoleSwitch]:
        return switches_of(app)

    async def people() -> ConsolePeople:
        return people_of(app)

    async def tours() -> list[Tour]:
        return list(shipped_tours().values())

    return ConsoleParts(
        reading,
        await troubles.read("clock", clock, None),
        await troubles.read("faults", switches, []),
        await troubles.read("receivers", lambda: receivers_of(app), []),
        await troubles.read("logins", people, ConsolePeople(personas=[], staff=[], operators=[])),
        await troubles.read("tours", tours, []),
        troubles.found,
    )


@routes.get("/api/v1/console")
@operator_only
@api(response=ConsoleOverview)
async def overview(request: web.Request) -> web.Response:
    """Everything the console shows: the clock, every fault switch with the refusals it leads
    to, the gateway's receivers, who the trainer can sign in as, the tours, what runs now.
    Whatever state the simulator is in it answers: what cannot be read is in `troubles`."""
    app = request.app
    state = app[CONSOLE]
    current = app[SIMULATOR].keyring.current
    parts = await console_parts(app)
    return answer(
        ConsoleOverview(
            clock=parts.clock,
            faults=parts.switches,
            receivers=parts.receivers,
            receiver_kinds=ConsoleReceiverKind.every(),
            people=parts.people,
            tours=[ConsoleTour.of(tour) for tour in parts.tours],
            troubles=[ConsoleTrouble(part=t.part, reason=t.reason) for t in parts.troubles],
            tour=state.tour.tour.id if state.tour is not None else None,
            ncalayer_persona=current.id if current is not None else None,
            busy=await state.busy_anywhere(),
        )
    )


# -- the clock ----------------------------------------------------------------------------------


async def save_clock(app: web.Application) -> None:
    """Remember the clock's setting and run what fell due, as the clock API does."""
    await clock_changed(app)


async def jump(app: web.Application, day: Any, at: Any) -> None:
    """Move the clock to `day` (MM-DD: the next one; or YYYY-MM-DD) at `at` local time (10:00
    unless given), frozen or running as it is; CLOCK_CHANGE_INVALID for what is not a day."""
    if not isinstance(day, str) or not (at is None or isinstance(at, str)):
        raise EgovsimError("CLOCK_CHANGE_INVALID", {"date": day, "time": at})
    sim = app[SIMULATOR]
    try:
        moment = jump_target(sim.clock.now(), sim.calendar.zone, day, parse_clock_time(at))
        reason = out_of_reach(moment)
    except (ValueError, OverflowError) as error:
        reason = str(error)
    if reason is not None:
        raise EgovsimError("CLOCK_CHANGE_INVALID", {"date": day, "reason": reason})
    try:
        sim.clock.set(moment)  # ClockRangeError beyond the clock's range, nothing changed
    except ValueError as error:
        raise EgovsimError("CLOCK_CHANGE_INVALID", {"date": day, "reason": str(error)}) from None
    await save_clock(app)


@routes.post("/api/v1/console/clock/jump")
@operator_only
@api(request=ConsoleClockJump, response=Clock)
async def jump_clock(request: web.Request) -> web.Response:
    """Jump to a day: `{"date": "08-15"}` is the next 15 August at 10:00 Almaty time (a
    working morning); `"2027-08-15"` that very day; `"time": "HH:MM"` another hour. The clock
    stays frozen or running as it was. Every other move is `POST /api/v1/clock`."""
    body = await read_body(request, ConsoleClockJump)
    await jump(request.app, body.date, body.time)
    return answer(clock_of(request.app))


# -- the reset ----------------------------------------------------------------------------------


async def reset_app(app: web.Application) -> Emptied:
    """Reset the simulator to a clean demo (`Simulator.reset`) with no tour under way;
    CONSOLE_BUSY while a run is under way."""
    state = app[CONSOLE]
    async with state.exclusive("reset"):
        await state.end_tour()
        return await app[SIMULATOR].reset()


@routes.post("/api/v1/console/reset")
@operator_only
@api(response=ConsoleReset)
async def reset(request: web.Request) -> web.Response:
    """Reset to a clean demo: every application, message, package, session and fault switch
    gone, the demo accounts, staff and centres seeded again, the clock back on real time;
    the NCALayer key set and the verifier's caches as at start. `egovsim reset` does the same
    to a stopped simulator's data directory."""
    emptied = await reset_app(request.app)
    return answer(ConsoleReset(removed=emptied.rows, clock=clock_of(request.app)))


# -- caches and the sweep -----------------------------------------------------------------------


@routes.post("/api/v1/console/caches/clear")
@operator_only
@api(response=ConsoleCachesCleared)
async def clear_caches(request: web.Request) -> web.Response:
    """Forget the CRLs and OCSP answers the verifier keeps until their nextUpdate (and every
    other cache of `Simulator.clear_caches`), so a fault switched on or off takes effect at
    the next check rather than when they expire; in every instance on the database."""
    await request.app[SIMULATOR].clear_caches_everywhere()
    return answer(ConsoleCachesCleared())


@routes.post("/api/v1/console/sweep")
@operator_only
@api(response=ConsoleSweep)
async def sweep(request: web.Request) -> web.Response:
    """The State Corporation's storage sweep now (as `POST /api/v1/statecorp/sweep`, without
    an operator's session): results uncollected for a month go back to the provider."""
    returned = await simulator_of(request).statecorp.returns.sweep()
    return answer(ConsoleSweep(returned=[StatecorpPackage.of(view) for view in returned]))
