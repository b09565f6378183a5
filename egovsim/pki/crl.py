"""Full and delta CRLs (RFC 5280 §5), built from the PKI's records at a given time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from egovsim.pki.records import REASONS, IssuedCertificate


@dataclass(frozen=True, slots=True)
class CrlPlan:
    """What one CRL says: its number, its window, and (for a delta) the base it extends."""

    number: int
    this_update: datetime
    next_update: datetime
    delta_base: int | None = None  # set for a delta CRL: the full CRL number it extends
    since: datetime | None = None  # a delta lists changes after this moment
    freshest_url: str | None = None  # a full CRL names its delta here


def _entry(serial: int, at: datetime, reason: x509.ReasonFlags) -> x509.RevokedCertificate:
    builder = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at)
    if reason != x509.ReasonFlags.unspecified:
        builder = builder.add_extension(x509.CRLReason(reason), critical=False)
    return builder.build()


def crl_entries(
    records: Iterable[IssuedCertificate], plan: CrlPlan
) -> list[x509.RevokedCertificate]:
    """The revoked-certificate entries of a full CRL, or of a delta since `plan.since`."""
    now = plan.this_update
    entries = []
    for record in records:
        revocation = record.revocation
        if revocation is None or revocation.at > now:
            continue
        released = revocation.released_at is not None and revocation.released_at <= now
        if plan.delta_base is None:
            if not released:
                entries.append(_entry(record.serial, revocation.at, REASONS[revocation.reason]))
            continue
        since = plan.since
        assert since is not None, "a delta CRL needs the time of its base"
        if released and revocation.released_at is not None and revocation.released_at > since:
            if revocation.at <= since:  # the base listed the hold: the delta takes it back
                entries.append(
                    _entry(record.serial, revocation.released_at, x509.ReasonFlags.remove_from_crl)
                )
        elif not released and revocation.at > since:
            entries.append(_entry(record.serial, revocation.at, REASONS[revocation.reason]))
    return entries


def build_crl(
    issuer: x509.Certificate,
    key: CertificateIssuerPrivateKeyTypes,
    entries: list[x509.RevokedCertificate],
    plan: CrlPlan,
) -> x509.CertificateRevocationList:
    """Sign a CRL (full, or delta when the plan names a base) with the CA's key."""
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(plan.this_update)
        .next_update(plan.next_update)
        .add_extension(x509.CRLNumber(plan.number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    )
    if plan.delta_base is not None:
        builder = builder.add_extension(x509.DeltaCRLIndicator(plan.delta_base), critical=True)
    elif plan.freshest_url is not None:
        point = x509.DistributionPoint(
            [x509.UniformResourceIdentifier(plan.freshest_url)], None, None, None
        )
        builder = builder.add_extension(x509.FreshestCRL([point]), critical=False)
    for entry in entries:
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(key, hashes.SHA256())
