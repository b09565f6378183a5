"""A Shymkent application registered at the provider's office gets its signed result in the
applicant's personal cabinet (Shymkent item 1): the workstation sends it through the gateway as a
REQUEST routed to the portal, logged like any other message; without an account it stays
undelivered and the office hands the result over."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

from egovsim.gateway.seed import PORTAL_ROUTE, WORKSTATION_SENDER
from egovsim.identity import generate_bin
from egovsim.pki.personas import COMPANY_BIN, PROVIDER_ENTITIES
from egovsim.web.common.keys import SIMULATOR
from egovsim.workstation.office_results import CABINET_RESULT_IDS
from tests.test_pages_words import untranslated, visible_text
from tests.test_portal import app_client, deliver_all, passport_day, staff  # noqa: F401
from tests.test_portal_api import signed_in
from tests.test_workstation import set_clock

PASSPORT = "shymkent-energy-readiness-passport"


def passport_at_office(bin_: str) -> dict[str, Any]:
    """The readiness passport asked for at the provider's office by the organization `bin_`."""
    category = "energy-producing-organization"
    return {
        "service": PASSPORT,
        "category": category,
        "applicant": {"bin": bin_, "name": "ТОО «ОҢТҮСТІК ЭНЕРГО TEST»"},
        "form": {"bin": bin_, "applicant-category": category, "heating-season": 2027},
        "documents": ["application", "supporting-documents"],
    }


async def result_signed_at_office(client: Any, bin_: str, refuse: bool = False) -> str:
    """The office registers the passport for `bin_`, the route runs to the head's signature and
    the office hands the result over; every message delivered. The provider's number."""
    office, head = await staff(client, "shym-office"), await staff(client, "shym-head")
    dept, executor = await staff(client, "shym-dept"), await staff(client, "shym-executor")
    view = await office.call(
        "POST", "/api/v1/workstation/applications", passport_at_office(bin_), 201
    )
    number = int(view["id"])
    await office.act(number, "register")
    await head.act(number, "resolve")
    await dept.act(number, "assign", executor="shym-executor")
    verdict = "missing" if refuse else "compliant"
    await executor.act(
        number,
        "check",
        documents={"application": "compliant", "supporting-documents": verdict},
    )
    if refuse:
        await executor.act(number, "prepare", refusal=True, grounds="Item 9: missing.")
    else:
        await executor.act(number, "prepare", result="passport")
    await head.act(number, "sign")
    await office.act(number, "hand_over")
    await deliver_all(client)
    return str(view["number"])


async def test_an_office_application_gets_its_result_in_the_cabinet_as_p8(
    app_client,  # noqa: F811
    persona,
) -> None:
    await set_clock(app_client, passport_day(lambda day: day + timedelta(days=20)))
    number = await result_signed_at_office(app_client, COMPANY_BIN)

    message_id = str(uuid.uuid5(CABINET_RESULT_IDS, f"shymkent-energy:{number}"))
    sent = await app_client.app[SIMULATOR].gateway_store.message(message_id)
    assert sent is not None
    assert (sent.sender_id, sent.message_type, sent.receiver) == (
        WORKSTATION_SENDER,
        "REQUEST",
        "portal",
    )
    assert sent.service_id == PASSPORT
    assert sent.state == "DELIVERED"
    assert b"<routeId>" + PORTAL_ROUTE.encode() in sent.envelope

    company = await signed_in(app_client, persona, "company-first-head")
    listed = (await company.call("GET", "/applications"))["applications"]
    assert len(listed) == 1, listed
    entry = listed[0]
    assert entry["status"] == "completed"
    detail = await company.call("GET", f"/applications/{entry['id']}")
    steps = [(e["step"], e["event"]) for e in detail["timeline"]]
    # Shymkent numbers the registration at the workstation P6 and the result P8 (item 9).
    assert steps == [("P6", "registered"), ("P8", "result")], steps
    assert detail["provider_number"] == number
    assert detail["result"]["indication"] == "TOTAL_PASSED"
    assert detail["result"]["signer"]["bin"] == PROVIDER_ENTITIES["shymkent-energy"][0]
    notices = (await company.call("GET", "/notifications"))["notifications"]
    assert [n["kind"] for n in notices] == ["result"]
    # The cabinet's page shows it in the reader's language, its raw ids none of the words.
    page = await app_client.get(f"/cabinet/applications/{entry['id']}?lang=ru")
    assert page.status == 200
    text = visible_text(await page.text(), "ru")
    assert number in text
    assert untranslated(text, "ru", {"provider_office", "registered", "result", "passport"}) == []
    # Annex 1 is lit from the registration on: the applicant walked none of the portal's steps.
    page = await app_client.get(f"/cabinet/applications/{entry['id']}?lang=en")
    text = visible_text(await page.text(), "en")
    assert re.search(r"P1 [^—]+— not reached yet", text), text
    assert re.search(r"P5 [^—]+— not reached yet", text), text
    assert re.search(r"P6 [^—]+— done", text), text
    assert re.search(r"P8 [^—]+— done", text), text


async def test_an_office_refusal_reaches_the_cabinet_as_p7_then_p8(
    app_client,  # noqa: F811
    persona,
) -> None:
    await set_clock(app_client, passport_day(lambda day: day + timedelta(days=20)))
    await result_signed_at_office(app_client, COMPANY_BIN, refuse=True)

    company = await signed_in(app_client, persona, "company-first-head")
    entry = (await company.call("GET", "/applications"))["applications"][0]
    assert entry["status"] == "refused"
    detail = await company.call("GET", f"/applications/{entry['id']}")
    steps = [(e["step"], e["event"]) for e in detail["timeline"]]
    assert steps == [("P6", "registered"), ("P7", "refused"), ("P8", "result")], steps


async def test_without_a_portal_account_the_result_stays_at_the_office(
    app_client,  # noqa: F811
    persona,
) -> None:
    await set_clock(app_client, passport_day(lambda day: day + timedelta(days=20)))
    stranger = generate_bin(2011, 5, "resident", "head", serial=7311, today=date(2026, 1, 1))
    number = await result_signed_at_office(app_client, stranger)

    message_id = str(uuid.uuid5(CABINET_RESULT_IDS, f"shymkent-energy:{number}"))
    store = app_client.app[SIMULATOR].gateway_store
    sent = await store.message(message_id)
    assert sent is not None
    assert sent.state == "NOT_DELIVERED"
    attempts = await store.attempts(sent)
    assert "has no account on the portal" in attempts[-1].detail
    office = await staff(app_client, "shym-office")
    found = await office.call("GET", "/api/v1/workstation/applications")
    mine = next(a for a in found["applications"] if a["number"] == number)
    assert mine["status"] == "completed"
    # Nobody else's cabinet got it.
    company = await signed_in(app_client, persona, "company-first-head")
    assert (await company.call("GET", "/applications"))["applications"] == []
