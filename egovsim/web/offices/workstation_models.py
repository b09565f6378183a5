"""The provider's workstation as its API shows it: the staff member, an application with its
route, checks, attachments, history and result, a page of applications, and the sign-in body."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import Field

from egovsim.regulations.model import Channel
from egovsim.storage.records import StaffMember
from egovsim.web.common.models import Refusal, RequestModel, ResponseModel, Time, Words
from egovsim.web.common.openapi import security_scheme
from egovsim.workstation.attachments import OPEN_ACTION, attachment_refs
from egovsim.workstation.views import ApplicationView, StepView

#: Where the workstation's applications are.
BASE = "/api/v1/workstation/applications"
Verdict = Literal["compliant", "missing", "non_compliant"]

security_scheme(
    "staffToken",
    {
        "type": "http",
        "scheme": "bearer",
        "description": "The token of `POST /api/v1/workstation/session`.",
    },
)
security_scheme(
    "staffCookie",
    {
        "type": "apiKey",
        "in": "cookie",
        "name": "egovsim_staff",
        "description": "The session cookie the workstation's sign-in sets.",
    },
)
#: What a route of the workstation declares as its `security`.
STAFF_SECURITY = ("staffToken", "staffCookie")


class WorkstationStaff(ResponseModel):
    """A staff member (never the password hash or keystore)."""

    login: str
    role: str = Field(examples=["office", "head", "department_head", "executor"])
    name: str
    provider: str
    can_sign: bool

    @classmethod
    def of(cls, member: StaffMember) -> WorkstationStaff:
        """`member` as the API shows it."""
        return cls(
            login=member.login,
            role=member.role,
            name=member.name,
            provider=member.provider_id,
            can_sign=bool(member.keystore),
        )


class WorkstationSignIn(RequestModel):
    """A staff member's login and password (anything else is a failed login)."""

    login: Annotated[str, Refusal("STAFF_LOGIN_FAILED")] = ""
    password: Annotated[str, Refusal("STAFF_LOGIN_FAILED")] = ""


class WorkstationSignedIn(ResponseModel):
    """The session's token for scripts (the cookie is set too) and who signed in."""

    token: str
    staff: WorkstationStaff


class WorkstationApplicant(ResponseModel):
    """Who applied."""

    iin: str | None
    bin: str | None
    name: str


class WorkstationStep(ResponseModel):
    """A step of the provider's route, open or done."""

    seq: int
    id: str
    role: str
    action: str
    name: Words
    started_at: Time
    deadline: Time
    refusal_deadline: Time | None
    finished_at: Time | None
    outcome: str | None
    overdue: bool


class WorkstationCheck(ResponseModel):
    """The verdict on one document (C3)."""

    document: str
    verdict: Verdict
    note: str
    checked_at: Time


class WorkstationResult(ResponseModel):
    """The result prepared, and whether it is signed."""

    kind: str
    refusal: bool
    grounds: str | None
    document: dict[str, Any]
    signed: bool
    signed_at: Time | None


class WorkstationAttachment(ResponseModel):
    """An electronic copy a portal REQUEST named, and who opened it."""

    document: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    opened_by: list[str]
    href: str


class WorkstationEvent(ResponseModel):
    """An entry of the application's history."""

    at: Time
    actor: str
    role: str | None
    action: str
    step: str | None
    channel: str | None
    details: dict[str, Any]


class WorkstationApplication(ResponseModel):
    """An application with its route, history, checks and result."""

    id: int
    number: str
    service: str
    variant: str | None
    channel: Channel
    category: str
    applicant: WorkstationApplicant
    form: dict[str, Any]
    documents: list[str]
    received_at: Time
    status: Literal["in_progress", "completed", "refused"]
    current_step: str | None
    steps: list[WorkstationStep]
    checks: list[WorkstationCheck]
    result: WorkstationResult | None
    attachments: list[WorkstationAttachment] = Field(
        description="The electronic copies a portal REQUEST named (none on paper); `href` "
        "fetches one from the portal and records the opening."
    )
    history: list[WorkstationEvent]

    @classmethod
    def of(cls, view: ApplicationView) -> WorkstationApplication:
        """The application of `view` as the API shows it."""
        return cls.model_validate(_values(view))


def _values(view: ApplicationView) -> dict[str, Any]:
    application, current, result = view.application, view.current, view.result
    return {
        "id": application.id,
        "number": application.number,
        "service": application.regulation_id,
        "variant": application.variant,
        "channel": application.channel,
        "category": application.category,
        "applicant": {
            "iin": application.applicant_iin,
            "bin": application.applicant_bin,
            "name": application.applicant_name,
        },
        "form": application.form,
        "documents": application.documents,
        "received_at": application.received_at,
        "status": application.status,
        "current_step": current.record.step_id if current else None,
        "steps": [_step(s) for s in view.steps],
        "checks": [
            {
                "document": c.document_id,
                "verdict": c.verdict,
                "note": c.note,
                "checked_at": c.checked_at,
            }
            for c in view.checks
        ],
        "result": None
        if result is None
        else {
            "kind": result.kind,
            "refusal": result.refusal,
            "grounds": result.grounds or None,
            "document": result.document,
            "signed": result.signature is not None,
            "signed_at": result.signed_at,
        },
        "attachments": [
            {
                **{k: ref[k] for k in ("document", "file_name", "content_type", "size", "sha256")},
                "opened_by": sorted(
                    {
                        t.actor
                        for t in view.transitions
                        if t.action == OPEN_ACTION and t.details.get("document") == document
                    }
                ),
                "href": f"{BASE}/{application.id}/attachments/{quote(document)}",
            }
            for document, ref in attachment_refs(view.transitions).items()
        ],
        "history": [
            {
                "at": t.at,
                "actor": t.actor,
                "role": t.role,
                "action": t.action,
                "step": t.step_id,
                "channel": t.channel,
                "details": t.details,
            }
            for t in view.transitions
        ],
    }


class WorkstationListEntry(ResponseModel):
    """An application as a list shows it: who applied for what, its status, and its open step
    with the deadline (its route, form, checks, result, attachments and history are at `href`,
    the whole application)."""

    id: int
    number: str
    service: str
    variant: str | None
    channel: Channel
    category: str
    applicant: WorkstationApplicant
    received_at: Time
    status: Literal["in_progress", "completed", "refused"]
    current_step: str | None
    step: WorkstationStep | None = Field(description="The open step (null once it is over).")
    href: str


class WorkstationPage(ResponseModel):
    """A page of applications and the address of the next one (null on the last)."""

    applications: list[WorkstationListEntry]
    next: str | None

    @classmethod
    def of(cls, views: list[ApplicationView], following: str | None) -> WorkstationPage:
        """A page of `views` (each with its open step), validated once as a whole."""
        rows = [_entry(view) for view in views]
        return cls.model_validate({"applications": rows, "next": following})


def _entry(view: ApplicationView) -> dict[str, Any]:
    application, current = view.application, view.current
    return {
        "id": application.id,
        "number": application.number,
        "service": application.regulation_id,
        "variant": application.variant,
        "channel": application.channel,
        "category": application.category,
        "applicant": {
            "iin": application.applicant_iin,
            "bin": application.applicant_bin,
            "name": application.applicant_name,
        },
        "received_at": application.received_at,
        "status": application.status,
        "current_step": current.record.step_id if current else None,
        "step": _step(current) if current else None,
        "href": f"{BASE}/{application.id}",
    }


def _step(step: StepView) -> dict[str, Any]:
    record = step.record
    return {
        "seq": record.seq,
        "id": record.step_id,
        "role": record.role,
        "action": record.action,
        "name": step.name,
        "started_at": record.started_at,
        "deadline": record.deadline,
        "refusal_deadline": step.refusal_deadline,
        "finished_at": record.finished_at,
        "outcome": record.outcome,
        "overdue": step.overdue,
    }


class WorkstationResultFiles(ResponseModel):
    """The result e-document, its CMS and the verifier's report."""

    document: dict[str, Any]
    cms: str | None = Field(json_schema_extra={"contentEncoding": "base64"})
    verification: dict[str, Any] | None


class SignedOut(ResponseModel):
    """The session is over."""

    signed_out: Literal[True] = True
