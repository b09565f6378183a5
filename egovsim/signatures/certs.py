"""What the verifier needs of a certificate, read once and cached by its DER bytes."""

from __future__ import annotations

import hashlib
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID

from egovsim.pki.profiles import CertificateSubject, key_description, read_subject
from egovsim.signatures import der
from egovsim.signatures.names import NameKey, name_key
from egovsim.telemetry import metrics

_E = TypeVar("_E", bound=x509.ExtensionType)

#: Extensions path validation understands; any other critical one makes a certificate unusable.
KNOWN_CRITICAL = frozenset(
    {
        ExtensionOID.BASIC_CONSTRAINTS,
        ExtensionOID.KEY_USAGE,
        ExtensionOID.EXTENDED_KEY_USAGE,
        ExtensionOID.CERTIFICATE_POLICIES,
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
        ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
        ExtensionOID.SUBJECT_KEY_IDENTIFIER,
        # Processed by path validation since RFC 5280 §6.1 is done whole.
        ExtensionOID.NAME_CONSTRAINTS,
        ExtensionOID.POLICY_CONSTRAINTS,
        ExtensionOID.POLICY_MAPPINGS,
        ExtensionOID.INHIBIT_ANY_POLICY,
        ExtensionOID.CRL_DISTRIBUTION_POINTS,
        ExtensionOID.FRESHEST_CRL,
    }
)


def _uris(names: list[x509.GeneralName] | None) -> tuple[str, ...]:
    return tuple(n.value for n in names or () if isinstance(n, x509.UniformResourceIdentifier))


def _distribution_uris(points: x509.CRLDistributionPoints | x509.FreshestCRL) -> tuple[str, ...]:
    found: list[str] = []
    for point in points:
        found.extend(_uris(point.full_name))
    return tuple(found)


@dataclass(frozen=True, slots=True, eq=False)
class CertInfo:
    """A parsed certificate with the facts path validation and revocation checks use."""

    certificate: x509.Certificate
    der: bytes
    fingerprint: bytes
    subject_der: bytes
    issuer_der: bytes
    subject_key: NameKey
    issuer_key: NameKey
    key_id: bytes
    subject_text: str
    serial: int
    not_before: datetime
    not_after: datetime
    public_key: CertificatePublicKeyTypes
    key_text: str
    signature_hash: str | None
    is_ca: bool
    path_length: int | None
    key_usage: x509.KeyUsage | None
    eku: frozenset[str] | None
    subject_key_id: bytes | None
    authority_key_id: bytes | None
    ocsp_urls: tuple[str, ...]
    issuer_urls: tuple[str, ...]
    crl_urls: tuple[str, ...]
    delta_crl_urls: tuple[str, ...]
    unknown_critical: tuple[str, ...]
    subject: CertificateSubject
    label_text: str

    @property
    def self_issued(self) -> bool:
        """Whether subject and issuer are the same name (RFC 5280 §7.1)."""
        return self.subject_key == self.issuer_key

    def label(self) -> str:
        """A short name for messages: the subject's CN and the serial."""
        return self.label_text


def _extension(
    found: dict[type[x509.ExtensionType], x509.ExtensionType], kind: type[_E]
) -> _E | None:
    value = found.get(kind)
    return value if isinstance(value, kind) else None


def _same_signature_algorithm(encoded: bytes) -> None:
    """RFC 5280 §4.1.1.2: the algorithm named inside the signed part must be the outer one."""
    try:
        outer = der.read(encoded).children()
        fields = outer[0].children()
        inner = fields[2] if fields[0].tag == 0xA0 else fields[1]
        same = inner.encoded == outer[1].encoded
    except (der.DerError, IndexError):
        return  # `cryptography` read it; an odd shape here is not a reason to refuse it
    if not same:
        raise ValueError(
            "the signature algorithm inside the certificate is not the one outside "
            "(RFC 5280 §4.1.1.2)"
        )


def describe(certificate: x509.Certificate, der_bytes: bytes | None = None) -> CertInfo:
    """Read a certificate's facts (raises ValueError on extensions that cannot be parsed)."""
    encoded = der_bytes or certificate.public_bytes(serialization.Encoding.DER)
    _same_signature_algorithm(encoded)
    # One pass over the extensions (`cryptography` refuses duplicates when it reads them)
    # rather than a search per kind: reading a certificate is most of a cold validation.
    found = {type(e.value): e.value for e in certificate.extensions}
    constraints = _extension(found, x509.BasicConstraints)
    aia = _extension(found, x509.AuthorityInformationAccess)
    cdp = _extension(found, x509.CRLDistributionPoints)
    freshest = _extension(found, x509.FreshestCRL)
    eku = _extension(found, x509.ExtendedKeyUsage)
    ski = _extension(found, x509.SubjectKeyIdentifier)
    aki = _extension(found, x509.AuthorityKeyIdentifier)
    ocsp, issuers = [], []
    for description in aia or ():
        if not isinstance(description.access_location, x509.UniformResourceIdentifier):
            continue
        if description.access_method == AuthorityInformationAccessOID.OCSP:
            ocsp.append(description.access_location.value)
        elif description.access_method == AuthorityInformationAccessOID.CA_ISSUERS:
            issuers.append(description.access_location.value)
    public_key = certificate.public_key()
    subject = read_subject(certificate)
    hash_algorithm = certificate.signature_hash_algorithm
    return CertInfo(
        certificate=certificate,
        der=encoded,
        fingerprint=hashlib.sha256(encoded).digest(),
        subject_der=certificate.subject.public_bytes(),
        issuer_der=certificate.issuer.public_bytes(),
        subject_key=name_key(certificate.subject),
        issuer_key=name_key(certificate.issuer),
        key_id=hashlib.sha256(
            public_key.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        ).digest(),
        subject_text=certificate.subject.rfc4514_string(),
        serial=certificate.serial_number,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        public_key=public_key,
        key_text=key_description(public_key),
        signature_hash=hash_algorithm.name if hash_algorithm else None,
        is_ca=bool(constraints and constraints.ca),
        path_length=constraints.path_length if constraints else None,
        key_usage=_extension(found, x509.KeyUsage),
        eku=frozenset(oid.dotted_string for oid in eku) if eku is not None else None,
        subject_key_id=ski.digest if ski else None,
        authority_key_id=aki.key_identifier if aki else None,
        ocsp_urls=tuple(ocsp),
        issuer_urls=tuple(issuers),
        crl_urls=_distribution_uris(cdp) if cdp else (),
        delta_crl_urls=_distribution_uris(freshest) if freshest else (),
        unknown_critical=tuple(
            e.oid.dotted_string
            for e in certificate.extensions
            if e.critical and e.oid not in KNOWN_CRITICAL
        ),
        subject=subject,
        label_text=f"{subject.common_name or certificate.subject.rfc4514_string()} "
        f"(serial {certificate.serial_number:X})",
    )


_UNREADABLE = (
    ValueError,
    TypeError,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
    UnsupportedAlgorithm,
)


DSA_KEY = "1.2.840.10040.4.1"


class WeakKey(ValueError):
    """A certificate whose key the algorithm policy refuses before it can even be read."""


def _key_algorithm(der_bytes: bytes) -> str | None:
    """The subjectPublicKeyInfo algorithm OID of a certificate `cryptography` cannot read."""
    try:
        parsed = asn1_x509.Certificate.load(der_bytes)
        return str(
            parsed["tbs_certificate"]["subject_public_key_info"]["algorithm"]["algorithm"].dotted
        )
    except (ValueError, TypeError, KeyError):
        return None


def looks_like_certificate(der_bytes: bytes) -> bool:
    """Whether the bytes are shaped as a certificate, readable by `cryptography` or not."""
    return _key_algorithm(der_bytes) is not None


class CertCache:
    """Parsed certificates by DER, bounded (least recently used go first)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._items: OrderedDict[bytes, CertInfo] = OrderedDict()

    def get(self, der_bytes: bytes) -> CertInfo:
        """The facts of a DER certificate; ValueError when it cannot be parsed."""
        info = self._items.get(der_bytes)
        if info is not None:
            self._items.move_to_end(der_bytes)
            metrics.CERTIFICATE_HIT.inc()
            return info
        metrics.CERTIFICATE_MISS.inc()
        try:
            with warnings.catch_warnings():
                # A negative serial or a DSA key is read with a deprecation warning: the
                # verifier judges them itself (the CRL lookup, the algorithm policy).
                warnings.simplefilter("ignore", CryptographyDeprecationWarning)
                certificate = x509.load_der_x509_certificate(der_bytes)
                if certificate.public_key_algorithm_oid.dotted_string == DSA_KEY:
                    raise WeakKey(
                        "a DSA key, which the algorithm policy does not admit (RSA and EC only)"
                    )
                info = describe(certificate, der_bytes)
        except WeakKey:
            raise
        except _UNREADABLE as error:
            # The one place where the library's many ways of refusing a certificate (bad DER,
            # unknown version or algorithm, duplicate extensions) become a single ValueError.
            if _key_algorithm(der_bytes) == DSA_KEY:
                raise WeakKey(
                    "a DSA key, which the algorithm policy does not admit (RSA and EC only), "
                    f"and which cannot be read either ({type(error).__name__})"
                ) from None
            raise ValueError(f"{type(error).__name__}: {error}") from None
        self._items[der_bytes] = info
        if len(self._items) > self._capacity:
            self._items.popitem(last=False)
        return info

    def add(self, certificate: x509.Certificate) -> CertInfo:
        """Cache a certificate object already parsed."""
        return self.get(certificate.public_bytes(serialization.Encoding.DER))
