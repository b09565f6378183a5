"""The portal's requests and the personal cabinet, driven through the domain (`Portal`) inside
the real app: P3 with its refusals, C2 at the simulator's clock, P7 through the gateway, the
workstation's staff acting, and the answers landing in the cabinet (P9)."""

from __future__ import annotations

import base64
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.errors import EgovsimError
from egovsim.pki.personas import COMPANY, COMPANY_BIN, PROVIDER_ENTITIES
from egovsim.portal.model import Applicant
from egovsim.portal.timeline import ProviderAnswer
from egovsim.signatures import cms
from egovsim.signatures.verifier import Expectations
from egovsim.web.app import create_app
from egovsim.web.common.keys import (
    SIMULATOR,
)
from tests.conftest import NOW
from tests.test_gateway import first, post, send_message, status_request
from tests.test_workstation import (
    ALMATY,
    CALENDAR,
    PASSWORD,
    Desk,
    advance,
    set_clock,
)

LICENCE = "almaty-small-vessel-licence"
PASSPORT = "shymkent-energy-readiness-passport"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
DUPLICATE_DOCUMENTS = {"application": PDF, "identity-document": JPEG, "photo": PNG}
PASSPORT_DOCUMENTS = {"application": PDF, "supporting-documents": PDF}


def working_morning(days: int = 1) -> datetime:
    """10:00 in Almaty on the first working day at least `days` after NOW."""
    moment = datetime.combine(
        NOW.astimezone(ALMATY).date() + timedelta(days=days),
        datetime.min.time().replace(hour=10),
        tzinfo=ALMATY,
    )
    while not CALENDAR.is_working_day(moment.date()):
        moment += timedelta(days=1)
    return moment


def passport_day(until: Callable[[datetime], datetime] | None = None) -> datetime:
    """10:00 on a working day of the passport's window (15 August to 30 September), the nearest
    to NOW on which the certificates (NOW - 30 days to NOW + 335 days) are valid and still are
    at `until(day)`: a window day exists in that span whatever day the suite runs."""
    for offset in sorted(range(-29, 335), key=abs):
        day = NOW.astimezone(ALMATY).date() + timedelta(days=offset)
        moment = datetime.combine(day, time(10), tzinfo=ALMATY)
        inside = (8, 15) <= (day.month, day.day) <= (9, 30)
        if not inside or not CALENDAR.is_working_day(day) or moment < NOW - timedelta(days=29):
            continue
        if (until(moment) if until else moment) <= NOW + timedelta(days=334):
            return moment
    raise AssertionError("no day of the window in the certificates' validity")


def outside_passport_window() -> datetime:
    """10:00 on the working day nearest to NOW outside the passport's window."""
    for offset in sorted(range(-29, 335), key=abs):
        day = NOW.astimezone(ALMATY).date() + timedelta(days=offset)
        if CALENDAR.is_working_day(day) and not (8, 15) <= (day.month, day.day) <= (9, 30):
            return datetime.combine(day, time(10), tzinfo=ALMATY)
    raise AssertionError("the window covers the whole year")


def window_end(moment: datetime) -> datetime:
    """The day after the passport's window of `moment`'s year."""
    return datetime(moment.year, 10, 1, 10, tzinfo=ALMATY)


def citizen(who: Any, account_id: int = 101) -> Applicant:
    """A citizen's account, acting for themselves."""
    return Applicant(account_id, "individual", who.iin, None, who.id.upper(), who.iin, who.id)


def company(who: Any, account_id: int = 202) -> Applicant:
    """The energy company's account, with `who` (one of its employees) acting."""
    return Applicant(account_id, "legal_entity", None, COMPANY_BIN, COMPANY, who.iin, who.id)


def signed(client: Any, keystore: Any, data: bytes, detached: bool = False) -> bytes:
    """A CMS over `data` with `keystore`, at the app's clock."""
    now = client.app[SIMULATOR].clock.now()
    return cms.sign(
        data, keystore.key, keystore.certificate, keystore.chain, now, detached=detached
    )


async def deliver_all(client: Any) -> None:
    """Run the gateway's deliveries until nothing is due (answers beget answers)."""
    for _ in range(10):
        if not await client.app[SIMULATOR].delivery.deliver_due():
            return
    raise AssertionError("deliveries never settle")


async def staff(client: Any, login: str) -> Desk:
    """A workstation login, over its API."""
    reply = await client.post(
        "/api/v1/workstation/session", json={"login": login, "password": PASSWORD}
    )
    body = await reply.json()
    assert reply.status == 200, body
    return Desk(client, body["token"])


async def inbox_number(desk: Desk) -> int:
    """The workstation's id of the only application in the desk's inbox."""
    found = (await desk.call("GET", "/api/v1/workstation/inbox"))["applications"]
    assert len(found) == 1, found
    return int(found[0]["id"])


async def assigned_at_shymkent(client: Any) -> tuple[tuple[Desk, Desk, Desk], int]:
    """The energy provider's staff signed in, the application in the office's inbox registered,
    resolved and assigned to the executor: ((office, head, executor), its number)."""
    office, head = await staff(client, "shym-office"), await staff(client, "shym-head")
    dept, executor = await staff(client, "shym-dept"), await staff(client, "shym-executor")
    number = await inbox_number(office)
    await office.act(number, "register")
    await head.act(number, "resolve")
    await dept.act(number, "assign", executor="shym-executor")
    return (office, head, executor), number


async def handed_over(
    client: Any,
    desks: tuple[Desk, Desk, Desk],
    number: int,
    checked: dict[str, Any],
    prepared: dict[str, Any],
    pause: dict[str, float] | None = None,
) -> None:
    """The executor checks the documents and prepares the result, then (after `pause`) the head
    signs it and the office hands it over; every answer delivered."""
    office, head, executor = desks
    await executor.open_attachments(number)
    await executor.act(number, "check", documents=checked)
    await executor.act(number, "prepare", **prepared)
    if pause:
        await advance(client, **pause)
    await head.act(number, "sign")
    await office.act(number, "hand_over")
    await deliver_all(client)


@contextlib.asynccontextmanager
async def started(settings: Any, clock: Clock) -> AsyncIterator[TestClient]:
    """The whole app on `clock`, started (again: a restart keeps the data directory), with what
    the start found owing to the gateway caught up."""
    async with TestClient(TestServer(create_app(settings, clock), host="127.0.0.1")) as client:
        await client.app[SIMULATOR].startup_catch_up
        yield client


@pytest.fixture
async def app_client(gateway_settings) -> AsyncIterator[TestClient]:
    """The whole app, delivery worker off, its clock frozen on a working morning after NOW."""
    async with started(gateway_settings, Clock(frozen_at=working_morning())) as client:
        yield client


async def licence_draft(client: Any, applicant: Applicant, attach: bool = True) -> int:
    """A draft for a duplicate licence, with its documents attached."""
    portal = client.app[SIMULATOR].portal
    detail = await portal.start(applicant, LICENCE, "duplicate", {"request-kind": "duplicate"})
    application_id = detail.application.id
    if attach:
        for document_id, data in DUPLICATE_DOCUMENTS.items():
            await portal.attach(
                applicant, application_id, document_id, f"{document_id}.x", "", data
            )
    return application_id


async def passport_draft(client: Any, applicant: Applicant) -> int:
    """A draft for the readiness passport as an energy-producing organization, with its
    documents attached."""
    portal = client.app[SIMULATOR].portal
    detail = await portal.start(
        applicant,
        PASSPORT,
        None,
        {"applicant-category": "energy-producing-organization", "heating-season": 2027},
    )
    for document_id, data in PASSPORT_DOCUMENTS.items():
        await portal.attach(applicant, detail.application.id, document_id, "scan.pdf", "", data)
    return detail.application.id


async def sign_and_send(client: Any, applicant: Applicant, application_id: int, keystore) -> Any:
    """P4-P7: sign the e-document with `keystore`; the detail once the request left."""
    portal = client.app[SIMULATOR].portal
    document = await portal.document_to_sign(applicant, application_id)
    return await portal.sign(applicant, application_id, signed(client, keystore, document))


def refusal(error: pytest.ExceptionInfo[EgovsimError]) -> tuple[str, str]:
    return error.value.code, error.value.step


# -- the whole path ---------------------------------------------------------------------------


async def test_a_citizen_gets_the_vessel_licence_from_request_to_signed_result(
    app_client, persona
) -> None:
    portal = app_client.app[SIMULATOR].portal
    who = persona("citizen-valid")
    applicant = citizen(who)
    signed_in_at = app_client.app[SIMULATOR].clock.now() - timedelta(minutes=3)
    detail = await portal.start(
        applicant, LICENCE, "duplicate", {"request-kind": "duplicate"}, signed_in_at=signed_in_at
    )
    application_id = detail.application.id
    assert detail.application.form["iin"] == who.iin  # the applicant's own, filled in
    assert detail.application.status == "draft"
    for document_id, data in DUPLICATE_DOCUMENTS.items():
        await portal.attach(applicant, application_id, document_id, f"{document_id}.bin", "", data)

    document = await portal.document_to_sign(applicant, application_id)
    assert document == await portal.document_to_sign(applicant, application_id)
    content = json.loads(document)
    assert content["applicant"]["iin"] == who.iin
    assert content["person"]["iin"] == who.iin
    assert content["number"] == detail.application.number
    assert {a["document"] for a in content["attachments"]} == set(DUPLICATE_DOCUMENTS)

    sent = await portal.sign(applicant, application_id, signed(app_client, who.sign, document))
    assert sent.application.status == "sent"
    request_id = sent.application.message_id
    await deliver_all(app_client)
    _, state = await post(app_client, "/shep/async", status_request(request_id))
    assert first(state, "messageState") == "DELIVERED"
    detail = await portal.application(applicant, application_id)
    assert detail.application.status == "in_progress"
    assert detail.application.provider_number.startswith("ALA-")

    office, head = await staff(app_client, "alm-office"), await staff(app_client, "alm-head")
    executor = await staff(app_client, "alm-executor")
    number = await inbox_number(office)
    await office.act(number, "register")  # item 8.2: to the specialist without a resolution
    await advance(app_client, working_days=1)
    checked = dict.fromkeys(DUPLICATE_DOCUMENTS, "compliant")
    desks = (office, head, executor)
    await handed_over(app_client, desks, number, checked, {"result": "duplicate"}, {"hours": 1})

    detail = await portal.application(applicant, application_id)
    assert detail.application.status == "completed"
    steps = [entry.step for entry in detail.timeline]
    assert steps[:7] == ["P1", "C1", "P3", "P3", "P3", "P3", "P4"]
    assert steps[7:10] == ["C2", "P6", "P7"]
    assert {"C3", "P9"} <= set(steps)
    assert steps[-1] == "P9"
    events = [entry.event for entry in detail.timeline]
    assert events.index("sent") < events.index("delivered") < events.index("registered")
    registered = next(e for e in detail.timeline if e.event == "registered")
    assert registered.details["number"] == detail.application.provider_number
    assert registered.details["current"]["id"] == "register"
    assert registered.details["current"]["deadline"]
    moves = [e.details.get("action") for e in detail.timeline if e.event == "provider_step"]
    assert moves == ["register", "check", "prepare", "sign", "hand_over"]

    result = await portal.result(applicant, application_id)
    report = await app_client.app[SIMULATOR].verifier.verify_cms(
        result.cms, expect=Expectations(bin=PROVIDER_ENTITIES["almaty-transport"][0])
    )
    assert report.passed, report.to_json()
    assert report.signer is not None
    assert report.signer.role == "first-head"
    assert json.loads(result.document)["application"] == detail.application.provider_number
    assert result.verification["indication"] == "TOTAL_PASSED"
    # The provider's result and the portal's copy of it are one stored body.
    kept = await app_client.app[SIMULATOR].database.fetch_one(
        "SELECT p.cms_body, r.signature_body FROM portal_results p, results r"
        " WHERE p.application_id = ? AND r.application_id = (SELECT id FROM applications"
        " WHERE number = ?)",
        (application_id, detail.application.provider_number),
    )
    assert kept is not None and kept[0] is not None and kept[0] == kept[1]

    notices = await portal.notifications(applicant)
    kinds = [n.kind for n in notices]
    assert set(kinds) == {"result", "collect"}
    collect = next(n for n in notices if n.kind == "collect")
    assert "Almaty" in collect.text["en"]
    assert "State Corporation" in collect.details["place"]["en"]
    ready = datetime.fromisoformat(collect.details["from"])
    assert CALENDAR.is_working_day(ready.astimezone(ALMATY).date())


async def test_the_energy_company_gets_its_readiness_passport_in_the_cabinet(
    app_client, persona
) -> None:
    start = passport_day(lambda day: day + timedelta(days=14))
    await set_clock(app_client, start)
    portal = app_client.app[SIMULATOR].portal
    head_of_company = persona("company-first-head")
    applicant = company(head_of_company)
    application_id = await passport_draft(app_client, applicant)
    draft = await portal.application(applicant, application_id)
    assert draft.application.form["bin"] == COMPANY_BIN
    assert draft.application.category == "energy-producing-organization"
    sent = await sign_and_send(app_client, applicant, application_id, head_of_company.sign)
    assert sent.application.status == "sent"
    await deliver_all(app_client)

    desks, number = await assigned_at_shymkent(app_client)
    await advance(app_client, days=10)
    checked = dict.fromkeys(PASSPORT_DOCUMENTS, "compliant")
    await handed_over(app_client, desks, number, checked, {"result": "passport"}, {"hours": 3})

    detail = await portal.application(applicant, application_id)
    assert detail.application.status == "completed"
    assert detail.result is not None
    assert detail.result.kind == "passport"
    assert not detail.result.refusal
    assigned = next(e for e in detail.timeline if e.details.get("action") == "assign")
    assert assigned.step == "C3"
    executor_step = assigned.details["current"]
    assert executor_step["id"] == "prepare-result"
    assert datetime.fromisoformat(executor_step["deadline"]) > start + timedelta(days=16)
    result = await portal.result(applicant, application_id)
    report = await app_client.app[SIMULATOR].verifier.verify_cms(
        result.cms, expect=Expectations(bin=PROVIDER_ENTITIES["shymkent-energy"][0])
    )
    assert report.passed, report.to_json()
    # An electronic result: no paper to collect.
    assert [n.kind for n in await portal.notifications(applicant)] == ["result"]
    # Another employee of the company sees the company's application.
    colleague = company(persona("company-employee"))
    assert [a.id for a in (await portal.applications(colleague)).views] == [application_id]


async def test_a_reasoned_refusal_lands_as_p8_then_p9(app_client, persona) -> None:
    await set_clock(app_client, passport_day())
    portal = app_client.app[SIMULATOR].portal
    who = persona("company-signer")
    applicant = company(who)
    application_id = await passport_draft(app_client, applicant)
    await sign_and_send(app_client, applicant, application_id, who.sign)
    await deliver_all(app_client)
    desks, number = await assigned_at_shymkent(app_client)
    checked = {"application": "compliant", "supporting-documents": "missing"}
    prepared = {"refusal": True, "grounds": "Item 9: no act of readiness."}
    await handed_over(app_client, desks, number, checked, prepared)

    detail = await portal.application(applicant, application_id)
    assert detail.application.status == "refused"
    prepared = next(e for e in detail.timeline if e.details.get("action") == "prepare")
    assert prepared.step == "P8"
    listed = "Item 9: no act of readiness. [supporting-documents: missing]"
    assert prepared.details["grounds"] == listed
    landed = [(e.step, e.event) for e in detail.timeline if e.event in ("refused", "result")]
    assert landed == [("P8", "refused"), ("P9", "result")]
    # Recorded under egovsim's codes, shown in the Shymkent regulation's: P7, then P8.
    shown = [detail.regulation.portal.show(step, event) for step, event in landed]
    assert shown == ["P7", "P8"]
    result = await portal.result(applicant, application_id)
    assert result.refusal
    assert json.loads(result.document)["grounds"] == listed


# -- P3 ---------------------------------------------------------------------------------------


async def test_an_individual_cannot_order_the_passport_nor_a_company_the_licence(
    app_client, persona
) -> None:
    await set_clock(app_client, passport_day())
    portal = app_client.app[SIMULATOR].portal
    with pytest.raises(EgovsimError) as individual:
        await portal.start(citizen(persona("citizen-valid")), PASSPORT, None, {})
    assert refusal(individual) == ("APPLICANT_NOT_ELIGIBLE", "P3")
    with pytest.raises(EgovsimError) as legal:
        await portal.start(company(persona("company-first-head")), LICENCE, "duplicate", {})
    assert refusal(legal) == ("APPLICANT_NOT_ELIGIBLE", "P3")


async def test_the_passport_is_refused_outside_its_window_and_other_p3_rules_hold(
    app_client, persona
) -> None:
    applicant = company(persona("company-first-head"))
    portal = app_client.app[SIMULATOR].portal
    form = {"applicant-category": "energy-producing-organization", "heating-season": 2027}
    await set_clock(app_client, outside_passport_window())
    with pytest.raises(EgovsimError) as late:
        await portal.start(applicant, PASSPORT, None, form)
    assert refusal(late) == ("OUTSIDE_ACCEPTANCE_WINDOW", "P3")
    assert late.value.details["to"] == "09-30"

    await set_clock(app_client, passport_day())
    cases = [
        ({**form, "bin": "000740000728"}, None, "REQUEST_ID_NOT_APPLICANTS"),
        ({**form, "heating-season": "soon"}, None, "FORM_INVALID"),
        (form, "bakery", "APPLICANT_NOT_ELIGIBLE"),
        ({"heating-season": 2027}, None, "FORM_INVALID"),  # which of three categories?
    ]
    for given, category, code in cases:
        with pytest.raises(EgovsimError) as refused:
            await portal.start(applicant, PASSPORT, None, given, category)
        assert refused.value.code == code, (given, category)
    with pytest.raises(EgovsimError) as variant:
        await portal.start(citizen(persona("citizen-valid")), LICENCE, "gold", {})
    assert variant.value.code == "UNKNOWN_VARIANT"
    with pytest.raises(EgovsimError) as other_iin:
        await portal.start(
            citizen(persona("citizen-valid")),
            LICENCE,
            "duplicate",
            {"iin": persona("citizen-second").iin, "request-kind": "duplicate"},
        )
    assert refusal(other_iin) == ("REQUEST_ID_NOT_APPLICANTS", "P3")


async def test_attachments_are_checked_by_content_and_stored_by_digest(
    app_client, persona, gateway_settings
) -> None:
    portal = app_client.app[SIMULATOR].portal
    applicant = citizen(persona("citizen-valid"))
    application_id = await licence_draft(app_client, applicant, attach=False)

    for data, declared in ((b"MZ\x90\x00 an executable", "application/pdf"), (b"", "image/png")):
        with pytest.raises(EgovsimError) as refused:
            await portal.attach(applicant, application_id, "photo", "photo.pdf", declared, data)
        assert refusal(refused) == ("ATTACHMENT_TYPE_REFUSED", "P3")
        assert refused.value.http_status == 415
    big = b"%PDF-" + bytes(10 * 1024 * 1024)
    with pytest.raises(EgovsimError) as too_large:
        await portal.attach(applicant, application_id, "photo", "big.pdf", "application/pdf", big)
    assert refusal(too_large) == ("ATTACHMENT_TOO_LARGE", "P3")
    assert too_large.value.http_status == 413
    with pytest.raises(EgovsimError) as unknown:
        await portal.attach(applicant, application_id, "exam-record", "x.pdf", "", PDF)
    assert unknown.value.code == "UNKNOWN_DOCUMENT"  # not a document of the duplicate

    detail = await portal.attach(
        applicant, application_id, "photo", "../../etc/passwd", "text/plain", PNG
    )
    (photo,) = detail.attachments
    assert photo.content_type == "image/png"
    assert photo.file_name == "passwd"
    kept = await app_client.app[SIMULATOR].database.fetch_all(
        "SELECT sha256, size, content FROM attachment_contents"
    )
    assert [(row["sha256"], row["size"], bytes(row["content"])) for row in kept] == [
        (photo.sha256, len(PNG), PNG)
    ]
    assert not list(Path(gateway_settings.data_dir).rglob("passwd"))

    with pytest.raises(EgovsimError) as missing:
        await portal.document_to_sign(applicant, application_id)
    assert refusal(missing) == ("REQUEST_DOCUMENTS_MISSING", "P3")
    assert missing.value.details["missing"] == ["application", "identity-document"]

    for document_id in ("application", "identity-document"):
        await portal.attach(applicant, application_id, document_id, "scan.pdf", "", PDF)
    frozen = await portal.document_to_sign(applicant, application_id)
    app_client.app[SIMULATOR].clock.advance(timedelta(minutes=5))
    assert await portal.document_to_sign(applicant, application_id) == frozen
    replaced = await portal.attach(applicant, application_id, "photo", "new.jpg", "", JPEG)
    assert replaced.timeline[-1].event == "attachment_replaced"
    changed = await portal.document_to_sign(applicant, application_id)
    assert changed != frozen
    assert json.loads(changed)["frozen_at"] > json.loads(frozen)["frozen_at"]
    found, data = await portal.attachment(applicant, application_id, "photo")
    assert (found.file_name, data) == ("new.jpg", JPEG)


# -- C2 ---------------------------------------------------------------------------------------


async def test_a_refused_signature_is_on_the_timeline_and_another_key_may_sign(
    app_client, persona
) -> None:
    portal = app_client.app[SIMULATOR].portal
    owner = persona("citizen-valid")
    applicant = citizen(owner)
    application_id = await licence_draft(app_client, applicant)
    document = await portal.document_to_sign(applicant, application_id)

    with pytest.raises(EgovsimError) as refused:
        await portal.sign(
            applicant, application_id, signed(app_client, persona("citizen-second").sign, document)
        )
    assert refusal(refused) == ("IIN_MISMATCH", "C2")
    assert refused.value.details["step"] == "C2"
    assert refused.value.details["refusal"] == "P5"
    binding = next(c for c in refused.value.details["report"]["checks"] if c["name"] == "binding")
    assert binding["status"] == "failed"
    detail = await portal.application(applicant, application_id)
    assert detail.application.status == "draft"
    assert [(e.step, e.code) for e in detail.timeline[-2:]] == [
        ("C2", "IIN_MISMATCH"),
        ("P5", "IIN_MISMATCH"),
    ]
    assert detail.timeline[-2].details["report"]["code"] == "IIN_MISMATCH"

    detached = signed(app_client, owner.sign, document, detached=True)
    sent = await portal.sign(applicant, application_id, base64.b64encode(detached))
    assert sent.application.status == "sent"
    with pytest.raises(EgovsimError) as again:
        await portal.sign(applicant, application_id, detached)
    assert again.value.code == "APPLICATION_NOT_DRAFT"
    with pytest.raises(EgovsimError) as closed:
        await portal.attach(applicant, application_id, "photo", "x.png", "", PNG)
    assert closed.value.code == "APPLICATION_NOT_DRAFT"
    assert await portal.document_to_sign(applicant, application_id) == document


async def test_a_signature_over_other_content_is_not_the_request(app_client, persona) -> None:
    portal = app_client.app[SIMULATOR].portal
    owner = persona("citizen-valid")
    applicant = citizen(owner)
    application_id = await licence_draft(app_client, applicant)
    document = await portal.document_to_sign(applicant, application_id)
    other = document.replace(b'"duplicate"', b'"licence-after-exam"', 1)
    with pytest.raises(EgovsimError) as mismatch:
        await portal.sign(applicant, application_id, signed(app_client, owner.sign, other))
    assert mismatch.value.code == "SIGNED_CONTENT_MISMATCH"
    assert mismatch.value.details["step"] == "C2"
    # The signature itself is sound: it signs something else.
    assert mismatch.value.details["report"]["indication"] == "TOTAL_PASSED"

    broken = bytearray(signed(app_client, owner.sign, document))
    broken[-5] ^= 0x01  # inside the signature value
    with pytest.raises(EgovsimError) as tampered:
        await portal.sign(applicant, application_id, bytes(broken))
    assert refusal(tampered) == ("SIGNATURE_BROKEN", "C2")

    detached = signed(app_client, owner.sign, other, detached=True)
    with pytest.raises(EgovsimError) as detached_other:
        await portal.sign(applicant, application_id, detached)
    assert refusal(detached_other) == ("SIGNATURE_BROKEN", "C2")


async def test_an_applicant_sees_only_their_own_accounts_applications(app_client, persona) -> None:
    portal = app_client.app[SIMULATOR].portal
    owner = citizen(persona("citizen-valid"), account_id=1)
    stranger = citizen(persona("citizen-second"), account_id=2)
    application_id = await licence_draft(app_client, owner)
    assert (await portal.applications(stranger)).views == []
    for call in (
        portal.application(stranger, application_id),
        portal.document_to_sign(stranger, application_id),
        portal.attach(stranger, application_id, "photo", "x.png", "", PNG),
        portal.result(stranger, application_id),
        portal.application(owner, application_id + 1000),
    ):
        with pytest.raises(EgovsimError) as hidden:
            await call
        assert hidden.value.code == "APPLICATION_NOT_FOUND"
    with pytest.raises(EgovsimError) as not_yet:
        await portal.result(owner, application_id)
    assert refusal(not_yet) == ("RESULT_NOT_READY", "P9")


# -- the way back -----------------------------------------------------------------------------


async def _sent_licence(client: Any, persona: Any) -> tuple[Applicant, int, str]:
    owner = persona("citizen-valid")
    applicant = citizen(owner)
    application_id = await licence_draft(client, applicant)
    sent = await sign_and_send(client, applicant, application_id, owner.sign)
    return applicant, application_id, sent.application.message_id


def _response(request_id: str, keystore: Any, at: datetime, message_id: str) -> bytes:
    result = json.dumps({"application": "ALA-000001", "result": "duplicate"}).encode()
    signature = cms.sign(result, keystore.key, keystore.certificate, keystore.chain, at)
    data = json.dumps(
        {"result_kind": "duplicate", "refusal": False, "cms": base64.b64encode(signature).decode()}
    )
    return send_message(
        message_id=message_id,
        service=LICENCE,
        message_type="RESPONSE",
        correlation=request_id,
        sender="arm-rshep",
        data=data,
    )


@pytest.mark.parametrize(
    ("signer", "code"),
    [("citizen-revoked", "CERT_REVOKED"), ("company-first-head", "BIN_MISMATCH")],
)
async def test_a_result_whose_signature_fails_is_not_delivered_to_the_cabinet(
    app_client, persona, signer, code
) -> None:
    applicant, application_id, request_id = await _sent_licence(app_client, persona)
    await deliver_all(app_client)
    message_id = str(uuid.uuid4())
    body = _response(
        request_id, persona(signer).sign, app_client.app[SIMULATOR].clock.now(), message_id
    )
    status, _ = await post(app_client, "/shep/async", body)
    assert status == 200
    await deliver_all(app_client)
    _, state = await post(app_client, "/shep/async", status_request(message_id))
    assert first(state, "messageState") == "NOT_DELIVERED"
    log = await (await app_client.get(f"/api/v1/gateway/messages/{message_id}")).json()
    assert code in log["attempts"][-1]["detail"]
    detail = await app_client.app[SIMULATOR].portal.application(applicant, application_id)
    assert detail.application.status == "in_progress"
    assert detail.result is None


async def test_an_answer_lands_once_however_often_it_is_delivered(app_client, persona) -> None:
    applicant, application_id, request_id = await _sent_licence(app_client, persona)
    portal = app_client.app[SIMULATOR].portal
    answer = ProviderAnswer(
        "update-1",
        request_id,
        "UPDATE",
        app_client.app[SIMULATOR].clock.now(),
        None,
        "IN_PROGRESS",
    )
    assert "landed on" in await portal.exchange.land_answer(answer)
    assert "before" in await portal.exchange.land_answer(answer)
    detail = await portal.application(applicant, application_id)
    updates = [e for e in detail.timeline if e.event == "update"]
    assert len(updates) == 1
    assert updates[0].details["status"] == "IN_PROGRESS"
    assert "no portal application" in await portal.exchange.land_answer(
        ProviderAnswer("update-2", "unknown", "UPDATE", NOW, None, "")
    )


async def test_a_request_the_provider_refuses_is_not_delivered_and_the_cabinet_says_why(
    app_client, persona
) -> None:
    start = passport_day(window_end)
    await set_clock(app_client, start)
    head_of_company = persona("company-first-head")
    applicant = company(head_of_company)
    application_id = await passport_draft(app_client, applicant)
    await sign_and_send(app_client, applicant, application_id, head_of_company.sign)
    await set_clock(app_client, window_end(start))  # the window closes before delivery
    await deliver_all(app_client)
    detail = await app_client.app[SIMULATOR].portal.application(applicant, application_id)
    assert detail.application.status == "not_delivered"
    assert (detail.timeline[-1].step, detail.timeline[-1].code) == (
        "P7",
        "OUTSIDE_ACCEPTANCE_WINDOW",
    )
    notices = await app_client.app[SIMULATOR].portal.notifications(applicant)
    assert [n.kind for n in notices] == ["not_delivered"]


# -- nothing is lost between a commit and the gateway ---------------------------------------------


async def test_a_signed_request_the_gateway_did_not_take_is_sent_at_the_next_start(
    gateway_settings, persona, monkeypatch
) -> None:
    clock = Clock(frozen_at=working_morning())
    owner = persona("citizen-valid")
    applicant = citizen(owner)
    async with started(gateway_settings, clock) as before:
        application_id = await licence_draft(before, applicant)

        async def gone(*request: Any) -> Any:
            raise ConnectionError("the process stops here")

        # The portal's sender holds the gateway's `handle` since the start: the request is
        # lost on the way to it.
        monkeypatch.setattr(before.app[SIMULATOR].portal.exchange, "_send_request", gone)
        with pytest.raises(EgovsimError) as unsent:
            await sign_and_send(before, applicant, application_id, owner.sign)
        assert refusal(unsent) == ("REQUEST_NOT_SENT", "P7")
        detail = await before.app[SIMULATOR].portal.application(applicant, application_id)
        assert detail.application.status == "signed"
    async with started(gateway_settings, clock) as after:
        detail = await after.app[SIMULATOR].portal.application(applicant, application_id)
        assert detail.application.status == "sent"
        await deliver_all(after)
        detail = await after.app[SIMULATOR].portal.application(applicant, application_id)
        assert detail.application.status == "in_progress"


async def test_a_transition_whose_answer_was_not_sent_is_answered_at_the_next_start(
    gateway_settings, persona
) -> None:
    clock = Clock(frozen_at=working_morning())
    async with started(gateway_settings, clock) as before:
        applicant, application_id, _ = await _sent_licence(before, persona)
        await deliver_all(before)
        before.app[SIMULATOR].workstation.on_change = None  # the process stops after the commit
        office = await staff(before, "alm-office")
        await office.act(await inbox_number(office), "register")
        await deliver_all(before)
        detail = await before.app[SIMULATOR].portal.application(applicant, application_id)
        assert "register" not in [e.details.get("action") for e in detail.timeline]
    async with started(gateway_settings, clock) as after:
        await deliver_all(after)
        detail = await after.app[SIMULATOR].portal.application(applicant, application_id)
        actions = [e.details.get("action") for e in detail.timeline if e.step in ("P7", "C3")]
        assert actions.count("register") == 1
        assert actions.count("receive") == 1


async def test_a_final_state_the_portal_missed_is_settled_at_the_next_start(
    gateway_settings, persona, monkeypatch
) -> None:
    start = passport_day(window_end)
    head_of_company = persona("company-first-head")
    applicant = company(head_of_company)
    clock = Clock(frozen_at=start)
    async with started(gateway_settings, clock) as before:
        application_id = await passport_draft(before, applicant)
        await sign_and_send(before, applicant, application_id, head_of_company.sign)
        clock.set(window_end(start))
        # The state is recorded, and the process stops before the portal is told.
        monkeypatch.setattr(before.app[SIMULATOR].delivery, "_notify", None)
        await deliver_all(before)
        detail = await before.app[SIMULATOR].portal.application(applicant, application_id)
        assert detail.application.status == "sent"
    async with started(gateway_settings, clock) as after:
        detail = await after.app[SIMULATOR].portal.application(applicant, application_id)
        assert detail.application.status == "not_delivered"
        assert detail.timeline[-1].code == "OUTSIDE_ACCEPTANCE_WINDOW"
