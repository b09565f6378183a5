"""The plain dataclasses repositories return: the domain never sees a cursor or a row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Provider:
    """A state body that provides services (a local executive body's department)."""

    id: str
    bin: str
    name: dict[str, str]
    region: str
    services: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StaffMember:
    """One login of a provider's staff, with the role it acts in."""

    id: int
    provider_id: str
    login: str
    password_hash: str
    role: str
    name: str
    iin: str
    keystore: str | None = None
    keystore_password: str | None = None


@dataclass(frozen=True, slots=True)
class Application:
    """An application as the provider holds it."""

    id: int
    number: str
    provider_id: str
    regulation_id: str
    variant: str | None
    channel: str
    category: str
    applicant_iin: str | None
    applicant_bin: str | None
    applicant_name: str
    form: dict[str, Any]
    documents: list[str]
    received_at: datetime
    status: str
    current_seq: int | None
    #: The open step's deadline (ISO, UTC), the inbox's order.
    current_deadline: str | None = None


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One step of an application's route, as it ran or runs."""

    application_id: int
    seq: int
    step_id: str
    role: str
    action: str
    started_at: datetime
    deadline: datetime
    finished_at: datetime | None = None
    finished_by: int | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """An entry of the application's history: who did what, when, through which channel."""

    id: int
    application_id: int
    at: datetime
    actor: str
    role: str | None
    action: str
    step_id: str | None
    channel: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DocumentCheck:
    """The C3 verdict on one document of item 9."""

    document_id: str
    verdict: str
    note: str
    checked_at: datetime
    checked_by: int


@dataclass(frozen=True, slots=True)
class ResultRecord:
    """The result (or reasoned refusal) of an application, and its signature once signed."""

    application_id: int
    kind: str
    refusal: bool
    grounds: str
    document: dict[str, Any]
    prepared_at: datetime
    prepared_by: int
    signature: bytes | None = None
    signed_at: datetime | None = None
    signed_by: int | None = None
    verification: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ClockState:
    """The simulator's clock as it was last set."""

    frozen_at: datetime | None
    offset_seconds: float
