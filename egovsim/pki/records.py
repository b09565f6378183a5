"""What the test PKI remembers of each certificate it issued, and of each revocation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from cryptography import x509

from egovsim.clock import as_utc

#: RFC 5280 reason names (as the command line takes them) and cryptography's flags.
REASONS: dict[str, x509.ReasonFlags] = {
    "unspecified": x509.ReasonFlags.unspecified,
    "keyCompromise": x509.ReasonFlags.key_compromise,
    "cACompromise": x509.ReasonFlags.ca_compromise,
    "affiliationChanged": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessationOfOperation": x509.ReasonFlags.cessation_of_operation,
    "certificateHold": x509.ReasonFlags.certificate_hold,
    "privilegeWithdrawn": x509.ReasonFlags.privilege_withdrawn,
    "aACompromise": x509.ReasonFlags.aa_compromise,
}
REASON_NAMES: dict[x509.ReasonFlags, str] = {flag: name for name, flag in REASONS.items()}


@dataclass(frozen=True, slots=True)
class Revocation:
    """A revocation: when it takes effect and why; a hold may later be released."""

    at: datetime
    reason: str
    released_at: datetime | None = None

    def in_force(self, now: datetime) -> bool:
        """Whether the certificate counts as revoked at `now`."""
        if self.at > now:
            return False
        return self.released_at is None or self.released_at > now


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """One certificate the test PKI issued."""

    serial: int
    issuer: str
    subject: str
    usage: str | None
    role: str | None
    key: str
    iin: str | None
    bin: str | None
    not_before: datetime
    not_after: datetime
    persona: str | None = None
    keystore: str | None = None
    revocation: Revocation | None = None

    @property
    def serial_hex(self) -> str:
        """The serial number as the NCA writes it: upper-case hexadecimal."""
        return f"{self.serial:X}"

    def status(self, now: datetime) -> str:
        """`valid`, `expired`, `not-yet-valid`, `revoked` or `on-hold` at `now`."""
        if self.revocation is not None and self.revocation.in_force(now):
            return "on-hold" if self.revocation.reason == "certificateHold" else "revoked"
        if now < self.not_before:
            return "not-yet-valid"
        if now > self.not_after:
            return "expired"
        return "valid"

    def with_revocation(self, revocation: Revocation | None) -> IssuedCertificate:
        """A copy with the revocation replaced."""
        return replace(self, revocation=revocation)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times in ISO 8601, the serial in hex)."""
        data = asdict(self)
        data["serial"] = self.serial_hex
        data["not_before"] = self.not_before.isoformat()
        data["not_after"] = self.not_after.isoformat()
        if self.revocation is not None:
            data["revocation"] = {
                "at": self.revocation.at.isoformat(),
                "reason": self.revocation.reason,
                "released_at": self.revocation.released_at.isoformat()
                if self.revocation.released_at
                else None,
            }
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IssuedCertificate:
        """The inverse of `to_json`."""
        revocation = None
        if data.get("revocation"):
            raw = data["revocation"]
            revocation = Revocation(
                at=as_utc(datetime.fromisoformat(raw["at"])),
                reason=raw["reason"],
                released_at=as_utc(datetime.fromisoformat(raw["released_at"]))
                if raw.get("released_at")
                else None,
            )
        return cls(
            serial=int(data["serial"], 16),
            issuer=data["issuer"],
            subject=data["subject"],
            usage=data.get("usage"),
            role=data.get("role"),
            key=data["key"],
            iin=data.get("iin"),
            bin=data.get("bin"),
            not_before=as_utc(datetime.fromisoformat(data["not_before"])),
            not_after=as_utc(datetime.fromisoformat(data["not_after"])),
            persona=data.get("persona"),
            keystore=data.get("keystore"),
            revocation=revocation,
        )
