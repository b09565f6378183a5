"""The portal in a real browser (Playwright driving the system's Chromium): a citizen's whole
path — sign in with the AUTH key through egovsim's NCALayer socket, order the vessel licence,
attach the documents, sign with the key dialog, the provider acts while the clock moves, and
the signed result appears in the cabinet — and a refusal at C1 and at C2 on screen, each in two
languages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.web.app import create_app
from tests.browser import chromium, needs_chromium
from tests.conftest import PASSWORD
from tests.test_portal import (
    DUPLICATE_DOCUMENTS,
    LICENCE,
    deliver_all,
    inbox_number,
    staff,
    working_morning,
)
from tests.test_workstation import advance

pytestmark = needs_chromium
#: Every wait for the page is bounded: a step that does not happen fails the test.
STEP_MS = 15_000


@pytest.fixture
async def live(gateway_settings) -> AsyncIterator[TestClient]:
    """The whole app on a loopback port (delivery driven by the test), clock on a working
    morning, and an API client of the same server for the provider's staff."""
    clock = Clock(frozen_at=working_morning())
    server = TestServer(create_app(gateway_settings, clock), host="127.0.0.1")
    async with TestClient(server) as client:
        yield client


@pytest.fixture
async def browser(live: TestClient) -> AsyncIterator[Any]:
    """Chromium, closed before the server stops: an open page keeps the NCALayer socket open,
    and the server would wait for it."""
    async with chromium() as launched:
        yield launched


async def new_page(browser: Any, live: TestClient) -> Any:
    context = await browser.new_context(base_url=str(live.make_url("/")).rstrip("/"))
    page = await context.new_page()
    page.set_default_timeout(STEP_MS)
    return page


async def choose_key(page: Any, persona_id: str, password: str = PASSWORD) -> None:
    """Answer egovsim's NCALayer key dialog as a user answers NCALayer's window."""
    dialog = page.locator("#egovsim-ncalayer")
    await dialog.wait_for(state="visible")
    await dialog.locator(f"input[name=persona][value='{persona_id}']").check()
    await dialog.locator("#egovsim-ncalayer-password").fill(password)
    await dialog.locator("button[type=submit]").click()


async def sign_in(page: Any, login: str, persona_id: str, lang: str, password: str = PASSWORD):
    await page.goto(f"/login?lang={lang}")
    await page.fill("#login", login)
    await page.fill("#password", password)
    await page.click("#login-form button[type=submit]")
    await choose_key(page, persona_id)


async def test_a_citizen_signs_in_orders_signs_and_finds_the_signed_result(
    browser, live, persona, tmp_path: Path
) -> None:
    citizen = persona("citizen-valid")
    page = await new_page(browser, live)
    await sign_in(page, citizen.iin, "citizen-valid", "en")
    await page.wait_for_url("**/cabinet")
    await page.screenshot(path=tmp_path / "cabinet.png")

    await page.goto(f"/services/{LICENCE}")
    await page.click("text=Order the service")
    await page.check("input[name=variant][value=duplicate]")
    await page.click("form.form button[type=submit]")
    await page.wait_for_url("**/cabinet/applications/*")
    names = {"application": "application.pdf", "identity-document": "id.jpg", "photo": "photo.png"}
    for document_id, data in DUPLICATE_DOCUMENTS.items():
        row = page.locator(f"[data-document='{document_id}']")
        await row.locator("input[type=file]").set_input_files(
            {"name": names[document_id], "mimeType": "application/octet-stream", "buffer": data}
        )
        await row.locator("button[type=submit]").click()
        await row.locator(f"text={names[document_id]}").wait_for()

    await page.click("#sign-button")
    await choose_key(page, "citizen-valid")
    await page.locator("[data-status=sent]").wait_for()
    assert await page.locator("[data-step=P7][data-event=sent]").count() == 1

    # The provider's staff act on the workstation while the simulator's clock moves on.
    await deliver_all(live)
    office, head = await staff(live, "alm-office"), await staff(live, "alm-head")
    executor = await staff(live, "alm-executor")
    number = await inbox_number(office)
    await office.act(number, "register")  # item 8.2: no resolution for the portal
    await advance(live, working_days=1)
    await executor.open_attachments(number)
    await executor.act(number, "check", documents=dict.fromkeys(DUPLICATE_DOCUMENTS, "compliant"))
    await executor.act(number, "prepare", result="duplicate")
    await head.act(number, "sign")
    await office.act(number, "hand_over")
    await deliver_all(live)

    await page.reload()
    await page.locator("[data-status=completed]").wait_for()
    assert await page.locator("[data-result-indication]").inner_text() == "TOTAL_PASSED"
    assert await page.locator("[data-step=P9]").count() >= 1
    await page.screenshot(path=tmp_path / "application.png", full_page=True)
    await page.click("text=Printable")
    await page.wait_for_url("**/result")
    assert citizen.iin in await page.locator("main").inner_text()


@pytest.mark.parametrize(
    ("lang", "words"),
    [("ru", "Неверный пароль"), ("kk", "Құпиясөз қате")],
)
async def test_a_wrong_password_is_refused_at_c1_on_screen(browser, live, persona, lang, words):
    page = await new_page(browser, live)
    await sign_in(page, persona("citizen-valid").iin, "citizen-valid", lang, password="Wrong123")
    refusal = page.locator("#login-form [data-refusal]")
    await refusal.wait_for(state="visible")
    assert await refusal.get_attribute("data-code") == "PASSWORD_WRONG"
    assert words in await refusal.inner_text()
    assert "/login" in page.url


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "an authentication key"), ("ru", "ключом аутентификации")],
)
async def test_signing_with_an_authentication_key_is_refused_at_c2_on_screen(
    browser, live, persona, lang, words
) -> None:
    """citizen-auth-only has only an AUTH key: it signs in, but its request is refused (P5)."""
    who = persona("citizen-auth-only")
    page = await new_page(browser, live)
    await sign_in(page, who.iin, "citizen-auth-only", lang)
    await page.wait_for_url("**/cabinet")
    await page.goto(f"/services/{LICENCE}/order?lang={lang}")
    await page.check("input[name=variant][value=duplicate]")
    await page.click("form.form button[type=submit]")
    await page.wait_for_url("**/cabinet/applications/*")
    for document_id, data in DUPLICATE_DOCUMENTS.items():
        row = page.locator(f"[data-document='{document_id}']")
        await row.locator("input[type=file]").set_input_files(
            {"name": f"{document_id}.bin", "mimeType": "application/octet-stream", "buffer": data}
        )
        await row.locator("button[type=submit]").click()
        await row.locator(f"text={document_id}.bin").wait_for()
    await page.click("#sign-button")
    await choose_key(page, "citizen-auth-only")
    refusal = page.locator("[data-sign-refusal]")
    await refusal.wait_for(state="visible")
    assert await refusal.locator("[data-code]").inner_text() == "CERT_WRONG_KEY_USAGE"
    assert await refusal.locator("[data-step]").inner_text() == "C2"
    assert words in (await refusal.inner_text()).lower()
    assert await page.locator("[data-status=draft]").count() == 1
