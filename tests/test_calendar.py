"""The working calendar: working days, working hours and the deadlines of the seeds' terms.

Every date here is data, fixed in the test, checked against the `holidays` package's KZ
calendar where a holiday matters; none depends on today.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from egovsim.regulations.calendar import WorkingCalendar, WorkingHours
from egovsim.regulations.model import Duration
from egovsim.regulations.moved_days import (
    MOVED_DAYS_FILE,
    MovedDays,
    MovedDaysError,
    load_moved_days,
)

ALMATY = ZoneInfo("Asia/Almaty")
#: A schedule ending at 18:00, for the "15 minutes from 17:55" case of the issue.
ENDS_AT_SIX = WorkingHours(end=time(18, 0))


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment on the state bodies' clock (Asia/Almaty)."""
    return datetime(year, month, day, hour, minute, tzinfo=ALMATY)


def minutes(amount: int) -> Duration:
    return Duration(amount, "minutes")


def hours(amount: int) -> Duration:
    return Duration(amount, "hours")


def working_days(amount: int) -> Duration:
    return Duration(amount, "working_days")


def calendar_days(amount: int) -> Duration:
    return Duration(amount, "calendar_days")


@pytest.fixture(scope="module")
def kz() -> WorkingCalendar:
    return WorkingCalendar.kazakhstan()


@pytest.fixture(scope="module")
def kz_until_six() -> WorkingCalendar:
    return WorkingCalendar.kazakhstan(hours=ENDS_AT_SIX)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "moved.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# -- calendar days --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # 2025: Thursday 28 August + 16 = Saturday 13 September, a day off: the term ends at
        # the end of Monday 15 September (Constitution Day, 30 August, falls inside the term
        # and changes nothing: calendar days all count).
        (local(2025, 8, 28, 10), local(2025, 9, 15, 18, 30)),
        # 2026: Friday 28 August + 16 = Sunday 13 September: ends Monday 14 September.
        (local(2026, 8, 28, 10), local(2026, 9, 14, 18, 30)),
    ],
    ids=["2025-ends-on-saturday", "2026-ends-on-sunday"],
)
def test_sixteen_calendar_days_from_28_august_end_on_the_next_working_day(
    kz: WorkingCalendar, start: datetime, expected: datetime
) -> None:
    last_day = start.date() + timedelta(days=16)
    assert last_day.strftime("%A") in {"Saturday", "Sunday"}
    assert not kz.is_working_day(last_day)
    assert kz.deadline(start, calendar_days(16)) == expected


def test_calendar_days_ending_on_a_working_day_end_that_evening(kz: WorkingCalendar) -> None:
    # Monday 7 September 2026 + 2 = Wednesday 9 September.
    assert kz.deadline(local(2026, 9, 7, 17), calendar_days(2)) == local(2026, 9, 9, 18, 30)


def test_calendar_days_ending_on_a_holiday_skip_to_the_next_working_day(
    kz: WorkingCalendar,
) -> None:
    # Monday 16 March 2026 + 7 = Monday 23 March, Nauryz; 24 and 25 are its observed days off.
    assert kz.deadline(local(2026, 3, 16, 11), calendar_days(7)) == local(2026, 3, 26, 18, 30)


# -- working days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [
        # Friday 20 March 2026; Saturday 21 - Wednesday 25 March are Nauryz and its days off.
        (local(2026, 3, 20, 10), 1, local(2026, 3, 26, 18, 30)),
        # Friday 23 October 2026; Republic Day is Sunday 25, observed Monday 26 October.
        (local(2026, 10, 23, 16), 1, local(2026, 10, 27, 18, 30)),
        # Tuesday 31 December 2024; 1-2 January holidays, Friday 3 January a day off moved
        # from Sunday 5 January 2025, which is therefore a working day: the term ends then.
        (local(2024, 12, 31, 10), 1, local(2025, 1, 5, 18, 30)),
        # Tuesday 17 March 2026, 8 working days: 18, 19, 20, (21-25 Nauryz), 26, 27, 30, 31
        # March, 1 April.
        (local(2026, 3, 17, 10), 8, local(2026, 4, 1, 18, 30)),
    ],
    ids=["nauryz-2026", "republic-day-2026", "new-year-2025-working-sunday", "8-across-nauryz"],
)
def test_working_days_skip_holidays_and_do_not_count_the_start_day(
    kz: WorkingCalendar, start: datetime, amount: int, expected: datetime
) -> None:
    assert kz.deadline(start, working_days(amount)) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Saturday 18 April 2026: counts as received Monday 20, which does not count.
        (local(2026, 4, 18, 11), local(2026, 4, 21, 18, 30)),
        # Monday 13 April 2026 after hours: received Tuesday 14, ends Wednesday 15.
        (local(2026, 4, 13, 19), local(2026, 4, 15, 18, 30)),
        # Monday before opening: Monday is the start day, ends Tuesday.
        (local(2026, 4, 13, 8), local(2026, 4, 14, 18, 30)),
        # During lunch: still Monday.
        (local(2026, 4, 13, 13, 30), local(2026, 4, 14, 18, 30)),
    ],
    ids=["saturday", "after-hours", "before-opening", "lunch"],
)
def test_one_working_day_from_outside_working_time(
    kz: WorkingCalendar, start: datetime, expected: datetime
) -> None:
    assert kz.deadline(start, working_days(1)) == expected


def test_zero_working_days_end_the_same_working_day(kz: WorkingCalendar) -> None:
    assert kz.deadline(local(2026, 4, 13, 10), working_days(0)) == local(2026, 4, 13, 18, 30)


# -- minutes and hours ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "expected"),
    [
        # The case: a schedule ending at 18:00, 5 minutes today, 10 tomorrow.
        ("until_six", local(2026, 4, 13, 17, 55), local(2026, 4, 14, 9, 10)),
        # The same start with the default 18:30 end stays within the day.
        ("default", local(2026, 4, 13, 17, 55), local(2026, 4, 13, 18, 10)),
        # Across lunch (13:00-14:30): 5 minutes before, 10 after.
        ("default", local(2026, 4, 13, 12, 55), local(2026, 4, 13, 14, 40)),
        # Five minutes before the default end.
        ("default", local(2026, 4, 13, 18, 25), local(2026, 4, 14, 9, 10)),
        # Exactly to the end of the day: ends then, not next morning.
        ("default", local(2026, 4, 13, 18, 15), local(2026, 4, 13, 18, 30)),
        # Friday evening into Monday.
        ("default", local(2026, 4, 17, 18, 25), local(2026, 4, 20, 9, 10)),
        # On a Saturday: counting starts Monday morning.
        ("default", local(2026, 4, 18, 10), local(2026, 4, 20, 9, 15)),
    ],
    ids=[
        "17:55-ends-18:00",
        "17:55-ends-18:30",
        "12:55-lunch",
        "18:25",
        "18:15-to-the-end",
        "friday-18:25",
        "saturday",
    ],
)
def test_fifteen_minute_steps(
    kz: WorkingCalendar,
    kz_until_six: WorkingCalendar,
    calendar: str,
    start: datetime,
    expected: datetime,
) -> None:
    chosen = kz_until_six if calendar == "until_six" else kz
    assert chosen.deadline(start, minutes(15)) == expected


@pytest.mark.parametrize(
    ("start", "term", "expected"),
    [
        (local(2026, 4, 13, 12, 45), minutes(30), local(2026, 4, 13, 14, 45)),  # lunch
        (local(2026, 4, 13, 18, 15), minutes(30), local(2026, 4, 14, 9, 15)),  # end of day
        (local(2026, 4, 13, 12), hours(2), local(2026, 4, 13, 15, 30)),  # lunch
        (local(2026, 4, 13, 13, 30), hours(2), local(2026, 4, 13, 16, 30)),  # starts in lunch
        (local(2026, 4, 13, 17, 30), hours(2), local(2026, 4, 14, 10)),  # end of day
        (local(2026, 4, 13, 7), hours(2), local(2026, 4, 13, 11)),  # before opening
        (local(2026, 4, 17, 17, 30), hours(2), local(2026, 4, 20, 10)),  # weekend
        (local(2026, 3, 20, 18), hours(2), local(2026, 3, 26, 10, 30)),  # Nauryz
        (local(2026, 4, 13, 10), hours(8), local(2026, 4, 14, 10)),  # a whole working day
    ],
    ids=[
        "30min-lunch",
        "30min-end-of-day",
        "2h-lunch",
        "2h-from-lunch",
        "2h-end-of-day",
        "2h-before-opening",
        "2h-weekend",
        "2h-nauryz",
        "8h",
    ],
)
def test_minutes_and_hours_count_working_time_only(
    kz: WorkingCalendar, start: datetime, term: Duration, expected: datetime
) -> None:
    assert kz.deadline(start, term) == expected


def test_a_term_of_working_time_is_all_used_at_its_deadline(kz: WorkingCalendar) -> None:
    for start, term, length in [
        (local(2026, 4, 13, 12, 55), minutes(15), timedelta(minutes=15)),
        (local(2026, 4, 17, 17, 30), hours(2), timedelta(hours=2)),
        (local(2026, 3, 20, 18), hours(9), timedelta(hours=9)),
    ]:
        assert kz.working_time_between(start, kz.deadline(start, term)) == length


# -- moved days -----------------------------------------------------------------------------

MOVED_YAML = """\
days_off:
  2026-04-20: Day off moved from Saturday 18 April
working_days:
  2026-04-18: Working Saturday, its day off moved to Monday 20 April
"""


def test_a_moved_working_saturday_counts_and_a_moved_day_off_does_not(tmp_path: Path) -> None:
    calendar = WorkingCalendar.kazakhstan(moved_days=write(tmp_path, MOVED_YAML))
    assert calendar.is_working_day(date(2026, 4, 18))
    assert not calendar.is_working_day(date(2026, 4, 20))
    assert calendar.day_off_reason(date(2026, 4, 20)) == "Day off moved from Saturday 18 April"
    # Friday 17 April: the Saturday is the first working day after it.
    assert calendar.deadline(local(2026, 4, 17, 10), working_days(1)) == local(2026, 4, 18, 18, 30)
    # Two: Saturday 18, then Monday 20 is off, so Tuesday 21.
    assert calendar.deadline(local(2026, 4, 17, 10), working_days(2)) == local(2026, 4, 21, 18, 30)
    # Minutes run on the Saturday too, and skip the Monday.
    assert calendar.deadline(local(2026, 4, 17, 18, 25), minutes(15)) == local(2026, 4, 18, 9, 10)
    assert calendar.deadline(local(2026, 4, 18, 18, 25), minutes(15)) == local(2026, 4, 21, 9, 10)


def test_the_constructor_takes_any_holidays_and_moved_days() -> None:
    calendar = WorkingCalendar(
        holidays={date(2030, 1, 1): "New Year"},
        moved=MovedDays(
            days_off={date(2030, 1, 2): "Bridge day"},
            working_days={date(2030, 1, 5): "Working Saturday"},
        ),
    )
    assert [calendar.is_working_day(date(2030, 1, d)) for d in range(1, 8)] == [
        False,  # Tuesday, holiday
        False,  # Wednesday, moved day off
        True,
        True,
        True,  # Saturday made working
        False,  # Sunday
        True,
    ]
    assert calendar.deadline(local(2029, 12, 31, 12), working_days(2)) == local(2030, 1, 4, 18, 30)


def test_the_package_substitutions_give_working_weekend_days(kz: WorkingCalendar) -> None:
    assert kz.day_off_reason(date(2025, 1, 3)) == "Day off (substituted from 01/05/2025)"
    assert kz.is_working_day(date(2025, 1, 5))  # Sunday
    assert kz.is_working_day(date(2024, 5, 4))  # Saturday, for Wednesday 8 May 2024
    # A transfer across the new year: Saturday 28 December 2013 for Friday 3 January 2014.
    assert kz.is_working_day(date(2013, 12, 28))
    assert not kz.is_working_day(date(2025, 1, 4))  # an ordinary Saturday


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 3, 23), "Nowruz Holiday"),
        (date(2026, 10, 26), "Republic Day (observed)"),
        (date(2026, 4, 18), "Saturday"),
        (date(2026, 4, 19), "Sunday"),
        (date(2026, 4, 13), None),
    ],
)
def test_day_off_reason(kz: WorkingCalendar, day: date, reason: str | None) -> None:
    assert kz.day_off_reason(day) == reason
    assert kz.is_working_day(day) is (reason is None)


# -- zones ----------------------------------------------------------------------------------


def test_a_start_in_utc_gives_the_same_deadline_as_the_same_instant_in_almaty(
    kz: WorkingCalendar,
) -> None:
    in_almaty = local(2026, 4, 13, 17, 55)
    in_utc = datetime(2026, 4, 13, 12, 55, tzinfo=UTC)
    in_moscow = in_utc.astimezone(ZoneInfo("Europe/Moscow"))
    assert in_utc == in_almaty
    for term in (minutes(15), hours(2), working_days(1), calendar_days(16)):
        deadlines = {kz.deadline(start, term) for start in (in_almaty, in_utc, in_moscow)}
        assert len(deadlines) == 1
        (deadline,) = deadlines
        assert deadline.tzinfo is UTC


def test_the_local_day_decides_not_the_utc_day(kz: WorkingCalendar) -> None:
    # 20:00 UTC on Sunday 19 April is 01:00 on Monday 20 April in Almaty.
    start = datetime(2026, 4, 19, 20, tzinfo=UTC)
    assert kz.deadline(start, minutes(15)) == local(2026, 4, 20, 9, 15)
    assert kz.deadline(start, working_days(1)) == local(2026, 4, 21, 18, 30)


def test_almaty_was_utc_plus_six_before_march_2024(kz: WorkingCalendar) -> None:
    end_of_day = kz.deadline(local(2024, 2, 27, 10), calendar_days(1))
    assert end_of_day == datetime(2024, 2, 28, 12, 30, tzinfo=UTC)
    after = kz.deadline(local(2024, 3, 4, 10), calendar_days(1))
    assert after == datetime(2024, 3, 5, 13, 30, tzinfo=UTC)


def test_naive_moments_and_negative_terms_are_refused(kz: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="zone"):
        kz.deadline(datetime(2026, 4, 13, 10), minutes(15))
    with pytest.raises(ValueError, match="negative"):
        kz.deadline(local(2026, 4, 13, 10), minutes(-1))
    with pytest.raises(TypeError, match="date"):
        kz.is_working_day(local(2026, 4, 13, 10))


# -- working time elapsed and the next working moment ---------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "elapsed"),
    [
        (local(2026, 4, 13, 10), local(2026, 4, 13, 10), timedelta(0)),
        (local(2026, 4, 13, 11), local(2026, 4, 13, 10), timedelta(0)),
        (local(2026, 4, 13, 9), local(2026, 4, 13, 18, 30), timedelta(hours=8)),
        (local(2026, 4, 13, 0), local(2026, 4, 14, 0), timedelta(hours=8)),
        (local(2026, 4, 13, 12), local(2026, 4, 13, 15), timedelta(hours=1, minutes=30)),
        (local(2026, 4, 17, 17, 30), local(2026, 4, 20, 10), timedelta(hours=2)),
        (local(2026, 3, 20, 18), local(2026, 3, 26, 9, 30), timedelta(hours=1)),
        (local(2026, 4, 18, 10), local(2026, 4, 19, 18), timedelta(0)),
    ],
    ids=[
        "same-moment",
        "backwards",
        "working-day",
        "calendar-day",
        "lunch",
        "weekend",
        "nauryz",
        "weekend-only",
    ],
)
def test_working_time_between(
    kz: WorkingCalendar, a: datetime, b: datetime, elapsed: timedelta
) -> None:
    assert kz.working_time_between(a, b) == elapsed


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(2026, 4, 13, 10), local(2026, 4, 13, 10)),
        (local(2026, 4, 13, 8), local(2026, 4, 13, 9)),
        (local(2026, 4, 13, 13), local(2026, 4, 13, 14, 30)),
        (local(2026, 4, 13, 18, 30), local(2026, 4, 14, 9)),
        (local(2026, 4, 17, 19), local(2026, 4, 20, 9)),
        (local(2026, 3, 21, 12), local(2026, 3, 26, 9)),
    ],
    ids=["working", "before-opening", "lunch", "closing-time", "friday-evening", "nauryz"],
)
def test_next_working_moment(kz: WorkingCalendar, moment: datetime, expected: datetime) -> None:
    result = kz.next_working_moment(moment)
    assert result == expected
    assert result.tzinfo is UTC


# -- working hours --------------------------------------------------------------------------


def test_default_working_hours_are_the_state_bodies_schedule() -> None:
    assert WorkingHours().periods() == ((time(9), time(13)), (time(14, 30), time(18, 30)))
    no_lunch = WorkingHours(lunch_start=time(13), lunch_end=time(13))
    assert no_lunch.periods() == ((time(9), time(13)), (time(13), time(18, 30)))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start": time(18), "end": time(9)},
        {"lunch_start": time(8), "lunch_end": time(9)},
        {"lunch_start": time(14), "lunch_end": time(13)},
        {"lunch_end": time(19)},
    ],
)
def test_inconsistent_working_hours_are_refused(kwargs: dict[str, time]) -> None:
    with pytest.raises(ValueError, match="working day"):
        WorkingHours(**kwargs)


# -- the moved-days file --------------------------------------------------------------------


def test_the_shipped_moved_days_file_loads() -> None:
    assert MOVED_DAYS_FILE.name == "moved_days.yaml"
    assert isinstance(load_moved_days(), MovedDays)


def test_load_moved_days_reads_both_lists(tmp_path: Path) -> None:
    moved = load_moved_days(write(tmp_path, MOVED_YAML))
    assert dict(moved.days_off) == {date(2026, 4, 20): "Day off moved from Saturday 18 April"}
    assert dict(moved.working_days) == {
        date(2026, 4, 18): "Working Saturday, its day off moved to Monday 20 April"
    }


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "days_off:\nworking_days: {}\n"])
def test_an_empty_moved_days_file_means_no_moved_days(tmp_path: Path, text: str) -> None:
    moved = load_moved_days(write(tmp_path, text))
    assert not moved.days_off
    assert not moved.working_days


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("days_off:\n  2026-04-20: ok\n  2026-02-30: bad\n", 3, "bad date '2026-02-30'"),
        ("days_off:\n  20.04.2026: bad\n", 2, "bad date '20.04.2026'"),
        (
            "days_off:\n  2026-04-18: off\nworking_days:\n  2026-04-18: on\n",
            4,
            "both as a day off and as a working day (also on line 2)",
        ),
        ("days_off:\n  2026-04-20: a\n  2026-04-20: b\n", 3, "listed twice in days_off"),
        ("days_off: {}\nholidays:\n  2026-04-20: a\n", 2, "unknown key 'holidays'"),
        ("working_days:\n  2026-04-20: a Monday\n", 2, "is a Monday, already a working day"),
        ("days_off:\n  2026-04-20:\n", 2, "needs a reason"),
        ("days_off:\n  - 2026-04-20\n", 2, "must map dates"),
        ("- days_off\n", 1, "expected a mapping"),
        ("days_off:\n  2026-04-20: [unclosed\n", 3, "not valid YAML"),
    ],
    ids=[
        "impossible-date",
        "not-iso",
        "both-ways",
        "twice",
        "unknown-key",
        "weekday-working",
        "no-reason",
        "list",
        "not-a-mapping",
        "syntax",
    ],
)
def test_load_moved_days_errors_name_the_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(MovedDaysError) as caught:
        load_moved_days(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert message in str(caught.value)
    assert caught.value.line == line
