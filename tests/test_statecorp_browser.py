"""The State Corporation's counter in a real browser (Playwright driving the system's
Chromium): the clerk signs in, takes a package with the item 9 checklist, gets the receipt of
acceptance and prints it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.web.app import create_app
from tests.browser import chromium, needs_chromium
from tests.conftest import PASSWORD
from tests.test_portal import working_morning
from tests.test_statecorp import APPLICANT, DOCUMENTS, LICENCE

pytestmark = needs_chromium
#: Every wait for the page is bounded: a step that does not happen fails the test.
STEP_MS = 15_000


@pytest.fixture
async def live(gateway_settings) -> AsyncIterator[TestClient]:
    """The whole app on a loopback port, its clock on a working morning."""
    clock = Clock(frozen_at=working_morning())
    server = TestServer(create_app(gateway_settings, clock), host="127.0.0.1")
    async with TestClient(server) as client:
        yield client


@pytest.fixture
async def browser(live: TestClient) -> AsyncIterator[Any]:
    """Chromium, closed before the server stops."""
    async with chromium() as launched:
        yield launched


async def test_the_clerk_accepts_a_package_and_prints_the_receipt(browser, live) -> None:
    context = await browser.new_context(base_url=str(live.make_url("/")).rstrip("/"))
    page = await context.new_page()
    page.set_default_timeout(STEP_MS)
    await page.goto("/statecorp?lang=en")
    await page.fill("#login", "gk-alm-1")
    await page.fill("#password", PASSWORD)
    await page.click("form[action='/statecorp/login'] button[type=submit]")
    await page.wait_for_selector("#iin")

    await page.select_option("#service", f"{LICENCE}:duplicate")
    await page.fill("#iin", APPLICANT["iin"])
    await page.fill("#name", APPLICANT["name"])
    await page.click("form[action='/statecorp/packages'] button[type=submit]")
    await page.wait_for_selector("input[name=documents]")
    offered = await page.locator("input[name=documents]").evaluate_all(
        "boxes => boxes.map(b => b.value)"
    )
    assert set(DOCUMENTS["duplicate"]) <= set(offered)
    for document in DOCUMENTS["duplicate"]:
        await page.check(f"#doc-{document}")
    await page.click("form[action$='/check'] button[type=submit]")

    receipt = page.locator("#receipt")
    await receipt.wait_for(state="visible")
    assert "Receipt of acceptance" in await receipt.inner_text()
    number = await page.locator(".receipt-number").inner_text()
    assert number.startswith("GK-ALA-")
    assert await page.locator(".ready-by").inner_text()

    # Printing: the print button calls the browser's print; in print media only the receipt
    # shows, the forms and the navigation do not.
    await page.evaluate("window.__printed = 0; window.print = () => { window.__printed += 1; }")
    await page.click("#receipt button")
    assert await page.evaluate("window.__printed") >= 1
    await page.emulate_media(media="print")
    assert await receipt.is_visible()
    assert not await page.locator("form[action$='/forward']").is_visible()
    pdf = await page.pdf()
    assert pdf.startswith(b"%PDF")
    await context.close()
