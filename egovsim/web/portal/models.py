"""The portal's applications as the API and the pages show them (P3-P9: the documents, the
signature, the timeline and the result), the cabinet's notices, the request e-document, and the
bodies the applicant sends."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from egovsim.errors import Language
from egovsim.portal.applications import ApplicationDetail
from egovsim.portal.edocument import DOCUMENT_TYPE
from egovsim.portal.model import ApplicantKind
from egovsim.regulations.model import Regulation
from egovsim.signatures.report import Indication
from egovsim.storage import portal as stored
from egovsim.storage.portal import Attachment
from egovsim.storage.portal_cabinet import Notification
from egovsim.web.common.models import ResponseModel, Time, Words
from egovsim.web.portal.report_models import PortalSigner, PortalSignerLine, signer_lines

#: Where an application's own addresses start.
BASE = "/api/v1/portal/applications"

#: What a portal application's status can be.
PORTAL_STATUSES = (
    "draft",
    "signed",
    "sent",
    "delivered",
    "not_delivered",
    "in_progress",
    "completed",
    "refused",
)
Status = Literal[
    "draft",
    "signed",
    "sent",
    "delivered",
    "not_delivered",
    "in_progress",
    "completed",
    "refused",
]
Sha256 = Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
#: An IIN's or a BIN's shape (the checksum is the domain's to check).
TwelveDigits = Annotated[str, Field(pattern=r"^\d{12}$")]


class NamedService(ResponseModel):
    """A service's id and its name in every language."""

    id: str
    name: Words


class PortalApplicationSummary(ResponseModel):
    """An application as the cabinet's list shows it."""

    id: int
    number: str
    service: NamedService
    variant: str | None
    status: Status
    created_at: Time
    updated_at: Time
    provider_number: str | None = Field(description="The provider's registration number.")
    provider_status: str | None

    @classmethod
    def of(
        cls, application: stored.PortalApplication, regulation: Regulation
    ) -> PortalApplicationSummary:
        """The summary of `application` of `regulation`'s service."""
        return cls.model_validate(_summary(application, regulation))


def _summary(application: stored.PortalApplication, regulation: Regulation) -> dict[str, Any]:
    return {
        "id": application.id,
        "number": application.number,
        "service": {"id": regulation.id, "name": regulation.name},
        "variant": application.variant,
        "status": application.status,
        "created_at": application.created_at,
        "updated_at": application.updated_at,
        "provider_number": application.provider_number,
        "provider_status": application.provider_status,
    }


class PortalApplicant(ResponseModel):
    """Who applies: a person or a company."""

    kind: ApplicantKind
    iin: TwelveDigits | None
    bin: TwelveDigits | None
    name: str


class PortalPerson(ResponseModel):
    """The person who acts: the applicant or the company's employee."""

    iin: str
    name: str


class PortalAttachment(ResponseModel):
    """An attached copy of a document."""

    file_name: str
    content_type: str
    size: int
    sha256: Sha256
    attached_at: Time
    href: str = Field(description="Where to download the copy.")


class PortalApplicationDocument(ResponseModel):
    """A document of the application's service and its attached copy."""

    id: str
    name: Words
    required: bool
    attachment: PortalAttachment | None


class PortalSignature(ResponseModel):
    """The applicant's signature over the request e-document (C2)."""

    signed_at: Time | None
    indication: Indication | None
    signer: PortalSigner | None
    signers: list[PortalSignerLine] = Field(
        description="Every signer of the CMS: the first head, then any co-signer."
    )


class PortalTimelineEntry(ResponseModel):
    """A step of the portal sequence and what happened at it."""

    step: str = Field(
        description="The step of the portal sequence.",
        examples=["P1", "C1", "P3", "C2", "P5", "P7", "C3", "P8", "P9"],
    )
    at: Time
    event: str = Field(examples=["signed_in", "signature_refused", "result"])
    code: str | None = Field(description="The refusal code, on a refusal.")
    details: dict[str, Any]


class PortalResult(ResponseModel):
    """The provider's signed result (P9)."""

    kind: str
    refusal: bool
    grounds: str | None
    number: str | None
    received_at: Time
    indication: Indication | None
    signer: PortalSigner | None
    signers: list[PortalSignerLine]
    cms: str = Field(description="Where to download the signed CMS.")
    document: str = Field(description="Where the signed document is.")


class PortalLinks(ResponseModel):
    """Where the applicant goes next."""

    document: str = Field(description="The e-document to sign (P4).")
    signature: str = Field(description="Where to send the CMS (C2, P6).")


class PortalApplication(PortalApplicationSummary):
    """An application with its documents, signature, timeline and result."""

    category: str
    applicant: PortalApplicant
    person: PortalPerson
    form: dict[str, Any] = Field(description="The service's form fields by id.")
    documents: list[PortalApplicationDocument]
    signature: PortalSignature | None
    message_id: str | None = Field(description="The gateway's messageId (P7).")
    sent_at: Time | None
    timeline: list[PortalTimelineEntry]
    result: PortalResult | None
    links: PortalLinks

    @classmethod
    def of_detail(cls, detail: ApplicationDetail) -> PortalApplication:
        """The application of `detail` as the API shows it."""
        # One validation of plain values builds the nested models in pydantic's core, several
        # times quicker than a constructor call per model (`bench/api_models.py`).
        return cls.model_validate(_values(detail))


def _values(detail: ApplicationDetail) -> dict[str, Any]:
    application, regulation, found = detail.application, detail.regulation, detail.result
    attached = {a.document_id: a for a in detail.attachments}
    verification = application.verification
    base = f"{BASE}/{application.id}"
    variant = application.variant
    return {
        **_summary(application, regulation),
        "category": application.category,
        "applicant": {
            "kind": application.applicant_kind,
            "iin": application.applicant_iin,
            "bin": application.applicant_bin,
            "name": application.applicant_name,
        },
        "person": {"iin": application.person_iin, "name": application.person_name},
        "form": application.form,
        "documents": [
            {
                "id": d.id,
                "name": d.name,
                "required": "*" in d.required_in
                or (variant is not None and variant in d.required_in),
                "attachment": _attachment(attached[d.id], base) if d.id in attached else None,
            }
            for d in regulation.documents_for(variant)
        ],
        "signature": None
        if verification is None
        else {
            "signed_at": application.signed_at,
            "indication": verification.get("indication"),
            "signer": verification.get("signer"),
            "signers": signer_lines(verification),
        },
        "message_id": application.message_id,
        "sent_at": application.sent_at,
        "timeline": [
            {
                "step": regulation.portal.show(e.step, e.event) or e.step,
                "at": e.at,
                "event": e.event,
                "code": e.code,
                "details": e.details,
            }
            for e in detail.timeline
        ],
        "result": None
        if found is None
        else {
            "kind": found.kind,
            "refusal": found.refusal,
            "grounds": found.grounds,
            "number": found.provider_number,
            "received_at": found.received_at,
            "indication": found.verification.get("indication"),
            "signer": found.verification.get("signer"),
            "signers": signer_lines(found.verification),
            "cms": f"{base}/result",
            "document": f"{base}/result/document",
        },
        "links": {"document": f"{base}/document", "signature": f"{base}/signature"},
    }


def _attachment(found: Attachment, base: str) -> dict[str, Any]:
    return {
        "file_name": found.file_name,
        "content_type": found.content_type,
        "size": found.size,
        "sha256": found.sha256,
        "attached_at": found.attached_at,
        "href": f"{base}/attachments/{found.document_id}",
    }


class PortalApplications(ResponseModel):
    """A page of the personal cabinet's applications, newest first, and the address of the
    next page (null on the last)."""

    applications: list[PortalApplicationSummary]
    next: str | None


class PortalNotification(ResponseModel):
    """A notice of the cabinet."""

    id: int
    application_id: int | None
    at: Time
    kind: str = Field(examples=["result", "collect", "notice"])
    text: dict[Language, str] = Field(description="The notice in the languages its sender gave.")
    details: dict[str, Any]

    @classmethod
    def of(cls, notice: Notification) -> PortalNotification:
        """`notice` as the cabinet shows it."""
        return cls(
            id=notice.id,
            application_id=notice.application_id,
            at=notice.at,
            kind=notice.kind,
            text=notice.text,  # type: ignore[arg-type]
            details=notice.details,
        )


class PortalNotifications(ResponseModel):
    """The personal cabinet's notices, newest first."""

    notifications: list[PortalNotification]


# -- documents the applicant signs and receives -------------------------------------------------


class PortalRequestAttachment(ResponseModel):
    """An attachment as the request e-document lists it."""

    document: str
    file_name: str
    content_type: str
    size: int
    sha256: Sha256


class PortalRequestDocument(ResponseModel):
    """The request e-document (P4): canonical JSON (UTF-8, keys sorted, no spaces). Sign its
    bytes as they are; do not parse and re-serialize them."""

    type: str = Field(json_schema_extra={"const": DOCUMENT_TYPE})
    number: str
    service: NamedService
    variant: str | None
    category: str
    applicant: PortalApplicant
    person: PortalPerson
    form: dict[str, Any]
    attachments: list[PortalRequestAttachment]
    frozen_at: Time


class PortalResultProvider(ResponseModel):
    """The provider that signed a result."""

    id: str
    bin: str
    name: Words


class PortalResultApplicant(ResponseModel):
    """Whom a result is for."""

    iin: TwelveDigits | None
    bin: TwelveDigits | None
    name: str


class PortalResultKind(ResponseModel):
    """What a result grants or refuses."""

    kind: str
    name: Words
    refusal: bool


class PortalResultDocument(ResponseModel):
    """The content of the provider's CMS. The built-in workstation signs an
    `egovsim.result.v1` document of this shape; an external provider system signs its own."""

    # An external provider's document may hold any of these, or none.
    model_config = ConfigDict(frozen=True, json_schema_serialization_defaults_required=False)

    type: str | None = Field(None, examples=["egovsim.result.v1"])
    application: str | None = None
    service: NamedService | None = None
    provider: PortalResultProvider | None = None
    applicant: PortalResultApplicant | None = None
    variant: str | None = None
    result: PortalResultKind | None = None
    grounds: str | None = None
    prepared_at: Time | None = None
