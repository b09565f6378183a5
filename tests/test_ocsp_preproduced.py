"""The OCSP responder's pre-produced answers (RFC 5019 §6, RFC 6960 §2.4): a request without a
nonce met before is answered with the answer made for it, signed once; a revocation, made here or
by another process, replaces it at once; a request with a nonce is signed every time. The access
log leaves out the answers given."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from egovsim.pki.authority import NCA, TestPki
from egovsim.pki.ocsp import OcspResponder
from egovsim.web.pki.publication import AccessLog
from tests.conftest import NOW

VALIDITY = timedelta(hours=1)


def _persona_certificate(pki: TestPki, persona: str) -> x509.Certificate:
    record = next(
        r for r in pki.records() if r.persona == persona and r.usage == "sign" and r.issuer == NCA
    )
    return pki.certificate(record)


def _request(pki: TestPki, persona: str, *, nonce: bytes | None = None) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(
        _persona_certificate(pki, persona), pki.authority(NCA).certificate, hashes.SHA1()
    )
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def _answer(body: bytes) -> ocsp.OCSPResponse:
    response = ocsp.load_der_ocsp_response(body)
    assert response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    return response


def test_a_request_without_nonce_met_again_gets_the_answer_signed_once(pki: TestPki) -> None:
    responder = OcspResponder(pki, VALIDITY)
    request = _request(pki, "citizen-valid")
    first = responder.respond(request, NOW)
    again = responder.respond(request, NOW + timedelta(minutes=10))
    assert again == first
    assert responder.signed == 1
    assert _answer(first).certificate_status == ocsp.OCSPCertStatus.GOOD


def test_another_certificates_request_never_gets_a_kept_answer(pki: TestPki) -> None:
    responder = OcspResponder(pki, VALIDITY)
    valid = _answer(responder.respond(_request(pki, "citizen-valid"), NOW))
    revoked = _answer(responder.respond(_request(pki, "citizen-revoked"), NOW))
    assert revoked.serial_number != valid.serial_number
    assert revoked.serial_number == _persona_certificate(pki, "citizen-revoked").serial_number
    assert revoked.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert responder.signed == 2


def test_a_revocation_here_replaces_the_pre_produced_answer_at_once(pki: TestPki) -> None:
    responder = OcspResponder(pki, VALIDITY)
    request = _request(pki, "citizen-second")
    assert _answer(responder.respond(request, NOW)).certificate_status == ocsp.OCSPCertStatus.GOOD
    serial = _persona_certificate(pki, "citizen-second").serial_number
    pki.revoke(serial, "keyCompromise", NOW, NOW)
    after = _answer(responder.respond(request, NOW))
    assert after.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert after.revocation_reason == x509.ReasonFlags.key_compromise


def test_a_revocation_by_another_process_replaces_the_pre_produced_answer_at_once(
    pki: TestPki,
) -> None:
    responder = OcspResponder(pki, VALIDITY)
    request = _request(pki, "citizen-second")
    assert _answer(responder.respond(request, NOW)).certificate_status == ocsp.OCSPCertStatus.GOOD
    # `egovsim pki revoke` in another process: its own view of the same directory.
    other = TestPki.open(pki.directory)
    other.revoke(
        _persona_certificate(other, "citizen-second").serial_number, "superseded", NOW, NOW
    )
    after = _answer(responder.respond(request, NOW))
    assert after.certificate_status == ocsp.OCSPCertStatus.REVOKED


def test_a_kept_answer_is_made_anew_near_its_next_update_and_when_the_clock_goes_back(
    pki: TestPki,
) -> None:
    responder = OcspResponder(pki, VALIDITY)
    request = _request(pki, "citizen-valid")
    first = responder.respond(request, NOW)
    # Served until a quarter of its validity before its nextUpdate, then made anew.
    assert responder.respond(request, NOW + VALIDITY * 3 / 4 - timedelta(seconds=1)) == first
    renewed = responder.respond(request, NOW + VALIDITY * 3 / 4)
    assert renewed != first
    assert _answer(renewed).this_update_utc == NOW + VALIDITY * 3 / 4
    # A clock moved back before the answer was produced: an answer from the future is not given.
    earlier = _answer(responder.respond(request, NOW - timedelta(hours=2)))
    assert earlier.this_update_utc == NOW - timedelta(hours=2)
    assert responder.signed == 3


def test_a_request_with_a_nonce_is_signed_every_time_and_echoes_it(pki: TestPki) -> None:
    responder = OcspResponder(pki, VALIDITY)
    for _ in range(3):
        nonce = os.urandom(16)
        answer = _answer(responder.respond(_request(pki, "citizen-valid", nonce=nonce), NOW))
        assert answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce
    assert responder.signed == 3


def test_the_unknown_switch_is_answered_fresh_and_leaves_nothing_behind(pki: TestPki) -> None:
    responder = OcspResponder(pki, VALIDITY)
    request = _request(pki, "citizen-valid")
    good = responder.respond(request, NOW)
    unknown = _answer(responder.respond(request, NOW, all_unknown=True))
    assert unknown.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    assert responder.respond(request, NOW) == good


def _logged(path: str, status: int, level: int) -> list[str]:
    logger = logging.getLogger(f"test-access-{path}-{status}-{level}")
    logger.setLevel(level)
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger.addHandler(Keep())
    log = AccessLog(logger, "%r %s")
    log.log(make_mocked_request("GET", path), web.Response(status=status), 0.001)
    return lines


def test_the_access_log_leaves_out_answered_ocsp_requests_unless_debugging() -> None:
    assert _logged("/ocsp/MEMwQTA%2FMD0wOzAJBgUrDgMCGgUA", 200, logging.INFO) == []
    assert _logged("/ocsp", 200, logging.INFO) == []
    assert _logged("/ocsp", 200, logging.DEBUG) == ["GET /ocsp HTTP/1.1 200"]
    # The responder down (`ocsp-down`), other addresses: logged as before.
    assert _logged("/ocsp", 503, logging.INFO) == ["GET /ocsp HTTP/1.1 503"]
    assert _logged("/crl/nca_rsa.crl", 200, logging.INFO) == ["GET /crl/nca_rsa.crl HTTP/1.1 200"]
    assert _logged("/ocspish", 200, logging.INFO) == ["GET /ocspish HTTP/1.1 200"]
