"""The layout in Chromium at a laptop's 1280 px and a phone's 390 px, in each language: the
header keeps the signed-in name on one line, no page is wider than the screen, the key dialog
keeps a certificate's date whole, the site has its icon. Screenshots of every page and width
are written to the test's directory, for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser import needs_chromium
from tests.conftest import PASSWORD
from tests.test_browser import browser, live, new_page  # noqa: F401
from tests.test_pages_time import _completed_licence
from tests.test_portal_api import api  # noqa: F401

pytestmark = needs_chromium

#: How many lines of text an element's contents take on screen.
LINES = """element => {
  const range = document.createRange();
  range.selectNodeContents(element);
  const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  return tops.size;
}"""
#: How many rows the masthead's parts (the brand and the menu's links) stand in.
HEADER_ROWS = """() => {
  const parts = [".brand", ".main-nav ul a"];
  const middles = parts.flatMap(s => [...document.querySelectorAll(s)])
    .map(e => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; });
  const rows = [];
  for (const y of middles.sort((a, b) => a - b)) {
    if (!rows.length || y - rows[rows.length - 1] > 12) rows.push(y);
  }
  return rows.length;
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
#: The deepest elements that reach past the screen's right edge, to say what to fix.
CULPRITS = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
            && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 0.5)
            && !e.closest(".table-wrap, .diagram__canvas, pre"))
  .slice(0, 3).map(e => e.tagName.toLowerCase() + "." + [...e.classList].join(".")
                        + " " + (e.textContent || "").trim().slice(0, 40))"""
PAGES = [
    "/",
    "/services",
    "/services/almaty-small-vessel-licence",
    "/services/almaty-small-vessel-licence/order",
    "/cabinet",
    "/cabinet/applications/1",
    "/cabinet/applications/1/result",
    "/check",
    "/refusals",
    "/console",
    "/gateway",
    "/workstation",
    "/workstation/applications/1",
    "/workstation/applications/1/result",
    "/statecorp",
]


async def _signed_in_page(
    browser: Any,  # noqa: F811
    live: Any,  # noqa: F811
    width: int,
    persona_id: str = "citizen-valid",
) -> Any:
    page = await new_page(browser, live)
    await page.set_viewport_size({"width": width, "height": 900})
    # The applicant, the provider's office and the counter at once: each has its own cookie.
    for who in ({"persona": persona_id}, {"staff": "alm-office"}, {"operator": "gk-alm-1"}):
        reply = await page.request.post("/api/v1/console/login", data=who)
        assert reply.ok, await reply.text()
    return page


@pytest.mark.long
async def test_pages_fit_a_laptop_and_a_phone_in_each_language(
    browser,  # noqa: F811
    live,  # noqa: F811
    persona,
    tmp_path: Path,
) -> None:
    await _completed_licence(live, persona)
    too_wide = []
    for width in (1280, 390):
        page = await _signed_in_page(browser, live, width)
        for lang in ("kk", "ru", "en"):
            for path in PAGES:
                await page.goto(f"{path}?lang={lang}")
                name = f"{width}-{lang}-{path.strip('/').replace('/', '-') or 'home'}.png"
                await page.screenshot(
                    path=tmp_path / name
                )  # the first screen: fast, and enough to see
                overflow = await page.evaluate(OVERFLOW)
                if overflow > 0:
                    culprits = await page.evaluate(CULPRITS)
                    too_wide.append(
                        f"{path} [{lang}] at {width} px: {overflow} px too wide {culprits}"
                    )
        await page.context.close()
    assert too_wide == [], "\n".join(too_wide)


async def test_on_a_laptop_the_header_is_one_row_with_the_name_on_one_line(
    browser,  # noqa: F811
    live,  # noqa: F811
    tmp_path: Path,
) -> None:
    for persona_id in ("citizen-valid", "company-first-head"):  # the longest: a company's
        page = await _signed_in_page(browser, live, 1280, persona_id)
        for lang in ("kk", "ru", "en"):
            await page.goto(f"/cabinet?lang={lang}")
            await page.screenshot(path=tmp_path / f"header-{persona_id}-{lang}.png")
            name = page.locator(".account__name")
            assert await name.evaluate(LINES) == 1, f"{persona_id}'s name wraps [{lang}]"
            rows = await page.evaluate(HEADER_ROWS)
            assert rows == 1, f"the header takes {rows} rows for {persona_id} [{lang}]"
        await page.context.close()


async def test_the_key_dialog_keeps_each_date_on_one_line_on_a_phone(
    browser,  # noqa: F811
    live,  # noqa: F811
    tmp_path: Path,
) -> None:
    page = await new_page(browser, live)
    await page.set_viewport_size({"width": 390, "height": 800})
    for lang in ("kk", "ru", "en"):
        await page.goto(f"/login?lang={lang}")
        await page.fill("#login", "850715330124")
        await page.fill("#password", PASSWORD)
        await page.click("#login-form button[type=submit]")
        dialog = page.locator("#egovsim-ncalayer")
        await dialog.wait_for(state="visible")
        await page.screenshot(path=tmp_path / f"key-dialog-{lang}.png")
        dates = page.locator("#egovsim-ncalayer .ncalayer-key-until")
        assert await dates.count() > 0
        for index in range(await dates.count()):
            assert await dates.nth(index).evaluate(LINES) == 1, await dates.nth(index).inner_text()
        assert await page.evaluate(OVERFLOW) <= 0
        await dialog.locator("button[data-role=cancel]").click()
    await page.context.close()


async def test_the_site_has_its_icon(browser, live) -> None:  # noqa: F811
    page = await new_page(browser, live)
    await page.goto("/")
    icon = await page.locator("link[rel=icon]").get_attribute("href")
    reply = await page.request.get(icon)
    assert reply.ok and reply.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in await reply.body()
    legacy = await page.request.get("/favicon.ico")
    assert legacy.ok and legacy.url.endswith(icon)
    await page.context.close()
