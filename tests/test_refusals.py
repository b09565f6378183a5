"""The refusal catalogue as an API and a page: every code, its step, its words and its trigger."""

from __future__ import annotations

import re

import pytest

from egovsim.catalogue.trigger_words import HOW_WORDS
from egovsim.catalogue.triggers import TRIGGERS
from egovsim.errors import CATALOGUE, LANGUAGES
from egovsim.pki.personas import PERSONAS
from egovsim.web.common.i18n import word


def test_every_catalogued_code_has_a_trigger_and_every_trigger_a_code() -> None:
    assert set(TRIGGERS) - set(CATALOGUE) == set(), "triggers for codes not in the catalogue"
    assert set(CATALOGUE) - set(TRIGGERS) == set(), "catalogued codes without a trigger"
    for code, trigger in TRIGGERS.items():
        assert trigger.how.strip().endswith((".", ")")), code


def test_every_persona_named_by_a_trigger_exists() -> None:
    known = {persona.id for persona in PERSONAS}
    for code, trigger in TRIGGERS.items():
        assert trigger.persona is None or trigger.persona in known, code


def test_a_persona_with_an_expected_c2_code_is_its_trigger_or_a_sibling() -> None:
    """The personas made to fail C2 are what the catalogue points at for those codes."""
    for persona in PERSONAS:
        if persona.expected_code is not None:
            assert TRIGGERS[persona.expected_code].persona is not None, persona.expected_code


async def test_the_api_lists_exactly_the_catalogue(client) -> None:
    answer = await client.get("/api/v1/refusals")
    assert answer.status == 200
    entries = (await answer.json())["refusals"]
    assert sorted(e["code"] for e in entries) == sorted(CATALOGUE)
    for entry in entries:
        catalogued = CATALOGUE[entry["code"]]
        assert entry["step"] == catalogued.step
        assert entry["messages"] == {lang: catalogued.messages[lang] for lang in LANGUAGES}
        assert entry["trigger"]["how"] and entry["trigger"]["interface"]
        assert (entry["http_status"] is None) != (entry["soap_fault"] is None) or (
            entry["code"] == "INTERNAL_ERROR"
        )


async def test_gateway_codes_are_soap_faults_and_conditions_name_their_refusal_step(
    client,
) -> None:
    entries = {
        e["code"]: e for e in (await (await client.get("/api/v1/refusals")).json())["refusals"]
    }
    sender = entries["SENDER_UNKNOWN"]
    assert sender["http_status"] is None
    assert sender["soap_fault"] == {
        "http_status": 500,
        "faultcode": "soapenv:Client",
        "detail": "ErrorInfo",
    }
    assert entries["INTERNAL_ERROR"]["soap_fault"]["faultcode"] == "soapenv:Server"
    assert entries["INTERNAL_ERROR"]["http_status"] == 500
    assert entries["PASSWORD_WRONG"]["refusal_step"] == "P2"
    assert entries["CERT_EXPIRED"]["refusal_step"] == "P5"
    assert entries["CERT_EXPIRED"]["trigger"]["persona"] == "citizen-expired"
    assert entries["DOCUMENTS_INCOMPLETE"]["refusal_step"] == "P8"
    assert entries["NOT_FOUND"]["refusal_step"] is None


async def test_the_api_filters_by_step_and_refuses_an_unknown_step(client) -> None:
    c2 = (await (await client.get("/api/v1/refusals?step=C2")).json())["refusals"]
    assert {e["code"] for e in c2} == {c for c, e in CATALOGUE.items() if e.step == "C2"}
    unknown = await client.get("/api/v1/refusals?step=Z9")
    assert unknown.status == 400
    assert (await unknown.json())["error"]["code"] == "BAD_REQUEST"


async def test_one_refusal_by_code_and_an_unknown_code_is_not_found(client) -> None:
    one = await client.get("/api/v1/refusals/CERT_REVOKED")
    assert one.status == 200
    body = await one.json()
    assert body["code"] == "CERT_REVOKED"
    assert body["http_status"] == 422
    assert body["messages"]["kk"] == CATALOGUE["CERT_REVOKED"].messages["kk"]
    missing = await client.get("/api/v1/refusals/NO_SUCH_CODE")
    assert missing.status == 404
    error = (await missing.json())["error"]
    assert error["code"] == "NOT_FOUND"
    assert error["details"] == {"code": "NO_SUCH_CODE"}


async def test_the_openapi_document_describes_the_refusal_routes(client) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()
    listed = document["paths"]["/api/v1/refusals"]["get"]
    assert listed["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RefusalList"
    }
    assert "/api/v1/refusals/{code}" in document["paths"]
    assert "Refusal" in document["components"]["schemas"]


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_page_renders_every_code_in_each_language(client, lang: str) -> None:
    page = await client.get(f"/refusals?lang={lang}")
    assert page.status == 200
    html = await page.text()
    assert f'<html lang="{lang}">' in html
    assert word("refusals.title", lang) in html  # type: ignore[arg-type]
    for code in CATALOGUE:
        assert f'<tr id="{code}">' in html
    # The page's language first, the other two behind a disclosure, each marked with its lang.
    expired = CATALOGUE["CERT_EXPIRED"].messages
    assert f'<p lang="{lang}">{expired[lang]}</p>' in html
    for other in LANGUAGES:
        if other != lang:
            assert re.search(rf'<p lang="{other}">.*?{re.escape(expired[other])}</p>', html)
    assert "<details>" in html and "<summary>" in html


async def test_the_page_filters_by_step(client) -> None:
    html = await (await client.get("/refusals?step=gateway&lang=en")).text()
    assert '<tr id="SENDER_UNKNOWN">' in html
    assert '<tr id="CERT_EXPIRED">' not in html
    assert '<option value="gateway" selected>' in html
    assert "soapenv:Client" in html
    c1 = await (await client.get("/refusals?step=C1&lang=en")).text()
    assert '<tr id="PASSWORD_WRONG">' in c1 and '<tr id="SENDER_UNKNOWN">' not in c1
    assert "<code>P2</code>" in c1


async def test_the_page_refuses_an_unknown_step_with_a_page(client) -> None:
    page = await client.get("/refusals?step=<b>", headers={"Accept": "text/html"})
    assert page.status == 400
    html = await page.text()
    assert "BAD_REQUEST" in html
    assert "<b>" not in html.split("<main", 1)[1]


async def test_the_footer_links_the_catalogue(client) -> None:
    html = await (await client.get("/workstation?lang=en")).text()
    assert '<a href="/refusals">The refusal catalogue</a>' in html


def test_how_to_reach_each_refusal_is_said_in_kk_and_ru_with_the_same_code_parts() -> None:
    assert set(HOW_WORDS) == set(TRIGGERS)
    for code, trigger in TRIGGERS.items():
        english = sorted(re.findall(r"`[^`]+`", trigger.how))
        for lang in ("kk", "ru"):
            words = HOW_WORDS[code][lang]
            assert (words.strip() and words != trigger.how) or code == "PACKAGE_NOT_FOUND", code
            assert sorted(re.findall(r"`[^`]+`", words)) == english, (code, lang)


async def test_the_page_says_how_to_reach_a_refusal_in_the_pages_language(client) -> None:
    for lang in ("kk", "ru", "en"):
        html = await (await client.get(f"/refusals?lang={lang}")).text()
        assert HOW_WORDS["PASSWORD_WRONG"].get(lang, TRIGGERS["PASSWORD_WRONG"].how) in html
        assert "<code>egovsim verify cms</code>" in html  # backticks read as code
