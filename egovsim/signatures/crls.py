"""CRLs as RFC 5280 §5 and §6.3 read them: what a CRL is, whom it may speak of, and its verdict.

Reading a CRL (`read_crl`) and matching its scope to a certificate's distribution point
(`scope_of`) depend on nothing but the bytes, so they are done once; the verdict at a validation
time (`verdict`) is a lookup. Who signed the CRL is settled by the revocation checker, which can
build and validate the signer's own path.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from cryptography import x509
from cryptography.x509.oid import CRLEntryExtensionOID, ExtensionOID

from egovsim.pki.records import REASON_NAMES
from egovsim.signatures.certs import CertInfo
from egovsim.signatures.names import NameKey, name_key

_E = TypeVar("_E", bound=x509.ExtensionType)

ALL_REASONS = frozenset(
    {
        x509.ReasonFlags.key_compromise,
        x509.ReasonFlags.ca_compromise,
        x509.ReasonFlags.affiliation_changed,
        x509.ReasonFlags.superseded,
        x509.ReasonFlags.cessation_of_operation,
        x509.ReasonFlags.certificate_hold,
        x509.ReasonFlags.privilege_withdrawn,
        x509.ReasonFlags.aa_compromise,
    }
)

#: CRL extensions §6.3 processes; another one marked critical makes the CRL unusable (§5.2).
KNOWN_CRL_EXTENSIONS = frozenset(
    {
        ExtensionOID.CRL_NUMBER,
        ExtensionOID.DELTA_CRL_INDICATOR,
        ExtensionOID.ISSUING_DISTRIBUTION_POINT,
        ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
        ExtensionOID.FRESHEST_CRL,
        ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
        ExtensionOID.ISSUER_ALTERNATIVE_NAME,
    }
)
KNOWN_ENTRY_EXTENSIONS = frozenset(
    {
        CRLEntryExtensionOID.CRL_REASON,
        CRLEntryExtensionOID.INVALIDITY_DATE,
        CRLEntryExtensionOID.CERTIFICATE_ISSUER,
    }
)


#: What `cryptography` raises, at load or lazily, for a CRL it cannot read.
UNREADABLE = (
    ValueError,
    TypeError,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)


class Problems(list[str]):
    """Why no CRL could be used, reason by reason; `weak` when the algorithm policy refused one."""

    weak: bool = False


class CrlUnusable(ValueError):
    """The CRL cannot be used at all (bad signature, unknown critical extension, no number)."""


def reason_name(flag: x509.ReasonFlags | None) -> str:
    """The RFC 5280 name of a revocation reason."""
    if flag is None:
        return "unspecified"
    if flag == x509.ReasonFlags.remove_from_crl:
        return "removeFromCRL"  # only in delta CRLs, so not a reason the PKI revokes for
    return REASON_NAMES.get(flag, "unspecified")


Entry = tuple[datetime, str]


@dataclass(slots=True)
class ParsedCrl:
    """A CRL read once: its issuer, numbers, window, scope and entries (not yet its signer)."""

    crl: x509.CertificateRevocationList
    source: str
    fingerprint: bytes
    issuer_key: NameKey
    issuer_name: x509.Name
    number: int
    delta_base: int | None
    this_update: datetime
    next_update: datetime | None
    authority_key_id: bytes | None
    idp: x509.IssuingDistributionPoint | None
    #: (serial, certificate issuer) → (revocation time, reason): indirect CRLs name the issuer.
    entries: dict[tuple[int, NameKey], Entry] = field(default_factory=dict)
    delta_urls: tuple[str, ...] = ()

    @property
    def indirect(self) -> bool:
        """Whether the CRL lists certificates of other issuers (IDP indirectCRL)."""
        return self.idp is not None and self.idp.indirect_crl


def _extension_value(
    crl: x509.CertificateRevocationList, kind: type[_E]
) -> x509.Extension[_E] | None:
    try:
        return crl.extensions.get_extension_for_class(kind)
    except x509.ExtensionNotFound:
        return None


def read_crl(crl: x509.CertificateRevocationList, source: str) -> ParsedCrl:
    """Index a CRL's entries and check its form (§5.2, §5.3); CrlUnusable when it fails."""
    try:
        extensions = crl.extensions
        issuer_key = name_key(crl.issuer)
    except UNREADABLE as error:
        raise CrlUnusable(f"{source}: unreadable extensions ({error})") from None
    for extension in extensions:
        if extension.critical and extension.oid not in KNOWN_CRL_EXTENSIONS:
            raise CrlUnusable(f"{source} has an unknown critical extension {extension.oid}")
    number = _extension_value(crl, x509.CRLNumber)
    if number is None:
        raise CrlUnusable(f"{source} has no CRLNumber (RFC 5280 §5.2.3)")
    if number.critical:
        raise CrlUnusable(f"{source} marks its CRLNumber critical (RFC 5280 §5.2.3)")
    delta = _extension_value(crl, x509.DeltaCRLIndicator)
    idp = _extension_value(crl, x509.IssuingDistributionPoint)
    aki = _extension_value(crl, x509.AuthorityKeyIdentifier)
    freshest = _extension_value(crl, x509.FreshestCRL)
    entries: dict[tuple[int, NameKey], Entry] = {}
    entry_issuer = issuer_key
    indirect = idp is not None and idp.value.indirect_crl
    try:
        for revoked in crl:
            reason = None
            for extension in revoked.extensions:
                if extension.critical and extension.oid not in KNOWN_ENTRY_EXTENSIONS:
                    raise CrlUnusable(
                        f"{source}: an entry has an unknown critical extension {extension.oid}"
                    )
                value = extension.value
                if isinstance(value, x509.CRLReason):
                    reason = value.reason
                elif isinstance(value, x509.CertificateIssuer) and indirect:
                    # §5.3.3: the issuer named holds for this entry and those after it.
                    directory = [n.value for n in value if isinstance(n, x509.DirectoryName)]
                    if directory:
                        entry_issuer = name_key(directory[0])
            entries[revoked.serial_number, entry_issuer] = (
                revoked.revocation_date_utc,
                reason_name(reason),
            )
    except CrlUnusable:
        raise
    except UNREADABLE as error:
        raise CrlUnusable(f"{source}: unreadable entries ({error})") from None
    return ParsedCrl(
        crl=crl,
        source=source,
        fingerprint=hashlib.sha256(crl.tbs_certlist_bytes + crl.signature).digest(),
        issuer_key=issuer_key,
        issuer_name=crl.issuer,
        number=number.value.crl_number,
        delta_base=delta.value.crl_number if delta is not None else None,
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc,
        authority_key_id=aki.value.key_identifier if aki is not None else None,
        idp=idp.value if idp is not None else None,
        entries=entries,
        delta_urls=tuple(
            n.value
            for point in (freshest.value if freshest is not None else ())
            for n in point.full_name or ()
            if isinstance(n, x509.UniformResourceIdentifier)
        ),
    )


def _general_key(name: x509.GeneralName) -> object:
    if isinstance(name, x509.DirectoryName):
        return ("dn", name_key(name.value))
    return (type(name).__name__, name.value)


def _point_names(
    full: list[x509.GeneralName] | None,
    relative: x509.RelativeDistinguishedName | None,
    issuer: x509.Name,
) -> set[object]:
    if full is not None:
        return {_general_key(n) for n in full}
    if relative is not None:
        # nameRelativeToCRLIssuer: the issuer's name with one more RDN (§4.2.1.13).
        return {("dn", name_key(x509.Name([*issuer.rdns, relative])))}
    return set()


def distribution_points(cert: CertInfo) -> list[x509.DistributionPoint | None]:
    """The certificate's distribution points; [None] stands for the CA's own complete CRL."""
    try:
        points = cert.certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    except x509.ExtensionNotFound:
        return [None]
    return list(points.value) or [None]


def scope_of(
    crl: ParsedCrl, cert: CertInfo, point: x509.DistributionPoint | None
) -> frozenset[x509.ReasonFlags] | str:
    """§6.3.3 (b), (c): the reasons `crl` covers for `cert` through `point`, or why it does not."""
    crl_issuers = point.crl_issuer if point is not None else None
    if crl_issuers:
        if not any(_general_key(n) == ("dn", crl.issuer_key) for n in crl_issuers):
            return "the CRL is not issued by the distribution point's cRLIssuer"
        if not crl.indirect:
            return "a cRLIssuer's CRL must be marked indirect"
    elif crl.issuer_key != cert.issuer_key:
        return "the CRL is issued by another CA"
    idp = crl.idp
    reasons = ALL_REASONS
    if idp is not None:
        named = _point_names(idp.full_name, idp.relative_name, crl.issuer_name)
        if named:
            if point is not None and (point.full_name or point.relative_name):
                # A relative name hangs under the cRLIssuer's name if given, else the issuer's.
                directories = [
                    n.value for n in crl_issuers or () if isinstance(n, x509.DirectoryName)
                ]
                base = directories[0] if directories else cert.certificate.issuer
                if not named & _point_names(point.full_name, point.relative_name, base):
                    return "the CRL's distribution point is not the certificate's"
            elif point is not None and crl_issuers:
                if not named & {_general_key(n) for n in crl_issuers}:
                    return "the CRL's distribution point is not the certificate's cRLIssuer"
            else:
                return "the CRL covers a distribution point the certificate does not name"
        if idp.only_contains_user_certs and cert.is_ca:
            return "the CRL covers only end-entity certificates"
        if idp.only_contains_ca_certs and not cert.is_ca:
            return "the CRL covers only CA certificates"
        if idp.only_contains_attribute_certs:
            return "the CRL covers only attribute certificates"
        if idp.only_some_reasons is not None:
            reasons = reasons & frozenset(idp.only_some_reasons)
    if point is not None and point.reasons is not None:
        reasons = reasons & frozenset(point.reasons)
    return reasons


def delta_matches(complete: ParsedCrl, delta: ParsedCrl) -> bool:
    """§6.3.3 (c)(1)-(3) for a delta CRL: same issuer, same scope, extending this complete CRL."""
    return (
        delta.delta_base is not None
        and delta.issuer_key == complete.issuer_key
        and delta.idp == complete.idp
        and delta.authority_key_id == complete.authority_key_id
        and delta.delta_base <= complete.number < delta.number
    )


def entry_for(crl: ParsedCrl, cert: CertInfo) -> Entry | None:
    """The CRL's entry for `cert`, looked up with the issuer the entry names (§5.3.3)."""
    return crl.entries.get((cert.serial, cert.issuer_key))


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL from DER or PEM; ValueError when it is neither or cannot be read whole."""
    try:
        if b"-----BEGIN" in data[:4096]:
            crl = x509.load_pem_x509_crl(data[data.index(b"-----BEGIN") :])
        else:
            crl = x509.load_der_x509_crl(data)
        crl.issuer.rfc4514_string()  # parsed lazily: a broken one must fail here, not later
        crl.last_update_utc  # noqa: B018
    except UNREADABLE as error:
        raise ValueError(f"{type(error).__name__}: {error}") from None
    return crl
