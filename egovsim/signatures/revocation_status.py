"""What a revocation check answers for one certificate: its status and where it came from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Literal, NamedTuple

from egovsim.signatures.certs import CertInfo

StatusName = Literal["good", "revoked", "unknown", "unavailable"]


class RevocationStatus(NamedTuple):
    """The status of one certificate, with where it came from (a tuple: made per check)."""

    status: StatusName
    source: str  # "ocsp", "crl", "crl+delta", or "" when unavailable
    detail: str
    revoked_at: datetime | None = None
    reason: str | None = None
    this_update: datetime | None = None
    next_update: datetime | None = None
    weak: bool = False  # unavailable because the algorithm policy refused the evidence


#: Asks the status of a certificate (its issuer, the time, the anchor of its path).
StatusOf = Callable[[CertInfo, CertInfo, datetime, CertInfo | None], Awaitable[RevocationStatus]]
