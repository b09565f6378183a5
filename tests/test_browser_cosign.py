"""A company's request signed by two people in a real browser (Playwright driving the system's
Chromium): the first head signs in with the company's BIN, drafts the readiness passport, ticks
"a second person co-signs", and NCALayer's key dialog opens twice, for the head and then for
the chief accountant; the cabinet lists both signers. With `portal_timestamps` both
signatures carry a token from the simulator's TSA."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.pki.personas import COMPANY_BIN
from egovsim.web.app import create_app
from egovsim.web.common.keys import SIMULATOR
from tests.browser import chromium, needs_chromium
from tests.test_browser import choose_key, new_page, sign_in
from tests.test_portal import PASSPORT, PASSPORT_DOCUMENTS, passport_day
from tests.test_portal_api import PASSPORT_FORM

pytestmark = needs_chromium

#: The draft made from the page, with the page's own session and CSRF token.
_DRAFT = """async ([service, form, documents]) => {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const headers = {"X-CSRF-Token": token, "Content-Type": "application/json"};
  const made = await fetch("/api/v1/portal/applications", {
    method: "POST", headers, body: JSON.stringify({service, variant: null, form})});
  const draft = await made.json();
  for (const [id, b64] of Object.entries(documents)) {
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    const body = new FormData();
    body.append("file", new Blob([bytes]), id + ".pdf");
    await fetch(`/api/v1/portal/applications/${draft.id}/attachments/${id}`, {
      method: "POST", headers: {"X-CSRF-Token": token}, body});
  }
  return draft.id;
}"""


@pytest.fixture(params=[False, True], ids=["cades-bes", "portal-timestamps"])
async def live(request: pytest.FixtureRequest, gateway_settings) -> AsyncIterator[TestClient]:
    """The whole app on a loopback port on a day of the passport's window, the pages asking
    for timestamps or not."""
    settings = gateway_settings.with_overrides(portal_timestamps=request.param)
    server = TestServer(create_app(settings, Clock(frozen_at=passport_day())), host="127.0.0.1")
    async with TestClient(server) as client:
        yield client


@pytest.fixture
async def browser(live: TestClient) -> AsyncIterator[Any]:
    async with chromium() as launched:
        yield launched


async def test_the_head_and_the_accountant_sign_one_request_in_the_browser(
    browser, live, persona
) -> None:
    page = await new_page(browser, live)
    await sign_in(page, COMPANY_BIN, "company-first-head", "en")
    await page.wait_for_url("**/cabinet")
    documents = {k: base64.b64encode(v).decode() for k, v in PASSPORT_DOCUMENTS.items()}
    number = await page.evaluate(_DRAFT, [PASSPORT, PASSPORT_FORM, documents])
    await page.goto(f"/cabinet/applications/{number}?lang=en")

    await page.check("[data-cosign]")
    await page.click("#sign-button")
    await choose_key(page, "company-first-head")
    await choose_key(page, "company-finance")
    await page.locator("[data-status=sent]").wait_for()

    listed = page.locator("[data-signers] li")
    assert await listed.count() == 2
    for index in range(2):
        assert "TOTAL_PASSED" in await listed.nth(index).inner_text()
    shown: dict[str, Any] = json.loads(
        await page.evaluate(f"fetch('/api/v1/portal/applications/{number}').then(r => r.text())")
    )
    signers = shown["signature"]["signers"]
    assert [s["signer"]["iin"] for s in signers] == [
        persona("company-first-head").iin,
        persona("company-finance").iin,
    ]
    timestamped = [s["timestamp"] is not None for s in signers]
    assert timestamped == [live.server.app[SIMULATOR].settings.portal_timestamps] * 2
