"""The portal's pages as a browser without scripts sees them: the catalogue in three languages,
the request form and its refusals, the cabinet behind the login, refusals as pages, and the
document check."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.errors import CATALOGUE
from egovsim.signatures.encoding import to_der
from egovsim.web.app import create_app
from tests.test_portal import LICENCE, PASSPORT, working_morning
from tests.test_portal_api import egovsim_cms, signed_in

HTML = {"Accept": "text/html"}


@pytest.fixture
async def api(gateway_settings) -> AsyncIterator[TestClient]:
    """The whole app with its clock on a working morning after the suite's NOW."""
    clock = Clock(frozen_at=working_morning())
    async with TestClient(TestServer(create_app(gateway_settings, clock), host="127.0.0.1")) as c:
        yield c


async def page(client: Any, path: str, status: int = 200, **kwargs: Any) -> str:
    reply = await client.get(path, headers=HTML, allow_redirects=False, **kwargs)
    text = await reply.text()
    assert reply.status == status, text[:2000]
    return text


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


async def test_the_catalogue_is_shown_in_each_language_without_a_login(api) -> None:
    names = {
        "kk": "Өздігінен жүретін шағын көлемді кемелерді",
        "ru": "Выдача удостоверений на право управления",
        "en": "Issuing licences to drive small self-propelled vessels",
    }
    for lang, name in names.items():
        html = await page(api, f"/services?lang={lang}")
        assert f'<html lang="{lang}">' in html
        assert name in html
    detail = await page(api, f"/services/{LICENCE}?lang=en")
    assert "Order the service" in detail and "working days" in detail
    await page(api, "/services/no-such-service", 404)


async def test_the_cabinet_and_the_order_form_send_a_stranger_to_sign_in(api) -> None:
    reply = await api.get("/cabinet", headers=HTML, allow_redirects=False)
    assert reply.status == 303
    assert reply.headers["Location"] == "/login?next=/cabinet"
    login = await page(api, "/login?lang=en")
    assert 'id="login-form"' in login and 'data-next="/cabinet"' in login
    assert "egovsim-ncalayer" in login  # the key dialog NCALayer would show
    outside = await page(api, "/login?next=//elsewhere.example/")
    assert 'data-next="/cabinet"' in outside  # never a redirect to another site


async def test_an_order_from_the_form_opens_a_draft_to_sign(api, persona) -> None:
    await signed_in(api, persona, "citizen-valid")
    form_page = await page(api, f"/services/{LICENCE}/order?lang=en")
    assert 'name="variant"' in form_page
    assert 'name="form.iin"' in form_page and "readonly" in form_page
    data = {"csrf_token": csrf_of(form_page), "variant": "duplicate", "form.iin": "0"}
    tampered = await api.post(f"/services/{LICENCE}/order", data=data, headers=HTML)
    assert "REQUEST_ID_NOT_APPLICANTS" in await tampered.text()  # only in one's own name
    data["form.iin"] = persona("citizen-valid").iin
    reply = await api.post(
        f"/services/{LICENCE}/order", data=data, headers=HTML, allow_redirects=False
    )
    assert reply.status == 303, await reply.text()
    draft = await page(api, reply.headers["Location"] + "?lang=en")
    assert 'id="sign-button"' in draft
    assert 'data-status="draft"' in draft
    assert 'data-step="P3"' in draft and 'data-step="C1"' in draft
    cabinet = await page(api, "/cabinet?lang=en")
    assert "draft" in cabinet


async def test_a_refusal_at_p3_is_shown_on_the_form_with_its_code(api, persona) -> None:
    await signed_in(api, persona, "citizen-valid")
    form_page = await page(api, f"/services/{PASSPORT}/order?lang=en")
    reply = await api.post(
        f"/services/{PASSPORT}/order",
        data={"csrf_token": csrf_of(form_page), "category": "energy-producing-organization"},
        headers=HTML,
    )
    html = await reply.text()
    assert reply.status == CATALOGUE["APPLICANT_NOT_ELIGIBLE"].http_status
    assert "APPLICANT_NOT_ELIGIBLE" in html and 'role="alert"' in html


async def test_a_form_without_its_csrf_token_is_refused(api, persona) -> None:
    await signed_in(api, persona, "citizen-valid")
    reply = await api.post(
        f"/services/{LICENCE}/order", data={"variant": "duplicate"}, headers=HTML
    )
    assert reply.status == 403
    assert "CSRF_TOKEN_INVALID" in await reply.text()


async def test_someone_elses_application_is_a_refusal_page(api, persona) -> None:
    await signed_in(api, persona, "citizen-valid")
    html = await page(api, "/cabinet/applications/4242?lang=en", 404)
    assert "APPLICATION_NOT_FOUND" in html and "<main" in html


async def test_the_document_check_shows_the_verifiers_report(api, persona) -> None:
    keystore = persona("citizen-valid").sign
    signature = egovsim_cms(api, keystore, b"any document")
    form = FormData()
    form.add_field("cms", signature, filename="doc.cms", content_type="application/pkcs7-mime")
    reply = await api.post("/check?lang=en", data=form, headers=HTML)
    html = await reply.text()
    assert reply.status == 200, html[:2000]
    assert "TOTAL_PASSED" in html and persona("citizen-valid").iin in html
    broken = bytearray(to_der(signature))
    broken[-5] ^= 0xFF
    form = FormData()
    form.add_field("cms", bytes(broken), filename="doc.cms")
    html = await (await api.post("/check?lang=en", data=form, headers=HTML)).text()
    assert "TOTAL_PASSED" not in html and "data-indication" in html
