"""The portal's catalogue as the API and the pages show it: each service in the user's language
(basis, terms, documents per variant, who is eligible and whether the signed-in applicant is,
acceptance windows, fee, channels)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from egovsim.errors import Language
from egovsim.portal.model import Applicant, ApplicantKind
from egovsim.regulations.model import Channel, FieldType, Regulation, ResultForm
from egovsim.regulations.terms import required_in
from egovsim.web.common.models import Day, ResponseModel
from egovsim.web.portal.service_models import Duration
from egovsim.workstation.intake import acceptance_window

#: A day of the year, `MM-DD`.
MonthDay = str


class ServiceBasis(ResponseModel):
    """The legal act the service stands on."""

    authority: str
    resolution: str
    date: Day
    registration: str | None
    standard: str


class ServiceEffective(ResponseModel):
    """When the service's regulation is in force."""

    from_: Day = Field(serialization_alias="from")
    to: Day | None
    repealed_by: str | None
    in_force_today: bool


class ServiceCategory(ResponseModel):
    """A category of applicant the service is for."""

    id: str = Field(description="The applicant category (`category`).")
    kind: ApplicantKind
    name: str
    accepting_today: bool


class AcceptanceWindow(ResponseModel):
    """The days of the year some categories are accepted on."""

    from_: MonthDay = Field(serialization_alias="from", pattern=r"^\d\d-\d\d$")
    to: MonthDay = Field(pattern=r"^\d\d-\d\d$")
    categories: list[str]


class ServiceField(ResponseModel):
    """A field of the service's form."""

    id: str
    label: str
    type: FieldType
    required: bool
    required_in: list[str] = Field(description="The variants that need it too.")
    choices: list[str]


class ServiceDocument(ResponseModel):
    """A document to attach."""

    id: str
    name: str
    required: bool


class ServiceVariant(ResponseModel):
    """A variant of the service with its documents."""

    id: str
    name: str
    documents: list[ServiceDocument]


class ServiceTerm(ResponseModel):
    """A step of the provider's route and its term."""

    id: str
    role: str
    name: str
    duration: Duration
    by_variant: dict[str, Duration]


class ServiceResult(ResponseModel):
    """A result the service may end with."""

    id: str
    name: str
    refusal: bool


class ServiceFee(ResponseModel):
    """What the service costs."""

    amount_kzt: int
    note: str | None


class PortalService(ResponseModel):
    """One service as the portal's catalogue shows it, in one language."""

    id: str
    name: str
    provider: str
    basis: ServiceBasis
    effective: ServiceEffective
    channels: list[Channel]
    on_portal: bool
    eligibility: list[ServiceCategory]
    eligible: bool | None = Field(
        description="Whether the signed-in applicant may apply; null without a login."
    )
    acceptance_windows: list[AcceptanceWindow]
    form: list[ServiceField]
    variants: list[ServiceVariant]
    documents: dict[str, list[ServiceDocument]] = Field(
        description="The documents to attach, by variant id (`*` without variants)."
    )
    terms: list[ServiceTerm]
    refusal_term: Duration
    results: list[ServiceResult]
    result_forms: list[ResultForm]
    fee: ServiceFee

    @classmethod
    def of(
        cls, regulation: Regulation, lang: Language, today: date, applicant: Applicant | None
    ) -> PortalService:
        """`regulation` in `lang` on `today`, for `applicant` (None without a login)."""

        def documents(variant: str | None) -> list[ServiceDocument]:
            return [
                ServiceDocument(
                    id=d.id,
                    name=d.name[lang],
                    required="*" in d.required_in
                    or (variant is not None and variant in d.required_in),
                )
                for d in regulation.documents_for(variant)
            ]

        def window_open(category: str) -> bool:
            window = acceptance_window(regulation, category)
            if window is None:
                return True
            key = (today.month, today.day)
            start, end = window
            return start <= key <= end if start <= end else key >= start or key <= end

        basis, period, fee = regulation.basis, regulation.period, regulation.fee
        variants: list[str | None] = [v.id for v in regulation.variants] or [None]
        return cls(
            id=regulation.id,
            name=regulation.name[lang],
            provider=regulation.provider[lang],
            basis=ServiceBasis(
                authority=basis.authority[lang],
                resolution=basis.resolution_number,
                date=basis.resolution_date,
                registration=basis.registration,
                standard=basis.standard[lang],
            ),
            effective=ServiceEffective(
                from_=period.start,
                to=period.end,
                repealed_by=period.repealed_by[lang] if period.repealed_by else None,
                in_force_today=regulation.is_effective(today),
            ),
            channels=sorted(regulation.channels),
            on_portal="portal" in regulation.channels,
            eligibility=[
                ServiceCategory(
                    id=c.id, kind=c.kind, name=c.name[lang], accepting_today=window_open(c.id)
                )
                for c in regulation.applicants
            ],
            eligible=None
            if applicant is None
            else any(c.kind == applicant.kind for c in regulation.applicants),
            acceptance_windows=[
                AcceptanceWindow(
                    from_=f"{w.start[0]:02d}-{w.start[1]:02d}",
                    to=f"{w.end[0]:02d}-{w.end[1]:02d}",
                    categories=sorted(w.categories),
                )
                for w in regulation.windows
            ],
            form=[
                ServiceField(
                    id=f.id,
                    label=f.label[lang],
                    type=f.type,
                    required=f.required,
                    required_in=required_in(regulation, f.id),
                    choices=list(f.choices),
                )
                for f in regulation.form
            ],
            variants=[
                ServiceVariant(id=v.id, name=v.name[lang], documents=documents(v.id))
                for v in regulation.variants
            ],
            documents={variant or "*": documents(variant) for variant in variants},
            terms=[
                ServiceTerm(
                    id=s.id,
                    role=s.role,
                    name=s.name[lang],
                    duration=Duration.of(s.duration),
                    by_variant={k: Duration.of(v) for k, v in s.by_variant.items()},
                )
                for s in regulation.steps
            ],
            refusal_term=Duration.of(regulation.refusal.duration),
            results=[
                ServiceResult(id=r.id, name=r.name[lang], refusal=r.refusal)
                for r in regulation.results
            ],
            result_forms=sorted(regulation.result_forms),
            fee=ServiceFee(amount_kzt=fee.amount_kzt, note=fee.note[lang] if fee.note else None),
        )


class PortalCatalogue(ResponseModel):
    """The services on the portal, in one language."""

    language: Language
    services: list[PortalService]
