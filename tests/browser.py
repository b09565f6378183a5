"""What the browser tests share: Debian's Chromium driven by Playwright (the tests are skipped
with the reason where Chromium is missing; `.ci/run` installs it)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

playwright_api = pytest.importorskip("playwright.async_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Mark a browser test module with it: `pytestmark = needs_chromium`.
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="the browser tests need Chromium (.ci/run installs it)"
)


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """A headless Chromium, closed on the way out. A test's `browser` fixture should depend on
    its live server's fixture, so the browser closes first: an open page keeps the NCALayer
    socket open, and the server would wait for it."""
    async with playwright_api.async_playwright() as driver:
        launched = await driver.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            await launched.close()
