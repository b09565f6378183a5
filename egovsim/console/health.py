"""What the console finds wrong with the simulator it shows, read without ever failing: the
clock (it may stand beyond what a date can hold) and any part of the state that cannot be read
(a failing store); and the bounds a console move of the clock must stay within."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from egovsim.clock import Clock, utcnow

log = logging.getLogger("egovsim.console")
T = TypeVar("T")

#: How far from real time the console moves the clock: a century either way holds every
#: certificate, deadline and calendar the simulator has, with room for any demonstration.
REACH = timedelta(days=36525)
#: Whatever a part of the state raises while it is read for the console: a failing store
#: (sqlite3, aiosqlite), a clock beyond dates (OverflowError), a file gone (OSError).
UNREADABLE: tuple[type[BaseException], ...] = (Exception,)


@dataclass(frozen=True, slots=True)
class ClockReading:
    """The clock as the console shows it: its time (None when it cannot be told), how it is
    set, and what is wrong with it."""

    now: datetime | None
    local: datetime | None
    mode: str
    frozen_at: datetime | None
    offset: timedelta
    problem: str | None = None

    @property
    def far(self) -> bool:
        """The clock stands beyond the console's reach of real time."""
        return self.problem is not None


def read_clock(clock: Clock, zone: ZoneInfo, real_now: datetime | None = None) -> ClockReading:
    """Read `clock` in `zone`; a time beyond what a date holds, or beyond the console's reach
    of real time, is a problem named in words rather than an exception."""
    mode, frozen_at, offset = clock.mode, clock.frozen_at, clock.offset
    try:
        now = clock.now()
        local = now.astimezone(zone)
    except (OverflowError, ValueError):
        where = frozen_at.isoformat() if frozen_at is not None else f"{offset.days} days ahead"
        problem = f"the clock stands beyond what a date can hold ({where})"
        return ClockReading(None, None, mode, frozen_at, offset, problem)
    reason = out_of_reach(now, real_now)
    return ClockReading(now, local, mode, frozen_at, offset, reason)


def out_of_reach(moment: datetime, real_now: datetime | None = None) -> str | None:
    """Why `moment` is too far from real time for the console, or None when it is within."""
    real = real_now if real_now is not None else utcnow()
    if abs(moment - real) <= REACH:
        return None
    return (
        f"{moment.isoformat()} is more than {REACH.days // 365} years from the real time "
        f"({real.date().isoformat()})"
    )


def moved(now: datetime, delta: timedelta, real_now: datetime | None = None) -> datetime:
    """Where a move of `delta` from `now` lands; ValueError when a date cannot hold it or it is
    beyond the console's reach of real time (checked before anything changes)."""
    try:
        target = now + delta
    except OverflowError:
        raise ValueError("the move goes beyond what a date can hold") from None
    reason = out_of_reach(target, real_now)
    if reason is not None:
        raise ValueError(reason)
    return target


@dataclass(frozen=True, slots=True)
class Trouble:
    """A part of the state the console could not read, and why."""

    part: str
    reason: str


@dataclass
class Troubles:
    """The troubles found while the console's page was gathered: each part read in `read` is
    shown as empty when it fails, and the failure is listed instead of failing the page."""

    found: list[Trouble] = field(default_factory=list)

    def note(self, part: str, reason: str) -> None:
        """Record a trouble found another way (the clock's reading)."""
        self.found.append(Trouble(part, reason))

    async def read(self, part: str, reading: Callable[[], Awaitable[T]], empty: T) -> T:
        """`await reading()`, or `empty` with the failure noted."""
        try:
            return await reading()
        except UNREADABLE as error:
            log.warning("the console cannot read %s: %r", part, error)
            self.found.append(Trouble(part, describe(error)))
            return empty

    def __bool__(self) -> bool:
        return bool(self.found)


def describe(error: BaseException) -> str:
    """An exception in a line: its kind and its message."""
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
