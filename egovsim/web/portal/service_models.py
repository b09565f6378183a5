"""The service catalogue as `/api/v1/services` shows it: each regulation with its basis, terms,
documents, route and the portal sequence as the regulation numbers it (in every language)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from egovsim.regulations import model as regulations
from egovsim.regulations.model import ApplicantKind, Channel, FieldType, ResultForm
from egovsim.regulations.terms import required_in
from egovsim.web.common.models import Day, ResponseModel, Words

#: A day of the year, `MM-DD`.
MONTH_DAY = r"^\d\d-\d\d$"


class Duration(ResponseModel):
    """A term of a regulation: an amount of a unit."""

    amount: int
    unit: Literal["minutes", "hours", "working_days", "calendar_days"]

    @classmethod
    def of(cls, duration: regulations.Duration) -> Duration:
        """The term of `duration`."""
        return cls(amount=duration.amount, unit=duration.unit)


class ServiceLegalBasis(ResponseModel):
    """The legal act the service stands on."""

    authority: Words
    resolution: str
    date: Day
    registration: str | None
    standard: Words


class ServicePeriod(ResponseModel):
    """When the regulation is in force."""

    from_: Day = Field(serialization_alias="from")
    to: Day | None
    repealed_by: Words | None
    in_force_today: bool


class ServiceApplicant(ResponseModel):
    """A category of applicant."""

    id: str
    kind: ApplicantKind
    name: Words


class ServiceWindow(ResponseModel):
    """The days of the year some categories are accepted on."""

    from_: str = Field(serialization_alias="from", pattern=MONTH_DAY)
    to: str = Field(pattern=MONTH_DAY)
    categories: list[str]
    cite: str


class ServiceVariantCited(ResponseModel):
    """A variant of the service."""

    id: str
    name: Words
    cite: str


class ServiceFormField(ResponseModel):
    """A field of the service's form."""

    id: str
    label: Words
    type: FieldType
    required: bool
    required_in: list[str]
    choices: list[str]


class ServiceRequiredDocument(ResponseModel):
    """A document of item 9 and the variants that need it."""

    id: str
    name: Words
    required_in: list[str]
    optional_in: list[str]
    cite: str


class ServiceResultKind(ResponseModel):
    """A result the service may end with."""

    id: str
    name: Words
    refusal: bool
    variants: list[str]


class ServiceFeeWords(ResponseModel):
    """What the service costs."""

    amount_kzt: int
    note: Words | None


class ServiceRouteStep(ResponseModel):
    """A step of the provider's route and its term."""

    id: str
    role: str
    action: str
    name: Words
    duration: Duration
    by_variant: dict[str, Duration]
    cite: str


class ServiceSequenceEntry(ResponseModel):
    """An entry of the portal sequence as the regulation numbers it."""

    id: str = Field(examples=["P4", "C2"])
    kind: Literal["process", "condition"]
    stages: list[str]
    name: Words
    cite: str


class ServiceRefusal(ResponseModel):
    """The reasoned refusal (P8): where it is prepared, in what term, where the route goes on."""

    at_step: str
    duration: Duration
    resumes_at: str | None
    result: str
    cite: str


class Service(ResponseModel):
    """A regulation as the catalogue shows it."""

    id: str
    name: Words
    provider: Words
    basis: ServiceLegalBasis
    effective: ServicePeriod
    applicants: list[ServiceApplicant]
    channels: list[Channel]
    acceptance_windows: list[ServiceWindow]
    variants: list[ServiceVariantCited]
    form: list[ServiceFormField]
    documents: list[ServiceRequiredDocument]
    results: list[ServiceResultKind]
    result_forms: list[ResultForm]
    fee: ServiceFeeWords
    route: list[ServiceRouteStep]
    sequence: list[ServiceSequenceEntry]
    refusal: ServiceRefusal

    @classmethod
    def of(cls, regulation: regulations.Regulation, on_day: date) -> Service:
        """`regulation` as the catalogue shows it on `on_day`."""
        return cls.model_validate(_values(regulation, on_day))


class ServiceList(ResponseModel):
    """Every service egovsim runs."""

    services: list[Service]


def _term(duration: regulations.Duration) -> dict[str, Any]:
    return {"amount": duration.amount, "unit": duration.unit}


def _values(regulation: regulations.Regulation, on_day: date) -> dict[str, Any]:
    basis, period, refusal = regulation.basis, regulation.period, regulation.refusal
    return {
        "id": regulation.id,
        "name": regulation.name,
        "provider": regulation.provider,
        "basis": {
            "authority": basis.authority,
            "resolution": basis.resolution_number,
            "date": basis.resolution_date,
            "registration": basis.registration,
            "standard": basis.standard,
        },
        "effective": {
            "from_": period.start,
            "to": period.end,
            "repealed_by": period.repealed_by,
            "in_force_today": regulation.is_effective(on_day),
        },
        "applicants": [{"id": a.id, "kind": a.kind, "name": a.name} for a in regulation.applicants],
        "channels": sorted(regulation.channels),
        "acceptance_windows": [
            {
                "from_": f"{w.start[0]:02d}-{w.start[1]:02d}",
                "to": f"{w.end[0]:02d}-{w.end[1]:02d}",
                "categories": sorted(w.categories),
                "cite": w.cite,
            }
            for w in regulation.windows
        ],
        "variants": [{"id": v.id, "name": v.name, "cite": v.cite} for v in regulation.variants],
        "form": [
            {
                "id": f.id,
                "label": f.label,
                "type": f.type,
                "required": f.required,
                "required_in": required_in(regulation, f.id),
                "choices": list(f.choices),
            }
            for f in regulation.form
        ],
        "documents": [
            {
                "id": d.id,
                "name": d.name,
                "required_in": sorted(d.required_in),
                "optional_in": sorted(d.optional_in),
                "cite": d.cite,
            }
            for d in regulation.documents
        ],
        "results": [
            {"id": r.id, "name": r.name, "refusal": r.refusal, "variants": sorted(r.variants)}
            for r in regulation.results
        ],
        "result_forms": sorted(regulation.result_forms),
        "fee": {"amount_kzt": regulation.fee.amount_kzt, "note": regulation.fee.note},
        "route": [
            {
                "id": s.id,
                "role": s.role,
                "action": s.action,
                "name": s.name,
                "duration": _term(s.duration),
                "by_variant": {k: _term(v) for k, v in s.by_variant.items()},
                "cite": s.cite,
            }
            for s in regulation.steps
        ],
        "sequence": [
            {"id": e.id, "kind": e.kind, "stages": list(e.stages), "name": e.name, "cite": e.cite}
            for e in regulation.portal.entries
        ],
        "refusal": {
            "at_step": refusal.at_step,
            "duration": _term(refusal.duration),
            "resumes_at": refusal.resumes_at,
            "result": refusal.result,
            "cite": refusal.cite,
        },
    }
