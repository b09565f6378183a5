"""Reading an RFC 3161 signature-time-stamp token for the verifier, and the checks on it that
need no I/O (the imprint over the signature value, the token's own signature, the TSA's EKU)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import tsp
from cryptography import x509

from egovsim.signatures import checks as c2
from egovsim.signatures import cms, der
from egovsim.signatures.certs import CertInfo
from egovsim.signatures.report import Check, Status, failed

#: id-aa-signatureTimeStampToken, the CAdES-T unsigned attribute.
ATTR_SIGNATURE_TIME_STAMP = "1.2.840.113549.1.9.16.2.14"
ID_CT_TST_INFO = "1.2.840.113549.1.9.16.1.4"
TIME_STAMPING = "1.3.6.1.5.5.7.3.8"
#: Imprint algorithms accepted (the algorithm policy: SHA-1 and MD5 imprints are weak).
IMPRINTS = {"sha256", "sha384", "sha512"}
_IMPRINT_HASHES = {name: getattr(hashlib, name) for name in IMPRINTS}


@dataclass(frozen=True, slots=True)
class Token:
    """What the verifier reads of a token."""

    signed: cms.SignedData
    gen_time: datetime
    accuracy: timedelta
    policy: str
    imprint_algorithm: str
    imprint: bytes
    serial: int


def token_of(signer: cms.SignerInfo) -> Token | None:
    """The signer's signature-time-stamp token, None when it has none; `der.DerError` when
    it has one that cannot be read or more than one."""
    node = signer.unsigned.get(ATTR_SIGNATURE_TIME_STAMP)
    if node is None:
        return None
    values = node.children()
    if len(values) != 1:
        raise der.DerError("a signature-time-stamp attribute must hold one token")
    signed = cms.parse(values[0].encoded)
    if signed.content_type != ID_CT_TST_INFO or signed.content is None:
        raise der.DerError("the token does not hold a TSTInfo")
    if len(signed.signers) != 1:
        raise der.DerError("a token has exactly one signer")
    try:
        info = tsp.TSTInfo.load(signed.content, strict=True)
        accuracy = info["accuracy"].native or {}
        return Token(
            signed,
            info["gen_time"].native,
            timedelta(
                seconds=accuracy.get("seconds") or 0,
                milliseconds=accuracy.get("millis") or 0,
                microseconds=accuracy.get("micros") or 0,
            ),
            info["policy"].dotted,
            info["message_imprint"]["hash_algorithm"]["algorithm"].native,
            info["message_imprint"]["hashed_message"].native,
            info["serial_number"].native,
        )
    except (ValueError, TypeError, KeyError) as error:
        raise der.DerError(f"unreadable TSTInfo: {error}") from None


def imprint_check(token: Token, signer: cms.SignerInfo) -> Check | None:
    """A failed check when the token is not over this signature value (or by a weak hash)."""
    if token.imprint_algorithm not in IMPRINTS:
        return failed(
            "timestamp",
            "WEAK_ALGORITHM",
            f"the token's imprint is by {token.imprint_algorithm}, not SHA-2",
        )
    expected = _IMPRINT_HASHES[token.imprint_algorithm](signer.signature).digest()
    if not hmac.compare_digest(expected, token.imprint):
        return failed(
            "timestamp",
            "TIMESTAMP_IMPRINT_MISMATCH",
            "the timestamp token's imprint is not the hash of this signature value: it stamps "
            "another signature",
        )
    return None


def token_signature_check(token: Token, tsa: CertInfo | None) -> Check | None:
    """A failed check when the token's own signature or its signer does not hold."""
    if tsa is None:
        return failed(
            "timestamp", "TSA_UNTRUSTED", "the token carries no certificate of its signer"
        )
    signer = token.signed.signers[0]
    content = token.signed.content
    assert content is not None
    _, attributes = c2.signed_attributes(signer, ID_CT_TST_INFO, content)
    for check in (attributes, c2.signature(signer, tsa, content)):
        if check.status is Status.FAILED:
            assert check.code is not None
            return failed("timestamp", check.code, f"the timestamp token: {check.detail}")
    if tsa.eku != frozenset({TIME_STAMPING}) or not _eku_critical(tsa):
        return failed(
            "timestamp",
            "TSA_UNTRUSTED",
            f"{tsa.label()} is not a TSA certificate: RFC 3161 §2.3 asks for the critical "
            "extended key usage id-kp-timeStamping alone",
        )
    return None


def _eku_critical(tsa: CertInfo) -> bool:
    try:
        return tsa.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).critical
    except x509.ExtensionNotFound:
        return False
