"""The console in a real browser (Chromium) after hostile moves: an absurd "Move" is refused with
the page intact, a clock left beyond what dates hold still gives a console that says what is
wrong and sets the clock back to now, and the refusal tour passes after "try it" of every code,
its "show in the cabinet" opening the refused persona's cabinet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.console.tour import shipped_tours
from egovsim.scenarios.targets import ALMATY
from egovsim.web.app import create_app
from egovsim.web.common.keys import SIMULATOR
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
    assert live.app[SIMULATOR].clock.now() == NOW

    # Whatever let the clock get there, the console finds it at the end of dates.
    live.app[SIMULATOR].clock.restore(datetime(9999, 12, 31, 20, tzinfo=UTC), timedelta(0))
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
    assert live.app[SIMULATOR].clock.mode == "real"
    shown = datetime.strptime(await page.locator("#clock-now").inner_text(), "%Y-%m-%d %H:%M")
    assert abs(shown - datetime.now(ALMATY).replace(tzinfo=None)) < timedelta(hours=1)


@pytest.mark.long
async def test_the_refusal_tour_runs_after_try_it_of_every_code(page, live) -> None:
    refusals = (await (await live.get("/api/v1/refusals")).json())["refusals"]
    tried = 0
    for refusal in refusals:
        reply = await live.post(f"/api/v1/refusals/{refusal['code']}/try")
        if reply.status == 404:  # a refusal no shipped scenario reaches (UNSCRIPTED)
            continue
        assert reply.status == 200, await reply.text()
        trial = await reply.json()
        # Each starts from what it needs, so none is disturbed by the ones before.
        assert trial["passed"], (refusal["code"], trial["error"], trial["steps"])
        tried += 1
    assert tried > 80

    await page.goto("/console/tours/refusal-revoked?lang=en")
    async with page.expect_navigation():
        await page.click("#tour-start")
    tour_url = page.url
    for step in shipped_tours()["refusal-revoked"].scenario.steps:
        async with page.expect_navigation():
            await page.click("#tour-next")
        last = page.locator(".console-last")
        assert await last.get_attribute("data-outcome") == "passed", (
            step.name,
            await last.inner_text(),
        )

    # "Show in the cabinet": the room sees the refusal in the persona's cabinet.
    await page.goto(tour_url)
    async with page.expect_navigation():
        await page.click("[data-sight^='/cabinet/applications/']")
    assert "/cabinet/applications/" in page.url
    assert "CERT_REVOKED" in await page.content()
