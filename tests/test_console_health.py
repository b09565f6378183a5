"""The console cannot be broken: it renders whatever state it finds (a clock beyond dates, a
store that fails), says what is wrong, sets the clock back to now and resets from there, and
checks every move before it changes anything."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from egovsim.clock import Clock
from egovsim.console.health import REACH, moved, out_of_reach, read_clock
from egovsim.web.common.keys import SIMULATOR
from tests.conftest import NOW
from tests.test_console import _clock, _post_form

THE_END_OF_DATES = datetime(9999, 12, 31, 20, 0, tzinfo=UTC)


def _break_clock(client, how: str) -> None:
    """Put the clock where a hostile move leaves it, whatever the clock API accepts today."""
    clock: Clock = client.app[SIMULATOR].clock
    if how == "frozen at the end of dates":
        clock.restore(THE_END_OF_DATES, timedelta(0))
    else:  # running, ahead by more than a date can hold
        clock.restore(None, timedelta(days=999999999 // 24))


@pytest.mark.parametrize("how", ["frozen at the end of dates", "running beyond dates"])
async def test_the_console_renders_after_a_hostile_clock_move_and_says_so(client, how) -> None:
    _break_clock(client, how)
    reply = await client.get("/console?lang=en")
    html = await reply.text()
    assert reply.status == 200, html
    assert 'id="troubles"' in html
    assert 'id="trouble-clock"' in html
    assert "beyond what a date can hold" in html
    assert 'id="trouble-now"' in html
    assert 'id="trouble-reset"' in html
    # The rest of the console is still there, and so are the tours' pages.
    assert 'id="faults"' in html
    assert 'id="logins"' in html
    assert (await client.get("/console/tours/refusal-revoked")).status == 200


@pytest.mark.parametrize("how", ["frozen at the end of dates", "running beyond dates"])
async def test_back_to_now_from_a_broken_clock_makes_the_console_whole(client, how) -> None:
    _break_clock(client, how)
    reply = await _post_form(client, "/console/clock", action="real")
    assert reply.status == 303, await reply.text()
    clock = await _clock(client)
    assert clock["mode"] == "real"
    assert abs(datetime.fromisoformat(clock["now"]) - datetime.now(UTC)) < timedelta(minutes=5)
    html = await (await client.get("/console")).text()
    assert 'id="troubles"' not in html


async def test_the_reset_works_from_a_broken_clock(client) -> None:
    _break_clock(client, "frozen at the end of dates")
    reply = await _post_form(client, "/console/reset", confirm="yes")
    assert reply.status == 303, await reply.text()
    assert (await _clock(client))["mode"] == "real"
    personas = (await (await client.get("/api/v1/console")).json())["people"]["personas"]
    assert personas, "the reset seeded the demo again"


async def test_other_moves_are_refused_until_the_clock_is_back(client) -> None:
    _break_clock(client, "frozen at the end of dates")
    for fields in (
        {"action": "freeze"},
        {"action": "advance", "amount": "1", "unit": "hours"},
        {"action": "jump", "date": "08-15"},
    ):
        reply = await _post_form(client, "/console/clock", **fields)
        html = await reply.text()
        assert reply.status == 400, fields
        assert "CLOCK_CHANGE_INVALID" in html
        assert "set the clock back to now first" in html
    assert client.app[SIMULATOR].clock.frozen_at == THE_END_OF_DATES


@pytest.mark.parametrize(
    ("amount", "unit"),
    [
        ("999999999", "hours"),
        ("40000", "days"),
        ("99999999999999999999", "minutes"),
        ("-3", "days"),
        ("1.5", "hours"),
        ("", "hours"),
        ("1", "fortnights"),
    ],
)
async def test_an_absurd_move_is_refused_before_the_clock_changes(client, amount, unit) -> None:
    reply = await _post_form(client, "/console/clock", action="advance", amount=amount, unit=unit)
    assert reply.status == 400
    html = await reply.text()
    assert "CLOCK_CHANGE_INVALID" in html
    assert 'id="clock-now"' in html, "the page shows the clock as it still is"
    assert (await _clock(client))["now"] == NOW.isoformat()


async def test_move_has_days(client) -> None:
    html = await (await client.get("/console")).text()
    assert '<option value="days">' in html
    reply = await _post_form(client, "/console/clock", action="advance", amount="3", unit="days")
    assert reply.status == 303
    assert (await _clock(client))["now"] == (NOW + timedelta(days=3)).isoformat()


async def test_a_jump_beyond_the_consoles_reach_is_refused(client) -> None:
    reply = await client.post("/api/v1/console/clock/jump", json={"date": "9000-01-01"})
    assert reply.status == 400
    assert (await reply.json())["error"]["code"] == "CLOCK_CHANGE_INVALID"
    assert (await _clock(client))["now"] == NOW.isoformat()


async def test_a_failing_store_is_shown_on_the_page_not_a_500(client, monkeypatch) -> None:
    async def failing() -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(client.app[SIMULATOR].gateway_store, "routes", failing)
    reply = await client.get("/console?lang=en")
    html = await reply.text()
    assert reply.status == 200
    assert 'id="trouble-receivers"' in html
    assert "OperationalError: disk I/O error" in html
    assert 'id="clock-now"' in html


async def test_a_failing_action_comes_back_to_the_page_with_its_reason(client, monkeypatch) -> None:
    async def failing() -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(client.app[SIMULATOR].statecorp.returns, "sweep", failing)
    reply = await _post_form(client, "/console/sweep")
    html = await reply.text()
    assert reply.status == 500
    assert "INTERNAL_ERROR" in html
    assert "database is locked" in html
    assert 'id="reset"' in html


def test_the_clock_is_read_without_failing_wherever_it_stands() -> None:
    zone = ZoneInfo("Asia/Almaty")
    beyond = read_clock(Clock(frozen_at=THE_END_OF_DATES), zone)
    assert beyond.now is None
    assert beyond.problem is not None
    far = read_clock(Clock(frozen_at=NOW + REACH * 2), zone, real_now=NOW)
    assert far.now is not None
    assert far.far
    near = read_clock(Clock(frozen_at=NOW), zone, real_now=NOW)
    assert near.problem is None
    assert out_of_reach(NOW + REACH, NOW) is None
    with pytest.raises(ValueError, match="years from the real time"):
        moved(NOW, REACH + timedelta(days=1), NOW)
    with pytest.raises(ValueError, match="beyond what a date can hold"):
        moved(THE_END_OF_DATES, timedelta(days=1), NOW)


async def test_the_overview_answers_whatever_the_state_and_lists_the_troubles(
    client, monkeypatch
) -> None:
    async def failing() -> None:
        raise sqlite3.OperationalError("disk I/O error")

    _break_clock(client, "frozen at the end of dates")
    monkeypatch.setattr(client.app[SIMULATOR].gateway_store, "routes", failing)
    reply = await client.get("/api/v1/console")
    body = await reply.json()
    assert reply.status == 200, body
    assert body["clock"] is None
    assert body["receivers"] == []
    assert {t["part"] for t in body["troubles"]} == {"clock", "receivers"}
    assert body["faults"], "what can be read is there"
