"""The operator's sign-in in a real browser (Playwright driving the system's Chromium): the
console of a simulator started with a secret sends the trainer to the sign-in page, a wrong
secret is refused there, the right one opens the console, whose forms then act; and no page
breaks the Content-Security-Policy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.web.app import create_app
from tests.browser import chromium, needs_chromium
from tests.conftest import NOW

pytestmark = needs_chromium
STEP_MS = 60_000
SECRET = "a trainer's secret"


@pytest.fixture
async def live(settings) -> AsyncIterator[TestClient]:
    """The simulator as `serve --host 0.0.0.0 --operator-token ...` starts it."""
    guarded = settings.with_overrides(host="0.0.0.0", operator_token=SECRET)
    server = TestServer(create_app(guarded, Clock(frozen_at=NOW)), host="127.0.0.1")
    async with TestClient(server) as client:
        yield client


@pytest.fixture
async def browser(live: TestClient) -> AsyncIterator[Any]:
    async with chromium() as launched:
        yield launched


async def test_the_trainer_signs_in_with_the_secret_and_the_console_acts(live, browser) -> None:
    page = await browser.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    base = str(live.make_url("/")).rstrip("/")
    await page.goto(f"{base}/console", timeout=STEP_MS)
    assert page.url.startswith(f"{base}/console/sign-in")

    await page.fill("#operator-secret", "a guess")
    await page.click("#operator-sign-in button[type=submit]")
    await page.wait_for_load_state()
    assert "OPERATOR_REQUIRED" in await page.content()

    await page.fill("#operator-secret", SECRET)
    await page.click("#operator-sign-in button[type=submit]")
    await page.wait_for_url(f"{base}/console", timeout=STEP_MS)
    await page.click("#clock-advance button[type=submit]")
    await page.wait_for_url("**/console?done=clock*", timeout=STEP_MS)
    moved = (await (await live.get("/api/v1/clock")).json())["now"]
    assert moved != NOW.isoformat()
    assert violations == []
