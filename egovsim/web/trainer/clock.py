"""`/api/v1/clock`: see the simulator's time, freeze it, let it run, move it forward."""

from __future__ import annotations

import logging
from datetime import timedelta

from aiohttp import web

from egovsim.clock import parse_time
from egovsim.errors import EgovsimError
from egovsim.web.common.keys import SIMULATOR, simulator_of
from egovsim.web.common.models import answer, read_body
from egovsim.web.common.openapi import api
from egovsim.web.common.operator import operator_only
from egovsim.web.trainer.clock_models import Clock as ClockAnswer
from egovsim.web.trainer.clock_models import ClockAdvance, ClockChange

log = logging.getLogger("egovsim")
routes = web.RouteTableDef()
UNITS = {"minutes": 60, "hours": 3600, "days": 86400}
#: More working days than the clock's whole range holds.
MAX_WORKING_DAYS = 100 * 366


def clock_of(app: web.Application) -> ClockAnswer:
    """The clock as the API and the console show it: UTC, local time, frozen or running, and
    whether today is a working day."""
    sim = app[SIMULATOR]
    clock, calendar = sim.clock, sim.calendar
    now = clock.now()
    local = now.astimezone(calendar.zone)
    return ClockAnswer(
        now=now,
        local=local,
        mode=clock.mode,  # type: ignore[arg-type]
        working_day=calendar.is_working_day(local.date()),
        day_off=calendar.day_off_reason(local.date()),
    )


@routes.get("/api/v1/clock")
@api(response=ClockAnswer)
async def show(request: web.Request) -> web.Response:
    """The simulator's time, in UTC and local time, and whether today is a working day."""
    return answer(clock_of(request.app))


@routes.post("/api/v1/clock")
@operator_only
@api(
    request=ClockChange,
    response=ClockAnswer,
    summary="Move, set, freeze or unfreeze the simulator's clock.",
)
async def change(request: web.Request) -> web.Response:
    """One change: `{"advance": {"minutes"|"hours"|"days"|"working_days": N}}`,
    `{"set": "2026-08-15T09:00:00+05:00"}`, `{"freeze": true}` or `{"freeze": false}`.

    The clock stands between 2000-01-01T00:00:00Z and 2099-12-31T23:59:59Z: a move beyond is
    refused CLOCK_CHANGE_INVALID and changes nothing."""
    body = await read_body(request, ClockChange)
    clock = simulator_of(request).clock
    try:
        if body.advance is not None:
            clock.advance(_advance(request, body.advance))
        elif body.set is not None:
            clock.set(parse_time(body.set))
        elif body.freeze:
            clock.freeze()
        else:
            clock.unfreeze()
    except ValueError as error:  # ClockRangeError too: the clock was not changed
        given = body.model_dump(exclude_none=True)
        raise EgovsimError("CLOCK_CHANGE_INVALID", given | {"reason": str(error)}) from None
    await clock_changed(request.app)
    return answer(clock_of(request.app))


async def clock_changed(app: web.Application) -> None:
    """After the clock moved: its setting is kept, so a restart keeps it, and what fell due
    happens now rather than when somebody looks: results uncollected for their month go back to
    the provider's storage (the State Corporation's sweep, which tells the provider)."""
    await app[SIMULATOR].clock_changed()


def _advance(request: web.Request, advance: ClockAdvance) -> timedelta:
    for unit, seconds in UNITS.items():
        amount = getattr(advance, unit)
        if amount is not None:
            try:
                return timedelta(seconds=seconds * amount)
            except OverflowError:
                raise EgovsimError("CLOCK_CHANGE_INVALID", {"reason": "past any date"}) from None
    working_days = advance.working_days or 0
    if working_days > MAX_WORKING_DAYS:
        raise EgovsimError("CLOCK_CHANGE_INVALID", {"reason": "past the clock's range"})
    calendar = simulator_of(request).calendar
    now = simulator_of(request).clock.now()
    local = now.astimezone(calendar.zone)
    day = local.date()
    for _ in range(working_days):
        day += timedelta(days=1)
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
    return local.replace(year=day.year, month=day.month, day=day.day) - local
