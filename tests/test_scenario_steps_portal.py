"""The applicant's scenario steps beyond what the shipped files show: each damaged signature is
damaged in that one way, the portal steps' words are checked when a file loads, a `check` that
passes is no refusal, a refused logout keeps the session, NCALayer's own failures fail the
step with its answer, and the result step reads a result that has landed."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from egovsim.scenarios.model import ScenarioError, load_scenario_file
from egovsim.scenarios.runner import ScenarioResult, run_files
from egovsim.scenarios.steps.tampering import (
    GARBAGE,
    REFUSED_AS,
    broken_certificate,
    flipped_signature,
    signature_over,
    without_certificates,
)
from egovsim.scenarios.targets import InProcess
from egovsim.signatures import cms
from egovsim.signatures.certs import CertCache
from egovsim.signatures.signing_keys import SignatureMismatch, verify_certificate_signature
from egovsim.signatures.verifier import Verifier
from egovsim.web.serving import serve
from tests.conftest import NOW

CONTENT = b'{"service": "almaty-small-vessel-licence", "variant": "duplicate"}'
DUPLICATE = (
    "      - order:\n"
    "          service: almaty-small-vessel-licence\n"
    "          variant: duplicate\n"
    "          form: {request-kind: duplicate}\n"
)
ATTACHED = "          attach: {application: pdf, identity-document: jpeg, photo: png}\n"


def _bits(first: bytes, second: bytes) -> int:
    return sum(bin(a ^ b).count("1") for a, b in zip(first, second, strict=True))


async def _run(certs_dir: Path, tmp_path: Path, steps: str) -> ScenarioResult:
    path = tmp_path / "scenario.yaml"
    path.write_text(f"scenarios:\n  - name: one\n    steps:\n{steps}", encoding="utf-8")
    (result,) = await run_files(InProcess(certs_dir, serve), [load_scenario_file(path)])
    (scenario,) = result.scenarios
    return scenario


# -- the damaged signatures --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tamper", "digest", "code"),
    [*((tamper, "sha256", code) for tamper, code in REFUSED_AS.items()), (None, "sha1", None)],
)
async def test_each_damaged_signature_meets_its_own_refusal(
    persona, pki, tamper: str | None, digest: str, code: str | None
) -> None:
    names = ("nca_rsa", "nca_d_rsa", "root_rsa")
    crls = [x509.load_der_x509_crl(pki.crl(name, NOW)) for name in names]
    verifier = Verifier(pki.trust_anchors, crls=crls, clock=lambda: NOW)
    signature = signature_over(
        persona("citizen-valid").sign, CONTENT, NOW, digest=digest, tamper=tamper
    )

    report = await verifier.verify_cms(signature)

    assert report.code == (code or "WEAK_ALGORITHM")


def test_a_flipped_signature_differs_from_the_signed_one_in_one_bit_of_its_value(
    persona,
) -> None:
    keystore = persona("citizen-valid").sign
    good = signature_over(keystore, CONTENT, NOW)

    damaged = flipped_signature(good)

    assert len(damaged) == len(good) and _bits(good, damaged) == 1
    before, after = cms.parse(good), cms.parse(damaged)
    assert (after.content, after.certificates) == (before.content, before.certificates)
    assert after.signers[0].signed_attributes == before.signers[0].signed_attributes
    assert _bits(before.signers[0].signature, after.signers[0].signature) == 1


def test_a_signature_without_certificates_keeps_its_signer_and_content(persona) -> None:
    good = signature_over(persona("citizen-valid").sign, CONTENT, NOW)

    stripped = cms.parse(without_certificates(good))

    original = cms.parse(good)
    assert stripped.certificates == () and original.certificates
    assert stripped.content == CONTENT
    (signer,), (kept,) = original.signers, stripped.signers
    assert (kept.issuer, kept.serial, kept.signature, kept.signed_attributes) == (
        signer.issuer,
        signer.serial,
        signer.signature,
        signer.signed_attributes,
    )


def test_a_broken_certificate_keeps_its_names_and_key_but_not_its_ca_signature(
    persona,
) -> None:
    keystore = persona("citizen-valid").sign
    certificate = keystore.certificate

    broken = broken_certificate(certificate)

    assert broken.subject == certificate.subject and broken.serial_number == (
        certificate.serial_number
    )
    assert broken.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    cache = CertCache()
    issuer = cache.add(keystore.chain[0])
    verify_certificate_signature(cache.add(certificate), issuer)
    with pytest.raises(SignatureMismatch):
        verify_certificate_signature(cache.add(broken), issuer)


def test_garbage_is_the_same_bytes_whatever_key(persona) -> None:
    assert signature_over(persona("citizen-second").sign, CONTENT, NOW, tamper="garbage") == (
        GARBAGE
    )


# -- the words of a file ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("login: {persona: citizen-valid, challenge: sometimes}", "challenge is one of"),
        ("sign: {tamper: bent}", "tamper is one of"),
        ("sign: {digest: md5}", "digest is one of"),
        ("order: {service: s, csrf: maybe}", "csrf is one of"),
        ("attach: {document: photo, content: png, size: -3}", "size is a number of bytes"),
        ("ncalayer: {persona: citizen-valid, method: getKeyInfo}", "either chooses a persona"),
        ("ncalayer: {password: Qwerty12}", "either chooses a persona"),
        ("ncalayer: {method: getKeyInfo}", "needs its module"),
        ("check: {persona: citizen-valid, colour: red}", "not 'colour'"),
    ],
)
def test_a_portal_step_with_a_wrong_word_is_refused_with_its_line(
    tmp_path: Path, step: str, message: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(f"scenarios:\n  - name: x\n    steps:\n      - {step}\n", encoding="utf-8")

    with pytest.raises(ScenarioError) as raised:
        load_scenario_file(path)

    assert raised.value.line == 4
    assert message in raised.value.message


def test_register_result_and_clock_refusals_read_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "words.yaml"
    path.write_text(
        "scenarios:\n  - name: x\n    steps:\n"
        "      - register: citizen-valid\n        refused: ACCOUNT_EXISTS\n"
        "      - result:\n"
        "      - clock: {advance: {days: -1}}\n        refused: CLOCK_CHANGE_INVALID\n"
        # The http step's csrf is true or false, not one of the portal steps' words.
        "      - http: {path: /api/v1/portal/applications, csrf: false}\n",
        encoding="utf-8",
    )

    (scenario,) = load_scenario_file(path).scenarios

    register, result, clock, http = scenario.steps
    assert http.args["csrf"] is False
    assert (register.kind, register.args) == ("register", {"persona": "citizen-valid"})
    assert (result.kind, result.args) == ("result", {})
    assert clock.refused is not None and clock.refused.where() == "clock"


# -- the steps against the simulator -----------------------------------------------------------


async def test_a_check_that_passes_is_no_refusal(certs_dir: Path, tmp_path: Path) -> None:
    passed = await _run(
        certs_dir,
        tmp_path,
        "      - check: {persona: citizen-valid}\n"
        "      - check: {persona: citizen-valid, detached: true}\n",
    )
    assert passed.passed, passed.failure()

    expected = await _run(
        certs_dir,
        tmp_path,
        "      - check: {persona: citizen-valid}\n        refused: SIGNED_DATA_MISSING\n",
    )
    failure = expected.failure()
    assert failure is not None and "but it succeeded" in failure.message
    assert "TOTAL_PASSED" in failure.evidence


async def test_a_check_refused_with_another_code_names_the_reports_code(
    certs_dir: Path, tmp_path: Path
) -> None:
    scenario = await _run(
        certs_dir,
        tmp_path,
        "      - check: {persona: citizen-valid, tamper: no-certs}\n"
        "        refused: SIGNED_DATA_MISSING\n",
    )
    failure = scenario.failure()
    assert failure is not None
    assert "expected the refusal SIGNED_DATA_MISSING at C2, got SIGNER_CERT_MISSING at C2" in (
        failure.message
    )


async def test_a_refused_logout_keeps_the_session(certs_dir: Path, tmp_path: Path) -> None:
    scenario = await _run(
        certs_dir,
        tmp_path,
        "      - login: citizen-valid\n"
        "      - logout: {csrf: wrong}\n        refused: CSRF_TOKEN_INVALID\n"
        + DUPLICATE
        + "      - logout:\n"
        + DUPLICATE
        + "        refused: NOT_SIGNED_IN\n",
    )
    assert scenario.passed, scenario.failure()


async def test_an_ncalayer_failure_fails_the_step_with_ncalayers_answer(
    certs_dir: Path, tmp_path: Path
) -> None:
    scenario = await _run(
        certs_dir,
        tmp_path,
        "      - ncalayer: {module: kz.gov.pki.knca.commonUtils, method: noSuchMethod}\n",
    )
    failure = scenario.failure()
    assert failure is not None
    assert failure.message.startswith("NCALayer answered 500")
    assert "NoSuchMethodException" in failure.message
    assert "noSuchMethod" in failure.evidence


async def test_an_ncalayer_command_signs_with_the_key_set_chosen(
    certs_dir: Path, tmp_path: Path
) -> None:
    scenario = await _run(
        certs_dir,
        tmp_path,
        "      - ncalayer: {persona: citizen-auth-only}\n"
        "      - ncalayer:\n"
        "          module: kz.gov.pki.knca.commonUtils\n"
        "          method: createCAdESFromBase64\n"
        "          args: [PKCS12, SIGNATURE, aGVsbG8=, true]\n",
    )
    failure = scenario.failure()
    # The authentication-only key set has no signing key: NCALayer says so.
    assert failure is not None and "has no SIGNATURE key" in failure.message


async def test_the_result_step_opens_a_result_that_has_landed(
    certs_dir: Path, tmp_path: Path
) -> None:
    scenario = await _run(
        certs_dir,
        tmp_path,
        "      - login: citizen-valid\n" + DUPLICATE + ATTACHED + "      - sign:\n"
        "      - deliver:\n"
        "      - staff: {login: alm-office, action: register}\n"
        "      - staff: {login: alm-executor, action: open}\n"
        "      - staff:\n"
        "          login: alm-executor\n"
        "          action: check\n"
        "          params:\n"
        "            documents:\n"
        "              {application: compliant, identity-document: compliant, photo: compliant}\n"
        "      - staff: {login: alm-executor, action: prepare, params: {result: duplicate}}\n"
        "      - staff: {login: alm-head, action: sign}\n"
        "      - staff: {login: alm-office, action: hand_over}\n"
        "      - deliver:\n"
        "      - result:\n"
        "      - expect: {application: completed, result: TOTAL_PASSED}\n",
    )
    assert scenario.passed, scenario.failure()


async def test_a_large_attachment_of_the_limits_size_is_taken(
    certs_dir: Path, tmp_path: Path
) -> None:
    scenario = await _run(
        certs_dir,
        tmp_path,
        "      - login: citizen-valid\n"
        + DUPLICATE
        + "      - attach: {document: application, content: pdf, size: 10485760}\n",
    )
    assert scenario.passed, scenario.failure()
