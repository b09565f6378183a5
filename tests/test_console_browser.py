"""The trainer's console in a real browser (Playwright driving the system's Chromium): the
trainer walks the guided tour of the happy path step by step, sees the application's diagram lit
on the tour's page, opens the page where the room sees each effect (the cabinet, the
workstation), and the screenshots the README shows (the portal, the cabinet, the workstation, a
lit diagram, the console and the tour) are saved in docs/screenshots/ so they stay current."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.console.tour import shipped_tours
from egovsim.web.app import create_app
from tests.browser import chromium, needs_chromium
from tests.conftest import NOW

pytestmark = needs_chromium
#: Every wait for the page is bounded: a step that does not happen fails the test.
STEP_MS = 60_000
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
#: A projector's size, and small files for the README.
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture
async def live(settings) -> AsyncIterator[TestClient]:
    """The whole app on a loopback port, its delivery worker running as under `egovsim serve`
    (the tour's `deliver` steps wait for it), the clock frozen at the session's NOW on the hour
    (so the console's screenshot stays the same from one run to the next within the hour)."""
    on_the_hour = NOW.replace(minute=0, second=0, microsecond=0)
    server = TestServer(create_app(settings, Clock(frozen_at=on_the_hour)), host="127.0.0.1")
    async with TestClient(server) as client:
        yield client


@pytest.fixture
async def browser(live: TestClient) -> AsyncIterator[Any]:
    """Chromium, closed before the server stops (it depends on `live` for that order)."""
    async with chromium() as launched:
        yield launched


def _keep(name: str, image: bytes) -> None:
    """Replace docs/screenshots/NAME.png in one step: a reader (a docs check, a checkout's copy,
    another worker) sees the old image or the new one, never half of one."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    partial = target.with_name(f".{name}.{os.getpid()}.png")
    partial.write_bytes(image)
    os.replace(partial, target)


async def _shot(page: Any, name: str) -> None:
    """The page's top, as a projector shows it first."""
    await page.evaluate("window.scrollTo(0, 0)")
    _keep(name, await page.screenshot())


async def _diagram_shot(page: Any, name: str) -> None:
    """The tour's Annex 1 at full size and full height (a taller window for the shot), scrolled
    to show as much of the way done as fits, up to the current step."""
    await page.set_viewport_size({"width": VIEWPORT["width"], "height": 1600})
    canvas = page.locator("#diagram figure[data-annex='1'] .diagram__canvas")
    await canvas.evaluate(
        """(canvas) => {
            const now = canvas.querySelector("svg g[data-state='current']");
            const room = canvas.getBoundingClientRect(), step = now.getBoundingClientRect();
            canvas.scrollLeft += step.right + 160 - room.right;
        }"""
    )
    _keep(name, await canvas.screenshot())
    await page.set_viewport_size(VIEWPORT)


async def test_a_trainer_walks_the_happy_path_tour_and_shows_the_room_each_page(
    browser, live
) -> None:
    context = await browser.new_context(
        base_url=str(live.make_url("/")).rstrip("/"), viewport=VIEWPORT
    )
    page = await context.new_page()
    page.set_default_timeout(STEP_MS)
    await page.goto("/console?lang=en")
    await _shot(page, "console")

    await page.click("a[href='/console/tours/happy-path']")
    await page.wait_for_url("**/console/tours/happy-path")
    async with page.expect_navigation():
        await page.click("#tour-start")
    tour = shipped_tours()["happy-path"]
    tour_url = page.url

    for number, step in enumerate(tour.scenario.steps, start=1):
        async with page.expect_navigation():
            await page.click("#tour-next")
        last = page.locator(".console-last")
        assert await last.get_attribute("data-outcome") == "passed", await last.inner_text()
        assert await page.locator("#tour-progress").get_attribute("value") == str(number)
        if step.name == "deliver":
            # Delivered and registered at the workstation: the request waits at P7.
            drawing = page.locator("#diagram figure[data-annex='1'] svg")
            assert "is-lit" in str(await drawing.get_attribute("class"))
            assert await drawing.locator("g#P7").get_attribute("data-state") == "current"
            await _diagram_shot(page, "diagram")
        elif step.name == "sign":
            await _shot(page, "tour-step")
            async with page.expect_navigation():
                await page.click("[data-sight^='/cabinet/applications/']")
            # Sent, and perhaps on at the provider already: the gateway's worker runs.
            status = await page.locator("[data-status]").get_attribute("data-status")
            assert status in ("sent", "delivered", "in_progress"), status
            await page.goto(tour_url)
        elif step.name == "hand_over":
            async with page.expect_navigation():
                await page.click("[data-sight^='/workstation/applications/']")
            assert "/workstation/applications/" in page.url
            await _shot(page, "workstation")
            await page.goto(tour_url)
        elif step.name == "result":
            await _shot(page, "tour-done")
            async with page.expect_navigation():
                await page.click("[data-sight^='/cabinet/applications/']")
            await page.locator("[data-status=completed]").wait_for()
            assert await page.locator("[data-result-indication]").inner_text() == "TOTAL_PASSED"
            await _shot(page, "cabinet")

    # The portal's catalogue as the citizen the room watched sees it.
    await page.goto("/services?lang=en")
    await _shot(page, "portal")

    await page.goto(tour_url)
    assert await page.locator("#tour-next").count() == 0
    assert await page.locator("#narration").inner_text() == "The tour is over."
    await context.close()
