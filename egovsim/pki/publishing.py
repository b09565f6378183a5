"""What a CA of the test PKI publishes, where and for how long: its full CRL and, for an issuer
that has one, the delta CRL against the last base, each current until its next update or the next
change recorded for the future; and the CRL address that never answers, for the magic numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from egovsim.clock import as_utc
from egovsim.magic import UNAVAILABLE_CRL_PATH
from egovsim.pki.crl import CrlPlan, build_crl, delta_entries, full_entries, revoked_at
from egovsim.pki.disk import write_atomic
from egovsim.pki.hierarchy import ISSUERS, Authority
from egovsim.pki.profiles import Endpoints
from egovsim.pki.records import IssuedCertificate


@dataclass(frozen=True, slots=True)
class Publication:
    """How long what the CA publishes stays current."""

    crl_validity: timedelta = timedelta(days=1)
    delta_crl_validity: timedelta = timedelta(hours=1)
    ocsp_validity: timedelta = timedelta(hours=1)


class UnavailableCrls(Endpoints):
    """The addresses of a certificate whose CRLs can never be had (the magic IIN or BIN whose
    revocation status is unavailable): its CRL distribution points name a place that answers
    HTTP 503, while its OCSP and caIssuers addresses are the usual ones."""

    __slots__ = ()

    def crl(self, name: str) -> str:
        """Where this certificate says its CRLs are: nowhere that answers."""
        return f"{self.base_url}{UNAVAILABLE_CRL_PATH}/crl/{name}.crl"


def publish_crls(
    directory: Path,
    authority: Authority,
    records: list[IssuedCertificate],
    info: dict[str, Any],
    now: datetime,
    *,
    rebase: bool,
    publication: Publication,
    endpoints: Endpoints,
) -> None:
    """Write the issuer's full CRL (and delta CRL, if it has one) as of `now`.

    The delta lists what changed since the base: the full CRL of the last rebase, which
    happens when a full CRL falls due, not when a certificate is revoked; so between
    scheduled publications a verifier holding the base sees new revocations in the delta.
    """
    full_name, delta_name = ISSUERS[authority.name]
    listed = revoked_at(records, now)
    horizon = next_change(records, now)
    number = int(info["number"]) + 1
    full_next = min(now + publication.crl_validity, horizon)
    full_plan = CrlPlan(
        number,
        now,
        full_next,
        freshest_url=endpoints.crl(delta_name) if delta_name else None,
    )
    full = build_crl(authority.certificate, authority.key, full_entries(listed), full_plan)
    write_atomic(
        directory / "crl" / f"{full_name}.crl",
        full.public_bytes(serialization.Encoding.DER),
    )
    info.update(
        number=number,
        this_update=now.isoformat(),
        next_update=full_next.isoformat(),
        full_next_update=full_next.isoformat(),
    )
    if rebase or "base_number" not in info:
        info.update(
            base_number=number,
            base_time=now.isoformat(),
            base_serials=[f"{serial:X}" for serial in sorted(listed)],
        )
    if delta_name is None:
        return
    number += 1
    delta_next = min(now + publication.delta_crl_validity, horizon)
    delta_plan = CrlPlan(number, now, delta_next, delta_base=int(info["base_number"]))
    base = {int(serial, 16) for serial in info.get("base_serials", [])}
    delta = build_crl(
        authority.certificate,
        authority.key,
        delta_entries(listed, base, as_utc(datetime.fromisoformat(info["base_time"])), records),
        delta_plan,
    )
    write_atomic(
        directory / "crl" / f"{delta_name}.crl",
        delta.public_bytes(serialization.Encoding.DER),
    )
    info.update(number=number, next_update=delta_next.isoformat())


def next_change(records: list[IssuedCertificate], now: datetime) -> datetime:
    """The next moment a revocation or release recorded for the future takes effect."""
    moments = [now + timedelta(days=3650)]
    for record in records:
        if record.revocation is None:
            continue
        moments.extend(
            moment
            for moment in (record.revocation.at, record.revocation.released_at)
            if moment is not None and moment > now
        )
    return min(moments)
