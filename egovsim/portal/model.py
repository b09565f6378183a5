"""Who acts on the portal: the applicant an authorized session stands for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ApplicantKind = Literal["individual", "legal_entity"]


@dataclass(frozen=True, slots=True)
class Applicant:
    """The account a session acts for (an individual by IIN, a legal entity by BIN) and the
    person acting: the individual, or the legal entity's employee named by the AUTH certificate
    that opened the session."""

    account_id: int
    kind: ApplicantKind
    iin: str | None  # the individual's IIN; None for a legal entity
    bin: str | None  # the legal entity's BIN; None for an individual
    name: str  # the individual's or the organization's name
    person_iin: str  # who acts: the individual, or the employee
    person_name: str
    role: str | None = None  # the employee's role OID name (first-head, signer, ...), if any

    @property
    def login(self) -> str:
        """The IIN or BIN the account logs in with."""
        return self.bin if self.kind == "legal_entity" and self.bin else self.iin or ""

    def to_json(self) -> dict[str, Any]:
        """The applicant as the API shows it."""
        return {
            "account_id": self.account_id,
            "kind": self.kind,
            "iin": self.iin,
            "bin": self.bin,
            "name": self.name,
            "person_iin": self.person_iin,
            "person_name": self.person_name,
            "role": self.role,
        }
