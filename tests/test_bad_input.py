"""Bad input: the verifier, `egovsim verify` and the PKI's HTTP endpoints answer it, never crash.

A malformed signature is FORMAT_FAILURE (SIGNATURE_MALFORMED, TOTAL_FAILED) with exit code 1;
a malformed OCSP request gets an OCSP error response; a bad address gets a JSON error.
"""

from __future__ import annotations

import base64
import io
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp

from egovsim.cli import main
from egovsim.pki.keystore import Keystore, load_keystore
from egovsim.pki.personas import load_personas
from egovsim.signatures import cms
from egovsim.signatures.revocation import FetchError
from egovsim.signatures.verifier import Verifier
from tests.conftest import BASE_URL, NOW, PASSWORD, console

CONTENT = b'{"service": "vessel-licence", "iin": "850715301233", "note": "bad-input"}'
MALFORMED = ("TOTAL_FAILED", "FORMAT_FAILURE", "SIGNATURE_MALFORMED")

# -- inputs -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signer(pki_template: Path) -> Keystore:
    """citizen-valid's signing keystore, opened once for the module (nothing here writes)."""
    entry = next(e for e in load_personas(pki_template) if e["id"] == "citizen-valid")
    return load_keystore(pki_template / entry["keystores"]["sign"]["file"], PASSWORD)


@pytest.fixture(scope="module")
def valid_cms(signer: Keystore) -> bytes:
    return cms.sign(CONTENT, signer.key, signer.certificate, signer.chain, NOW)


@pytest.fixture(scope="module")
def root_cer(pki_template: Path) -> Path:
    """The trust anchor, for `egovsim verify --trust` (read only)."""
    return pki_template / "ca" / "root_rsa.cer"


def der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def patch_once(data: bytes, old: bytes, new: bytes, *, last: bool = False) -> bytes:
    """`data` with one occurrence of `old` (the first, or the last) replaced by `new`."""
    index = data.rfind(old) if last else data.find(old)
    assert index >= 0, f"{old.hex()} not found"
    return data[:index] + new + data[index + len(old) :]


SHA256_WITH_RSA = bytes.fromhex("06092a864886f70d01010b")
#: Certificates the cryptography library refuses to read, each made by editing a good one.
CERTIFICATE_DEFECTS = {
    # TBSCertificate version v4 (INTEGER 3): no such X.509 version.
    "unknown-version": (bytes.fromhex("a003020102"), bytes.fromhex("a003020103"), False),
    # The subject public key's algorithm 1.2.840.113549.1.1.0 instead of rsaEncryption.
    "unknown-key-algorithm": (
        bytes.fromhex("06092a864886f70d010101"),
        bytes.fromhex("06092a864886f70d010100"),
        False,
    ),
    # The outer signatureAlgorithm 1.2.840.113549.1.1.99 instead of sha256WithRSAEncryption.
    "unknown-signature-algorithm": (SHA256_WITH_RSA, SHA256_WITH_RSA[:-1] + b"\x63", True),
    # subjectKeyIdentifier renamed authorityKeyIdentifier: two authorityKeyIdentifiers.
    "duplicate-extension": (bytes.fromhex("0603551d0e"), bytes.fromhex("0603551d23"), False),
}


def defective(certificate: x509.Certificate, defect: str) -> bytes:
    old, new, last = CERTIFICATE_DEFECTS[defect]
    return patch_once(der(certificate), old, new, last=last)


def without_certificates(signature: bytes) -> bytes:
    """The same CMS with its certificates removed: nothing names the signer's key."""
    info = asn1_cms.ContentInfo.load(signature)
    signed = info["content"]
    stripped = asn1_cms.SignedData(
        {
            "version": signed["version"],
            "digest_algorithms": signed["digest_algorithms"],
            "encap_content_info": signed["encap_content_info"],
            "signer_infos": signed["signer_infos"],
        }
    )
    dumped: bytes = asn1_cms.ContentInfo(
        {"content_type": "signed_data", "content": stripped}
    ).dump()
    return dumped


@pytest.fixture(scope="module")
def anchors(root_cer: Path) -> list[x509.Certificate]:
    return [x509.load_der_x509_certificate(root_cer.read_bytes())]


@pytest.fixture(scope="module")
def crls(pki_template: Path) -> list[x509.CertificateRevocationList]:
    """The session PKI's CRLs as published at NOW, read from their files."""
    names = ("nca_rsa", "nca_d_rsa", "root_rsa")
    return [x509.load_der_x509_crl((pki_template / "crl" / f"{n}.crl").read_bytes()) for n in names]


@pytest.fixture
def verifier(anchors, crls) -> Verifier:
    """An offline verifier of the session's PKI, fresh for each test."""
    return Verifier(anchors, crls=crls, clock=lambda: NOW)


# -- running `egovsim verify` -----------------------------------------------------------------


@pytest.fixture
def run_main(root_cer: Path, tmp_path: Path, capsys, monkeypatch) -> Any:
    """`egovsim ... --trust <the root>` in-process: (exit code, stdout, stderr).

    With --trust and no PKI in the (empty) working directory, nothing is read but the input.
    """
    monkeypatch.setenv("EGOVSIM_CLOCK", NOW.isoformat())
    for name in ("EGOVSIM_CERTS", "EGOVSIM_DATA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*args: str | Path) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([*map(str, args), "--trust", str(root_cer)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def verdict(report: dict[str, Any]) -> tuple[str, str, str]:
    return report["indication"], report["subindication"], report["code"]


def malformed_inputs(signature: bytes, certificate: x509.Certificate) -> dict[str, bytes]:
    cuts = {"truncated-to-1": 1, "truncated-to-64": 64}
    cuts |= {"truncated-to-half": len(signature) // 2, "truncated-by-1": len(signature) - 1}
    inputs = {name: signature[:cut] for name, cut in cuts.items()}
    inputs["random-bytes"] = random.Random(7).randbytes(3000)
    inputs["certificate-der"] = der(certificate)
    inputs["certificate-pem"] = certificate.public_bytes(serialization.Encoding.PEM)
    inputs["pem-garbage"] = b"-----BEGIN CMS-----\nnot base64!!\n-----END CMS-----\n"
    inputs["empty"] = b""
    return inputs


MALFORMED_CASES = [
    "truncated-to-1",
    "truncated-to-64",
    "truncated-to-half",
    "truncated-by-1",
    "random-bytes",
    "certificate-der",
    "certificate-pem",
    "pem-garbage",
    "empty",
]


@pytest.mark.parametrize("case", MALFORMED_CASES)
def test_egovsim_verify_cms_reports_malformed_input_as_format_failure_with_exit_1(
    run_main, valid_cms: bytes, signer, tmp_path: Path, case: str
) -> None:
    bad = tmp_path / f"{case}.p7s"
    bad.write_bytes(malformed_inputs(valid_cms, signer.certificate)[case])

    code, out, err = run_main("verify", "cms", bad, "--json")

    assert "Traceback" not in err
    assert code == 1, err
    report = json.loads(out)
    assert verdict(report) == MALFORMED
    assert report["checks"][0]["name"] == "format"
    assert report["checks"][0]["status"] == "failed"
    assert report["message"]["en"]


def test_installed_egovsim_verify_cms_of_random_bytes_exits_1_without_traceback(
    root_cer: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "random.p7s"
    bad.write_bytes(random.Random(1).randbytes(4096))

    result = console("verify", "cms", bad, "--trust", root_cer, "--json", cwd=tmp_path)

    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr
    assert verdict(json.loads(result.stdout)) == MALFORMED


async def test_truncating_a_valid_cms_anywhere_is_a_format_failure(
    verifier: Verifier, valid_cms: bytes
) -> None:
    found = set()

    for cut in range(0, len(valid_cms), 7):
        report = await verifier.verify_cms(valid_cms[:cut])
        found.add((str(report.indication), report.subindication, report.code))

    assert found == {MALFORMED}


def test_a_50_megabyte_blob_is_a_format_failure(run_main, tmp_path: Path) -> None:
    blob = tmp_path / "blob.p7s"
    blob.write_bytes(random.Random(50).randbytes(50 * 1024 * 1024))

    code, out, err = run_main("verify", "cms", blob, "--json")

    assert code == 1
    assert verdict(json.loads(out)) == MALFORMED
    assert "Traceback" not in err


def test_a_cms_without_the_signer_certificate_is_signer_cert_missing(
    run_main, valid_cms: bytes, tmp_path: Path
) -> None:
    stripped = without_certificates(valid_cms)
    assert asn1_cms.ContentInfo.load(stripped)["content"]["certificates"].native is None
    (tmp_path / "stripped.p7s").write_bytes(stripped)

    code, out, _ = run_main("verify", "cms", tmp_path / "stripped.p7s", "--json")

    assert code == 1
    report = json.loads(out)
    assert verdict(report) == (
        "INDETERMINATE",
        "NO_SIGNING_CERTIFICATE_FOUND",
        "SIGNER_CERT_MISSING",
    )


def test_a_detached_cms_without_data_is_signed_data_missing(
    run_main, signer, tmp_path: Path
) -> None:
    detached = cms.sign(CONTENT, signer.key, signer.certificate, signer.chain, NOW, detached=True)
    (tmp_path / "detached.p7s").write_bytes(detached)

    code, out, _ = run_main("verify", "cms", tmp_path / "detached.p7s", "--json")

    assert code == 1
    assert verdict(json.loads(out)) == (
        "INDETERMINATE",
        "SIGNED_DATA_NOT_FOUND",
        "SIGNED_DATA_MISSING",
    )


@pytest.mark.parametrize(
    "garbage",
    [b"garbage", b"", b"\x30\x03\x02\x01\x01", b"-----BEGIN CERTIFICATE-----\n!!\n"],
    ids=["text", "empty", "a-small-sequence", "pem-garbage"],
)
def test_egovsim_verify_cert_reports_garbage_as_malformed_with_exit_1(
    run_main, tmp_path: Path, garbage: bytes
) -> None:
    (tmp_path / "garbage.cer").write_bytes(garbage)

    code, out, _ = run_main("verify", "cert", tmp_path / "garbage.cer", "--json")

    assert code == 1
    assert verdict(json.loads(out)) == MALFORMED


# -- certificates the cryptography library cannot read ------------------------------------------


@pytest.mark.parametrize("defect", CERTIFICATE_DEFECTS)
async def test_a_cms_carrying_an_unreadable_certificate_is_a_format_failure(
    verifier: Verifier, signer: Keystore, valid_cms: bytes, defect: str
) -> None:
    nca = signer.chain[0]
    signature = valid_cms.replace(der(nca), defective(nca, defect))
    assert signature != valid_cms and len(signature) == len(valid_cms)

    report = await verifier.verify_cms(signature)

    assert (str(report.indication), report.subindication, report.code) == MALFORMED


@pytest.mark.parametrize("defect", CERTIFICATE_DEFECTS)
async def test_an_unreadable_certificate_to_verify_is_a_format_failure(
    verifier: Verifier, signer: Keystore, defect: str
) -> None:
    report = await verifier.verify_certificate(defective(signer.certificate, defect))

    assert (str(report.indication), report.subindication, report.code) == MALFORMED


def test_installed_egovsim_verify_cms_with_an_unreadable_certificate_prints_no_traceback(
    signer: Keystore, valid_cms: bytes, root_cer: Path, tmp_path: Path
) -> None:
    nca = signer.chain[0]
    odd = tmp_path / "odd.p7s"
    odd.write_bytes(valid_cms.replace(der(nca), defective(nca, "unknown-version")))

    result = console("verify", "cms", odd, "--trust", root_cer, "--json", cwd=tmp_path)

    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert verdict(json.loads(result.stdout)) == MALFORMED


class FixedFetcher:
    """A fetcher whose every GET answers the same body (an AIA address serving bad bytes)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.requests: list[str] = []

    async def get(self, url: str) -> bytes:
        self.requests.append(url)
        return self.body

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        raise FetchError("no OCSP here")


async def test_garbage_from_the_aia_address_leaves_the_signer_untrusted(anchors, signer) -> None:
    fetcher = FixedFetcher(b"garbage")
    verifier = Verifier(anchors, fetcher=fetcher, clock=lambda: NOW)
    lone = cms.sign(CONTENT, signer.key, signer.certificate, [], NOW)  # no CA certificate

    report = await verifier.verify_cms(lone)

    assert report.code == "CERT_UNTRUSTED"
    assert fetcher.requests == [f"{BASE_URL}/cert/nca_rsa.cer"]


async def test_an_unreadable_certificate_from_the_aia_address_leaves_the_signer_untrusted(
    anchors, signer: Keystore
) -> None:
    fetcher = FixedFetcher(defective(signer.chain[0], "unknown-version"))
    verifier = Verifier(anchors, fetcher=fetcher, clock=lambda: NOW)
    lone = cms.sign(CONTENT, signer.key, signer.certificate, [], NOW)

    report = await verifier.verify_cms(lone)

    assert report.code == "CERT_UNTRUSTED"


# -- random byte flips --------------------------------------------------------------------------


def protected_spans(signature: bytes, certificate: x509.Certificate) -> list[range]:
    """Where a changed byte must break the signature: the content, the signer's certificate, the
    SignerInfo's signer identifier, signed attributes and signature value."""
    signer_info = asn1_cms.ContentInfo.load(signature)["content"]["signer_infos"][0]
    pieces = [
        CONTENT,
        der(certificate),
        signer_info["sid"].dump(),
        signer_info["signed_attrs"].dump(),
        signer_info["signature"].contents,
    ]
    spans = []
    for piece in pieces:
        start = signature.find(piece)
        assert start >= 0 and signature.count(piece) == 1
        spans.append(range(start, start + len(piece)))
    return spans


# A flipped serial number can turn negative: cryptography warns of it, and the suite's
# filterwarnings=error would make that warning an exception that real use never sees.
@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
async def test_random_byte_flips_give_a_report_and_never_pass_a_changed_signed_byte(
    verifier: Verifier, signer: Keystore, valid_cms: bytes
) -> None:
    original = await verifier.verify_cms(valid_cms)
    assert original.passed
    protected = protected_spans(valid_cms, signer.certificate)
    rng = random.Random(20240601)
    outcomes: dict[str, int] = {}

    for _ in range(300):
        mutated = bytearray(valid_cms)
        flipped = {rng.randrange(len(mutated)) for _ in range(rng.randint(1, 3))}
        for position in flipped:
            mutated[position] ^= rng.randrange(1, 256)
        assert bytes(mutated) != valid_cms
        report = await verifier.verify_cms(bytes(mutated))
        outcomes[report.code or "TOTAL_PASSED"] = outcomes.get(report.code or "TOTAL_PASSED", 0) + 1
        if report.passed:
            # Only bytes no signature covers may change without consequence (the SignedData
            # and SignerInfo versions, the digestAlgorithms set, NULL parameters).
            hit = [p for p in flipped if any(p in span for span in protected)]
            assert hit == [], f"bytes {hit} changed and the signature still passed"
            assert report.signer == original.signer

    assert sum(outcomes.values()) == 300
    assert {"SIGNATURE_MALFORMED", "SIGNATURE_BROKEN"} <= set(outcomes), outcomes


# -- HTTP -----------------------------------------------------------------------------------------


async def _ocsp_error(reply) -> ocsp.OCSPResponseStatus:
    assert reply.status == 200
    assert reply.content_type == "application/ocsp-response"
    return ocsp.load_der_ocsp_response(await reply.read()).response_status


async def test_post_of_garbage_to_ocsp_is_an_ocsp_malformed_request_answer(client) -> None:
    reply = await client.post(
        "/ocsp", data=b"garbage", headers={"Content-Type": "application/ocsp-request"}
    )

    assert await _ocsp_error(reply) is ocsp.OCSPResponseStatus.MALFORMED_REQUEST


async def test_post_of_an_empty_body_to_ocsp_is_an_ocsp_malformed_request_answer(client) -> None:
    reply = await client.post("/ocsp", data=b"")

    assert await _ocsp_error(reply) is ocsp.OCSPResponseStatus.MALFORMED_REQUEST


@pytest.mark.parametrize(
    "encoded",
    ["!!!", "", base64.b64encode(b"\x30\x03\x02\x01\x01").decode(), "%ZZ"],
    ids=["not-base64", "empty", "base64-of-no-ocsp-request", "bad-percent-escape"],
)
async def test_get_of_a_bad_ocsp_request_is_an_ocsp_malformed_request_answer(
    client, encoded: str
) -> None:
    reply = await client.get(f"/ocsp/{encoded}")

    assert await _ocsp_error(reply) is ocsp.OCSPResponseStatus.MALFORMED_REQUEST


@pytest.mark.parametrize("path", ["/crl/nope.crl", "/cert/nope.cer", "/nowhere"])
async def test_an_unknown_pki_address_is_a_404_json_error(client, path: str) -> None:
    reply = await client.get(path)

    assert reply.status == 404
    assert reply.content_type == "application/json"
    body = await reply.json()
    assert body["error"]["code"] == "NOT_FOUND"
    assert body["error"]["message"]["en"]


async def test_a_2_megabyte_ocsp_post_is_413_request_too_large(client) -> None:
    reply = await client.post(
        "/ocsp",
        data=io.BytesIO(b"\x30" * (2 * 1024 * 1024)),
        headers={"Content-Type": "application/ocsp-request"},
    )

    assert reply.status == 413
    assert (await reply.json())["error"]["code"] == "REQUEST_TOO_LARGE"


async def test_a_2_megabyte_chunked_ocsp_post_is_413_request_too_large(client) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(32):
            yield b"\x30" * 65536

    reply = await client.post(
        "/ocsp", data=chunks(), headers={"Content-Type": "application/ocsp-request"}
    )

    assert reply.status == 413
    assert (await reply.json())["error"]["code"] == "REQUEST_TOO_LARGE"


async def test_a_wrong_method_on_ocsp_is_a_405_json_error(client) -> None:
    reply = await client.put("/ocsp", data=b"x")

    assert reply.status == 405
    assert (await reply.json())["error"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("number", ["99999999999999999999999", "-1", "٣", "1e3"])
async def test_an_id_in_the_address_that_cannot_exist_is_not_found(client, number) -> None:
    """Ids beyond SQLite's integers or not plain digits are refused, not passed to the database."""
    staff = await client.post(
        "/api/v1/workstation/session", json={"login": "alm-office", "password": PASSWORD}
    )
    token = (await staff.json())["token"]
    reply = await client.get(
        f"/api/v1/workstation/applications/{number}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status == 404
    assert (await reply.json())["error"]["code"] == "APPLICATION_NOT_FOUND"
    operator = await client.post(
        "/api/v1/statecorp/session", json={"login": "gk-alm-1", "password": PASSWORD}
    )
    token = (await operator.json())["token"]
    reply = await client.get(
        f"/api/v1/statecorp/packages/{number}", headers={"Authorization": f"Bearer {token}"}
    )
    assert reply.status == 404
    assert (await reply.json())["error"]["code"] == "PACKAGE_NOT_FOUND"
