"""The working calendar: which days the state bodies work, and when a step's term ends.

Every deadline in egovsim comes from `WorkingCalendar.deadline`. The calendar is pure: the
current time is never read here, every moment is passed in, and every answer is an aware UTC
datetime. Local reasoning (working hours, which day it is) happens in the calendar's zone,
Asia/Almaty by default (all of Kazakhstan is on UTC+5 since 1 March 2024; tzdata knows the
earlier UTC+6, so past dates come out right too).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from holidays import HolidayBase

from egovsim.regulations.model import Duration
from egovsim.regulations.moved_days import MovedDays, load_moved_days

#: The zone the state bodies' working hours are read in.
DEFAULT_ZONE: Final = "Asia/Almaty"

# A calendar without a working day for this long is broken data, not a long holiday: stop
# instead of searching forever.
_MAX_IDLE_DAYS: Final = 400
_SUBSTITUTED_REASON: Final = "Working day (its day off was moved to another date)"
_WEEKEND_NAMES: Final = {5: "Saturday", 6: "Sunday"}


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """A working day's hours and lunch break, local time in the calendar's zone.

    The defaults are the usual schedule of Kazakhstan's state bodies: 09:00-18:30 with lunch
    13:00-14:30, eight working hours. A lunch with `lunch_start == lunch_end` means no lunch.
    """

    start: time = time(9, 0)
    end: time = time(18, 30)
    lunch_start: time = time(13, 0)
    lunch_end: time = time(14, 30)

    def __post_init__(self) -> None:
        moments = (self.start, self.lunch_start, self.lunch_end, self.end)
        if any(moment.tzinfo is not None for moment in moments):
            raise ValueError("working hours are local times: give them without a zone")
        if not self.start < self.end:
            raise ValueError(f"the working day must end after it starts: {self.start}-{self.end}")
        if not self.start <= self.lunch_start <= self.lunch_end <= self.end:
            raise ValueError(
                f"lunch {self.lunch_start}-{self.lunch_end} must lie within the working day "
                f"{self.start}-{self.end}"
            )

    def periods(self) -> tuple[tuple[time, time], ...]:
        """The working periods of a day, in order: before lunch and after it."""
        spans = ((self.start, self.lunch_start), (self.lunch_end, self.end))
        return tuple((begin, end) for begin, end in spans if begin < end)


class _KazakhstanHolidays(Mapping[date, str]):
    """The `holidays` package's KZ calendar (public holidays and substituted days off),
    expanded a year at a time on lookup so that any year works.

    Iteration and length cover only the years looked up so far; the calendar only looks up.
    The package is loaded at the first lookup (a third of a second of a start otherwise).
    """

    def __init__(self) -> None:
        self._loaded: HolidayBase | None = None
        self._lock = threading.Lock()  # expansion mutates the package's dict

    @property
    def _calendar(self) -> HolidayBase:
        """The package's calendar; call it holding the lock."""
        if self._loaded is None:
            import holidays

            # en_US pins the names: the package's default language is Kazakh, and its
            # fallback depends on the environment.
            self._loaded = holidays.country_holidays("KZ", language="en_US")
        return self._loaded

    def load(self) -> None:
        """Load the package's calendar now (a start does it in the background)."""
        with self._lock:
            _ = self._calendar

    def __getitem__(self, day: date) -> str:
        with self._lock:
            name = self._calendar.get(day)
        if name is None:
            raise KeyError(day)
        return str(name)

    def __iter__(self) -> Iterator[date]:
        with self._lock:
            return iter(sorted(self._calendar.keys()))

    def __len__(self) -> int:
        with self._lock:
            return len(self._calendar)

    def is_substituted_working_day(self, day: date) -> bool:
        """Whether `day` is a weekend day the package says was made working (the day whose
        rest was moved, the `substituted from` date of a substituted day off)."""
        with self._lock:
            # A transfer is recorded in the year of the day off, which may be the next one
            # (2013-12-28 worked for 2014-01-03).
            for year in (day.year, day.year + 1):
                _ = date(year, 1, 1) in self._calendar  # looking up expands the year
            return day in self._calendar.weekend_workdays

    def substituted_working_days(self) -> list[date]:
        """The substituted working days of the years expanded so far."""
        with self._lock:
            return sorted(self._calendar.weekend_workdays)


class _KazakhstanWorkingDays(Mapping[date, str]):
    """Moved working days: the listed ones, then those the `holidays` package implies."""

    def __init__(self, listed: Mapping[date, str], source: _KazakhstanHolidays) -> None:
        self._listed = listed
        self._source = source

    def __getitem__(self, day: date) -> str:
        if day in self._listed:
            return self._listed[day]
        if self._source.is_substituted_working_day(day):
            return _SUBSTITUTED_REASON
        raise KeyError(day)

    def __iter__(self) -> Iterator[date]:
        return iter(sorted(set(self._listed) | set(self._source.substituted_working_days())))

    def __len__(self) -> int:
        return len(set(self._listed) | set(self._source.substituted_working_days()))


class WorkingCalendar:
    """Working days and working hours of the state bodies, and the deadlines they give.

    A day is a working day unless it is a moved day off, a public holiday or day off (the
    `holidays` mapping), or a Saturday or Sunday that was not moved to a working day. Moved
    days win over the holidays mapping because they are the later, specific act.
    """

    def __init__(
        self,
        holidays: Mapping[date, str],
        moved: MovedDays | None = None,
        hours: WorkingHours | None = None,
        zone: ZoneInfo | None = None,
    ) -> None:
        self._holidays = holidays
        self._moved = moved if moved is not None else MovedDays()
        self._hours = hours if hours is not None else WorkingHours()
        self._zone = zone if zone is not None else ZoneInfo(DEFAULT_ZONE)

    @classmethod
    def kazakhstan(
        cls, moved_days: Path | None = None, hours: WorkingHours | None = None
    ) -> WorkingCalendar:
        """Kazakhstan's calendar: the `holidays` package's KZ holidays and substituted days off
        (any year, expanded on lookup), the working weekend days those substitutions imply
        (derived from the package, not listed), and the moved days of `moved_days`
        (default: the shipped `moved_days.yaml`)."""
        source = _KazakhstanHolidays()
        listed = load_moved_days(moved_days)
        moved = MovedDays(
            days_off=listed.days_off,
            working_days=_KazakhstanWorkingDays(listed.working_days, source),
        )
        return cls(source, moved, hours)

    def load(self) -> None:
        """Load what lookups would load at their first use (a start does it in the
        background, after it listens)."""
        if isinstance(self._holidays, _KazakhstanHolidays):
            self._holidays.load()

    @property
    def hours(self) -> WorkingHours:
        """The working hours of every working day."""
        return self._hours

    @property
    def zone(self) -> ZoneInfo:
        """The zone working hours are read in."""
        return self._zone

    @property
    def moved(self) -> MovedDays:
        """The moved days in force."""
        return self._moved

    def is_working_day(self, day: date) -> bool:
        """Whether the state bodies work on `day`."""
        return self.day_off_reason(day) is None

    def day_off_reason(self, day: date) -> str | None:
        """Why `day` is not a working day (the holiday's name, the moved day's reason,
        "Saturday" or "Sunday"), or None when it is one."""
        if isinstance(day, datetime):
            # A datetime is a date, but which date depends on the zone: make the caller say.
            raise TypeError("pass a date; for a moment use moment.astimezone(calendar.zone)")
        reason = self._moved.days_off.get(day)
        if reason is not None:
            return reason
        if day in self._moved.working_days:
            return None
        reason = self._holidays.get(day)
        if reason is not None:
            return reason
        return _WEEKEND_NAMES.get(day.weekday())

    def next_working_moment(self, moment: datetime) -> datetime:
        """`moment` itself when it falls in working time, else the start of the next working
        period (after lunch, or the next working day's morning); aware UTC."""
        begin, _ = next(self._periods_from(_aware(moment)))
        return max(begin, moment.astimezone(UTC))

    def deadline(self, start: datetime, duration: Duration) -> datetime:
        """When a step started at `start` must be done, as an aware UTC datetime.

        - minutes and hours count working time only: within working hours of working days,
          lunch skipped; a start outside working time begins at the next working moment.
          Short terms (register in 15 minutes, review in 2 hours) are terms for staff at
          work, so time when nobody works cannot be spent. A term that ends exactly at the
          end of the day ends then, not next morning.
        - N working days: the day the step starts does not count (the seed for the State
          Corporation: "the day of acceptance does not count in the term"); the term ends at
          the end of working hours of the N-th working day after it. A start outside working
          time (a day off, or after hours) counts as a start at the next working moment, as
          the service standards treat an application made after hours or on a day off as
          received on the next working day; so that day does not count either.
        - N calendar days: every day counts; the term ends at the end of working hours of the
          day `start date + N` (the Civil Code: a term runs from the day after its event, and
          an act to be done at an organization must be done before it closes). If that day is
          not a working day, the term ends at the end of the next working day: the Civil
          Code's rule for a term whose last day falls on a non-working day (General Part,
          chapter "Calculation of terms").
        """
        moment = _aware(start)
        if duration.amount < 0:
            raise ValueError(f"a term cannot be negative: {duration}")
        match duration.unit:
            case "minutes":
                return self._add_working_time(moment, timedelta(minutes=duration.amount))
            case "hours":
                return self._add_working_time(moment, timedelta(hours=duration.amount))
            case "working_days":
                day = self._local_date(self.next_working_moment(moment))
                for _ in range(duration.amount):
                    day = self._working_day_from(day + timedelta(days=1))
                return self._end_of(day)
            case "calendar_days":
                last = self._local_date(moment) + timedelta(days=duration.amount)
                return self._end_of(self._working_day_from(last))
            case _:
                raise ValueError(f"unknown duration unit {duration.unit!r}")

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """The working time from `a` to `b` (zero when `b` is not after `a`): how much of a
        term has been used."""
        begin, end = _aware(a).astimezone(UTC), _aware(b).astimezone(UTC)
        total = timedelta(0)
        if end <= begin:
            return total
        day, last = self._local_date(begin), self._local_date(end)
        while day <= last:
            for period_start, period_end in self._periods(day):
                overlap = min(period_end, end) - max(period_start, begin)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def _add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        remaining = amount
        moment = start.astimezone(UTC)
        for period_start, period_end in self._periods_from(start):
            cursor = max(period_start, moment)
            available = period_end - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        raise AssertionError("unreachable: _periods_from never ends")  # pragma: no cover

    def _periods_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working periods (UTC) that end after `moment`, in order, without end."""
        instant = moment.astimezone(UTC)
        day = self._local_date(instant)
        idle = 0
        while True:
            periods = self._periods(day)
            idle = 0 if periods else idle + 1
            if idle > _MAX_IDLE_DAYS:
                raise ValueError(f"no working day in the {_MAX_IDLE_DAYS} days before {day}")
            for begin, end in periods:
                if end > instant:
                    yield begin, end
            day += timedelta(days=1)

    def _periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of `day` as UTC instants (none on a day off).

        UTC, so that lengths are real elapsed time whatever the zone's offset changes do."""
        if not self.is_working_day(day):
            return []
        return [
            (self._instant(day, begin), self._instant(day, end))
            for begin, end in self._hours.periods()
        ]

    def _working_day_from(self, day: date) -> date:
        """`day` if it is a working day, else the next working day."""
        for offset in range(_MAX_IDLE_DAYS + 1):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day in the {_MAX_IDLE_DAYS} days from {day}")

    def _end_of(self, day: date) -> datetime:
        return self._instant(day, self._hours.end)

    def _instant(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self._zone).astimezone(UTC)

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(self._zone).date()


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a moment must carry its zone (got the naive {moment.isoformat()})")
    return moment
