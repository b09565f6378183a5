"""The portal's JSON API as an applicant uses it after a real login: the catalogue, a request with
its attachments, the e-document signed with OpenSSL or egovsim, every C2 refusal the personas
reach, the P3 refusals, the cabinet with its result, and the "check a document" page."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.pki.personas import COMPANY_BIN, PROVIDER_ENTITIES
from egovsim.signatures import cms
from egovsim.signatures.revocation import RevocationChecker
from egovsim.web.app import create_app
from egovsim.web.common.keys import SIMULATOR
from tests.conftest import BOTH_DATABASES, NOW
from tests.portal_helpers import log_in
from tests.test_openssl_interop import ca_files, openssl, write_cert, write_key
from tests.test_portal import (
    DUPLICATE_DOCUMENTS,
    JPEG,
    LICENCE,
    PASSPORT,
    PASSPORT_DOCUMENTS,
    PDF,
    PNG,
    deliver_all,
    inbox_number,
    outside_passport_window,
    passport_day,
    staff,
    working_morning,
)
from tests.test_workstation import advance, set_clock

API = "/api/v1/portal"
PASSPORT_FORM = {"applicant-category": "energy-producing-organization", "heating-season": 2027}


class Cabinet:
    """A signed-in applicant's side of the API: every state change carries the CSRF token."""

    def __init__(self, client: Any, csrf: str) -> None:
        self.client = client
        self.headers = {"X-CSRF-Token": csrf}

    async def call(
        self, method: str, path: str, status: int = 200, **kwargs: Any
    ) -> dict[str, Any]:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        reply = await self.client.request(method, API + path, headers=headers, **kwargs)
        body = await reply.json()
        assert reply.status == status, body
        return body  # type: ignore[no-any-return]

    async def start(
        self, service: str, variant: str | None, form: dict[str, Any], status: int = 201
    ) -> dict[str, Any]:
        body = {"service": service, "variant": variant, "form": form}
        return await self.call("POST", "/applications", status, json=body)

    async def attach(
        self, application: int, document_id: str, data: bytes, name: str = "scan", status=200
    ) -> dict[str, Any]:
        form = FormData()
        # A stream: aiohttp warns of large raw bytes in a form, and warnings are errors here.
        form.add_field(
            "file", io.BytesIO(data), filename=name, content_type="application/octet-stream"
        )
        path = f"/applications/{application}/attachments/{document_id}"
        return await self.call("POST", path, status, data=form)

    async def document(self, application: int) -> bytes:
        reply = await self.client.get(f"{API}/applications/{application}/document")
        assert reply.status == 200, await reply.text()
        return await reply.read()

    async def sign(
        self, application: int, body: bytes, status: int = 200, content_type: str = ""
    ) -> dict[str, Any]:
        headers = {"Content-Type": content_type or "application/pkcs7-signature"}
        path = f"/applications/{application}/signature"
        return await self.call("POST", path, status, data=body, headers=headers)

    async def licence_draft(self) -> int:
        """A duplicate licence's draft with its three documents attached."""
        draft = await self.start(LICENCE, "duplicate", {"request-kind": "duplicate"})
        for document_id, data in DUPLICATE_DOCUMENTS.items():
            await self.attach(draft["id"], document_id, data)
        return int(draft["id"])


@pytest.fixture
async def api(gateway_settings) -> AsyncIterator[TestClient]:
    """The whole app, delivery worker off, its clock frozen on a working morning after NOW."""
    clock = Clock(frozen_at=working_morning())
    async with TestClient(TestServer(create_app(gateway_settings, clock), host="127.0.0.1")) as c:
        yield c


async def signed_in(client: Any, persona: Any, persona_id: str) -> Cabinet:
    """A cabinet after a real login (P1, C1) with the persona's AUTH key."""
    return Cabinet(client, await log_in(client, persona, persona_id))


def egovsim_cms(client: Any, keystore: Any, data: bytes, detached: bool = False) -> bytes:
    return cms.sign(
        data,
        keystore.key,
        keystore.certificate,
        keystore.chain,
        client.app[SIMULATOR].clock.now(),
        detached=detached,
    )


async def duplicate_licence_route(client: Any) -> None:
    """The Almaty provider's staff run a sent duplicate licence's route to the handed-over
    result, and the answers reach the cabinet."""
    await deliver_all(client)
    office, head = await staff(client, "alm-office"), await staff(client, "alm-head")
    executor = await staff(client, "alm-executor")
    provider_id = await inbox_number(office)
    await office.act(provider_id, "register")  # item 8.2: no resolution for the portal
    await advance(client, working_days=1)
    await executor.open_attachments(provider_id)
    await executor.act(
        provider_id, "check", documents=dict.fromkeys(DUPLICATE_DOCUMENTS, "compliant")
    )
    await executor.act(provider_id, "prepare", result="duplicate")
    await head.act(provider_id, "sign")
    await office.act(provider_id, "hand_over")
    await deliver_all(client)


# -- the whole path ---------------------------------------------------------------------------


# The whole path on both stores: the portal, the gateway, the workstation and the cabinet.
@pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)
async def test_the_citizen_does_the_whole_path_with_an_openssl_made_cms(
    api, persona, pki, tmp_path: Path
) -> None:
    await set_clock(api, NOW)  # OpenSSL stamps the real time as the signing time
    cabinet = await signed_in(api, persona, "citizen-valid")
    draft = await cabinet.start(LICENCE, "duplicate", {"request-kind": "duplicate"})
    number = draft["id"]
    assert draft["status"] == "draft"
    assert [e["step"] for e in draft["timeline"]] == ["P1", "C1", "P3"]
    assert {d["id"]: d["required"] for d in draft["documents"]} == {
        "application": True,
        "identity-document": True,
        "photo": True,
        "damaged-licence": False,
    }
    # curl --data-binary @photo.png -H 'Content-Type: image/png' -H 'X-File-Name: ...'
    raw = await cabinet.call(
        "POST",
        f"/applications/{number}/attachments/photo",
        data=PNG,
        headers={"Content-Type": "image/png", "X-File-Name": "%D1%84%D0%BE%D1%82%D0%BE.png"},
    )
    photo = next(d for d in raw["documents"] if d["id"] == "photo")["attachment"]
    assert photo["file_name"] == "фото.png"
    await cabinet.attach(number, "application", PDF, "application.pdf")
    await cabinet.attach(number, "identity-document", JPEG, "id.jpg")
    download = await api.get(photo["href"])
    assert (download.status, await download.read()) == (200, PNG)

    document = await cabinet.document(number)
    assert document == await cabinet.document(number)
    (tmp_path / "request.json").write_bytes(document)
    keystore = persona("citizen-valid").sign
    signer = write_cert(tmp_path / "signer.pem", keystore.certificate)
    key = write_key(tmp_path / "signer.key", keystore)
    _, nca = ca_files(pki, tmp_path)
    made = openssl(
        "cms", "-sign", "-binary", "-md", "sha256", "-outform", "PEM",
        "-in", tmp_path / "request.json", "-signer", signer, "-inkey", key,
        "-certfile", nca, "-out", tmp_path / "request.p7s",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    sent = await cabinet.sign(number, (tmp_path / "request.p7s").read_bytes())
    assert sent["status"] == "sent"
    assert sent["signature"]["indication"] == "TOTAL_PASSED"
    assert sent["signature"]["signer"]["iin"] == persona("citizen-valid").iin
    assert [e["step"] for e in sent["timeline"]][-4:] == ["P4", "C2", "P6", "P7"]

    await duplicate_licence_route(api)

    shown = await cabinet.call("GET", f"/applications/{number}")
    assert shown["status"] == "completed"
    assert shown["result"]["indication"] == "TOTAL_PASSED"
    assert shown["result"]["signer"]["bin"] == PROVIDER_ENTITIES["almaty-transport"][0]
    listed = await cabinet.call("GET", "/applications")
    assert [(a["id"], a["status"]) for a in listed["applications"]] == [(number, "completed")]
    notices = await cabinet.call("GET", "/notifications")
    assert {n["kind"] for n in notices["notifications"]} == {"result", "collect"}

    result = await api.get(f"{API}/applications/{number}/result")
    assert result.headers["Content-Type"] == "application/pkcs7-signature"
    result_cms = await result.read()
    signed_document = await (await api.get(f"{API}/applications/{number}/result/document")).read()
    assert json.loads(signed_document)["applicant"]["iin"] == persona("citizen-valid").iin
    api.session.cookie_jar.clear()  # the document check needs no login
    form = FormData()
    form.add_field("cms", result_cms, filename="result.cms")
    checked = await api.post(
        f"{API}/check-document?expect_bin={PROVIDER_ENTITIES['almaty-transport'][0]}", data=form
    )
    report = await checked.json()
    assert (checked.status, report["indication"]) == (200, "TOTAL_PASSED"), report
    assert report["signer"]["role"] == "first-head"

    (tmp_path / "result.cms").write_bytes(result_cms)
    root, _ = ca_files(pki, tmp_path)
    at = str(int(api.app[SIMULATOR].clock.now().timestamp()))
    verified = openssl(
        "cms", "-verify", "-binary", "-inform", "DER", "-in", tmp_path / "result.cms",
        "-CAfile", root, "-purpose", "any", "-attime", at,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr


async def test_the_companys_first_head_gets_the_readiness_passport(api, persona) -> None:
    await set_clock(api, passport_day(lambda day: day + timedelta(days=14)))
    cabinet = await signed_in(api, persona, "company-first-head")
    draft = await cabinet.start(PASSPORT, None, PASSPORT_FORM)
    number = draft["id"]
    assert draft["applicant"] == {
        "kind": "legal_entity",
        "iin": None,
        "bin": COMPANY_BIN,
        "name": draft["applicant"]["name"],
    }
    assert draft["form"]["bin"] == COMPANY_BIN
    for document_id, data in PASSPORT_DOCUMENTS.items():
        await cabinet.attach(number, document_id, data, f"{document_id}.pdf")
    document = await cabinet.document(number)
    signature = egovsim_cms(api, persona("company-first-head").sign, document, detached=True)
    sent = await cabinet.sign(
        number,
        json.dumps({"cms": base64.b64encode(signature).decode()}).encode(),
        content_type="application/json",
    )
    assert sent["status"] == "sent"
    await deliver_all(api)

    office, head = await staff(api, "shym-office"), await staff(api, "shym-head")
    dept, executor = await staff(api, "shym-dept"), await staff(api, "shym-executor")
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
    await head.act(provider_id, "sign")
    await office.act(provider_id, "hand_over")
    await deliver_all(api)

    shown = await cabinet.call("GET", f"/applications/{number}")
    assert shown["status"] == "completed"
    assert shown["result"]["kind"] == "passport"
    result_cms = await (await api.get(f"{API}/applications/{number}/result")).read()
    checked = await api.post(
        f"{API}/check-document?expect_bin={PROVIDER_ENTITIES['shymkent-energy'][0]}",
        data=base64.b64encode(result_cms),
    )
    assert (await checked.json())["indication"] == "TOTAL_PASSED"


# -- C2: every refusal the personas reach -------------------------------------------------------


async def _login_at(client: Any, persona: Any, persona_id: str, at: datetime) -> Cabinet:
    """Log in when the persona's AUTH certificate is good (sessions live in real time), then
    come back to the signing day."""
    signing_day = client.app[SIMULATOR].clock.now()
    await set_clock(client, at)
    cabinet = await signed_in(client, persona, persona_id)
    await set_clock(client, signing_day)
    return cabinet


#: persona -> (who logs in, when, whose request: the signer's key is always the persona's own)
C2_CASES = {
    "citizen-expired": ("citizen-expired", NOW - timedelta(days=60), "CERT_EXPIRED"),
    "citizen-not-yet-valid": (
        "citizen-not-yet-valid",
        NOW + timedelta(days=60),
        "CERT_NOT_YET_VALID",
    ),
    "citizen-revoked": ("citizen-revoked", NOW - timedelta(days=3), "CERT_REVOKED"),
    "citizen-on-hold": ("citizen-on-hold", NOW - timedelta(days=3), "CERT_ON_HOLD"),
    # Nobody logs in with an untrusted CA's certificate: its key signs a citizen's request, and
    # the chain fails before the IIN is compared.
    "citizen-untrusted": ("citizen-valid", None, "CERT_UNTRUSTED"),
    "citizen-auth-only": ("citizen-auth-only", None, "CERT_WRONG_KEY_USAGE"),
    "citizen-second": ("citizen-valid", None, "IIN_MISMATCH"),
}


@pytest.mark.parametrize(("signer_id", "case"), C2_CASES.items(), ids=list(C2_CASES))
async def test_each_citizen_persona_meets_its_c2_refusal(api, persona, signer_id, case) -> None:
    login_id, login_at, code = case
    cabinet = (
        await _login_at(api, persona, login_id, login_at)
        if login_at is not None
        else await signed_in(api, persona, login_id)
    )
    number = await cabinet.licence_draft()
    document = await cabinet.document(number)
    who = persona(signer_id)
    refused = await cabinet.sign(
        number, egovsim_cms(api, who.sign or who.auth, document), _status(code)
    )
    assert refused["error"]["code"] == code
    assert refused["error"]["step"] == "C2"
    assert refused["error"]["details"]["step"] == "C2"
    assert refused["error"]["details"]["refusal"] == "P5"
    report = refused["error"]["details"]["report"]
    assert report["code"] == code
    assert report["signer"]["iin"] == who.iin
    if code == "CERT_REVOKED":
        revocation = next(c for c in report["checks"] if c["name"] == "revocation")
        assert revocation["data"]["reason"] == "keyCompromise"
        assert revocation["data"]["revoked_at"] < api.app[SIMULATOR].clock.now().isoformat()
    shown = await cabinet.call("GET", f"/applications/{number}")
    assert shown["status"] == "draft"  # signable again with another key
    assert [(e["step"], e["code"]) for e in shown["timeline"][-2:]] == [("C2", code), ("P5", code)]


def _status(code: str) -> int:
    return {"REVOCATION_UNAVAILABLE": 503, "SIGNATURE_MALFORMED": 400}.get(code, 422)


@pytest.mark.parametrize("employee", ["company-finance", "company-hr", "company-employee"])
async def test_a_company_employee_without_signing_right_cannot_sign_its_request(
    api, persona, employee
) -> None:
    await set_clock(api, passport_day())
    cabinet = await signed_in(api, persona, employee)
    draft = await cabinet.start(PASSPORT, None, PASSPORT_FORM)
    for document_id, data in PASSPORT_DOCUMENTS.items():
        await cabinet.attach(draft["id"], document_id, data)
    document = await cabinet.document(draft["id"])
    refused = await cabinet.sign(
        draft["id"], egovsim_cms(api, persona(employee).sign, document), 422
    )
    assert (refused["error"]["code"], refused["error"]["step"]) == ("NO_SIGNING_RIGHT", "C2")
    assert refused["error"]["details"]["report"]["signer"]["bin"] == COMPANY_BIN


async def test_a_changed_byte_is_refused_at_c2(api, persona) -> None:
    cabinet = await signed_in(api, persona, "citizen-valid")
    number = await cabinet.licence_draft()
    document = await cabinet.document(number)
    keystore = persona("citizen-valid").sign
    signature = egovsim_cms(api, keystore, document)
    changed_content = signature.replace(b'"duplicate"', b'"duplicatf"', 1)
    refused = await cabinet.sign(number, changed_content, 422)
    assert refused["error"]["code"] == "SIGNED_CONTENT_MISMATCH"
    assert refused["error"]["details"]["step"] == "C2"
    assert refused["error"]["details"]["report"]["code"] == "SIGNATURE_BROKEN"
    broken = bytearray(signature)
    broken[-3] ^= 0x40
    refused = await cabinet.sign(number, bytes(broken), 422)
    assert (refused["error"]["code"], refused["error"]["step"]) == ("SIGNATURE_BROKEN", "C2")
    refused = await cabinet.sign(number, b"not a signature at all", 400)
    assert (refused["error"]["code"], refused["error"]["step"]) == ("SIGNATURE_MALFORMED", "C2")
    pem = b"-----BEGIN CMS-----\n" + base64.encodebytes(signature) + b"-----END CMS-----\n"
    assert (await cabinet.sign(number, pem))["status"] == "sent"


async def test_unreachable_revocation_data_is_refused_to_try_later(
    api, persona, monkeypatch
) -> None:
    cabinet = await signed_in(api, persona, "citizen-valid")
    number = await cabinet.licence_draft()
    document = await cabinet.document(number)
    # Neither the OCSP responder nor the CRLs can be reached from now on.
    monkeypatch.setattr(api.app[SIMULATOR].verifier, "revocation", RevocationChecker(None))
    signature = egovsim_cms(api, persona("citizen-valid").sign, document)
    refused = await cabinet.sign(number, signature, 503)
    assert (refused["error"]["code"], refused["error"]["step"]) == ("REVOCATION_UNAVAILABLE", "C2")
    assert refused["error"]["details"]["report"]["subindication"] == "TRY_LATER"


# -- P3 ---------------------------------------------------------------------------------------


async def test_p3_refusals_have_their_codes_over_the_api(api, persona) -> None:
    citizen = await signed_in(api, persona, "citizen-valid")
    refused = await citizen.start(PASSPORT, None, PASSPORT_FORM, 422)
    assert (refused["error"]["code"], refused["error"]["step"]) == ("APPLICANT_NOT_ELIGIBLE", "P3")
    number = (await citizen.start(LICENCE, "duplicate", {"request-kind": "duplicate"}))["id"]
    refused = await citizen.attach(number, "photo", b"GIF89a not accepted", "photo.png", 415)
    assert refused["error"]["code"] == "ATTACHMENT_TYPE_REFUSED"
    too_big = b"%PDF-" + bytes(10 * 1024 * 1024)
    refused = await citizen.attach(number, "photo", too_big, "big.pdf", 413)
    assert refused["error"]["code"] == "ATTACHMENT_TOO_LARGE"
    refused = await citizen.call(
        "POST",
        f"/applications/{number}/attachments/photo",
        413,
        data=io.BytesIO(too_big),
        headers={"Content-Type": "application/pdf"},
    )
    assert refused["error"]["code"] == "ATTACHMENT_TOO_LARGE"
    refused = await citizen.attach(number, "exam-record", PDF, "exam.pdf", 422)
    assert refused["error"]["code"] == "UNKNOWN_DOCUMENT"
    missing = await citizen.call("GET", f"/applications/{number}/document", 422)
    assert (missing["error"]["code"], missing["error"]["step"]) == (
        "REQUEST_DOCUMENTS_MISSING",
        "P3",
    )

    await set_clock(api, outside_passport_window())
    company = await signed_in(api, persona, "company-first-head")
    refused = await company.start(PASSPORT, None, PASSPORT_FORM, 422)
    assert refused["error"]["code"] == "OUTSIDE_ACCEPTANCE_WINDOW"
    refused = await company.start(LICENCE, "duplicate", {"request-kind": "duplicate"}, 422)
    assert refused["error"]["code"] == "APPLICANT_NOT_ELIGIBLE"
    await set_clock(api, passport_day())
    refused = await company.start(PASSPORT, None, {**PASSPORT_FORM, "bin": "000740000728"}, 422)
    assert refused["error"]["code"] == "REQUEST_ID_NOT_APPLICANTS"


async def test_the_cabinet_needs_its_session_its_csrf_token_and_its_own_applications(
    api, persona
) -> None:
    anonymous = await api.get(f"{API}/applications")
    assert (await anonymous.json())["error"]["code"] == "NOT_SIGNED_IN"
    owner = await signed_in(api, persona, "citizen-valid")
    number = await owner.licence_draft()
    no_token = await api.post(
        f"{API}/applications", json={"service": LICENCE, "variant": "duplicate", "form": {}}
    )
    assert (no_token.status, (await no_token.json())["error"]["code"]) == (
        403,
        "CSRF_TOKEN_INVALID",
    )
    stranger = await signed_in(api, persona, "citizen-second")
    hidden = await stranger.call("GET", f"/applications/{number}", 404)
    assert hidden["error"]["code"] == "APPLICATION_NOT_FOUND"
    assert (await stranger.call("GET", "/applications"))["applications"] == []
    assert (await stranger.call("GET", "/applications/x", 404))["error"]["code"] == (
        "APPLICATION_NOT_FOUND"
    )
    refused = await stranger.call("GET", f"/applications/{number}/result", 404)
    assert refused["error"]["code"] == "APPLICATION_NOT_FOUND"


# -- the catalogue and the document check -------------------------------------------------------


async def test_the_catalogue_speaks_the_users_language_without_a_login(api) -> None:
    kazakh = await (await api.get(f"{API}/services?lang=kk")).json()
    services = {s["id"]: s for s in kazakh["services"]}
    assert kazakh["language"] == "kk"
    licence = services[LICENCE]
    assert licence["name"].startswith("Өздігінен жүретін")
    assert licence["fee"]["amount_kzt"] == 0
    assert [d["id"] for d in licence["documents"]["duplicate"]] == [
        "application",
        "identity-document",
        "photo",
        "damaged-licence",
    ]
    assert [t["duration"] for t in licence["terms"]][:2] == [
        {"amount": 30, "unit": "minutes"},
        {"amount": 2, "unit": "hours"},
    ]
    passport = services[PASSPORT]
    assert {w["to"] for w in passport["acceptance_windows"]} == {"09-30", "10-25"}
    assert {c["kind"] for c in passport["eligibility"]} == {"legal_entity"}
    assert passport["eligible"] is None  # nobody signed in
    assert set(passport["channels"]) == {"portal", "provider_office"}
    api.session.cookie_jar.update_cookies({"egovsim_lang": "en"})
    english = await (await api.get(f"{API}/services")).json()
    assert english["language"] == "en"
    assert {s["id"]: s for s in english["services"]}[LICENCE]["name"].startswith("Issuing")


async def test_any_document_can_be_checked_without_a_login(api, persona) -> None:
    data = b'{"any": "document"}'
    revoked = persona("citizen-revoked").sign
    detached = egovsim_cms(api, revoked, data, detached=True)
    form = FormData()
    form.add_field("cms", detached, filename="doc.cms")
    form.add_field("data", data, filename="doc.json")
    reply = await api.post(f"{API}/check-document", data=form)
    report = await reply.json()
    assert (reply.status, report["code"], report["step"]) == (200, "CERT_REVOKED", "C2")
    assert [c["name"] for c in report["checks"]][:2] == ["format", "signed-data"]

    valid = persona("citizen-valid")
    attached = egovsim_cms(api, valid.sign, data)
    as_json = await api.post(
        f"{API}/check-document?expect_iin={persona('citizen-second').iin}",
        json={"cms": base64.b64encode(attached).decode()},
    )
    assert (await as_json.json())["code"] == "IIN_MISMATCH"
    missing = await api.post(f"{API}/check-document", json={"data": "AA=="})
    assert (await missing.json())["error"]["code"] == "BAD_REQUEST"
