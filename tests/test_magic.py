"""Magic inputs: each documented IIN and BIN meets its fixed outcome through the real OCSP
responder, CRLs, verifier, portal and gateway, with no fault switch and no configuration."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from egovsim.cli import main
from egovsim.clock import Clock
from egovsim.errors import CATALOGUE
from egovsim.identity import classify, generate_bin, generate_iin, is_valid_bin, is_valid_iin
from egovsim.magic import (
    DELIVERY_UNREACHABLE,
    MAGIC_NUMBERS,
    REVOCATION_UNAVAILABLE,
    REVOKED,
    UNAVAILABLE_CRL_PATH,
    holder_outcome,
    magic_outcome,
    numbers_with,
)
from egovsim.pki.authority import NCA, TestPki
from egovsim.pki.keystore import Keystore, load_keystore
from egovsim.pki.oids import Usage
from egovsim.pki.personas import COMPANY_BIN, PERSONAS, PROVIDER_ENTITIES, load_personas
from egovsim.pki.profiles import Holder
from egovsim.signatures import cms
from egovsim.signatures.report import Report
from egovsim.signatures.verifier import Expectations, Verifier
from egovsim.storage.gateway import Attempt
from egovsim.web.app import create_app
from egovsim.web.common.keys import SIMULATOR
from tests.conftest import BASE_URL, NOW, later
from tests.portal_helpers import PASSWORD, login_reply
from tests.test_accounts_api import register_reply
from tests.test_portal import (
    PASSPORT,
    PASSPORT_DOCUMENTS,
    deliver_all,
    passport_day,
    working_morning,
)
from tests.test_portal_api import PASSPORT_FORM, Cabinet, egovsim_cms, signed_in
from tests.test_workstation import set_clock

REVOKED_IIN = numbers_with(REVOKED, "iin")[0]
UNAVAILABLE_IIN = numbers_with(REVOCATION_UNAVAILABLE, "iin")[0]
UNREACHABLE_IIN = numbers_with(DELIVERY_UNREACHABLE, "iin")[0]
REVOKED_BIN = numbers_with(REVOKED, "bin")[0]
UNAVAILABLE_BIN = numbers_with(REVOCATION_UNAVAILABLE, "bin")[0]
UNREACHABLE_BIN = numbers_with(DELIVERY_UNREACHABLE, "bin")[0]
#: An ordinary employee who signs for the magic companies: the BIN alone decides their fate.
EMPLOYEE_IIN = generate_iin(date(1990, 6, 1), "male", serial=7707)
CONTENT = b'{"service": "vessel-licence"}'


def issue(pki: TestPki, number: str, usage: Usage) -> Keystore:
    """A keystore valid around NOW, as `egovsim pki issue` makes it: the IIN's own, or for a
    BIN its first head's (an ordinary employee's IIN)."""
    if classify(number) == "bin":
        holder = Holder(
            EMPLOYEE_IIN,
            "СЫНАҚ",
            "ҚЫЗМЕТКЕР",
            bin=number,
            organization="ТОО «СЫНАҚ»",
            role="first-head",
        )
    else:
        holder = Holder(number, "СЫНАҚ", "НӨМІР")
    issued = pki.issue(holder, usage, not_before=later(-30), not_after=later(335))
    return Keystore(issued.key, issued.certificate, [pki.authority(NCA).certificate])


def expect(number: str) -> Expectations:
    """What a request of the IIN or the BIN says of its signer."""
    return Expectations(bin=number) if classify(number) == "bin" else Expectations(iin=number)


def signed(keystore: Keystore) -> bytes:
    return cms.sign(CONTENT, keystore.key, keystore.certificate, keystore.chain, NOW)


async def verified(
    pki: TestPki,
    fetcher: Any,
    prefer: str,
    keystore: Keystore,
    number: str,
    policy: str = "hard-fail",
) -> Report:
    """The verifier's report, at NOW, on a signature by `keystore` for the IIN or the BIN, its
    revocation asked of `prefer` first under `policy`."""
    verifier = Verifier(
        pki.trust_anchors, fetcher=fetcher, prefer=prefer, policy=policy, clock=lambda: NOW
    )
    return await verifier.verify_cms(signed(keystore), expect=expect(number))


def ocsp_request(pki: TestPki, keystore: Keystore) -> bytes:
    request = ocsp.OCSPRequestBuilder().add_certificate(
        keystore.certificate, pki.authority(NCA).certificate, hashes.SHA1()
    )
    return request.build().public_bytes(serialization.Encoding.DER)


async def ocsp_answer(client: Any, pki: TestPki, keystore: Keystore) -> ocsp.OCSPResponse:
    reply = await client.post(
        "/ocsp",
        data=ocsp_request(pki, keystore),
        headers={"Content-Type": "application/ocsp-request"},
    )
    assert reply.status == 200
    return ocsp.load_der_ocsp_response(await reply.read())


def crl_urls(certificate: x509.Certificate) -> list[str]:
    points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    urls = [name.value for point in points for name in point.full_name or ()]
    freshest = certificate.extensions.get_extension_for_class(x509.FreshestCRL).value
    return urls + [name.value for point in freshest for name in point.full_name or ()]


# -- the table ------------------------------------------------------------------------------------


def test_the_magic_numbers_are_iins_of_1900_and_bins_of_2000_that_no_persona_has(
    certs_dir,
) -> None:
    iins = [magic for magic in MAGIC_NUMBERS if magic.kind == "iin"]
    bins = [magic for magic in MAGIC_NUMBERS if magic.kind == "bin"]
    outcomes = [REVOKED, REVOCATION_UNAVAILABLE, DELIVERY_UNREACHABLE]
    assert [m.outcome for m in iins] == outcomes
    assert [m.outcome for m in bins] == outcomes
    for day, magic in enumerate(iins, start=1):
        assert is_valid_iin(magic.number), magic.number
        assert magic.number == generate_iin(date(1900, 1, day), "male", serial=0)
    for month, magic in enumerate(bins, start=1):
        assert is_valid_bin(magic.number), magic.number
        registered = generate_bin(2000, month, "resident", "head", 0, today=date(2026, 1, 1))
        assert magic.number == registered
    for magic in MAGIC_NUMBERS:
        assert classify(magic.number) == magic.kind
        assert magic.code in CATALOGUE, magic.code
        assert magic_outcome(magic.number) == magic.outcome
    taken = {spec.holder.iin for spec in PERSONAS} | {spec.holder.bin for spec in PERSONAS}
    taken |= {entry["iin"] for entry in load_personas(certs_dir)}
    taken |= {entry["bin"] for entry in load_personas(certs_dir)}
    taken |= {COMPANY_BIN} | {bin_ for bin_, _ in PROVIDER_ENTITIES.values()}
    assert {magic.number for magic in MAGIC_NUMBERS}.isdisjoint(taken)
    assert len({magic.number for magic in MAGIC_NUMBERS}) == len(MAGIC_NUMBERS)
    assert EMPLOYEE_IIN not in taken and magic_outcome(EMPLOYEE_IIN) is None
    assert magic_outcome("850715330124") is None and magic_outcome(None) is None


def test_a_magic_bin_decides_for_its_employee_whatever_the_iin() -> None:
    assert holder_outcome(EMPLOYEE_IIN, REVOKED_BIN) == REVOKED
    assert holder_outcome(UNAVAILABLE_IIN, REVOKED_BIN) == REVOKED
    assert holder_outcome(REVOKED_IIN, COMPANY_BIN) == REVOKED  # an ordinary company
    assert holder_outcome(REVOKED_IIN, None) == REVOKED
    assert holder_outcome(EMPLOYEE_IIN, COMPANY_BIN) is None
    assert holder_outcome(EMPLOYEE_IIN, None) is None


async def test_the_api_lists_each_magic_number_with_its_outcome(client) -> None:
    reply = await client.get("/api/v1/magic")
    assert reply.status == 200
    listed = {entry["number"]: entry for entry in (await reply.json())["magic"]}
    assert {n: (e["kind"], e["outcome"], e["step"], e["code"]) for n, e in listed.items()} == {
        REVOKED_IIN: ("iin", "revoked", "C2", "CERT_REVOKED"),
        UNAVAILABLE_IIN: ("iin", "revocation-unavailable", "C2", "REVOCATION_UNAVAILABLE"),
        UNREACHABLE_IIN: ("iin", "delivery-unreachable", "P7", "RECEIVER_UNREACHABLE"),
        REVOKED_BIN: ("bin", "revoked", "C2", "CERT_REVOKED"),
        UNAVAILABLE_BIN: ("bin", "revocation-unavailable", "C2", "REVOCATION_UNAVAILABLE"),
        UNREACHABLE_BIN: ("bin", "delivery-unreachable", "P7", "RECEIVER_UNREACHABLE"),
    }
    for number, entry in listed.items():
        assert entry["how"] and entry["summary"] and entry["layer"]
        assert f"--{entry['kind']} {number}" in entry["how"]
    document = await (await client.get("/api/v1/openapi.json")).json()
    assert "/api/v1/magic" in document["paths"]


# -- always revoked -------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [REVOKED_IIN, REVOKED_BIN], ids=["iin", "bin"])
@pytest.mark.parametrize("prefer", ["ocsp", "crl"])
async def test_a_signature_of_the_revoked_magic_number_is_cert_revoked_whichever_source(
    pki, fetcher, prefer, number
) -> None:
    keystore = issue(pki, number, "sign")

    report = await verified(pki, fetcher, prefer, keystore, number)

    assert (str(report.indication), report.code) == ("INDETERMINATE", "CERT_REVOKED")
    check = report.check("revocation")
    assert check is not None and check.data is not None
    assert check.data["source"].startswith(prefer)
    assert check.data["reason"] == "keyCompromise"
    assert check.data["revoked_at"] == keystore.certificate.not_valid_before_utc.isoformat()


@pytest.mark.parametrize("number", [REVOKED_IIN, REVOKED_BIN], ids=["iin", "bin"])
async def test_the_ocsp_responder_and_both_crls_say_revoked_at_once_for_its_signing_key(
    client, pki, number
) -> None:
    sign, auth = issue(pki, number, "sign"), issue(pki, number, "auth")

    answer = await ocsp_answer(client, pki, sign)
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.key_compromise
    assert answer.revocation_time_utc == sign.certificate.not_valid_before_utc
    for name in ("nca_rsa", "nca_d_rsa"):
        crl = x509.load_der_x509_crl(await (await client.get(f"/crl/{name}.crl")).read())
        entry = crl.get_revoked_certificate_by_serial_number(sign.certificate.serial_number)
        assert entry is not None, name
        assert entry.revocation_date_utc == sign.certificate.not_valid_before_utc
        assert crl.get_revoked_certificate_by_serial_number(auth.certificate.serial_number) is None
    # The authentication key stays good: the applicant signs in and meets the outcome at C2.
    assert (await ocsp_answer(client, pki, auth)).certificate_status == ocsp.OCSPCertStatus.GOOD
    record = pki.find(sign.certificate.serial_number)
    assert record is not None and record.status(NOW) == "revoked"


# -- revocation status always unavailable ---------------------------------------------------------


@pytest.mark.parametrize("number", [UNAVAILABLE_IIN, UNAVAILABLE_BIN], ids=["iin", "bin"])
async def test_the_unavailable_magic_number_gets_try_later_and_crl_addresses_that_are_down(
    client, pki, number
) -> None:
    sign, auth = issue(pki, number, "sign"), issue(pki, number, "auth")

    answer = await ocsp_answer(client, pki, sign)
    assert answer.response_status == ocsp.OCSPResponseStatus.TRY_LATER
    urls = crl_urls(sign.certificate)
    assert urls == [
        f"{BASE_URL}{UNAVAILABLE_CRL_PATH}/crl/nca_rsa.crl",
        f"{BASE_URL}{UNAVAILABLE_CRL_PATH}/crl/nca_d_rsa.crl",
    ]
    for url in urls:
        down = await client.get(url[len(BASE_URL) :])
        assert down.status == 503
    assert crl_urls(auth.certificate) == [
        f"{BASE_URL}/crl/nca_rsa.crl",
        f"{BASE_URL}/crl/nca_d_rsa.crl",
    ]
    assert (await ocsp_answer(client, pki, auth)).certificate_status == ocsp.OCSPCertStatus.GOOD


@pytest.mark.parametrize("number", [UNAVAILABLE_IIN, UNAVAILABLE_BIN], ids=["iin", "bin"])
@pytest.mark.parametrize("prefer", ["ocsp", "crl"])
async def test_a_signature_of_the_unavailable_magic_number_is_revocation_unavailable(
    pki, fetcher, prefer, number
) -> None:
    keystore = issue(pki, number, "sign")

    report = await verified(pki, fetcher, prefer, keystore, number)
    passed = await verified(pki, fetcher, prefer, keystore, number, "soft-fail")

    assert (str(report.indication), report.subindication, report.code) == (
        "INDETERMINATE",
        "TRY_LATER",
        "REVOCATION_UNAVAILABLE",
    )
    check = report.check("revocation")
    assert check is not None and "TRY_LATER" in check.detail and "HTTP 503" in check.detail
    assert str(passed.indication) == "TOTAL_PASSED"
    warned = passed.check("revocation")
    assert warned is not None and str(warned.status) == "warning"


# -- the portal and the gateway -------------------------------------------------------------------


@pytest.fixture
async def portal(gateway_settings) -> AsyncIterator[TestClient[Any, Any]]:
    """The whole app with its default revocation settings, the delivery worker off (the test
    delivers), on a working morning after NOW."""
    clock = Clock(frozen_at=working_morning())
    async with TestClient(TestServer(create_app(gateway_settings, clock), host="127.0.0.1")) as c:
        yield c


#: How C2 refuses a signature of each magic outcome it meets: the HTTP status, the code and the
#: subindication.
AT_C2 = {
    REVOKED: (422, "CERT_REVOKED", "REVOKED_NO_POE"),
    REVOCATION_UNAVAILABLE: (503, "REVOCATION_UNAVAILABLE", "TRY_LATER"),
}


def refused_at_c2_cases(kind: str) -> list[tuple[str, int, str, str]]:
    """(the magic IIN or BIN, status, code, subindication) for each outcome C2 refuses."""
    return [(numbers_with(outcome, kind)[0], *answer) for outcome, answer in AT_C2.items()]


async def signed_up(
    client: Any, login: str, auth: Keystore, sign: Keystore
) -> tuple[Cabinet, Keystore]:
    """Register the login with the authentication key, sign in, and keep the signing key."""
    reply = await register_reply(client, auth, login, PASSWORD)
    assert reply.status == 201, await reply.text()
    signed_in = await login_reply(client, auth, login)
    assert signed_in.status == 200, await signed_in.text()
    return Cabinet(client, (await signed_in.json())["csrf_token"]), sign


async def registered(client: Any, pki: TestPki, iin: str) -> tuple[Cabinet, Keystore]:
    """Register the IIN with its authentication key, sign in, and keep its signing key."""
    return await signed_up(client, iin, issue(pki, iin, "auth"), issue(pki, iin, "sign"))


async def refused_at_c2(
    client: Any, cabinet: Cabinet, sign: Keystore, number: int, status: int, code: str
) -> dict[str, Any]:
    """Sign the draft with `sign`: refused at C2 with `code`, it stays a draft; the verifier's
    report the refusal carries."""
    document = await cabinet.document(number)
    refused = await cabinet.sign(number, egovsim_cms(client, sign, document), status)
    assert (refused["error"]["code"], refused["error"]["step"]) == (code, "C2")
    shown = await cabinet.call("GET", f"/applications/{number}")
    assert shown["status"] == "draft"
    return refused["error"]["details"]["report"]  # type: ignore[no-any-return]


async def sent_and_delivered(
    client: Any, cabinet: Cabinet, sign: Keystore, number: int
) -> dict[str, Any]:
    """Sign and send the draft with `sign`, run the deliveries; the application as the cabinet
    shows it then."""
    sent = await cabinet.sign(number, egovsim_cms(client, sign, await cabinet.document(number)))
    assert sent["status"] == "sent"
    await deliver_all(client)
    return await cabinet.call("GET", f"/applications/{number}")


async def stopped_attempts(client: Any, shown: dict[str, Any]) -> list[Attempt]:
    """The application was not delivered: the gateway stopped on its leg (Almaty's P7,
    Shymkent's P5) with RECEIVER_UNREACHABLE after every attempt failed; those attempts."""
    assert shown["status"] == "not_delivered"
    last = shown["timeline"][-1]
    leg = {"almaty-small-vessel-licence": "P7", "shymkent-energy-readiness-passport": "P5"}
    assert (last["step"], last["event"], last["code"]) == (
        leg[shown["service"]["id"]],
        "not_delivered",
        "RECEIVER_UNREACHABLE",
    )
    assert last["details"]["state"] == "DELIVERY_STOPPED"
    store = client.app[SIMULATOR].gateway_store
    message = await store.message(last["details"]["message_id"])
    assert message is not None and message.state == "DELIVERY_STOPPED"
    attempts = await store.attempts(message)
    assert [a.outcome for a in attempts] == ["unavailable"] * 3  # gateway_max_attempts
    return attempts  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("iin", "status", "code", "subindication"), refused_at_c2_cases("iin"), ids=list(AT_C2)
)
async def test_the_portal_refuses_a_magic_iins_signature_at_c2(
    portal, pki, iin, status, code, subindication
) -> None:
    cabinet, sign = await registered(portal, pki, iin)
    number = await cabinet.licence_draft()

    report = await refused_at_c2(portal, cabinet, sign, number, status, code)

    assert (report["signer"]["iin"], report["subindication"]) == (iin, subindication)


async def test_a_request_of_the_unreachable_magic_iin_is_never_delivered(
    portal, pki, persona
) -> None:
    cabinet, sign = await registered(portal, pki, UNREACHABLE_IIN)
    number = await cabinet.licence_draft()

    shown = await sent_and_delivered(portal, cabinet, sign, number)

    attempts = await stopped_attempts(portal, shown)
    assert UNREACHABLE_IIN in attempts[-1].detail


# -- a company of a magic BIN ---------------------------------------------------------------------


@pytest.fixture
def pki_issue(certs_dir: Path, tmp_path: Path, monkeypatch, capsys) -> Any:
    """`pki_issue(bin, usage)`: its first head's keystore, made by `egovsim pki issue --bin`."""
    monkeypatch.setenv("EGOVSIM_CLOCK", NOW.isoformat())
    keys = tmp_path / "keys"

    def run(bin_: str, usage: Usage) -> Keystore:
        keys.mkdir(exist_ok=True)
        capsys.readouterr()
        code = main(
            [
                "--certs", str(certs_dir), "--data-dir", str(tmp_path / "cli"),
                "pki", "issue", "--iin", EMPLOYEE_IIN, "--bin", bin_, "--usage", usage,
                "--not-before", later(-30).isoformat(), "--not-after", later(335).isoformat(),
                "--out", str(keys / f"{usage}.p12"), "--password", PASSWORD, "--json",
            ]
        )  # fmt: skip
        out = capsys.readouterr().out
        assert code == 0, out
        record = json.loads(out)
        assert (record["iin"], record["bin"], record["role"]) == (EMPLOYEE_IIN, bin_, "first-head")
        return load_keystore(Path(record["keystore"]), PASSWORD)

    return run


async def registered_company(client: Any, pki_issue: Any, bin_: str) -> tuple[Cabinet, Keystore]:
    """Register the BIN with its first head's authentication key, sign in as the company, and
    keep the first head's signing key; the clock on a day the readiness passport is taken."""
    await set_clock(client, passport_day())
    return await signed_up(client, bin_, pki_issue(bin_, "auth"), pki_issue(bin_, "sign"))


async def passport_draft(cabinet: Cabinet) -> int:
    """The company's readiness passport with its documents attached."""
    draft = await cabinet.start(PASSPORT, None, PASSPORT_FORM)
    for document_id, data in PASSPORT_DOCUMENTS.items():
        await cabinet.attach(draft["id"], document_id, data)
    return int(draft["id"])


@pytest.mark.parametrize(
    ("bin_", "status", "code", "subindication"), refused_at_c2_cases("bin"), ids=list(AT_C2)
)
async def test_the_portal_refuses_the_signature_of_a_magic_bins_first_head_at_c2(
    portal, pki_issue, bin_, status, code, subindication
) -> None:
    cabinet, sign = await registered_company(portal, pki_issue, bin_)
    number = await passport_draft(cabinet)

    report = await refused_at_c2(portal, cabinet, sign, number, status, code)

    assert (report["signer"]["bin"], report["signer"]["iin"]) == (bin_, EMPLOYEE_IIN)
    assert report["subindication"] == subindication


async def test_a_request_of_the_unreachable_magic_bin_is_never_delivered(portal, pki_issue) -> None:
    cabinet, sign = await registered_company(portal, pki_issue, UNREACHABLE_BIN)
    number = await passport_draft(cabinet)

    shown = await sent_and_delivered(portal, cabinet, sign, number)

    attempts = await stopped_attempts(portal, shown)
    assert f"BIN {UNREACHABLE_BIN}" in attempts[-1].detail


async def test_an_ordinary_bins_first_head_issued_the_same_way_gets_the_request_delivered(
    portal, pki_issue
) -> None:
    """The control: the same employee, command and service; only the BIN makes the outcome."""
    ordinary = generate_bin(2021, 5, "resident", "head", 31337, today=date(2026, 1, 1))
    assert magic_outcome(ordinary) is None
    cabinet, sign = await registered_company(portal, pki_issue, ordinary)
    number = await passport_draft(cabinet)

    shown = await sent_and_delivered(portal, cabinet, sign, number)

    assert ("P5", "delivered") in [(e["step"], e["event"]) for e in shown["timeline"]]


async def test_the_same_gateway_delivers_an_ordinary_applicants_request(
    portal, pki, persona
) -> None:
    """The control: with the same settings, only the number makes the delivery fail."""
    cabinet = await signed_in(portal, persona, "citizen-valid")
    number = await cabinet.licence_draft()

    shown = await sent_and_delivered(portal, cabinet, persona("citizen-valid").sign, number)

    assert ("P7", "delivered") in [(e["step"], e["event"]) for e in shown["timeline"]]
