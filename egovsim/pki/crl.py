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
    freshest_url: str | None = None  # a full CRL names its delta here


def _entry(serial: int, at: datetime, reason: x509.ReasonFlags) -> x509.RevokedCertificate:
    builder = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at)
    if reason != x509.ReasonFlags.unspecified:
        builder = builder.add_extension(x509.CRLReason(reason), critical=False)
    return builder.build()


def revoked_at(records: Iterable[IssuedCertificate], now: datetime) -> dict[int, IssuedCertificate]:
    """The certificates a full CRL published at `now` lists, by serial."""
    return {
        record.serial: record
        for record in records
        if record.revocation is not None and record.revocation.in_force(now)
    }


def full_entries(listed: dict[int, IssuedCertificate]) -> list[x509.RevokedCertificate]:
    """The entries of a full CRL."""
    entries = []
    for record in listed.values():
        assert record.revocation is not None
        entries.append(
            _entry(record.serial, record.revocation.at, REASONS[record.revocation.reason])
        )
    return entries


def delta_entries(
    listed: dict[int, IssuedCertificate],
    base: set[int],
    base_time: datetime,
    records: Iterable[IssuedCertificate],
) -> list[x509.RevokedCertificate]:
    """What changed since the base full CRL: new entries, and removeFromCRL for every hold
    released since then (a full CRL issued after the base may have listed it, RFC 5280 §5.3.1).
    """
    entries = full_entries({s: r for s, r in listed.items() if s not in base})
    for record in records:
        revocation = record.revocation
        if record.serial in listed or revocation is None or revocation.released_at is None:
            continue
        if revocation.released_at >= base_time or record.serial in base:
            entries.append(
                _entry(record.serial, revocation.released_at, x509.ReasonFlags.remove_from_crl)
            )
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
