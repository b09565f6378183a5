"""Kazakhstan's holidays named in the page's language: every name the calendar can give is in
the catalogue in kk, ru and en (the Kazakh as the `holidays` package writes it), and the
console shows the day off's name in Kazakh and Russian, not in English."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import holidays
import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.regulations.holiday_names import NAMES, holiday_name
from egovsim.web.app import create_app
from tests.conftest import NOW
from tests.test_pages_words import visible_text

YEARS = range(1991, NOW.year + 10)


def test_every_name_the_calendar_gives_is_named_in_three_languages() -> None:
    english = holidays.country_holidays("KZ", years=YEARS, language="en_US")
    kazakh = holidays.country_holidays("KZ", years=YEARS, language="kk")
    for day in english:
        reasons = english.get_list(day)
        for reason in reasons:
            named = {lang: holiday_name(reason, lang) for lang in ("kk", "ru", "en")}
            assert all(named.values()), (day, reason, named)
            assert re.search(r"[а-яё]", named["ru"] or ""), (reason, named["ru"])
        if not any(reason.startswith("Republic Day") for reason in reasons):
            # (the package has an older Kazakh name of Republic Day for some years)
            ours = {holiday_name(reason, "kk") for reason in reasons}
            assert ours == set(kazakh.get_list(day)), day
        # The calendar gives two holidays on one day as one reason: both are named.
        both = holiday_name(english[day], "ru") or ""
        assert both.count(";") == english[day].count(";")


def test_a_weekend_day_and_a_moved_day_off() -> None:
    assert holiday_name("Sunday", "ru") == "воскресенье"
    assert holiday_name("Day off (substituted from 01/05/2025)", "ru") == (
        "Выходной день (перенесён с 05.01.2025)"
    )
    assert holiday_name("Day off (substituted from 01/05/2025)", "en") == (
        "Day off (moved from 05.01.2025)"
    )
    assert holiday_name("Victory Day (observed)", "kk") == (
        "Жеңіс күні (қайта белгіленген демалыс)"
    )
    # A moved day's own reason from the moved-days file is not guessed at.
    assert holiday_name("Day off by the resolution of 2027", "ru") is None
    assert holiday_name("Victory Day (postponed)", "ru") is None
    assert set(NAMES["Victory Day"]) == {"kk", "ru", "en"}


@pytest.fixture
async def on_victory_day(settings) -> AsyncIterator[TestClient]:
    """The simulator on the morning of 9 May next year (a Saturday or not, a holiday)."""
    morning = datetime(NOW.year + 1, 5, 9, 5, 0, tzinfo=UTC)
    app = create_app(settings, Clock(frozen_at=morning))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


@pytest.mark.parametrize(
    ("lang", "name"), [("kk", "Жеңіс күні"), ("ru", "День Победы"), ("en", "Victory Day")]
)
async def test_the_console_names_the_holiday_in_the_pages_language(
    on_victory_day: TestClient, lang: str, name: str
) -> None:
    clock = await (await on_victory_day.get("/api/v1/clock")).json()
    assert clock["day_off"] == "Victory Day"  # the API keeps the calendar's own name
    page = await (await on_victory_day.get(f"/console?lang={lang}")).text()
    assert name in visible_text(page, lang)
    if lang != "en":
        assert "Victory Day" not in page
