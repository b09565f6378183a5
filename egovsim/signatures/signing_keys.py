"""Checking a signature with a public key: CMS signer signatures, certificates, OCSP answers."""

from __future__ import annotations

from typing import cast

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

from egovsim.signatures.certs import CertInfo

_PKCS1 = padding.PKCS1v15()
#: Key classes seen, by family: the abstract classes' isinstance checks cost a tenth of the
#: RSA check itself on the hot path, a dictionary lookup does not.
_FAMILIES: dict[type, str] = {}
_VERIFIED_ISSUERS: set[tuple[bytes, bytes]] = set()
_FAILED_ISSUERS: dict[tuple[bytes, bytes], str] = {}
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
    family = _FAMILIES.get(type(key))
    if family is None:
        family = _FAMILIES[type(key)] = _family(key)
    try:
        if family == "rsa":
            cast(rsa.RSAPublicKey, key).verify(signature, data, _PKCS1, hash_algorithm)
        elif family == "ec":
            cast(ec.EllipticCurvePublicKey, key).verify(signature, data, ec.ECDSA(hash_algorithm))
        else:
            raise SignatureMismatch(f"unsupported key type {type(key).__name__}")
    except InvalidSignature:
        raise SignatureMismatch("the signature does not match the key and data") from None


def _family(key: CertificatePublicKeyTypes) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ec"
    return ""


def is_verified(child: CertInfo, issuer: CertInfo) -> bool:
    """Whether the outcome of `issuer`'s key over `child` is known already (no work to do)."""
    key = (child.fingerprint, issuer.key_id)
    return key in _VERIFIED_ISSUERS or key in _FAILED_ISSUERS


def verify_certificate_signature(child: CertInfo, issuer: CertInfo) -> None:
    """Check that `issuer`'s key signed `child`; the outcome is cached either way.

    Names are not compared here: path validation chains them by RFC 5280 §7.1, not by bytes.
    """
    # Whether a key signed a certificate depends on the key alone: a bundle of many issuer
    # certificates sharing one wrong key costs one check.
    key = (child.fingerprint, issuer.key_id)
    if key in _VERIFIED_ISSUERS:
        return
    known_failure = _FAILED_ISSUERS.get(key)
    if known_failure is not None:
        raise SignatureMismatch(known_failure)
    certificate = child.certificate
    try:
        _verify_tbs(issuer.public_key, certificate)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm) as error:
        message = f"{child.label()} is not signed by {issuer.label()}: {error or 'bad signature'}"
        if len(_FAILED_ISSUERS) >= _MAX_VERIFIED:
            _FAILED_ISSUERS.clear()
        _FAILED_ISSUERS[key] = message
        raise SignatureMismatch(message) from None
    if len(_VERIFIED_ISSUERS) >= _MAX_VERIFIED:
        _VERIFIED_ISSUERS.clear()
    _VERIFIED_ISSUERS.add(key)


def _verify_tbs(key: CertificatePublicKeyTypes, certificate: x509.Certificate) -> None:
    hash_algorithm = certificate.signature_hash_algorithm
    parameters = certificate.signature_algorithm_parameters
    signature, tbs = certificate.signature, certificate.tbs_certificate_bytes
    if isinstance(key, rsa.RSAPublicKey):
        if not isinstance(parameters, padding.PSS | padding.PKCS1v15) or hash_algorithm is None:
            raise InvalidSignature("not an RSA signature")
        key.verify(signature, tbs, parameters, hash_algorithm)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(parameters, ec.ECDSA):
            raise InvalidSignature("not an ECDSA signature")
        key.verify(signature, tbs, parameters)
    else:
        raise InvalidSignature(f"unsupported key type {type(key).__name__}")
