"""Checking a signature with a public key: CMS signer signatures, certificates, OCSP answers."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

from egovsim.signatures.certs import CertInfo

_PKCS1 = padding.PKCS1v15()
_VERIFIED_ISSUERS: set[tuple[bytes, bytes]] = set()
_MAX_VERIFIED = 100_000


class SignatureMismatch(ValueError):
    """The signature does not verify with the key."""


def verify_signature_by(
    key: CertificatePublicKeyTypes,
    signature: bytes,
    data: bytes,
    hash_algorithm: hashes.HashAlgorithm | None,
) -> None:
    """Check an RSA PKCS#1 v1.5 or ECDSA signature; `SignatureMismatch` when it does not hold."""
    if hash_algorithm is None:
        raise SignatureMismatch("the signature names no hash algorithm")
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, _PKCS1, hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hash_algorithm))
        else:
            raise SignatureMismatch(f"unsupported key type {type(key).__name__}")
    except InvalidSignature:
        raise SignatureMismatch("the signature does not match the key and data") from None


def verify_certificate_signature(child: CertInfo, issuer: CertInfo) -> None:
    """Check that `issuer`'s key signed `child` (and the names chain); cached once it holds."""
    key = (child.fingerprint, issuer.fingerprint)
    if key in _VERIFIED_ISSUERS:
        return
    try:
        child.certificate.verify_directly_issued_by(issuer.certificate)
    except (ValueError, TypeError, InvalidSignature) as error:
        raise SignatureMismatch(
            f"{child.label()} is not signed by {issuer.label()}: {error or 'bad signature'}"
        ) from None
    if len(_VERIFIED_ISSUERS) >= _MAX_VERIFIED:
        _VERIFIED_ISSUERS.clear()
    _VERIFIED_ISSUERS.add(key)
