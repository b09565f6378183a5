"""The algorithms a CMS may name, and the policy on which of them are too weak (SPEC §4)."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

DIGESTS: dict[str, str] = {
    "1.2.840.113549.2.5": "md5",
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}

RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"

#: signature algorithm OID -> (key family, digest name or None when the digest algorithm says)
SIGNATURES: dict[str, tuple[str, str | None]] = {
    RSA_ENCRYPTION: ("rsa", None),
    "1.2.840.113549.1.1.4": ("rsa", "md5"),
    "1.2.840.113549.1.1.5": ("rsa", "sha1"),
    "1.2.840.113549.1.1.14": ("rsa", "sha224"),
    "1.2.840.113549.1.1.11": ("rsa", "sha256"),
    "1.2.840.113549.1.1.12": ("rsa", "sha384"),
    "1.2.840.113549.1.1.13": ("rsa", "sha512"),
    EC_PUBLIC_KEY: ("ec", None),
    "1.2.840.10045.4.1": ("ec", "sha1"),
    "1.2.840.10045.4.3.1": ("ec", "sha224"),
    "1.2.840.10045.4.3.2": ("ec", "sha256"),
    "1.2.840.10045.4.3.3": ("ec", "sha384"),
    "1.2.840.10045.4.3.4": ("ec", "sha512"),
}

#: GOST 34.310 / 34.311 as Kazakhstan's NCA uses them; no library here implements them.
GOST_PREFIXES = ("1.2.398.3.10.1", "1.2.643")

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "md5": hashes.MD5,
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

WEAK_DIGESTS = frozenset({"md5", "sha1"})
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256


_HASH_OBJECTS = {name: kind() for name, kind in _HASHES.items()}


def hash_algorithm(name: str) -> hashes.HashAlgorithm:
    """The `cryptography` hash object for a digest name (they are stateless, so shared)."""
    return _HASH_OBJECTS[name]


def describe_unsupported(oid: str) -> str:
    """Why an algorithm OID cannot be processed."""
    if oid.startswith(GOST_PREFIXES):
        return f"GOST algorithm {oid} is not supported by egovsim (no GOST library is available)"
    return f"unsupported algorithm {oid}"


def key_weakness(key: CertificatePublicKeyTypes) -> str | None:
    """Why a public key is too weak, or None."""
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        return f"RSA key of {key.key_size} bits (at least {MIN_RSA_BITS} required)"
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size < MIN_EC_BITS:
        return f"EC key of {key.curve.key_size} bits (at least {MIN_EC_BITS} required)"
    return None


def digest_weakness(name: str | None) -> str | None:
    """Why a digest algorithm is too weak, or None."""
    if name in WEAK_DIGESTS:
        return f"{name.upper()} digest"
    return None
