"""What a service regulation says, as plain frozen data (loaded from `services/*.yaml`).

Every field cites where it comes from in the seed (the `cite` strings: "Standard item 9",
"Regulation item 5.4"), so a trainer can point from the screen to the paper.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from egovsim.regulations.sequence import PortalSequence

Language = Literal["kk", "ru", "en"]
#: A text in the three languages of egovsim (every key present).
Text = Mapping[Language, str]

DurationUnit = Literal["minutes", "hours", "working_days", "calendar_days"]
Channel = Literal["portal", "provider_office", "state_corporation"]
ApplicantKind = Literal["individual", "legal_entity"]
#: The provider's staff roles of the seeds' chapter 2 (кеңсе, басшы, бөлім басшысы, орындаушы).
StaffRole = Literal["office", "head", "department_head", "executor"]
#: What a step of the route asks its role to do.
StepAction = Literal["register", "resolve", "assign", "check", "prepare", "sign", "hand_over"]
FieldType = Literal["text", "number", "date", "choice", "iin", "bin", "boolean"]
ResultForm = Literal["electronic", "paper"]
#: What a step's `counts_from` names when its term runs from the submission of the package.
SUBMISSION = "submission"


@dataclass(frozen=True, slots=True)
class Duration:
    """How long a step may take: 15 minutes, 2 hours, 1 working day, 16 calendar days."""

    amount: int
    unit: DurationUnit


@dataclass(frozen=True, slots=True)
class LegalBasis:
    """Who approved the regulation, by which resolution, on which standard."""

    authority: Text  # the akimat
    resolution_number: str
    resolution_date: date
    registration: str | None  # the justice department's registration number, when given
    standard: Text  # the service standard the regulation rests on
    seed: str  # the seed file it was encoded from


@dataclass(frozen=True, slots=True)
class EffectivePeriod:
    """When the regulation applies; a repealed one keeps its end and the repealing act."""

    start: date
    end: date | None
    repealed_by: Text | None = None


@dataclass(frozen=True, slots=True)
class ApplicantCategory:
    """Who may apply: the seeds' applicant types and special categories (the system operator)."""

    id: str
    kind: ApplicantKind
    name: Text
    cite: str


@dataclass(frozen=True, slots=True)
class AcceptanceWindow:
    """A yearly window, both ends inclusive, (month, day); for some categories or for all."""

    start: tuple[int, int]
    end: tuple[int, int]
    categories: frozenset[str]  # empty: every category without a window of its own
    cite: str


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of the request form."""

    id: str
    label: Text
    type: FieldType
    required: bool
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Variant:
    """A variant of the service (the Almaty seed's conditions 1-3) with its own documents and
    its own term for the executor's step."""

    id: str
    name: Text
    cite: str


@dataclass(frozen=True, slots=True)
class RequiredDocument:
    """A document of the Standard's item 9: required in some variants, optional in others."""

    id: str
    name: Text
    required_in: frozenset[str]  # variant ids ("*" for every variant)
    optional_in: frozenset[str]
    cite: str


@dataclass(frozen=True, slots=True)
class ResultKind:
    """What the service can end in (a passport, a licence, a reasoned refusal)."""

    id: str
    name: Text
    refusal: bool
    variants: frozenset[str]  # the variants it ends; empty: any


@dataclass(frozen=True, slots=True)
class Fee:
    """What the service costs (0: free of charge)."""

    amount_kzt: int
    note: Text | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the route: a role, an action, a term (per variant where the seed says so)."""

    id: str
    role: StaffRole
    action: StepAction
    name: Text
    duration: Duration
    by_variant: Mapping[str, Duration]  # variant id -> its own term (empty: `duration`)
    cite: str
    #: variant id -> where the term counts from: a date field of the form (the Almaty seed's
    #: condition 1: "8 working days from the passed exam") or `SUBMISSION` (conditions 2 and 3:
    #: "from the submission of the package"); otherwise from the step's start.
    counts_from: Mapping[str, str] = field(default_factory=dict)
    #: The channels the step applies to (empty: every channel). The Almaty seed's item 8.2: a
    #: portal application goes to the specialist without the head's resolution.
    channels: frozenset[str] = frozenset()

    def term(self, variant: str | None) -> Duration:
        """The term of this step for a variant."""
        if variant is not None and variant in self.by_variant:
            return self.by_variant[variant]
        return self.duration

    def applies_to(self, channel: str) -> bool:
        """Whether an application that came through `channel` takes this step."""
        return not self.channels or channel in self.channels


@dataclass(frozen=True, slots=True)
class RefusalBranch:
    """The reasoned refusal (P8): which step prepares it, in what term, and where the route
    goes on from (the head signs the refusal like a result)."""

    at_step: str
    duration: Duration
    resumes_at: str
    result: str  # the refusal ResultKind id
    cite: str


@dataclass(frozen=True, slots=True)
class Regulation:
    """One state service's regulation and standard, as egovsim runs it."""

    id: str
    name: Text
    basis: LegalBasis
    period: EffectivePeriod
    provider: Text  # the provider the seed names
    applicants: tuple[ApplicantCategory, ...]
    channels: frozenset[Channel]
    windows: tuple[AcceptanceWindow, ...]
    form: tuple[FormField, ...]
    variants: tuple[Variant, ...]
    documents: tuple[RequiredDocument, ...]
    results: tuple[ResultKind, ...]
    result_forms: frozenset[ResultForm]
    fee: Fee
    steps: tuple[Step, ...]
    refusal: RefusalBranch
    portal: PortalSequence  # the portal sequence as this regulation numbers it
    source: Path

    def step(self, step_id: str) -> Step:
        """A step by id; KeyError when the route has none."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def route_for(self, channel: str) -> tuple[Step, ...]:
        """The route's steps an application that came through `channel` takes, in order."""
        return tuple(step for step in self.steps if step.applies_to(channel))

    def documents_for(self, variant: str | None) -> tuple[RequiredDocument, ...]:
        """The documents of item 9 that a variant asks for (required or optional)."""

        def applies(ids: frozenset[str]) -> bool:
            return "*" in ids or (variant is not None and variant in ids)

        return tuple(d for d in self.documents if applies(d.required_in) or applies(d.optional_in))

    def is_effective(self, day: date) -> bool:
        """Whether the regulation applies on `day`."""
        return self.period.start <= day and (self.period.end is None or day <= self.period.end)
