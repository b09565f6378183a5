"""Magic inputs: each documented IIN meets its fixed outcome through the real OCSP responder,
CRLs, verifier, portal and gateway, with no fault switch and no configuration."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from egovsim.clock import Clock
from egovsim.errors import CATALOGUE
from egovsim.identity import generate_iin, is_valid_iin
from egovsim.magic import (
    DELIVERY_UNREACHABLE,
    MAGIC_NUMBERS,
    REVOCATION_UNAVAILABLE,
    REVOKED,
    UNAVAILABLE_CRL_PATH,
    magic_outcome,
    numbers_with,
)
from egovsim.pki.authority import NCA, TestPki
from egovsim.pki.keystore import Keystore
from egovsim.pki.oids import Usage
from egovsim.pki.personas import COMPANY_BIN, PERSONAS, PROVIDER_ENTITIES, load_personas
from egovsim.pki.profiles import Holder
from egovsim.signatures import cms
from egovsim.signatures.verifier import Expectations, Verifier
from egovsim.web.app import create_app
from egovsim.web.keys import GATEWAY_STORE
from tests.conftest import BASE_URL, NOW, later
from tests.portal_helpers import PASSWORD, challenge, login_reply, sign_nonce
from tests.test_portal import deliver_all, working_morning
from tests.test_portal_api import Cabinet, egovsim_cms, signed_in

REVOKED_IIN = numbers_with(REVOKED)[0]
UNAVAILABLE_IIN = numbers_with(REVOCATION_UNAVAILABLE)[0]
UNREACHABLE_IIN = numbers_with(DELIVERY_UNREACHABLE)[0]
CONTENT = b'{"service": "vessel-licence"}'


def issue(pki: TestPki, iin: str, usage: Usage) -> Keystore:
    """A keystore for the IIN, valid around NOW, as `egovsim pki issue --iin` makes it."""
    holder = Holder(iin, "СЫНАҚ", "НӨМІР")
    issued = pki.issue(holder, usage, not_before=later(-30), not_after=later(335))
    return Keystore(issued.key, issued.certificate, [pki.authority(NCA).certificate])


def signed(keystore: Keystore) -> bytes:
    return cms.sign(CONTENT, keystore.key, keystore.certificate, keystore.chain, NOW)


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


def test_the_magic_numbers_are_valid_iins_of_1900_that_no_persona_has(certs_dir) -> None:
    for day, magic in enumerate(MAGIC_NUMBERS, start=1):
        assert is_valid_iin(magic.number), magic.number
        assert magic.number == generate_iin(date(1900, 1, day), "male", serial=0)
        assert magic.code in CATALOGUE, magic.code
        assert magic_outcome(magic.number) == magic.outcome
    taken = {spec.holder.iin for spec in PERSONAS} | {spec.holder.bin for spec in PERSONAS}
    taken |= {entry["iin"] for entry in load_personas(certs_dir)}
    taken |= {COMPANY_BIN} | {bin_ for bin_, _ in PROVIDER_ENTITIES.values()}
    assert {magic.number for magic in MAGIC_NUMBERS}.isdisjoint(taken)
    assert len({magic.number for magic in MAGIC_NUMBERS}) == len(MAGIC_NUMBERS)
    assert magic_outcome("850715330124") is None and magic_outcome(None) is None


async def test_the_api_lists_each_magic_number_with_its_outcome(client) -> None:
    reply = await client.get("/api/v1/magic")
    assert reply.status == 200
    listed = {entry["number"]: entry for entry in (await reply.json())["magic"]}
    assert {n: (e["outcome"], e["step"], e["code"]) for n, e in listed.items()} == {
        REVOKED_IIN: ("revoked", "C2", "CERT_REVOKED"),
        UNAVAILABLE_IIN: ("revocation-unavailable", "C2", "REVOCATION_UNAVAILABLE"),
        UNREACHABLE_IIN: ("delivery-unreachable", "P7", "RECEIVER_UNREACHABLE"),
    }
    for entry in listed.values():
        assert entry["kind"] == "iin" and entry["how"] and entry["summary"] and entry["layer"]
    document = await (await client.get("/api/v1/openapi.json")).json()
    assert "/api/v1/magic" in document["paths"]


# -- always revoked -------------------------------------------------------------------------------


@pytest.mark.parametrize("prefer", ["ocsp", "crl"])
async def test_a_signature_of_the_revoked_magic_iin_is_cert_revoked_whichever_source(
    pki, fetcher, prefer
) -> None:
    keystore = issue(pki, REVOKED_IIN, "sign")
    verifier = Verifier(pki.trust_anchors, fetcher=fetcher, prefer=prefer, clock=lambda: NOW)

    report = await verifier.verify_cms(signed(keystore), expect=Expectations(iin=REVOKED_IIN))

    assert (str(report.indication), report.code) == ("INDETERMINATE", "CERT_REVOKED")
    check = report.check("revocation")
    assert check is not None and check.data is not None
    assert check.data["source"].startswith(prefer)
    assert check.data["reason"] == "keyCompromise"
    assert check.data["revoked_at"] == keystore.certificate.not_valid_before_utc.isoformat()


async def test_the_ocsp_responder_and_both_crls_say_revoked_at_once_for_its_signing_key(
    client, pki
) -> None:
    sign, auth = issue(pki, REVOKED_IIN, "sign"), issue(pki, REVOKED_IIN, "auth")

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


async def test_the_unavailable_magic_iin_gets_try_later_and_crl_addresses_that_are_down(
    client, pki
) -> None:
    sign, auth = issue(pki, UNAVAILABLE_IIN, "sign"), issue(pki, UNAVAILABLE_IIN, "auth")

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


@pytest.mark.parametrize("prefer", ["ocsp", "crl"])
async def test_a_signature_of_the_unavailable_magic_iin_is_revocation_unavailable(
    pki, fetcher, prefer
) -> None:
    keystore = issue(pki, UNAVAILABLE_IIN, "sign")
    hard = Verifier(pki.trust_anchors, fetcher=fetcher, prefer=prefer, clock=lambda: NOW)
    soft = Verifier(
        pki.trust_anchors, fetcher=fetcher, prefer=prefer, policy="soft-fail", clock=lambda: NOW
    )

    report = await hard.verify_cms(signed(keystore), expect=Expectations(iin=UNAVAILABLE_IIN))
    passed = await soft.verify_cms(signed(keystore), expect=Expectations(iin=UNAVAILABLE_IIN))

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


async def registered(client: Any, pki: TestPki, iin: str) -> tuple[Cabinet, Keystore]:
    """Register the IIN with its authentication key, sign in, and keep its signing key."""
    auth, sign = issue(pki, iin, "auth"), issue(pki, iin, "sign")
    challenge_id, nonce = await challenge(client)
    reply = await client.post(
        "/api/v1/auth/register",
        json={
            "login": iin,
            "password": PASSWORD,
            "challenge_id": challenge_id,
            "signature": sign_nonce(auth, nonce, client),
        },
    )
    assert reply.status == 201, await reply.text()
    login = await login_reply(client, auth, iin)
    assert login.status == 200, await login.text()
    return Cabinet(client, (await login.json())["csrf_token"]), sign


@pytest.mark.parametrize(
    ("iin", "status", "code", "subindication"),
    [
        (REVOKED_IIN, 422, "CERT_REVOKED", "REVOKED_NO_POE"),
        (UNAVAILABLE_IIN, 503, "REVOCATION_UNAVAILABLE", "TRY_LATER"),
    ],
    ids=["revoked", "revocation-unavailable"],
)
async def test_the_portal_refuses_a_magic_iins_signature_at_c2(
    portal, pki, iin, status, code, subindication
) -> None:
    cabinet, sign = await registered(portal, pki, iin)
    number = await cabinet.licence_draft()
    document = await cabinet.document(number)

    refused = await cabinet.sign(number, egovsim_cms(portal, sign, document), status)

    assert (refused["error"]["code"], refused["error"]["step"]) == (code, "C2")
    report = refused["error"]["details"]["report"]
    assert (report["signer"]["iin"], report["subindication"]) == (iin, subindication)
    shown = await cabinet.call("GET", f"/applications/{number}")
    assert shown["status"] == "draft"


async def test_a_request_of_the_unreachable_magic_iin_is_never_delivered(
    portal, pki, persona
) -> None:
    cabinet, sign = await registered(portal, pki, UNREACHABLE_IIN)
    number = await cabinet.licence_draft()
    sent = await cabinet.sign(number, egovsim_cms(portal, sign, await cabinet.document(number)))
    assert sent["status"] == "sent"

    await deliver_all(portal)

    shown = await cabinet.call("GET", f"/applications/{number}")
    assert shown["status"] == "not_delivered"
    last = shown["timeline"][-1]
    assert (last["step"], last["event"], last["code"]) == (
        "P7",
        "not_delivered",
        "RECEIVER_UNREACHABLE",
    )
    assert last["details"]["state"] == "DELIVERY_STOPPED"
    store = portal.app[GATEWAY_STORE]
    message = await store.message(last["details"]["message_id"])
    assert message is not None and message.state == "DELIVERY_STOPPED"
    attempts = await store.attempts(message)
    assert [a.outcome for a in attempts] == ["unavailable"] * 3  # gateway_max_attempts
    assert UNREACHABLE_IIN in attempts[-1].detail


async def test_the_same_gateway_delivers_an_ordinary_applicants_request(
    portal, pki, persona
) -> None:
    """The control: with the same settings, only the number makes the delivery fail."""
    cabinet = await signed_in(portal, persona, "citizen-valid")
    number = await cabinet.licence_draft()
    keystore = persona("citizen-valid").sign
    await cabinet.sign(number, egovsim_cms(portal, keystore, await cabinet.document(number)))

    await deliver_all(portal)

    shown = await cabinet.call("GET", f"/applications/{number}")
    assert ("P7", "delivered") in [(e["step"], e["event"]) for e in shown["timeline"]]
