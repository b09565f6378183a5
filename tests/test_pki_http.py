"""The test PKI over HTTP: CA certificates, CRLs, the OCSP responder, and restarts."""

from __future__ import annotations

import base64
import os
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from egovsim.clock import Clock
from egovsim.pki.authority import TestPki
from egovsim.pki.profiles import Holder
from egovsim.web.app import create_app
from tests.conftest import NOW


def _request(certificate, issuer, nonce: bytes | None = None, algorithm=None) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(
        certificate, issuer, algorithm or hashes.SHA1()
    )
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


async def _ask(client, request: bytes) -> ocsp.OCSPResponse:
    reply = await client.post(
        "/ocsp", data=request, headers={"Content-Type": "application/ocsp-request"}
    )
    assert reply.status == 200
    assert reply.content_type == "application/ocsp-response"
    return ocsp.load_der_ocsp_response(await reply.read())


async def test_healthz_reports_the_simulators_clock_and_the_process_that_answered(client) -> None:
    reply = await client.get("/healthz")
    body = await reply.json()
    assert reply.status == 200
    assert body == {
        "status": "ok",
        "version": body["version"],
        "time": NOW.isoformat(),
        "clock": "frozen",
        "pid": os.getpid(),  # the test serves in its own process
    }


async def test_ca_certificates_are_served_where_the_aia_points(client, pki, persona) -> None:
    leaf = persona("citizen-valid").sign.certificate
    aia = leaf.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    issuer_url = next(
        d.access_location.value
        for d in aia
        if d.access_method == x509.AuthorityInformationAccessOID.CA_ISSUERS
    )
    path = issuer_url.split("127.0.0.1:9", 1)[1]
    assert path == "/cert/nca_rsa.cer"
    reply = await client.get(path)
    assert reply.content_type == "application/pkix-cert"
    assert (
        x509.load_der_x509_certificate(await reply.read()) == pki.authority("nca_rsa").certificate
    )


async def test_certificates_name_both_crls_and_the_responder(persona) -> None:
    leaf = persona("citizen-valid").sign.certificate
    full = leaf.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    delta = leaf.extensions.get_extension_for_class(x509.FreshestCRL).value
    assert full[0].full_name[0].value == "http://127.0.0.1:9/crl/nca_rsa.crl"
    assert delta[0].full_name[0].value == "http://127.0.0.1:9/crl/nca_d_rsa.crl"


async def test_full_and_delta_crls_are_signed_and_numbered_as_one_sequence(client, pki) -> None:
    nca = pki.authority("nca_rsa").certificate
    full = x509.load_der_x509_crl(await (await client.get("/crl/nca_rsa.crl")).read())
    delta = x509.load_der_x509_crl(await (await client.get("/crl/nca_d_rsa.crl")).read())
    assert full.is_signature_valid(nca.public_key())
    assert delta.is_signature_valid(nca.public_key())
    full_number = full.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    delta_number = delta.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    base = delta.extensions.get_extension_for_class(x509.DeltaCRLIndicator).value.crl_number
    assert base <= full_number < delta_number
    assert full.next_update_utc > NOW


async def test_ocsp_answers_good_revoked_and_unknown(client, pki, persona) -> None:
    nca = pki.authority("nca_rsa").certificate
    good = await _ask(client, _request(persona("citizen-valid").sign.certificate, nca))
    assert good.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert good.this_update_utc == NOW
    assert good.next_update_utc == NOW + timedelta(hours=1)
    revoked = await _ask(client, _request(persona("citizen-revoked").sign.certificate, nca))
    assert revoked.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_reason == x509.ReasonFlags.key_compromise
    assert revoked.revocation_time_utc == NOW - timedelta(days=1)
    held = await _ask(client, _request(persona("citizen-on-hold").sign.certificate, nca))
    assert held.revocation_reason == x509.ReasonFlags.certificate_hold
    stranger = _stranger(pki)
    unknown = await _ask(client, _request(stranger, nca))
    assert unknown.certificate_status == ocsp.OCSPCertStatus.UNKNOWN


def _stranger(pki: TestPki) -> x509.Certificate:
    """A certificate with the issuing CA's name and key id that the CA never issued."""
    nca = pki.authority("nca_rsa")
    key = nca.key
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name.from_rfc4514_string("CN=STRANGER"))
        .issuer_name(nca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(424242)
        .not_valid_before(NOW)
        .not_valid_after(NOW + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


async def test_ocsp_is_signed_by_the_delegated_responder_and_echoes_the_nonce(
    client, pki, persona
) -> None:
    nca = pki.authority("nca_rsa").certificate
    nonce = os.urandom(16)
    answer = await _ask(client, _request(persona("citizen-valid").sign.certificate, nca, nonce))
    responder = answer.certificates[0]
    assert responder == pki.authority("ocsp_rsa").certificate
    assert responder.issuer == nca.subject
    eku = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING in eku
    responder.extensions.get_extension_for_class(x509.OCSPNoCheck)
    responder.public_key().verify(
        answer.signature,
        answer.tbs_response_bytes,
        __import__(
            "cryptography.hazmat.primitives.asymmetric.padding"
        ).hazmat.primitives.asymmetric.padding.PKCS1v15(),
        answer.signature_hash_algorithm,
    )
    assert answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce


async def test_ocsp_get_form_and_sha256_cert_ids_are_answered(client, pki, persona) -> None:
    nca = pki.authority("nca_rsa").certificate
    request = _request(persona("citizen-valid").sign.certificate, nca, algorithm=hashes.SHA256())
    encoded = base64.b64encode(request).decode().replace("/", "%2F").replace("+", "%2B")
    reply = await client.get(f"/ocsp/{encoded}")
    answer = ocsp.load_der_ocsp_response(await reply.read())
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert answer.hash_algorithm.name == "sha256"


async def test_ocsp_refuses_to_speak_for_a_ca_it_does_not_run(client, pki, persona) -> None:
    from egovsim.pki.profiles import generate_key

    key = generate_key("rsa2048")
    foreign = (  # as an "issuer": a name and key that no CA of this PKI has
        x509.CertificateBuilder()
        .subject_name(x509.Name.from_rfc4514_string("CN=FOREIGN CA"))
        .issuer_name(x509.Name.from_rfc4514_string("CN=FOREIGN CA"))
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW)
        .not_valid_after(NOW + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    answer = await _ask(client, _request(persona("citizen-valid").sign.certificate, foreign))
    assert answer.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED


async def test_a_revocation_made_while_serving_reaches_ocsp_and_crl_at_once(client, pki) -> None:
    nca = pki.authority("nca_rsa").certificate
    issued = pki.issue(
        Holder(iin="850715301233", surname="ТЕСТОВ", name="ТЕСТ"),
        "sign",
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=10),
    )
    request = _request(issued.certificate, nca)
    assert (await _ask(client, request)).certificate_status == ocsp.OCSPCertStatus.GOOD
    # A separate process (the CLI) revokes through the same certs directory:
    TestPki.open(pki.directory).revoke(issued.record.serial, "keyCompromise", NOW, NOW)
    assert (await _ask(client, request)).certificate_status == ocsp.OCSPCertStatus.REVOKED
    full = x509.load_der_x509_crl(await (await client.get("/crl/nca_rsa.crl")).read())
    assert full.get_revoked_certificate_by_serial_number(issued.record.serial) is not None


async def test_stale_crl_is_published_anew_when_the_clock_moves_past_it(client, clock) -> None:
    first = x509.load_der_x509_crl(await (await client.get("/crl/nca_rsa.crl")).read())
    clock.advance(timedelta(days=2))
    second = x509.load_der_x509_crl(await (await client.get("/crl/nca_rsa.crl")).read())
    assert second.last_update_utc == NOW + timedelta(days=2)
    assert second.next_update_utc > clock.now()
    number = x509.CRLNumber
    assert (
        second.extensions.get_extension_for_class(number).value.crl_number
        > first.extensions.get_extension_for_class(number).value.crl_number
    )


async def test_restart_keeps_the_same_pki(aiohttp_client, settings) -> None:
    fingerprints = []
    for _ in range(2):
        test_client = await aiohttp_client(create_app(settings, Clock(frozen_at=NOW)))
        reply = await test_client.get("/cert/root_rsa.cer")
        fingerprints.append(
            x509.load_der_x509_certificate(await reply.read()).fingerprint(hashes.SHA256())
        )
        await test_client.close()
    assert fingerprints[0] == fingerprints[1]


async def test_first_start_creates_the_pki_and_personas(aiohttp_client, settings, tmp_path):
    fresh = settings.with_overrides(certs_dir=tmp_path / "fresh-certs")
    test_client = await aiohttp_client(create_app(fresh))
    assert (await test_client.get("/cert/nca_rsa.cer")).status == 200
    assert (tmp_path / "fresh-certs" / "personas.json").is_file()


async def test_unknown_paths_get_the_one_error_shape(client) -> None:
    reply = await client.get("/nowhere")
    assert reply.status == 404
    body = await reply.json()
    assert body["error"]["code"] == "NOT_FOUND"
    assert set(body["error"]["message"]) == {"kk", "ru", "en"}
    assert (await client.get("/cert/nope.cer")).status == 404
    assert (await client.put("/ocsp")).status == 405
