"""egovsim against OpenSSL 3.0: CMS both ways, the OCSP responder, the CRLs, path checks."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import urllib.parse
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp

from egovsim.pki.keystore import Keystore
from egovsim.pki.profiles import Holder
from egovsim.signatures import cms
from egovsim.signatures.verifier import Verifier
from tests.conftest import NOW

ATTIME = str(int(NOW.timestamp()))
CONTENT = b'{"service": "vessel-licence", "iin": "850715301233"}\n'


def openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the openssl binary; never raises on a non-zero exit."""
    return subprocess.run(
        ["openssl", *map(str, args)], capture_output=True, text=True, check=False, timeout=60
    )


async def openssl_async(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """openssl in a thread, for commands that talk to the test's server on this event loop."""
    return await asyncio.to_thread(openssl, *args)


def write_cert(path: Path, certificate: x509.Certificate) -> Path:
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def write_key(path: Path, keystore: Keystore) -> Path:
    pem = keystore.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    return path


def ca_files(pki, directory: Path) -> tuple[Path, Path]:
    """root.pem and nca.pem of the test's PKI."""
    root = write_cert(directory / "root.pem", pki.authority("root_rsa").certificate)
    nca = write_cert(directory / "nca.pem", pki.authority("nca_rsa").certificate)
    return root, nca


def openssl_serial(serial: int) -> str:
    """A serial number as `openssl ... -text` prints it: whole bytes, upper-case hex."""
    return serial.to_bytes((serial.bit_length() + 7) // 8, "big").hex().upper()


# -- CMS ------------------------------------------------------------------------------------


@pytest.mark.parametrize("detached", [False, True], ids=["attached", "detached"])
async def test_openssl_cms_signature_by_a_persona_key_verifies_total_passed(
    persona, pki, fetcher, tmp_path: Path, detached: bool
) -> None:
    keystore = persona("citizen-valid").sign
    signer = write_cert(tmp_path / "signer.pem", keystore.certificate)
    key = write_key(tmp_path / "signer.key", keystore)
    _, nca = ca_files(pki, tmp_path)
    (tmp_path / "content.json").write_bytes(CONTENT)
    out = tmp_path / "signature.p7s"
    result = openssl(
        "cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256",
        "-in", tmp_path / "content.json", "-signer", signer, "-inkey", key,
        "-certfile", nca, "-out", out, *([] if detached else ["-nodetach"]),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    signature = out.read_bytes()
    assert (CONTENT in signature) is not detached

    verifier = Verifier(pki.trust_anchors, fetcher=fetcher, clock=lambda: NOW)
    report = await verifier.verify_cms(signature, content=CONTENT if detached else None)

    assert str(report.indication) == "TOTAL_PASSED", report.to_json()
    format_check = report.check("format")
    assert format_check is not None
    assert ("detached" if detached else "attached") in format_check.detail
    assert report.signer is not None
    assert report.signer.iin == persona("citizen-valid").iin
    assert fetcher.requests, "the revocation status came from the test's server"


@pytest.mark.parametrize("detached", [False, True], ids=["attached", "detached"])
def test_egovsim_cms_verifies_with_openssl_cms_verify(
    persona, pki, tmp_path: Path, detached: bool
) -> None:
    keystore = persona("citizen-valid").sign
    signature = cms.sign(
        CONTENT, keystore.key, keystore.certificate, keystore.chain, NOW, detached=detached
    )
    (tmp_path / "signature.p7s").write_bytes(signature)
    (tmp_path / "content.json").write_bytes(CONTENT)
    root, _ = ca_files(pki, tmp_path)
    out = tmp_path / "verified.out"

    result = openssl(
        "cms", "-verify", "-binary", "-inform", "DER", "-in", tmp_path / "signature.p7s",
        "-CAfile", root, "-attime", ATTIME, "-out", out,
        *(["-content", tmp_path / "content.json"] if detached else []),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr
    assert out.read_bytes() == CONTENT


def test_openssl_cms_verify_rejects_egovsim_cms_over_changed_content(
    persona, pki, tmp_path: Path
) -> None:
    keystore = persona("citizen-valid").sign
    signature = cms.sign(CONTENT, keystore.key, keystore.certificate, keystore.chain, NOW)
    (tmp_path / "signature.p7s").write_bytes(signature.replace(b"vessel", b"VESSEL"))
    root, _ = ca_files(pki, tmp_path)

    result = openssl(
        "cms", "-verify", "-binary", "-inform", "DER", "-in", tmp_path / "signature.p7s",
        "-CAfile", root, "-attime", ATTIME, "-out", tmp_path / "verified.out",
    )  # fmt: skip

    assert result.returncode != 0
    assert "Verification successful" not in result.stderr
    assert "CMS Verification failure" in result.stderr


# -- OCSP -----------------------------------------------------------------------------------

OCSP_CASES = {
    "citizen-valid": ("good", None),
    "citizen-revoked": ("revoked", "Reason: keyCompromise"),
}


@pytest.mark.parametrize("nonce", [True, False], ids=["nonce", "no-nonce"])
@pytest.mark.parametrize(("persona_id", "expected"), OCSP_CASES.items())
async def test_openssl_ocsp_client_gets_verified_status_from_the_responder(
    persona, pki, server, tmp_path: Path, persona_id: str, expected, nonce: bool
) -> None:
    status, reason = expected
    root, nca = ca_files(pki, tmp_path)
    leaf = write_cert(tmp_path / "leaf.pem", persona(persona_id).sign.certificate)

    result = await openssl_async(
        "ocsp", "-issuer", nca, "-cert", leaf, "-CAfile", root,
        "-url", str(server.make_url("/ocsp")), "-resp_text", "-attime", ATTIME,
        *([] if nonce else ["-no_nonce"]),
    )  # fmt: skip

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Response verify OK" in output
    assert f"{leaf}: {status}" in result.stdout
    assert f"Cert Status: {status}" in result.stdout
    if reason is not None:
        assert reason in result.stdout
    # A request with a nonce gets it back; one without gets no nonce extension.
    assert ("OCSP Nonce" in result.stdout) is nonce


@pytest.mark.parametrize(("persona_id", "expected"), OCSP_CASES.items())
async def test_ocsp_get_with_an_openssl_made_request_answers_the_status(
    persona, pki, client, tmp_path: Path, persona_id: str, expected
) -> None:
    status, _ = expected
    _, nca = ca_files(pki, tmp_path)
    certificate = persona(persona_id).sign.certificate
    leaf = write_cert(tmp_path / "leaf.pem", certificate)
    request_file = tmp_path / "request.der"
    made = openssl("ocsp", "-issuer", nca, "-cert", leaf, "-no_nonce", "-reqout", request_file)
    assert made.returncode == 0, made.stderr
    request_der = request_file.read_bytes()
    assert ocsp.load_der_ocsp_request(request_der).serial_number == certificate.serial_number
    encoded = urllib.parse.quote(base64.b64encode(request_der).decode(), safe="")

    reply = await client.get(f"/ocsp/{encoded}")

    assert reply.status == 200
    assert reply.content_type == "application/ocsp-response"
    response = ocsp.load_der_ocsp_response(await reply.read())
    assert response.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert response.serial_number == certificate.serial_number
    assert response.certificate_status.name.lower() == status
    if status == "revoked":
        assert response.revocation_reason is x509.ReasonFlags.key_compromise
        assert response.revocation_time_utc == NOW - timedelta(days=1)
    else:
        assert response.revocation_reason is None
    assert response.this_update_utc == NOW


# -- CA certificates --------------------------------------------------------------------------


async def test_ca_certificates_served_as_der_are_read_by_openssl(pki, client, tmp_path) -> None:
    subjects = {}
    for name in ("root_rsa", "nca_rsa"):
        reply = await client.get(f"/cert/{name}.cer")
        assert reply.status == 200
        assert reply.content_type == "application/pkix-cert"
        body = await reply.read()
        assert body == pki.authority(name).certificate.public_bytes(serialization.Encoding.DER)
        (tmp_path / f"{name}.cer").write_bytes(body)
        result = openssl(
            "x509", "-inform", "DER", "-in", tmp_path / f"{name}.cer", "-noout", "-subject",
            "-issuer", "-nameopt", "RFC2253",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        subject, issuer = result.stdout.splitlines()
        subjects[name] = (subject.removeprefix("subject="), issuer.removeprefix("issuer="))

    assert subjects["root_rsa"][0] == subjects["root_rsa"][1]  # self-signed
    assert subjects["nca_rsa"][1] == subjects["root_rsa"][0]  # issued by the root


# -- CRLs -----------------------------------------------------------------------------------


async def _crl_text(client, name: str, directory: Path) -> str:
    reply = await client.get(f"/crl/{name}.crl")
    assert reply.status == 200
    assert reply.content_type == "application/pkix-crl"
    path = directory / f"{name}.crl"
    path.write_bytes(await reply.read())
    result = openssl("crl", "-inform", "DER", "-in", path, "-noout", "-text")
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_openssl_reads_the_full_and_the_delta_crl(persona, client, tmp_path: Path) -> None:
    revoked = persona("citizen-revoked").sign.certificate.serial_number

    full = await _crl_text(client, "nca_rsa", tmp_path)
    delta = await _crl_text(client, "nca_d_rsa", tmp_path)

    assert "Certificate Revocation List (CRL)" in full
    assert "Delta CRL Indicator" not in full
    assert "Freshest CRL" in full  # the full CRL names its delta
    assert f"Serial Number: {openssl_serial(revoked)}" in full
    assert "Key Compromise" in full
    assert "Certificate Revocation List (CRL)" in delta
    assert "Delta CRL Indicator" in delta


async def test_delta_crl_lists_a_certificate_revoked_after_its_base(
    pki, client, tmp_path: Path
) -> None:
    holder = Holder(iin="850715301233", surname="ТЕСТОВ", name="ТЕСТ")
    issued = pki.issue(
        holder, "sign", not_before=NOW - timedelta(days=1), not_after=NOW + timedelta(days=30)
    )
    serial = issued.record.serial
    before = await _crl_text(client, "nca_d_rsa", tmp_path)
    assert openssl_serial(serial) not in before

    pki.revoke(serial, "keyCompromise", NOW, NOW)

    full = await _crl_text(client, "nca_rsa", tmp_path)
    assert f"Serial Number: {openssl_serial(serial)}" in full
    delta = await _crl_text(client, "nca_d_rsa", tmp_path)
    assert "Delta CRL Indicator" in delta
    assert f"Serial Number: {openssl_serial(serial)}" in delta


# -- certificate paths with CRLs ----------------------------------------------------------

PATH_CASES = {
    "citizen-valid": (True, ": OK", "TOTAL_PASSED", None),
    "citizen-revoked": (False, "certificate revoked", "INDETERMINATE", "CERT_REVOKED"),
}


@pytest.mark.parametrize(("persona_id", "expected"), PATH_CASES.items())
async def test_openssl_verify_with_the_crl_agrees_with_egovsim(
    persona, pki, client, fetcher, tmp_path: Path, persona_id: str, expected
) -> None:
    accepted, words, indication, code = expected
    root, nca = ca_files(pki, tmp_path)
    certificate = persona(persona_id).sign.certificate
    leaf = write_cert(tmp_path / "leaf.pem", certificate)
    reply = await client.get("/crl/nca_rsa.crl")
    crl_file = tmp_path / "nca.crl"
    crl_file.write_bytes(
        x509.load_der_x509_crl(await reply.read()).public_bytes(serialization.Encoding.PEM)
    )

    result = openssl(
        "verify", "-crl_check", "-CAfile", root, "-untrusted", nca, "-CRLfile", crl_file,
        "-attime", ATTIME, leaf,
    )  # fmt: skip
    verifier = Verifier(pki.trust_anchors, fetcher=fetcher, prefer="crl", clock=lambda: NOW)
    report = await verifier.verify_certificate(certificate.public_bytes(serialization.Encoding.DER))

    assert (result.returncode == 0) is accepted, result.stdout + result.stderr
    assert words in result.stdout + result.stderr
    assert (str(report.indication), report.code) == (indication, code)
    if code is not None:
        revocation = report.check("revocation")
        assert revocation is not None and revocation.data is not None
        assert revocation.data["source"].startswith("crl")
        assert revocation.data["serial"] == f"{certificate.serial_number:X}"
