"""The OCSP responder (RFC 6960), answering for the test PKI's CAs.

Certificates of the issuing CA are answered by a delegated responder certificate; the root and the
untrusted CA sign their own answers. Answers to requests without a nonce are pre-produced and kept
until the PKI changes or they near their nextUpdate (RFC 5019 §6, as large responders do), so the
signing key is used only for requests that carry a nonce. They are kept by the request's exact
bytes: a request met before is answered without being read again, and no answer is given to a
request other than the one it was made for.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509 import ocsp

from egovsim.magic import REVOCATION_UNAVAILABLE, holder_outcome
from egovsim.pki.authority import NCA, OCSP_SIGNER, ROOT, TSA, TSA_UNTRUSTED, UNTRUSTED, TestPki
from egovsim.pki.records import REASONS
from egovsim.telemetry.metrics import OCSP_STATUS

MAX_REQUEST = 64 * 1024
#: Pre-produced answers kept at most (about 3 KB each with the responder's certificate).
MAX_KEPT = 100_000


@dataclass(frozen=True, slots=True)
class _Signer:
    issuer: x509.Certificate
    certificate: x509.Certificate  # who signs the answer: the CA or its delegated responder
    key: CertificateIssuerPrivateKeyTypes
    issuer_name: str


@dataclass(frozen=True, slots=True)
class _Cached:
    """A pre-produced answer, served while the PKI is at `version` and `produced <= now <
    renew_at` (a quarter of its validity before its nextUpdate, so clients never get one about
    to go stale)."""

    body: bytes
    produced: datetime
    renew_at: datetime
    version: object
    status: str = "GOOD"  # the certificate's (OCSPCertStatus's name), counted on each answer


def issuer_key_hash(certificate: x509.Certificate, algorithm: hashes.HashAlgorithm) -> bytes:
    """CertID.issuerKeyHash of a CA certificate: the hash of its subjectPublicKey BIT STRING's
    value (RFC 6960 §4.1.1), the tag, length and unused-bits octet excluded, whatever the key
    type (an RSA key's PKCS#1 structure, an EC key's point as the certificate carries it)."""
    encoded = certificate.public_bytes(serialization.Encoding.DER)
    spki = asn1_x509.Certificate.load(encoded)["tbs_certificate"]["subject_public_key_info"]
    bits = spki["public_key"].contents[1:]
    return hashlib.new(algorithm.name, bits).digest()


def _name_hash(certificate: x509.Certificate, algorithm: hashes.HashAlgorithm) -> bytes:
    return hashlib.new(algorithm.name, certificate.subject.public_bytes()).digest()


class OcspResponder:
    """Answers DER OCSP requests for the test PKI at the time it is given."""

    def __init__(self, pki: TestPki, validity: timedelta = timedelta(hours=1)) -> None:
        self._pki = pki
        self._validity = validity
        #: Pre-produced answers by the DER of the request they answer (no nonce in it).
        self._cache: dict[bytes, _Cached] = {}
        self._signer_cache: dict[str, dict[tuple[bytes, bytes], _Signer]] = {}
        self.signed = 0  # answers signed so far (the benchmark reports it)

    def _signers(self, algorithm: hashes.HashAlgorithm) -> dict[tuple[bytes, bytes], _Signer]:
        """Who answers for which CA, by the CertID hashes of `algorithm` (computed once)."""
        known = self._signer_cache.get(algorithm.name)
        if known is not None:
            return known
        signers = {}
        for name, signer_name in ((NCA, OCSP_SIGNER), (ROOT, ROOT), (UNTRUSTED, UNTRUSTED)):
            issuer = self._pki.authority(name).certificate
            signer = self._pki.authority(signer_name)
            key = (_name_hash(issuer, algorithm), issuer_key_hash(issuer, algorithm))
            signers[key] = _Signer(issuer, signer.certificate, signer.key, name)
        self._signer_cache[algorithm.name] = signers
        return signers

    def respond(self, request_der: bytes, now: datetime, *, all_unknown: bool = False) -> bytes:
        """The DER OCSPResponse to a DER OCSPRequest at `now` (errors are OCSP answers too);
        `all_unknown` answers certStatus unknown for every certificate (a fault switch)."""
        if len(request_der) > MAX_REQUEST:
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        # A revocation or a new certificate, made here or by another process (`egovsim pki
        # revoke`), changes the version: every answer kept from before is made anew.
        self._pki.reload()
        version = self._pki.version
        if not all_unknown:
            kept = self._cache.get(request_der)
            if (
                kept is not None
                and kept.version == version
                and kept.produced <= now < kept.renew_at
            ):
                OCSP_STATUS[kept.status].inc()
                return kept.body
        try:
            request = ocsp.load_der_ocsp_request(request_der)
            algorithm = request.hash_algorithm
            nonce = _nonce(request)
        except (ValueError, TypeError, x509.UnsupportedGeneralNameType):
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        except Exception:  # cryptography raises its own types for unsupported hashes
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        if request.serial_number < 0:
            # RFC 5280 §4.1.2.2: a serial number is positive; DER cannot answer for one below 0.
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        signer = self._signers(algorithm).get((request.issuer_name_hash, request.issuer_key_hash))
        if signer is None:
            return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        if self._never_available(request.serial_number, signer):
            return _unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)
        if all_unknown:
            # Signed and valid, but never kept: the switch goes off without waiting.
            return self._answer(request, algorithm, signer, nonce, now, all_unknown=True)[0]
        body, next_update, status = self._answer(request, algorithm, signer, nonce, now)
        if nonce is None:
            if len(self._cache) >= MAX_KEPT:
                self._cache.clear()
            renew_at = next_update - self._validity / 4
            self._cache[request_der] = _Cached(body, now, renew_at, version, status)
        return body

    def _answer(
        self,
        request: ocsp.OCSPRequest,
        algorithm: hashes.HashAlgorithm,
        signer: _Signer,
        nonce: bytes | None,
        now: datetime,
        *,
        all_unknown: bool = False,
    ) -> tuple[bytes, datetime, str]:
        """The signed answer, its nextUpdate and the certificate's status (counted here)."""
        serial = request.serial_number
        status = ocsp.OCSPCertStatus.UNKNOWN
        revoked_at = None
        reason = None
        next_update = now + self._validity
        record = None if all_unknown else self._pki.find(serial, signer.issuer_name)
        if record is not None:
            status = ocsp.OCSPCertStatus.GOOD
            revocation = record.revocation
            if revocation is not None and revocation.in_force(now):
                status = ocsp.OCSPCertStatus.REVOKED
                revoked_at = revocation.at
                reason = REASONS[revocation.reason]
            for moment in (revocation.at, revocation.released_at) if revocation else ():
                if moment is not None and now < moment < next_update:
                    next_update = moment  # the answer must not outlive a scheduled change
        elif not all_unknown and self._issued_ca(serial, signer):
            status = ocsp.OCSPCertStatus.GOOD
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(
                request.issuer_name_hash,
                request.issuer_key_hash,
                serial,
                algorithm,
                status,
                now,
                next_update,
                revoked_at,
                reason,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, signer.certificate)
        )
        if signer.certificate is not signer.issuer:
            builder = builder.certificates([signer.certificate])
        if nonce is not None:
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        response = builder.sign(signer.key, hashes.SHA256())
        self.signed += 1
        OCSP_STATUS[status.name].inc()
        return response.public_bytes(serialization.Encoding.DER), next_update, status.name

    def _never_available(self, serial: int, signer: _Signer) -> bool:
        """Whether `serial` is a signing certificate of the magic IIN or BIN whose revocation
        status is never available (`egovsim.magic`): the responder always asks to try later."""
        record = self._pki.find(serial, signer.issuer_name)
        return (
            record is not None
            and record.usage == "sign"
            and holder_outcome(record.iin, record.bin) == REVOCATION_UNAVAILABLE
        )

    def _issued_ca(self, serial: int, signer: _Signer) -> bool:
        """Whether `serial` is a CA, responder or TSA certificate the issuer signed (not
        recorded)."""
        return any(
            self._pki.authority(name).certificate.serial_number == serial
            and self._pki.authority(name).certificate.issuer == signer.issuer.subject
            for name in (NCA, OCSP_SIGNER, TSA, TSA_UNTRUSTED)
            if self._pki.has_authority(name)
        )


def _nonce(request: ocsp.OCSPRequest) -> bytes | None:
    try:
        return request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        return None


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    OCSP_STATUS[status.name].inc()
    response = ocsp.OCSPResponseBuilder.build_unsuccessful(status)
    return response.public_bytes(serialization.Encoding.DER)
