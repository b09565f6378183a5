"""OCSP responses as RFC 6960 asks a client to accept them (§3.2, §4.2.2.2).

The response must be signed by the CA itself or by a responder the CA certified for OCSP signing;
it must speak of the very certificate asked about (the whole CertID); it must be fresh at the
validation time; and every signature in it answers to the same algorithm policy as the rest of
the evidence, refused as a weak algorithm rather than as a bad signature.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, OCSPExtensionOID

from egovsim.signatures import der
from egovsim.signatures.algorithms import digest_weakness, key_weakness
from egovsim.signatures.certs import CertCache, CertInfo
from egovsim.signatures.crls import reason_name
from egovsim.signatures.names import name_key
from egovsim.signatures.signing_keys import (
    SignatureMismatch,
    verify_certificate_signature,
    verify_signature_by,
)

OCSP_NOCHECK = "1.3.6.1.5.5.7.48.1.5"
#: How far thisUpdate may lie after the validation time (the two clocks differ a little).
CLOCK_SKEW_SECONDS = 300


class OcspRefused(ValueError):
    """The response cannot be used; `weak` says the algorithm policy refused it."""

    def __init__(self, message: str, *, weak: bool = False) -> None:
        super().__init__(message)
        self.weak = weak


class OcspAnswer(NamedTuple):
    """What an acceptable response says of one certificate."""

    status: str  # "good" | "revoked" | "unknown"
    revoked_at: datetime | None
    reason: str | None
    this_update: datetime
    next_update: datetime | None
    responder: str


def load_response(body: bytes) -> ocsp.OCSPResponse:
    """A DER OCSP response; OcspRefused when it cannot be read."""
    try:
        response = ocsp.load_der_ocsp_response(body)
        status = response.response_status
    except ValueError as error:
        raise OcspRefused(f"not an OCSP response: {error}") from None
    if status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspRefused(f"the responder answered {status.name}")
    return response


def _name_hash(cert: CertInfo, algorithm: hashes.HashAlgorithm) -> bytes:
    digest = hashes.Hash(algorithm)
    digest.update(cert.issuer_der)
    return digest.finalize()


_KEY_BITS: dict[bytes, bytes] = {}


def _key_hash(issuer: CertInfo, algorithm: hashes.HashAlgorithm) -> bytes:
    """The hash of the issuer's subjectPublicKey bits, as a CertID or ResponderID names a key."""
    bits = _KEY_BITS.get(issuer.fingerprint)
    if bits is None:
        spki = issuer.public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        bits = der.read(spki).children()[1].content[1:]  # the BIT STRING less its unused-bit count
        if len(_KEY_BITS) > 10_000:
            _KEY_BITS.clear()
        _KEY_BITS[issuer.fingerprint] = bits
    digest = hashes.Hash(algorithm)
    digest.update(bits)
    return digest.finalize()


def _policy(what: str, hash_name: str | None, key: CertificatePublicKeyTypes) -> None:
    weak = digest_weakness(hash_name)
    if weak is not None:
        raise OcspRefused(f"{what} is signed with a {weak}", weak=True)
    problem = key_weakness(key)
    if problem is not None:
        raise OcspRefused(f"{what} has an {problem}", weak=True)


def responder_of(response: ocsp.OCSPResponse, issuer: CertInfo, certs: CertCache) -> CertInfo:
    """The issuer itself, or a delegated responder it certified (RFC 6960 §4.2.2.2)."""
    if _responder_is(response, issuer):
        return issuer
    for candidate in response.certificates:
        try:
            info = certs.add(candidate)
        except ValueError as error:
            raise OcspRefused(f"the responder's certificate cannot be read: {error}") from None
        if not _responder_is(response, info):
            continue
        if info.issuer_key != issuer.subject_key:
            raise OcspRefused(
                "RFC 6960 §4.2.2.2: the responder's certificate is not issued by the CA"
            )
        if info.eku is None or ExtendedKeyUsageOID.OCSP_SIGNING.dotted_string not in info.eku:
            raise OcspRefused(
                "RFC 6960 §4.2.2.2: the responder's certificate is not for OCSP signing"
            )
        _policy(f"the responder's certificate {info.label()}", info.signature_hash, info.public_key)
        try:
            verify_certificate_signature(info, issuer)
        except SignatureMismatch as error:
            raise OcspRefused(str(error)) from None
        return info
    raise OcspRefused("RFC 6960 §4.2.2.2: the responder is neither the CA nor delegated by it")


def _responder_is(response: ocsp.OCSPResponse, info: CertInfo) -> bool:
    if response.responder_key_hash is not None:
        return response.responder_key_hash == _key_hash(info, hashes.SHA1())
    name = response.responder_name
    return name is not None and name_key(name) == info.subject_key


def needs_no_check(responder: CertInfo) -> bool:
    """Whether the delegated responder's certificate carries id-pkix-ocsp-nocheck."""
    return any(e.oid.dotted_string == OCSP_NOCHECK for e in responder.certificate.extensions)


def read_answer(
    response: ocsp.OCSPResponse,
    cert: CertInfo,
    issuer: CertInfo,
    certs: CertCache,
    at: datetime,
    nonce: bytes | None = None,
) -> tuple[OcspAnswer, CertInfo]:
    """The answer about `cert` and who signed it; OcspRefused when it is not acceptable."""
    try:
        return _read_answer(response, cert, issuer, certs, at, nonce)
    except OcspRefused:
        raise
    except (ValueError, TypeError, x509.DuplicateExtension, UnsupportedAlgorithm) as error:
        # `cryptography` reads a response's parts lazily: a part it cannot read ends here.
        raise OcspRefused(f"the response cannot be read: {error}") from None


def _read_answer(
    response: ocsp.OCSPResponse,
    cert: CertInfo,
    issuer: CertInfo,
    certs: CertCache,
    at: datetime,
    nonce: bytes | None,
) -> tuple[OcspAnswer, CertInfo]:
    responder = responder_of(response, issuer, certs)
    if responder is not issuer and not (
        responder.not_before <= at.replace(microsecond=0) <= responder.not_after
    ):
        raise OcspRefused(f"the responder's certificate {responder.label()} is not valid then")
    hash_algorithm = response.signature_hash_algorithm
    _policy(
        "the OCSP response", hash_algorithm.name if hash_algorithm else None, responder.public_key
    )
    try:
        verify_signature_by(
            responder.public_key, response.signature, response.tbs_response_bytes, hash_algorithm
        )
    except SignatureMismatch as error:
        raise OcspRefused(f"the response's signature does not hold: {error}") from None
    if nonce is not None:
        try:
            echoed = response.extensions.get_extension_for_oid(OCSPExtensionOID.NONCE).value
        except x509.ExtensionNotFound:
            echoed = None
        if isinstance(echoed, x509.OCSPNonce) and echoed.nonce != nonce:
            raise OcspRefused("the response's nonce is not the request's")
    single = _single_for(response, cert, issuer)
    this_update, next_update = single.this_update_utc, single.next_update_utc
    if (this_update - at).total_seconds() > CLOCK_SKEW_SECONDS:
        raise OcspRefused("RFC 6960 §3.2 (5): the response was produced after the validation time")
    if next_update is not None and at > next_update:
        raise OcspRefused("RFC 6960 §3.2 (6): the response is stale at the validation time")
    status = single.certificate_status
    label = responder.label()
    if status == ocsp.OCSPCertStatus.REVOKED:
        revoked_at = single.revocation_time_utc
        if revoked_at is not None and revoked_at <= at:
            reason = reason_name(single.revocation_reason)
            return OcspAnswer(
                "revoked", revoked_at, reason, this_update, next_update, label
            ), responder
        return OcspAnswer("good", None, None, this_update, next_update, label), responder
    name = "good" if status == ocsp.OCSPCertStatus.GOOD else "unknown"
    return OcspAnswer(name, None, None, this_update, next_update, label), responder


def _single_for(
    response: ocsp.OCSPResponse, cert: CertInfo, issuer: CertInfo
) -> ocsp.OCSPSingleResponse:
    """The SingleResponse whose CertID is the certificate's, every field compared (§4.1.1)."""
    for single in response.responses:
        algorithm = single.hash_algorithm
        if (
            single.serial_number == cert.serial
            and single.issuer_name_hash == _name_hash(cert, algorithm)
            and single.issuer_key_hash == _key_hash(issuer, algorithm)
        ):
            return single
    raise OcspRefused(
        "RFC 6960 §3.2 (1): the response does not speak of this certificate (serial, issuer name "
        "and key)"
    )
