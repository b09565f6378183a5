"""The State Corporation's front office as its API shows it (`Statecorp...`: the operator, the
checklist, the package with its receipt and timeline), the bodies the counter takes, and the
operator's bearer token as a security scheme. `statecorp_api` reads and answers with them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, WithJsonSchema

from egovsim.errors import refusal
from egovsim.statecorp.centres import centre
from egovsim.statecorp.packages import PackageView
from egovsim.storage.statecorp import Operator
from egovsim.web.common.models import (
    Day,
    Identifier,
    Refusal,
    RequestModel,
    ResponseModel,
    Schema,
    Time,
    Words,
    absent,
)
from egovsim.web.common.openapi import security_scheme

#: A package's states, in the order a counter package goes through them.
STATUSES = (
    "at_counter",
    "refused",
    "accepted",
    "forwarded",
    "at_centre",
    "handed_out",
    "returned",
    "requested_again",
)
Status = Literal[
    "at_counter",
    "refused",
    "accepted",
    "forwarded",
    "at_centre",
    "handed_out",
    "returned",
    "requested_again",
]
#: What `POST .../packages/{package}/actions/{action}` can do.
ACTIONS = ("check", "forward", "serve", "hand_out", "request_again")
#: An IIN's shape (the checksum is the domain's to check).
Iin = Annotated[str, Field(pattern=r"^\d{12}$")]

OPERATOR_TOKEN = "operatorToken"
security_scheme(
    OPERATOR_TOKEN,
    {
        "type": "http",
        "scheme": "bearer",
        "description": "The `token` of `POST /api/v1/statecorp/session` as a Bearer token, or "
        "the `egovsim_statecorp` cookie that answer sets; without it the answer is 401 "
        "OPERATOR_NOT_SIGNED_IN.",
    },
)
#: What a route behind the operator's login declares as its `security`.
OPERATOR = (OPERATOR_TOKEN,)


class StatecorpCentre(ResponseModel):
    """A service centre: where it is and when it works."""

    id: str
    name: Words
    address: Words
    hours: Words


class StatecorpOperator(ResponseModel):
    """An operator of a centre (never the password hash)."""

    login: str
    name: str
    centre: StatecorpCentre

    @classmethod
    def of(cls, operator: Operator) -> StatecorpOperator:
        """`operator` as the API shows it."""
        spec = centre(operator.centre_id)
        where = {"id": spec.id, "name": spec.name, "address": spec.address, "hours": spec.hours}
        return cls.model_validate({"login": operator.login, "name": operator.name, "centre": where})


class StatecorpSignIn(RequestModel):
    """An operator's login and password (anything else is a failed login)."""

    login: Annotated[str, Refusal("OPERATOR_LOGIN_FAILED")] = ""
    password: Annotated[str, Refusal("OPERATOR_LOGIN_FAILED")] = ""


class StatecorpSignedIn(ResponseModel):
    """The session's token (the cookie is set too) and who signed in."""

    token: str = Field(description="Send it as `Authorization: Bearer ...`.")
    operator: StatecorpOperator


class StatecorpSignedOut(ResponseModel):
    """The session is over."""

    signed_out: Literal[True] = True


class StatecorpChecklistItem(ResponseModel):
    """A document of item 9 and whether it is required."""

    document: str
    name: Words
    required: bool


class StatecorpChecklist(ResponseModel):
    """Item 9's documents for a service and variant."""

    documents: list[StatecorpChecklistItem]


class StatecorpPackageDocument(ResponseModel):
    """One document of item 9's checklist and whether the applicant presented it."""

    document: str
    required: bool
    presented: bool


class StatecorpReceipt(ResponseModel):
    """The receipt of acceptance, or the refusal receipt (Annex 3) listing the missing
    documents."""

    # The refusal's own fields are left out of an acceptance.
    model_config = ConfigDict(frozen=True, json_schema_serialization_defaults_required=False)

    kind: Literal["acceptance", "refusal"]
    number: str
    date: Time | None
    documents: list[str]
    ready_by: Day | None
    code: Literal["PACKAGE_INCOMPLETE"] | None = Field(None, exclude_if=absent)
    step: str | None = Field(None, exclude_if=absent)
    message: Words | None = Field(None, exclude_if=absent)
    missing: list[str] | None = Field(None, exclude_if=absent)


class StatecorpStep(ResponseModel):
    """A step of the package on the centre's side."""

    # The steps are the centre's to name (an arrival, an acceptance...): shown as they are.
    step: str = Field(examples=["accept", "forward", "provider", "arrival", "storage", "hand_out"])
    started_at: Time
    deadline: Time
    finished_at: Time | None
    outcome: str | None
    actor: str | None
    details: dict[str, Any]
    overdue: bool


class StatecorpApplicant(ResponseModel):
    """The applicant at the counter."""

    iin: Iin
    name: str


class StatecorpPackage(ResponseModel):
    """A package with its checklist, its receipt and its timeline on the centre's side."""

    id: int
    kind: Literal["counter", "collection"]
    number: str | None
    status: Status
    service: str
    variant: str | None
    applicant: StatecorpApplicant
    form: dict[str, Any]
    operator: str
    centre: str
    opened_at: Time
    checklist: list[StatecorpPackageDocument]
    receipt: StatecorpReceipt | None
    request_message_id: str | None
    portal_request_id: str | None
    provider_number: str | None
    result: dict[str, Any] | None = Field(
        description="The provider's result as it arrived at the centre."
    )
    arrived_at: Time | None
    kept_until: Time | None
    handout: dict[str, Any] | None = Field(
        description="To whom the result was handed out, on which document."
    )
    timeline: list[StatecorpStep]

    @classmethod
    def of(cls, view: PackageView) -> StatecorpPackage:
        """The package of `view` as the API shows it."""
        return cls.model_validate(_values(view))


def _receipt(view: PackageView) -> dict[str, Any] | None:
    package = view.package
    # A result sent for collection was never taken at the counter: it has no receipt.
    if package.kind != "counter" or package.status == "at_counter" or not package.number:
        return None
    refused = package.status == "refused"
    receipt: dict[str, Any] = {
        "kind": "refusal" if refused else "acceptance",
        "number": package.number,
        "date": package.decided_at,
        "documents": [i["document"] for i in package.checklist if i["presented"]],
        "ready_by": package.ready_by,
    }
    if refused:
        entry = refusal("PACKAGE_INCOMPLETE")
        receipt |= {
            "code": entry.code,
            "step": entry.step,
            "message": entry.messages,
            "missing": view.missing,
        }
    return receipt


def _values(view: PackageView) -> dict[str, Any]:
    package = view.package
    return {
        "id": package.id,
        "kind": package.kind,
        "number": package.number,
        "status": package.status,
        "service": package.regulation_id,
        "variant": package.variant,
        "applicant": {"iin": package.applicant_iin, "name": package.applicant_name},
        "form": package.form,
        "operator": package.operator_login,
        "centre": package.centre_id,
        "opened_at": package.opened_at,
        "checklist": package.checklist,
        "receipt": _receipt(view),
        "request_message_id": package.request_message_id,
        "portal_request_id": package.portal_request_id,
        "provider_number": package.provider_number,
        "result": package.result,
        "arrived_at": package.arrived_at,
        "kept_until": package.kept_until,
        "handout": package.handout,
        "timeline": [
            {
                "step": s.record.step,
                "started_at": s.record.started_at,
                "deadline": s.record.deadline,
                "finished_at": s.record.finished_at,
                "outcome": s.record.outcome,
                "actor": s.record.actor,
                "details": s.record.details,
                "overdue": s.overdue,
            }
            for s in view.steps
        ],
    }


class StatecorpPackages(ResponseModel):
    """A page of packages and the address of the next one (null on the last)."""

    packages: list[StatecorpPackage]
    next: str | None


class StatecorpReturned(ResponseModel):
    """The packages sent back to the provider's storage."""

    returned: list[StatecorpPackage]


# -- what the counter takes -----------------------------------------------------------------------


class StatecorpApplicantIn(RequestModel):
    """Who stands at the counter: an IIN (checked by the counter) and a name."""

    iin: Annotated[str, Refusal("APPLICANT_ID_INVALID")] = ""
    name: str = ""


class StatecorpNewPackage(RequestModel):
    """An applicant at the counter and the service's form."""

    refusal = "FORM_INVALID"

    service: Annotated[str, Refusal("SERVICE_NOT_PROVIDED")] = ""
    variant: str | None = None
    applicant: StatecorpApplicantIn | None = None
    form: dict[str, Any] | None = None


class StatecorpRepresentative(RequestModel):
    """Who collects a result on a power of attorney: the name and the IIN."""

    refusal = "HANDOUT_DOCUMENT_INVALID"

    name: str | None = None
    iin: Identifier | None = None


class StatecorpAction(RequestModel):
    """`check`: `{"documents": [ids presented]}`; `hand_out`: `{"document", "document_number",
    "representative", "notarized"}`; the other actions take no body."""

    refusal = "FORM_INVALID"
    # hand_out reads its own fields (the handout's codes), so they are kept as sent.
    model_config = ConfigDict(frozen=True, strict=True, extra="allow")

    documents: list[str] = Field(default_factory=list)
    # Read by the handout itself, with its codes: the model keeps them as they were sent.
    document: Annotated[Any, WithJsonSchema({"type": "string"})] = None
    document_number: Annotated[Any, WithJsonSchema({"type": "string"})] = None
    representative: StatecorpRepresentative | None = None
    notarized: Annotated[Any, WithJsonSchema({"type": "boolean"})] = None


SERVICE_QUERY: Mapping[str, Schema] = {
    "service": {"type": "string", "description": "The service's id."},
    "variant": {"type": "string", "description": "The service's variant, if it has variants."},
}
PACKAGES_QUERY: Mapping[str, Schema] = {
    "status": {"enum": list(STATUSES), "description": "Only the packages in that state."},
    "limit": {"type": "string", "pattern": r"^\d+$", "description": "1 to 200, default 50."},
    "after": {"type": "string", "description": "The cursor of the previous page's `next`."},
    "q": {
        "type": "string",
        "description": "An applicant's IIN, a receipt's or the provider's application number.",
    },
}
BY_PACKAGE: Mapping[str, Schema] = {
    "package": {"type": "integer", "description": "The package's id."}
}
BY_ACTION: Mapping[str, Schema] = {
    **BY_PACKAGE,
    "action": {"enum": list(ACTIONS), "description": "What the operator does."},
}
