"""A company's request signed by two people (the first head, then a second person such as the
chief accountant) through the portal's JSON API: both of the request's BIN, the first with the
right to sign, every signer reported in C2 and on the timeline."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.signatures import cades, cms
from egovsim.web.app import create_app
from egovsim.web.common.keys import SIMULATOR
from tests.test_portal import (
    PASSPORT,
    PASSPORT_DOCUMENTS,
    deliver_all,
    inbox_number,
    passport_day,
    staff,
)
from tests.test_portal_api import PASSPORT_FORM, Cabinet, api, signed_in  # noqa: F401
from tests.test_workstation import advance, set_clock


def _signed_by(client: Any, persona: Any, document: bytes, *people: str) -> bytes:
    """The e-document signed by the first person, each next one added as `sign cms --add`."""
    now = client.app[SIMULATOR].clock.now()
    first = persona(people[0]).sign
    signature = cms.sign(document, first.key, first.certificate, first.chain, now)
    for other in people[1:]:
        keystore = persona(other).sign
        signature = cades.add_signer(
            signature, None, keystore.key, keystore.certificate, keystore.chain, now
        )
    return signature


async def _passport_draft(api: Any, persona: Any) -> tuple[Cabinet, int, bytes]:  # noqa: F811
    await set_clock(api, passport_day())
    cabinet = await signed_in(api, persona, "company-first-head")
    draft = await cabinet.start(PASSPORT, None, PASSPORT_FORM)
    for document_id, data in PASSPORT_DOCUMENTS.items():
        await cabinet.attach(draft["id"], document_id, data, f"{document_id}.pdf")
    return cabinet, int(draft["id"]), await cabinet.document(draft["id"])


def _json(signature: bytes) -> bytes:
    return json.dumps({"cms": base64.b64encode(signature).decode()}).encode()


async def test_the_first_head_and_the_chief_accountant_sign_the_request_together(
    api,  # noqa: F811
    persona,
) -> None:
    cabinet, number, document = await _passport_draft(api, persona)
    signature = _signed_by(api, persona, document, "company-first-head", "company-finance")

    sent = await cabinet.sign(number, _json(signature), content_type="application/json")

    assert sent["status"] == "sent"
    head, accountant = persona("company-first-head"), persona("company-finance")
    signers = sent["signature"]["signers"]
    assert [s["signer"]["iin"] for s in signers] == [head.iin, accountant.iin]
    assert [s["indication"] for s in signers] == ["TOTAL_PASSED", "TOTAL_PASSED"]
    assert sent["signature"]["signer"]["iin"] == head.iin
    (signed,) = [e for e in sent["timeline"] if e["event"] == "signed"]
    assert [c["iin"] for c in signed["details"]["cosigners"]] == [accountant.iin]
    (confirmed,) = [e for e in sent["timeline"] if e["event"] == "signature_confirmed"]
    roles = [
        next(c for c in s["checks"] if c["name"] == "role")
        for s in confirmed["details"]["report"]["signers"]
    ]
    assert roles[0]["detail"].startswith("first-head") and "co-signs" in roles[1]["detail"]


@pytest.mark.parametrize(
    ("people", "signer", "signer_code"),
    [
        (("company-first-head", "shymkent-energy-head"), 2, "BIN_MISMATCH"),
        (("company-first-head", "citizen-valid"), 2, "BIN_MISMATCH"),
        (("company-finance", "company-first-head"), 1, "NO_SIGNING_RIGHT"),
    ],
    ids=["another-company", "an-individual", "accountant-first"],
)
async def test_a_request_with_a_refused_signer_is_refused_naming_that_signer(
    api,  # noqa: F811
    persona,
    people: tuple[str, str],
    signer: int,
    signer_code: str,
) -> None:
    cabinet, number, document = await _passport_draft(api, persona)
    signature = _signed_by(api, persona, document, *people)

    refused = await cabinet.sign(number, _json(signature), 422, "application/json")

    assert refused["error"]["code"] == "SIGNER_REFUSED"
    report = refused["error"]["details"]["report"]
    (named,) = [c for c in report["checks"] if c["name"] == f"signer {signer}"]
    assert named["status"] == "failed" and signer_code in named["detail"]
    view = await cabinet.call("GET", f"/applications/{number}")
    assert view["status"] == "draft"


async def test_the_request_page_offers_a_second_signer_and_shows_every_signer(
    api,  # noqa: F811
    persona,
) -> None:
    cabinet, number, document = await _passport_draft(api, persona)
    page = await api.get(f"/cabinet/applications/{number}")
    draft = await page.text()
    assert "data-cosign" in draft and "data-tsa-profile" not in draft

    signature = _signed_by(api, persona, document, "company-first-head", "company-finance")
    await cabinet.sign(number, _json(signature), content_type="application/json")
    page = await api.get(f"/cabinet/applications/{number}")
    sent = await page.text()

    listed = sent[sent.index("data-signers") :]
    listed = listed[: listed.index("</ol>")]
    assert listed.count("<li>") == 2 and listed.count("TOTAL_PASSED") == 2


async def test_with_portal_timestamps_the_pages_ask_ncalayer_for_a_tsa_profile(
    gateway_settings, persona
) -> None:
    settings = gateway_settings.with_overrides(portal_timestamps=True)
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        login = await (await client.get("/login")).text()
        assert 'data-tsa-profile="{&#34;policy&#34;: &#34;1.2.398.3.3.2.6.1&#34;}"' in login


# -- the provider's result: signed by the deputy, approved by the head -------------------------


async def test_the_head_approves_the_result_the_deputy_signs_and_the_cabinet_shows_both(
    api,  # noqa: F811
    persona,
) -> None:
    cabinet, number, document = await _passport_draft(api, persona)
    signature = _signed_by(api, persona, document, "company-first-head")
    await cabinet.sign(number, _json(signature), content_type="application/json")
    await deliver_all(api)
    office, head = await staff(api, "shym-office"), await staff(api, "shym-head")
    dept, executor = await staff(api, "shym-dept"), await staff(api, "shym-executor")
    deputy = await staff(api, "shym-signer")
    provider_id = await inbox_number(office)
    await office.act(provider_id, "register")
    await head.act(provider_id, "resolve")
    await dept.act(provider_id, "assign", executor="shym-executor")
    await advance(api, days=12)
    await executor.open_attachments(provider_id)
    await executor.act(
        provider_id, "check", documents=dict.fromkeys(PASSPORT_DOCUMENTS, "compliant")
    )
    await executor.act(provider_id, "prepare", result="passport")
    await advance(api, working_days=1)
    for approver in ("shym-dept", "shym-signer", "alm-head", 5):
        refused = await deputy.act(provider_id, "sign", 403, approver=approver)
        assert refused["error"]["code"] == "STEP_NOT_FOR_ROLE", (approver, refused)

    # The deputy signs from the workstation's page, choosing the head as the approver.
    await api.post("/workstation/login", data={"login": "shym-signer", "password": "Qwerty12"})
    html = await (await api.get(f"/workstation/applications/{provider_id}")).text()
    assert "data-approver" in html and 'value="shym-head"' in html
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert token is not None
    done = await api.post(
        f"/workstation/applications/{provider_id}/sign",
        data={"csrf": token.group(1), "approver": "shym-head"},
        allow_redirects=False,
    )
    assert done.status == 303, await done.text()
    signed = await deputy.call("GET", f"/api/v1/workstation/applications/{provider_id}")
    await office.act(provider_id, "hand_over")
    await deliver_all(api)

    (sign_step,) = [t for t in signed["history"] if t["action"] == "sign"]
    deputy_person, head_person = persona("shymkent-energy-signer"), persona("shymkent-energy-head")
    assert sign_step["details"]["approver"]["iin"] == head_person.iin
    shown = await cabinet.call("GET", f"/applications/{number}")
    signers = shown["result"]["signers"]
    assert [s["signer"]["iin"] for s in signers] == [deputy_person.iin, head_person.iin]
    assert [s["indication"] for s in signers] == ["TOTAL_PASSED", "TOTAL_PASSED"]
    printable = await (await api.get(f"/cabinet/applications/{number}/result")).text()
    assert printable.count("data-approver") == 1
