"""What the workstation's API takes besides its models, as the OpenAPI document describes it:
the path and query parameters, and the bodies the workstation's domain reads with its own
checks and codes (a paper application at the counter, a step action's parameters)."""

from __future__ import annotations

from egovsim.web.common.models import Schema

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
_VERDICT: Schema = {"enum": ["compliant", "missing", "non_compliant"]}
#: A paper application at the counter: `Submission.from_json` of the workstation reads it (the
#: domain's checks and codes: FORM_INVALID, CHANNEL_NOT_ALLOWED).
NEW_APPLICATION: Schema = {
    "type": "object",
    "required": ["service", "category", "applicant"],
    "properties": {
        "service": {"type": "string"},
        "category": {"type": "string"},
        "channel": {"enum": ["provider_office", "state_corporation"]},
        "variant": {"type": ["string", "null"]},
        "applicant": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "iin": {"type": "string"},
                "bin": {"type": "string"},
                "name": {"type": "string"},
            },
        },
        "form": {"type": "object", "description": "The service's form fields by id."},
        "documents": {"type": "array", "items": {"type": "string"}},
    },
}
#: An action's parameters: the workstation's step actions read them (their own codes).
ACTION: Schema = {
    "type": "object",
    "description": "The action's parameters: `assign` takes `executor`; `check` takes "
    "`documents` (a verdict per document id); `prepare` takes `result`, or `refusal` with "
    "`grounds`; `sign` may take `approver`, the head's login, whose signature then approves "
    "the result on the same CMS; any action may carry a `note`.",
    "properties": {
        "executor": {"type": "string"},
        "approver": {"type": "string"},
        "documents": {
            "type": "object",
            "additionalProperties": {
                "oneOf": [
                    _VERDICT,
                    {
                        "type": "object",
                        "required": ["verdict", "note"],
                        "properties": {"verdict": _VERDICT, "note": {"type": "string"}},
                    },
                ]
            },
        },
        "result": {"type": "string"},
        "refusal": {"type": "boolean"},
        "grounds": {"type": "string"},
        "note": {"type": "string"},
    },
}
ACTION_PARAMETERS: dict[str, Schema] = APPLICATION_ID | {
    "action": {"enum": ["register", "resolve", "assign", "check", "prepare", "sign", "hand_over"]}
}
DOCUMENT_PARAMETERS: dict[str, Schema] = APPLICATION_ID | {
    "document_id": {"type": "string", "description": "a document id of item 9"}
}
