"""What the workstation's API takes: the two bodies the office sends (a paper application at the
counter, a step action's parameters), each field refused with the code the workstation has for
it, and the path and query parameters (read by `path_id` and `ListRequest.from_query`)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field

from egovsim.web.common.models import Identifier, Refusal, RequestModel, Schema
from egovsim.web.offices.workstation_models import Verdict
from egovsim.workstation.intake import Submission

APPLICATION_ID: dict[str, Schema] = {
    "application_id": {"type": "string", "pattern": r"^\d+$", "description": "The `id`."}
}
_LIMIT: Schema = {
    "type": "string",
    "pattern": r"^\d+$",
    "description": "How many on a page, 1 to 200 (default 50).",
}
_AFTER: Schema = {
    "type": "string",
    "description": "The opaque cursor of the page's start, from the previous page's `next`.",
}
INBOX_QUERY: dict[str, Schema] = {
    "limit": _LIMIT,
    "after": _AFTER,
    "step": {"type": "string", "description": "Only applications at this step id."},
    "overdue": {
        "type": "string",
        "enum": ["true", "false"],
        "description": "Only those past their open step's deadline.",
    },
}
LIST_QUERY: dict[str, Schema] = {
    "limit": _LIMIT,
    "after": _AFTER,
    "status": {"type": "string", "enum": ["in_progress", "completed", "refused"]},
}


class WorkstationPaperApplicant(RequestModel):
    """Who applies at the counter: a person by IIN, or a legal entity by BIN, and the name."""

    iin: Identifier | None = None
    bin: Identifier | None = None
    name: Identifier | None = None


class WorkstationPaperApplication(RequestModel):
    """A paper application received at the counter (P3): the service, the applicant's category
    and identity, the form's fields and the documents handed in. The shape is refused
    FORM_INVALID, the channel CHANNEL_NOT_ALLOWED; what the regulation asks of the values has
    the workstation's codes (SERVICE_NOT_PROVIDED, APPLICANT_NOT_ELIGIBLE, UNKNOWN_VARIANT...)."""

    refusal: ClassVar[str] = "FORM_INVALID"

    service: Annotated[str, Refusal("SERVICE_NOT_PROVIDED")] = Field(
        description="A service id the provider gives."
    )
    category: Identifier | None = Field(None, description="One of the service's applicant ids.")
    channel: Annotated[
        Literal["provider_office", "state_corporation"], Refusal("CHANNEL_NOT_ALLOWED")
    ] = Field(
        "provider_office",
        description="The office's own counter, or a package the State Corporation brought.",
    )
    variant: Identifier | None = Field(None, description="One of the service's variants.")
    applicant: WorkstationPaperApplicant | None = None
    form: dict[str, Any] | None = Field(None, description="The service's form fields by id.")
    documents: list[str] | None = Field(None, description="The document ids handed in.")

    def submission(self) -> Submission:
        """The application as the workstation takes it in."""
        applicant = self.applicant or WorkstationPaperApplicant()
        return Submission(
            regulation_id=self.service,
            category=self.category or "",
            applicant_name=applicant.name or "",
            applicant_iin=applicant.iin or None,
            applicant_bin=applicant.bin or None,
            variant=self.variant or None,
            form=dict(self.form or {}),
            documents=tuple(self.documents or ()),
            channel=self.channel,
        )


class WorkstationVerdict(RequestModel):
    """A verdict on a document with its note (the reason a non-compliant one is refused)."""

    verdict: Verdict
    note: str = ""


def _verdict_alone(value: Any) -> Any:
    # A verdict alone is a verdict without a note: one shape to check, so a wrong one is
    # refused naming the document (`documents.<id>.verdict`).
    return {"verdict": value} if isinstance(value, str) else value


#: A document's verdict: alone, or with its note.
DocumentVerdict = Annotated[
    WorkstationVerdict,
    BeforeValidator(_verdict_alone, json_schema_input_type=Verdict | WorkstationVerdict),
]


class WorkstationAction(RequestModel):
    """The action's parameters: `assign` takes `executor`; `check` takes `documents` (a verdict
    per document id); `prepare` takes `result`, or `refusal` with `grounds`; `sign` may take
    `approver`, the head's login, whose signature then approves the result on the same CMS;
    any action may carry a `note`."""

    executor: Annotated[Identifier | None, Refusal("STEP_NOT_FOR_ROLE")] = None
    approver: Annotated[str | None, Refusal("STEP_NOT_FOR_ROLE")] = None
    documents: Annotated[dict[str, DocumentVerdict] | None, Refusal("UNKNOWN_DOCUMENT")] = None
    result: Annotated[Identifier | None, Refusal("RESULT_KIND_INVALID")] = Field(
        None, description="One of the service's result kinds."
    )
    # `refusal` names a request model's code: the field is named otherwise and read as it.
    refused: bool = Field(
        False, alias="refusal", description="A reasoned refusal (P8) instead of a result."
    )
    grounds: str | None = Field(None, description="The refusal's grounds.")
    note: str | None = None

    def parameters(self) -> dict[str, Any]:
        """The parameters as the workstation's step actions read them."""
        return self.model_dump(exclude_none=True, by_alias=True)


ACTION_PARAMETERS: dict[str, Schema] = APPLICATION_ID | {
    "action": {"enum": ["register", "resolve", "assign", "check", "prepare", "sign", "hand_over"]}
}
DOCUMENT_PARAMETERS: dict[str, Schema] = APPLICATION_ID | {
    "document_id": {"type": "string", "description": "a document id of item 9"}
}
