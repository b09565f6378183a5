"""The result of a signature or certificate check: a frozen report, never an exception.

Indications and subindications are the words of ETSI EN 319 102-1 (as EU DSS uses them); the
code is egovsim's stable refusal code from the catalogue (`egovsim.errors`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from egovsim.errors import refusal


class Indication(StrEnum):
    """The overall verdict."""

    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"


class Status(StrEnum):
    """The outcome of one check."""

    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"
    SKIPPED = "skipped"


#: Each refusal code's indication and subindication.
VERDICTS: dict[str, tuple[Indication, str]] = {
    "SIGNATURE_MALFORMED": (Indication.TOTAL_FAILED, "FORMAT_FAILURE"),
    "SIGNED_DATA_MISSING": (Indication.INDETERMINATE, "SIGNED_DATA_NOT_FOUND"),
    "SIGNER_CERT_MISSING": (Indication.INDETERMINATE, "NO_SIGNING_CERTIFICATE_FOUND"),
    "SIGNATURE_BROKEN": (Indication.TOTAL_FAILED, "SIG_CRYPTO_FAILURE"),
    # The portal's C2: a valid signature over something other than the request's e-document.
    "SIGNED_CONTENT_MISMATCH": (Indication.TOTAL_FAILED, "HASH_FAILURE"),
    "WEAK_ALGORITHM": (Indication.INDETERMINATE, "CRYPTO_CONSTRAINTS_FAILURE"),
    "CERT_UNTRUSTED": (Indication.INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND"),
    "CHAIN_INVALID": (Indication.INDETERMINATE, "CERTIFICATE_CHAIN_GENERAL_FAILURE"),
    "CERT_EXPIRED": (Indication.INDETERMINATE, "OUT_OF_BOUNDS_NO_POE"),
    "CERT_NOT_YET_VALID": (Indication.TOTAL_FAILED, "NOT_YET_VALID"),
    "CERT_REVOKED": (Indication.INDETERMINATE, "REVOKED_NO_POE"),
    "CERT_ON_HOLD": (Indication.INDETERMINATE, "REVOKED_NO_POE"),
    "REVOCATION_UNAVAILABLE": (Indication.INDETERMINATE, "TRY_LATER"),
    "CERT_WRONG_KEY_USAGE": (Indication.INDETERMINATE, "CHAIN_CONSTRAINTS_FAILURE"),
    "NO_SIGNING_RIGHT": (Indication.INDETERMINATE, "SIG_CONSTRAINTS_FAILURE"),
    "IIN_MISMATCH": (Indication.INDETERMINATE, "SIG_CONSTRAINTS_FAILURE"),
    "BIN_MISMATCH": (Indication.INDETERMINATE, "SIG_CONSTRAINTS_FAILURE"),
    # Timestamps and several signers (CAdES-T).
    "TIMESTAMP_MISSING": (Indication.INDETERMINATE, "SIG_CONSTRAINTS_FAILURE"),
    "TIMESTAMP_IMPRINT_MISMATCH": (Indication.TOTAL_FAILED, "HASH_FAILURE"),
    "TSA_UNTRUSTED": (Indication.INDETERMINATE, "TIMESTAMP_ORDER_FAILURE"),
    "SIGNER_REFUSED": (Indication.INDETERMINATE, "SIG_CONSTRAINTS_FAILURE"),
    "TSA_UNAVAILABLE": (Indication.INDETERMINATE, "TRY_LATER"),
}


class Check(NamedTuple):
    """One check, in the order it was made (a tuple: a report holds a dozen of them)."""

    name: str
    status: Status
    detail: str = ""
    code: str | None = None  # the refusal code, on a failed check
    subindication: str | None = None  # overrides the code's usual one (e.g. HASH_FAILURE)
    data: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out: dict[str, Any] = {"name": self.name, "status": str(self.status)}
        if self.detail:
            out["detail"] = self.detail
        if self.code:
            out["code"] = self.code
        if self.data:
            out["data"] = self.data
        return out


def passed(name: str, detail: str = "", **data: Any) -> Check:
    """A check that held."""
    return Check(name, Status.PASSED, detail, None, None, data or None)


def failed(
    name: str, code: str, detail: str, subindication: str | None = None, **data: Any
) -> Check:
    """A check that failed with a refusal code."""
    return Check(name, Status.FAILED, detail, code, subindication, data or None)


def warning(name: str, detail: str, **data: Any) -> Check:
    """A check that did not fail but deserves attention (soft-fail revocation, extra signers)."""
    return Check(name, Status.WARNING, detail, None, None, data or None)


def skipped(name: str, detail: str) -> Check:
    """A check that could not be made because an earlier one failed."""
    return Check(name, Status.SKIPPED, detail)


@dataclass(frozen=True, slots=True)
class SignerIdentity:
    """Who signed (or whom a certificate names), as the NCA's profile carries it."""

    common_name: str | None
    iin: str | None
    bin: str | None
    organization: str | None
    role: str | None
    usage: str | None
    serial: str
    issuer: str
    not_before: datetime
    not_after: datetime

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.common_name,
            "iin": self.iin,
            "bin": self.bin,
            "organization": self.organization,
            "role": self.role,
            "usage": self.usage,
            "serial": self.serial,
            "issuer": self.issuer,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
        }


class CheckTimes(Mapping[str, str]):
    """The times a signer's checks used, by check, as ISO 8601 text: "signature" (the
    validation time), "validity" and "revocation" once the path was checked, and
    "revocation_judged_at" when validity was judged at a timestamp's time. Formatted when read:
    most reports are never printed, and formatting a time costs more than the lookup of a
    validated path."""

    __slots__ = ("_checked", "_signature", "_stamp")

    def __init__(
        self, signature: datetime, *, checked: bool = False, stamp: datetime | None = None
    ) -> None:
        self._signature = signature
        self._checked = checked
        self._stamp = stamp

    def _keys(self) -> tuple[str, ...]:
        if not self._checked:
            return _SIGNATURE_ONLY
        return _JUDGED_AT_STAMP if self._stamp is not None else _CHECKED

    def __getitem__(self, key: str) -> str:
        if key not in self._keys():
            raise KeyError(key)
        if key == "signature" or key == "revocation" or self._stamp is None:
            return _iso(self._signature)
        return _iso(self._stamp)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())


_SIGNATURE_ONLY = ("signature",)
_CHECKED = ("signature", "validity", "revocation")
_JUDGED_AT_STAMP = (*_CHECKED, "revocation_judged_at")


def _iso(moment: datetime) -> str:
    """`moment.isoformat()`, formatted as a naive time when it is UTC: the same text at half
    the cost of an aware datetime's (which asks its zone for the offset)."""
    if moment.tzinfo is UTC:
        return moment.replace(tzinfo=None).isoformat() + "+00:00"
    return moment.isoformat()


class SignerReport:
    """One SignerInfo of a CMS: who, when they say and when the timestamp proves, every check,
    the times the checks used, and its own verdict (a slotted class set once: one is made per
    signer checked, and a frozen dataclass costs several times more)."""

    __slots__ = ("index", "times", "timestamp", "verdict")

    def __init__(
        self,
        index: int,
        verdict: Report,
        timestamp: dict[str, Any] | None = None,
        times: Mapping[str, str] | None = None,
    ) -> None:
        self.index = index  # 1-based, in the order of the CMS
        self.verdict = verdict
        self.timestamp = timestamp
        self.times = times

    def __repr__(self) -> str:
        return f"SignerReport({self.index}, {self.verdict.indication}, {self.verdict.code})"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        verdict = self.verdict
        return {
            "index": self.index,
            "indication": str(verdict.indication),
            "subindication": verdict.subindication,
            "code": verdict.code,
            "signer": verdict.signer.to_json() if verdict.signer else None,
            "signing_time": verdict.signing_time.isoformat() if verdict.signing_time else None,
            "timestamp": self.timestamp,
            "times": dict(self.times) if self.times is not None else None,
            "chain": list(verdict.chain),
            "checks": [c.to_json() for c in verdict.checks],
        }

    def name(self) -> str:
        """The signer as a refusal names it."""
        who = self.verdict.signer
        if who is None:
            return f"signer {self.index}"
        return f"signer {self.index} ({who.common_name}, IIN {who.iin})"


class Report(NamedTuple):
    """The verdict of a check of a signature or certificate, with every check made (a tuple:
    two are made on every verification, and a frozen dataclass costs several times more)."""

    indication: Indication
    subindication: str | None
    code: str | None
    validation_time: datetime
    checks: tuple[Check, ...]
    signer: SignerIdentity | None = None
    signing_time: datetime | None = None
    chain: tuple[str, ...] = ()
    signers: tuple[SignerReport, ...] = ()

    @property
    def passed(self) -> bool:
        """Whether the verdict is TOTAL_PASSED."""
        return self.indication is Indication.TOTAL_PASSED

    @property
    def step(self) -> str:
        """The step of the portal sequence a refusal arises at (C2)."""
        return "C2"

    def check(self, name: str) -> Check | None:
        """The check of that name, if it was made."""
        return next((c for c in self.checks if c.name == name), None)

    def to_json(self) -> dict[str, Any]:
        """The report as SPEC §7 prints it."""
        messages = refusal(self.code).messages if self.code else None
        return {
            "indication": str(self.indication),
            "subindication": self.subindication,
            "code": self.code,
            "step": self.step if self.code else None,
            "message": dict(messages) if messages else None,
            "validation_time": self.validation_time.isoformat(),
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "signer": self.signer.to_json() if self.signer else None,
            "chain": list(self.chain),
            "checks": [c.to_json() for c in self.checks],
            "signers": [s.to_json() for s in self.signers],
        }


def conclude(
    checks: list[Check],
    validation_time: datetime,
    signer: SignerIdentity | None = None,
    signing_time: datetime | None = None,
    chain: tuple[str, ...] = (),
) -> Report:
    """The report of a list of checks: the first failed check, in order, decides the verdict."""
    decisive = None
    for check in checks:
        if check.status is Status.FAILED:
            decisive = check
            break
    return decided(tuple(checks), decisive, validation_time, signer, signing_time, chain)


def decided(
    checks: tuple[Check, ...],
    decisive: Check | None,
    validation_time: datetime,
    signer: SignerIdentity | None = None,
    signing_time: datetime | None = None,
    chain: tuple[str, ...] = (),
) -> Report:
    """The report of checks whose first failed one, `decisive` (None when all held), is known
    already: the warm path knows it without a scan."""
    if decisive is None:
        return Report(
            Indication.TOTAL_PASSED,
            None,
            None,
            validation_time,
            checks,
            signer,
            signing_time,
            chain,
        )
    assert decisive.code is not None
    indication, subindication = VERDICTS[decisive.code]
    return Report(
        indication,
        decisive.subindication or subindication,
        decisive.code,
        validation_time,
        checks,
        signer,
        signing_time,
        chain,
    )
