"""PKCS#12 keystores named like the NCA's (`RSA256_<keyid>.p12`, `AUTH_RSA256_<keyid>.p12`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12


class KeystoreError(Exception):
    """A keystore that cannot be opened: wrong password, not PKCS#12, or no key inside."""


def keystore_name(certificate: x509.Certificate, usage: str) -> str:
    """The NCA's file name for a keystore: the key family and the key identifier."""
    ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    family = (
        "EC256" if isinstance(certificate.public_key(), ec.EllipticCurvePublicKey) else "RSA256"
    )
    prefix = "AUTH_" if usage == "auth" else ""
    return f"{prefix}{family}_{ski.digest.hex()}.p12"


def write_keystore(
    path: Path,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    password: str,
) -> None:
    """Write a password-protected PKCS#12 with the key, its certificate and the issuer chain."""
    data = pkcs12.serialize_key_and_certificates(
        name=certificate.serial_number.to_bytes(20, "big").hex().encode(),
        key=key,  # type: ignore[arg-type]
        cert=certificate,
        cas=chain,
        encryption_algorithm=BestAvailableEncryption(password.encode()),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@dataclass(frozen=True, slots=True)
class Keystore:
    """An opened keystore."""

    key: PrivateKeyTypes
    certificate: x509.Certificate
    chain: list[x509.Certificate]


def load_keystore(path: Path, password: str) -> Keystore:
    """Open a PKCS#12 keystore; `KeystoreError` says why it cannot be opened."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise KeystoreError(f"cannot read {path}: {error.strerror}") from None
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, password.encode())
    except ValueError:
        raise KeystoreError(f"{path.name}: not a PKCS#12 keystore, or the wrong password") from None
    if key is None or certificate is None:
        raise KeystoreError(f"{path.name}: the keystore holds no key and certificate")
    return Keystore(key, certificate, list(chain))
