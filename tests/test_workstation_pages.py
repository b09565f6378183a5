"""The workstation's web pages: sign in, inbox, an application, a step done from its form."""

from __future__ import annotations

import re

from tests.test_workstation import day_in_certificate_window, passport_request, set_clock


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert match, "the page carries a form token"
    return match.group(1)


async def test_a_clerk_signs_in_and_registers_from_the_page(client) -> None:
    await set_clock(client, day_in_certificate_window(9, 2))
    page = await client.get("/workstation?lang=kk")
    assert page.status == 200
    assert 'name="password"' in await page.text()

    refused = await client.post(
        "/workstation/login", data={"login": "shym-office", "password": "wrong"}
    )
    assert refused.status == 401
    assert "STAFF_LOGIN_FAILED" in await refused.text()

    signed_in = await client.post(
        "/workstation/login",
        data={"login": "shym-office", "password": "Qwerty12"},
        allow_redirects=False,
    )
    assert signed_in.status == 303
    created = await client.post("/api/v1/workstation/applications", json=passport_request())
    number = (await created.json())["id"]

    inbox = await client.get("/workstation")
    text = await inbox.text()
    assert "ӘЛІБЕКОВА" in text
    assert f"/workstation/applications/{number}" in text
    assert "Кіріс" in text  # the Kazakh word for the inbox, remembered from ?lang=kk

    page = await client.get(f"/workstation/applications/{number}")
    html = await page.text()
    assert f'action="/workstation/applications/{number}/register"' in html
    stale = await client.post(
        f"/workstation/applications/{number}/register",
        data={"csrf": "0" * 64},
        headers={"Accept": "text/html"},
    )
    assert stale.status == 400
    assert "BAD_REQUEST" in await stale.text()
    done = await client.post(
        f"/workstation/applications/{number}/register",
        data={"csrf": _csrf(html)},
        allow_redirects=False,
    )
    assert done.status == 303
    after = await (await client.get(f"/workstation/applications/{number}")).text()
    assert "register" not in re.findall(r'applications/\d+/(\w+)"', after)
    assert "shym-office" in after


async def _application_received_by_the_office(client) -> int:
    await set_clock(client, day_in_certificate_window(9, 2))
    await client.post("/workstation/login", data={"login": "shym-office", "password": "Qwerty12"})
    created = await client.post("/api/v1/workstation/applications", json=passport_request())
    return int((await created.json())["id"])


async def test_a_refusal_on_the_page_shows_its_code(client) -> None:
    number = await _application_received_by_the_office(client)
    html = await (await client.get(f"/workstation/applications/{number}")).text()
    page = await client.post(f"/workstation/applications/{number}/sign", data={"csrf": _csrf(html)})
    assert page.status == 409
    assert "ACTION_NOT_EXPECTED" in await page.text()


async def test_pages_of_another_provider_are_not_found(client) -> None:
    number = await _application_received_by_the_office(client)
    await client.post("/workstation/login", data={"login": "alm-office", "password": "Qwerty12"})
    page = await client.get(f"/workstation/applications/{number}", headers={"Accept": "text/html"})
    assert page.status == 404
    assert "APPLICATION_NOT_FOUND" in await page.text()
