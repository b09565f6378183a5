"""The trainer's clock moves that the clock API does not make itself: a jump to a day of the
year ("15 August": the next one, at 10:00 local time)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

#: The local time a jump lands at: a working morning, when the offices are open.
MORNING = time(10, 0)
_DAY = re.compile(r"(?:(\d{4})-)?(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")


def parse_day(text: str) -> tuple[int | None, int, int]:
    """`MM-DD` or `YYYY-MM-DD` as (year or None, month, day); ValueError for anything else."""
    match = _DAY.fullmatch(text.strip())
    if match is None:
        raise ValueError("give the day as MM-DD or YYYY-MM-DD")
    year = int(match.group(1)) if match.group(1) else None
    month, day = int(match.group(2)), int(match.group(3))
    date(year or 2024, month, day)  # a leap year: 02-29 is a day of some year
    return year, month, day


def parse_clock_time(text: str | None) -> time:
    """`HH:MM` as a time of day (MORNING when not given); ValueError otherwise."""
    if text is None or not text.strip():
        return MORNING
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError("give the time as HH:MM")
    return time(int(match.group(1)), int(match.group(2)))


def jump_target(now: datetime, zone: ZoneInfo, day_text: str, at: time = MORNING) -> datetime:
    """The moment of a jump: the day given at `at` local time; without a year, the next such
    day after `now` (today's, if its hour is still ahead)."""
    year, month, day = parse_day(day_text)
    local = now.astimezone(zone)
    if year is not None:
        return datetime.combine(date(year, month, day), at, tzinfo=zone)
    for candidate_year in range(local.year, local.year + 9):
        try:
            moment = datetime.combine(date(candidate_year, month, day), at, tzinfo=zone)
        except ValueError:  # 29 February of a common year
            continue
        if moment > local:
            return moment
    raise ValueError(f"no {month:02d}-{day:02d} ahead")
