"""The console in a real browser (Chromium) after hostile moves: an absurd "Move" is refused with
the page intact, and a clock left beyond what dates hold still gives a console that says what is
wrong and sets the clock back to now."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.scenarios.targets import ALMATY
from egovsim.web.app import create_app
from egovsim.web.keys import CLOCK
from tests.browser import chromium, needs_chromium
from tests.conftest import NOW

pytestmark = needs_chromium
STEP_MS = 60_000


@pytest.fixture
async def live(settings) -> AsyncIterator[TestClient]:
    server = TestServer(create_app(settings, Clock(frozen_at=NOW)), host="127.0.0.1")
    async with TestClient(server) as client:
        yield client


@pytest.fixture
async def page(live: TestClient) -> AsyncIterator[Any]:
    async with chromium() as launched:
        context = await launched.new_context(base_url=str(live.make_url("/")).rstrip("/"))
        opened = await context.new_page()
        opened.set_default_timeout(STEP_MS)
        yield opened


async def test_the_console_survives_a_hostile_clock_move_and_sets_it_back(page, live) -> None:
    await page.goto("/console?lang=en")
    before = await page.locator("#clock-now").inner_text()

    # The typo: 999999999 hours in "Move".
    advance = page.locator("#clock-advance")
    await advance.locator("input[name=amount]").fill("999999999")
    await advance.locator("select[name=unit]").select_option("hours")
    await advance.get_by_role("button").click()
    await page.wait_for_load_state()
    assert "CLOCK_CHANGE_INVALID" in await page.locator(".alert--error").first.inner_text()
    assert await page.locator("#refusal-reason").is_visible()
    assert await page.locator("#clock-now").inner_text() == before
    assert live.app[CLOCK].now() == NOW

    # Whatever let the clock get there, the console finds it at the end of dates.
    live.app[CLOCK].restore(datetime(9999, 12, 31, 20, tzinfo=UTC), timedelta(0))
    reply = await page.goto("/console?lang=en")
    assert reply is not None
    assert reply.status == 200
    trouble = page.locator("#troubles")
    assert await trouble.is_visible()
    assert "beyond what a date can hold" in await trouble.inner_text()
    assert await page.locator("#logins").is_visible()

    await page.locator("#trouble-now").click()
    await page.wait_for_url("**/console?done=clock*")
    assert await page.locator("#troubles").count() == 0
    assert live.app[CLOCK].mode == "real"
    shown = datetime.strptime(await page.locator("#clock-now").inner_text(), "%Y-%m-%d %H:%M")
    assert abs(shown - datetime.now(ALMATY).replace(tzinfo=None)) < timedelta(hours=1)
