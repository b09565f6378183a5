"""`/api/v1/console/...`: the trainer's console: what it shows, a jump of the clock to a day,
the reset to a clean demo, clearing the verifier's caches, the State Corporation's storage
sweep (the quick logins are `console_logins`, the guided tours `console_tours`).

The clock's other moves are the clock API's (`/api/v1/clock`), the fault switches the fault
API's (`/api/v1/faults`, `/api/v1/gateway/routes/{id}/fault`); the console's page uses them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

from aiohttp import web
from pydantic import Field

from egovsim.console.clock_moves import jump_target, parse_clock_time
from egovsim.console.faults import codes_for_switch
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
from egovsim.web.common.models import RequestModel, read_body, shown
from egovsim.web.common.openapi import api, component
from egovsim.web.common.operator import operator_only
from egovsim.web.gateway.operator_models import FAULTS as RECEIVER_FAULTS
from egovsim.web.offices.statecorp_models import StatecorpPackage
from egovsim.web.trainer.clock import clock_changed, clock_json
from egovsim.web.trainer.console_logins import people_json
from egovsim.web.trainer.console_tours import TOUR, tour_json
from egovsim.web.trainer.faults import switch_json

routes = web.RouteTableDef()


async def console_state(app: web.Application) -> AsyncIterator[None]:
    """The console's state for the app's life; a tour under way is ended with the app."""
    app[CONSOLE] = ConsoleState(app[SIMULATOR].run_locks)
    yield
    await app[CONSOLE].end_tour()


# -- what the console shows ---------------------------------------------------------------------


def switches_json(app: web.Application) -> list[dict[str, Any]]:
    """Every named switch as `GET /api/v1/faults` shows it, with the refusals it leads to."""
    faults = app[SIMULATOR].faults.current
    return [{**switch_json(name, faults), "codes": codes_for_switch(name)} for name in FAULT_NAMES]


async def receivers_json(app: web.Application) -> list[dict[str, Any]]:
    """Every gateway route with its fault, and the refusals each kind of fault leads to."""
    return [
        {
            "service_id": route.service_id,
            "receiver": route.receiver,
            "provider": route.provider_id,
            "url": route.url,
            "fault": route.fault,
        }
        for route in await app[SIMULATOR].gateway_store.routes()
    ]


def receiver_kinds_json() -> list[dict[str, Any]]:
    """The kinds of a receiver's fault, each with the refusals it leads to."""
    return [
        {"kind": kind, "codes": codes_for_switch(f"gateway:{kind}")} for kind in RECEIVER_FAULTS
    ]


_CLOCK = {
    "type": "object",
    "required": ["now", "local", "mode", "working_day", "day_off"],
    "properties": {
        "now": {"type": "string", "format": "date-time"},
        "local": {"type": "string", "format": "date-time"},
        "mode": {"enum": ["frozen", "offset", "real"]},
        "working_day": {"type": "boolean"},
        "day_off": {"type": ["string", "null"]},
    },
}
CLOCK_STATE = component("ConsoleClock", _CLOCK)
OVERVIEW = component(
    "ConsoleOverview",
    {
        "type": "object",
        "required": ["clock", "faults", "receivers", "receiver_kinds", "people", "tours", "busy"],
        "properties": {
            "clock": {
                "anyOf": [CLOCK_STATE, {"type": "null"}],
                "description": "null when the clock cannot be told (see `troubles`).",
            },
            "troubles": {
                "type": "array",
                "description": "The parts of the state that could not be read, and why: they "
                "are shown empty. `POST /api/v1/console/reset` or a clock set back to now puts "
                "them right.",
                "items": {
                    "type": "object",
                    "required": ["part", "reason"],
                    "properties": {"part": {"type": "string"}, "reason": {"type": "string"}},
                },
            },
            "faults": {"type": "array", "items": {"type": "object"}},
            "receivers": {"type": "array", "items": {"type": "object"}},
            "receiver_kinds": {"type": "array", "items": {"type": "object"}},
            "people": {"type": "object"},
            "tours": {"type": "array", "items": TOUR},
            "tour": {"type": ["string", "null"]},
            "ncalayer_persona": {"type": ["string", "null"]},
            "busy": {"type": ["string", "null"]},
        },
    },
)


@dataclass(frozen=True)
class ConsoleParts:
    """What the console shows, each part read on its own: the clock (None when it cannot be
    told), the switches, the receivers, who can be signed in as, the tours; and what could not
    be read (those parts are empty)."""

    reading: ClockReading
    clock: dict[str, Any] | None
    switches: list[dict[str, Any]]
    receivers: list[dict[str, Any]]
    people: dict[str, Any]
    tours: list[Tour]
    troubles: list[Trouble]


async def console_parts(app: web.Application) -> ConsoleParts:
    """Read what the console shows without failing, whatever state the simulator is in."""
    troubles = Troubles()
    sim = app[SIMULATOR]
    reading = read_clock(sim.clock, sim.calendar.zone)
    if reading.problem is not None:
        troubles.note("clock", reading.problem)

    async def clock() -> dict[str, Any] | None:
        return clock_json(app) if reading.now is not None else None

    async def switches() -> list[dict[str, Any]]:
        return switches_json(app)

    async def people() -> dict[str, Any]:
        return people_json(app)

    async def tours() -> list[Tour]:
        return list(shipped_tours().values())

    return ConsoleParts(
        reading,
        await troubles.read("clock", clock, None),
        await troubles.read("faults", switches, []),
        await troubles.read("receivers", lambda: receivers_json(app), []),
        await troubles.read("logins", people, {"personas": [], "staff": [], "operators": []}),
        await troubles.read("tours", tours, []),
        troubles.found,
    )


@routes.get("/api/v1/console")
@operator_only
@api(response=OVERVIEW)
async def overview(request: web.Request) -> web.Response:
    """Everything the console shows: the clock, every fault switch with the refusals it leads
    to, the gateway's receivers, who the trainer can sign in as, the tours, what runs now.
    Whatever state the simulator is in it answers: what cannot be read is in `troubles`."""
    app = request.app
    state = app[CONSOLE]
    current = app[SIMULATOR].keyring.current
    parts = await console_parts(app)
    return web.json_response(
        {
            "clock": parts.clock,
            "faults": parts.switches,
            "receivers": parts.receivers,
            "receiver_kinds": receiver_kinds_json(),
            "people": parts.people,
            "tours": [tour_json(tour) for tour in parts.tours],
            "troubles": [{"part": t.part, "reason": t.reason} for t in parts.troubles],
            "tour": state.tour.tour.id if state.tour is not None else None,
            "ncalayer_persona": current.id if current is not None else None,
            "busy": await state.busy_anywhere(),
        }
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


class ConsoleClockJump(RequestModel):
    """A day to jump to (MM-DD: the next one; or YYYY-MM-DD) and the hour, 10:00 unless
    given; anything else is CLOCK_CHANGE_INVALID."""

    refusal: ClassVar[str] = "CLOCK_CHANGE_INVALID"

    date: str = Field(examples=["08-15", "2027-08-15"])
    time: str | None = Field(default=None, examples=["10:00"])


@routes.post("/api/v1/console/clock/jump")
@operator_only
@api(request=ConsoleClockJump, response=CLOCK_STATE)
async def jump_clock(request: web.Request) -> web.Response:
    """Jump to a day: `{"date": "08-15"}` is the next 15 August at 10:00 Almaty time (a
    working morning); `"2027-08-15"` that very day; `"time": "HH:MM"` another hour. The clock
    stays frozen or running as it was. Every other move is `POST /api/v1/clock`."""
    body = await read_body(request, ConsoleClockJump)
    await jump(request.app, body.date, body.time)
    return web.json_response(clock_json(request.app))


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
@api(
    response={
        "type": "object",
        "required": ["reset", "removed", "clock"],
        "properties": {
            "reset": {"const": True},
            "removed": {
                "type": "object",
                "description": "The rows removed, by table.",
                "additionalProperties": {"type": "integer"},
            },
            "clock": CLOCK_STATE,
        },
    }
)
async def reset(request: web.Request) -> web.Response:
    """Reset to a clean demo: every application, message, package, session and fault switch
    gone, the demo accounts, staff and centres seeded again, the clock back on real time;
    the NCALayer key set and the verifier's caches as at start. `egovsim reset` does the same
    to a stopped simulator's data directory."""
    emptied = await reset_app(request.app)
    return web.json_response(
        {"reset": True, "removed": emptied.rows, "clock": clock_json(request.app)}
    )


# -- caches and the sweep -----------------------------------------------------------------------


@routes.post("/api/v1/console/caches/clear")
@operator_only
@api(
    response={
        "type": "object",
        "required": ["cleared"],
        "properties": {"cleared": {"const": True}},
    }
)
async def clear_caches(request: web.Request) -> web.Response:
    """Forget the CRLs and OCSP answers the verifier keeps until their nextUpdate (and every
    other cache of `Simulator.clear_caches`), so a fault switched on or off takes effect at
    the next check rather than when they expire; in every instance on the database."""
    await request.app[SIMULATOR].clear_caches_everywhere()
    return web.json_response({"cleared": True})


@routes.post("/api/v1/console/sweep")
@operator_only
@api(
    response={
        "type": "object",
        "required": ["returned"],
        "properties": {"returned": {"type": "array", "items": {"type": "object"}}},
    }
)
async def sweep(request: web.Request) -> web.Response:
    """The State Corporation's storage sweep now (as `POST /api/v1/statecorp/sweep`, without
    an operator's session): results uncollected for a month go back to the provider."""
    returned = await simulator_of(request).statecorp.returns.sweep()
    return web.json_response({"returned": [shown(StatecorpPackage.of(v)) for v in returned]})
