"""The verifier's rules one by one: integrity, algorithms, usage, revocation policy, CRLs."""

from __future__ import annotations

import base64
from datetime import timedelta

from cryptography import x509

from egovsim.pki.profiles import Holder
from egovsim.signatures import cms
from egovsim.signatures.verifier import Expectations, Verifier
from tests.conftest import NOW, later

CONTENT = b'{"iin": "850715330124", "service": "vessel-licence"}'


def _verifier(pki, fetcher=None, **options) -> Verifier:
    return Verifier(pki.trust_anchors, fetcher=fetcher, clock=lambda: NOW, **options)


def _crls(pki, *names: str) -> list[x509.CertificateRevocationList]:
    return [x509.load_der_x509_crl(pki.crl(name, NOW)) for name in names]


def _offline(pki, **options) -> Verifier:
    return _verifier(pki, crls=_crls(pki, "nca_rsa", "nca_d_rsa", "root_rsa"), **options)


def _sign(keystore, content: bytes = CONTENT, **options) -> bytes:
    return cms.sign(content, keystore.key, keystore.certificate, keystore.chain, NOW, **options)


def _issue(pki, **options):
    holder = Holder(iin="850715301233", surname="ТЕСТОВ", name="ТЕСТ")
    return pki.issue(
        holder,
        options.pop("usage", "sign"),
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=30),
        **options,
    )


async def test_valid_signature_passes_offline_with_given_crls(persona, pki) -> None:
    report = await _offline(pki).verify_cms(_sign(persona("citizen-valid").sign))
    assert report.passed
    assert [c.name for c in report.checks] == [
        "format",
        "signed-data",
        "signer-certificate",
        "signed-attributes",
        "signature",
        "chain",
        "validity",
        "revocation",
        "key-usage",
        "role",
        "binding",
        "algorithms",
    ]
    assert report.signing_time == NOW


async def test_content_changed_after_signing_is_a_broken_signature(persona, pki) -> None:
    signature = _sign(persona("citizen-valid").sign)
    tampered = signature.replace(CONTENT, CONTENT.replace(b"vessel", b"VESSEL"))
    report = await _offline(pki).verify_cms(tampered)
    assert (str(report.indication), report.subindication, report.code) == (
        "TOTAL_FAILED",
        "HASH_FAILURE",
        "SIGNATURE_BROKEN",
    )


async def test_detached_signature_checks_the_given_data(persona, pki) -> None:
    signature = _sign(persona("citizen-valid").sign, detached=True)
    verifier = _offline(pki)
    assert (await verifier.verify_cms(signature, content=CONTENT)).passed
    changed = await verifier.verify_cms(signature, content=CONTENT + b" ")
    assert changed.code == "SIGNATURE_BROKEN"
    missing = await verifier.verify_cms(signature)
    assert (missing.subindication, missing.code) == ("SIGNED_DATA_NOT_FOUND", "SIGNED_DATA_MISSING")


async def test_a_damaged_signature_value_fails_the_crypto_check(persona, pki) -> None:
    keystore = persona("citizen-valid").sign
    signature = bytearray(_sign(keystore))
    signature[-5] ^= 0x01  # inside the RSA signature value, the last field of the CMS
    report = await _offline(pki).verify_cms(bytes(signature))
    assert (report.subindication, report.code) == ("SIG_CRYPTO_FAILURE", "SIGNATURE_BROKEN")


async def test_sha1_signature_is_refused_by_the_algorithm_policy(persona, pki) -> None:
    report = await _offline(pki).verify_cms(_sign(persona("citizen-valid").sign, digest="sha1"))
    assert (report.subindication, report.code) == ("CRYPTO_CONSTRAINTS_FAILURE", "WEAK_ALGORITHM")
    assert "SHA1" in report.check("algorithms").detail


async def test_rsa_1024_signer_is_refused_by_the_algorithm_policy(pki) -> None:
    issued = _issue(pki, key_kind="rsa1024")
    signature = cms.sign(
        CONTENT, issued.key, issued.certificate, [pki.authority("nca_rsa").certificate], NOW
    )
    report = await _offline(pki).verify_cms(signature)
    assert report.code == "WEAK_ALGORITHM"
    assert "RSA key of 1024 bits" in report.check("algorithms").detail


async def test_p256_signer_passes(pki) -> None:
    issued = _issue(pki, key_kind="p256")
    signature = cms.sign(
        CONTENT, issued.key, issued.certificate, [pki.authority("nca_rsa").certificate], NOW
    )
    report = await _offline(pki).verify_cms(signature)
    assert report.passed, report.to_json()
    assert "EC-secp256r1" in report.check("signature").detail


async def test_authentication_key_used_to_sign_is_refused(persona, pki) -> None:
    report = await _offline(pki).verify_cms(_sign(persona("citizen-valid").auth))
    assert report.code == "CERT_WRONG_KEY_USAGE"
    assert report.check("key-usage").data == {"purpose": "sign", "certificate_usage": "auth"}


async def test_request_of_another_person_is_an_iin_mismatch(persona, pki) -> None:
    valid, second = persona("citizen-valid"), persona("citizen-second")
    report = await _offline(pki).verify_cms(_sign(second.sign), expect=Expectations(iin=valid.iin))
    assert report.code == "IIN_MISMATCH"
    assert report.check("binding").data == {"expected": valid.iin, "certificate": second.iin}


async def test_legal_entity_request_with_another_bin_is_a_bin_mismatch(persona, pki) -> None:
    head = persona("company-first-head")
    report = await _offline(pki).verify_cms(
        _sign(head.sign), expect=Expectations(iin=head.iin, bin="061240000003")
    )
    assert report.code == "BIN_MISMATCH"


async def test_individual_certificate_cannot_sign_a_companys_request(persona, pki) -> None:
    report = await _offline(pki).verify_cms(
        _sign(persona("citizen-valid").sign), expect=Expectations(bin="061240000003")
    )
    assert report.code == "BIN_MISMATCH"


async def test_without_revocation_data_hard_fail_refuses_and_soft_fail_warns(persona, pki) -> None:
    signature = _sign(persona("citizen-valid").sign)
    hard = await _verifier(pki).verify_cms(signature)
    assert (hard.subindication, hard.code) == ("TRY_LATER", "REVOCATION_UNAVAILABLE")
    soft = await _verifier(pki, policy="soft-fail").verify_cms(signature)
    assert soft.passed
    assert soft.check("revocation").status == "warning"


async def test_a_stale_crl_is_not_trusted(persona, pki) -> None:
    signature = _sign(persona("citizen-valid").sign)
    report = await _offline(pki, prefer="crl").verify_cms(signature, at=later(days=2))
    assert report.code == "REVOCATION_UNAVAILABLE"
    assert "stale" in report.check("revocation").detail


async def test_revocation_after_the_validation_time_does_not_count(persona, pki) -> None:
    issued = _issue(pki)
    pki.revoke(issued.record.serial, "keyCompromise", later(hours=1), NOW)
    signature = cms.sign(
        CONTENT, issued.key, issued.certificate, [pki.authority("nca_rsa").certificate], NOW
    )
    assert (await _offline(pki, prefer="crl").verify_cms(signature)).passed


async def test_new_revocation_reaches_a_verifier_holding_the_old_base_through_the_delta(
    pki, fetcher
) -> None:
    issued = _issue(pki)
    signature = cms.sign(
        CONTENT, issued.key, issued.certificate, [pki.authority("nca_rsa").certificate], NOW
    )
    old_full, root_crl = _crls(pki, "nca_rsa", "root_rsa")
    pki.revoke(issued.record.serial, "keyCompromise", NOW, NOW)
    delta = x509.load_der_x509_crl(pki.crl("nca_d_rsa", NOW))
    entry = delta.get_revoked_certificate_by_serial_number(issued.record.serial)
    assert entry is not None
    assert old_full.get_revoked_certificate_by_serial_number(issued.record.serial) is None
    verifier = _verifier(pki, fetcher=fetcher, prefer="crl", crls=[old_full, root_crl])
    report = await verifier.verify_cms(signature)
    assert report.code == "CERT_REVOKED"
    assert report.check("revocation").data["source"] == "crl+delta"


async def test_released_hold_is_taken_back_by_the_delta(persona, pki, fetcher) -> None:
    held = persona("citizen-on-hold")
    old_full, root_crl = _crls(pki, "nca_rsa", "root_rsa")
    pki.release(held.sign.certificate.serial_number, NOW)
    delta = x509.load_der_x509_crl(pki.crl("nca_d_rsa", NOW))
    entry = delta.get_revoked_certificate_by_serial_number(held.sign.certificate.serial_number)
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.remove_from_crl
    )
    verifier = _verifier(pki, fetcher=fetcher, prefer="crl", crls=[old_full, root_crl])
    assert (await verifier.verify_cms(_sign(held.sign))).passed


async def test_held_certificate_released_passes_again(persona, pki, fetcher) -> None:
    held = persona("citizen-on-hold")
    signature = _sign(held.sign)
    assert (await _verifier(pki, fetcher=fetcher).verify_cms(signature)).code == "CERT_ON_HOLD"
    pki.release(held.sign.certificate.serial_number, NOW)
    assert (await _verifier(pki, fetcher=fetcher).verify_cms(signature)).passed


async def test_a_certificate_signed_by_a_leaf_breaks_the_chain(persona, pki) -> None:
    from cryptography.hazmat.primitives import hashes

    from egovsim.pki import profiles

    leaf = persona("citizen-valid").sign
    key = profiles.generate_key("rsa2048")
    forged = (
        x509.CertificateBuilder()
        .subject_name(x509.Name.from_rfc4514_string("CN=FORGED"))
        .issuer_name(leaf.certificate.subject)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .sign(leaf.key, hashes.SHA256())
    )
    signature = cms.sign(CONTENT, key, forged, [leaf.certificate, *leaf.chain], NOW)
    report = await _offline(pki).verify_cms(signature)
    assert report.code == "CHAIN_INVALID"
    assert "not a CA" in report.check("chain").detail


async def test_only_the_given_trust_anchors_are_trusted(persona, pki) -> None:
    untrusted_root = pki.authority("untrusted_rsa").certificate
    verifier = Verifier([untrusted_root], clock=lambda: NOW, policy="soft-fail")
    assert (await verifier.verify_cms(_sign(persona("citizen-untrusted").sign))).passed
    assert (await verifier.verify_cms(_sign(persona("citizen-valid").sign))).code == (
        "CERT_UNTRUSTED"
    )


async def test_verify_certificate_reports_the_persona_outcomes(persona, pki) -> None:
    from cryptography.hazmat.primitives import serialization

    verifier = _offline(pki, intermediates=[pki.authority("nca_rsa").certificate])
    assert (
        await _offline(pki).verify_certificate(
            persona("citizen-valid").sign.certificate.public_bytes(serialization.Encoding.DER)
        )
    ).code == "CERT_UNTRUSTED", "offline, without the issuing CA, there is no path"
    for persona_id, code in (
        ("citizen-valid", None),
        ("citizen-expired", "CERT_EXPIRED"),
        ("citizen-revoked", "CERT_REVOKED"),
        ("citizen-untrusted", "CERT_UNTRUSTED"),
    ):
        der = persona(persona_id).sign.certificate.public_bytes(serialization.Encoding.DER)
        assert (await verifier.verify_certificate(der)).code == code, persona_id
    pem = persona("citizen-valid").auth.certificate.public_bytes(serialization.Encoding.PEM)
    report = await verifier.verify_certificate(pem, expect=Expectations(purpose="sign"))
    assert report.code == "CERT_WRONG_KEY_USAGE"


async def test_report_json_has_the_keys_others_rely_on(persona, pki) -> None:
    report = await _offline(pki).verify_cms(_sign(persona("citizen-expired").sign))
    body = report.to_json()
    assert {"indication", "subindication", "code", "checks", "signer", "step"} <= set(body)
    assert body["step"] == "C2"
    assert set(body["message"]) == {"kk", "ru", "en"}
    assert body["signer"]["iin"] == persona("citizen-expired").iin


class _CountingFetcher:
    """Refuses every fetch and counts them."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def get(self, url: str) -> bytes:
        from egovsim.signatures.revocation import FetchError

        self.calls.append(url)
        raise FetchError("down")

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        return await self.get(url)


async def test_an_aia_address_that_failed_is_not_asked_again_on_every_check(persona, pki) -> None:
    keystore = persona("citizen-valid").sign
    lone = cms.sign(CONTENT, keystore.key, keystore.certificate, [], NOW)  # no CA inside
    fetcher = _CountingFetcher()
    verifier = _verifier(pki, fetcher=fetcher)
    for _ in range(3):
        assert (await verifier.verify_cms(lone)).code == "CERT_UNTRUSTED"
    assert fetcher.calls == ["http://127.0.0.1:9/cert/nca_rsa.cer"]


async def test_a_signature_armoured_as_pem_or_base64_is_verified_as_its_der(persona, pki) -> None:
    signature = _sign(persona("citizen-valid").sign)
    pem = b"-----BEGIN CMS-----\n" + base64.encodebytes(signature) + b"-----END CMS-----\n"
    verifier = _offline(pki)

    for given in (signature, pem, base64.b64encode(signature), b"\n" + pem):
        report = await verifier.verify_cms(given)
        assert report.passed, report.to_json()["checks"]
    for junk in (b"not a signature", signature + b"\x00", pem.replace(b"M", b"Q", 3)):
        refused = await verifier.verify_cms(junk)
        assert refused.code == "SIGNATURE_MALFORMED", refused.to_json()["checks"]
