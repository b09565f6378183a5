"""The request and response schemas of the JSON API routes written before
`egovsim.web.common.openapi`: the clock, the service catalogue and the workstation's API (the
gateway operator's API is in `web.gateway.schemas`).

Declared by method and path with `declare` (a test checks that each route still exists and that
the app's real answers fit them); a route module may move its own next to its handlers with
`@api` instead.
"""

from __future__ import annotations

from egovsim.web.common.openapi import WORDS, Schema, component, declare, security_scheme
from egovsim.web.common.schema_parts import (
    DATE,
    OBJECT,
    STRING,
    TEXT_OR_NULL,
    TIME,
    TIME_OR_NULL,
    array,
    list_of,
    obj,
    or_null,
)

_WORDS_OR_NULL: Schema = {"oneOf": [WORDS, {"type": "null"}]}

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
_STAFF = ("staffToken", "staffCookie")

CLOCK = component(
    "Clock",
    obj(
        {
            "now": TIME,
            "local": TIME,
            "mode": {"enum": ["frozen", "offset", "real"]},
            "working_day": {"type": "boolean"},
            "day_off": TEXT_OR_NULL | {"description": "Why the local day is not a working day."},
        }
    ),
)
_POSITIVE: Schema = {"type": "number", "exclusiveMinimum": 0}


def _one(name: str, schema: Schema) -> Schema:
    return {
        "type": "object",
        "required": [name],
        "additionalProperties": False,
        "properties": {name: schema},
    }


declare("GET", "/api/v1/clock", response=CLOCK)
declare(
    "POST",
    "/api/v1/clock",
    summary="Move, set, freeze or unfreeze the simulator's clock.",
    request={
        "oneOf": [
            _one(
                "advance",
                {
                    "oneOf": [
                        _one("minutes", _POSITIVE),
                        _one("hours", _POSITIVE),
                        _one("days", _POSITIVE),
                        _one("working_days", {"type": "integer", "minimum": 1}),
                    ]
                },
            ),
            _one("set", TIME),
            _one("freeze", {"type": "boolean"}),
        ]
    },
    response=CLOCK,
)

DURATION = component(
    "Duration",
    obj(
        {
            "amount": {"type": "number"},
            "unit": {"enum": ["minutes", "hours", "working_days", "calendar_days"]},
        }
    ),
)
_CHANNEL: Schema = {"enum": ["portal", "provider_office", "state_corporation"]}
SERVICE = component(
    "Service",
    obj(
        {
            "id": STRING,
            "name": WORDS,
            "provider": WORDS,
            "basis": obj(
                {
                    "authority": WORDS,
                    "resolution": STRING,
                    "date": DATE,
                    "registration": TEXT_OR_NULL,
                    "standard": WORDS,
                }
            ),
            "effective": obj(
                {
                    "from": DATE,
                    "to": {"type": ["string", "null"], "format": "date"},
                    "repealed_by": _WORDS_OR_NULL,
                    "in_force_today": {"type": "boolean"},
                }
            ),
            "applicants": {
                "type": "array",
                "items": obj(
                    {"id": STRING, "kind": {"enum": ["individual", "legal_entity"]}, "name": WORDS}
                ),
            },
            "channels": {"type": "array", "items": _CHANNEL},
            "acceptance_windows": {
                "type": "array",
                "items": obj(
                    {
                        "from": {"type": "string", "pattern": r"^\d\d-\d\d$"},
                        "to": {"type": "string", "pattern": r"^\d\d-\d\d$"},
                        "categories": {"type": "array", "items": STRING},
                        "cite": STRING,
                    }
                ),
            },
            "variants": {
                "type": "array",
                "items": obj({"id": STRING, "name": WORDS, "cite": STRING}),
            },
            "form": {
                "type": "array",
                "items": obj(
                    {
                        "id": STRING,
                        "label": WORDS,
                        "type": {
                            "enum": ["text", "number", "date", "choice", "iin", "bin", "boolean"]
                        },
                        "required": {"type": "boolean"},
                        "required_in": {"type": "array", "items": STRING},
                        "choices": {"type": "array", "items": STRING},
                    }
                ),
            },
            "documents": {
                "type": "array",
                "items": obj(
                    {
                        "id": STRING,
                        "name": WORDS,
                        "required_in": {"type": "array", "items": STRING},
                        "optional_in": {"type": "array", "items": STRING},
                        "cite": STRING,
                    }
                ),
            },
            "results": {
                "type": "array",
                "items": obj(
                    {
                        "id": STRING,
                        "name": WORDS,
                        "refusal": {"type": "boolean"},
                        "variants": {"type": "array", "items": STRING},
                    }
                ),
            },
            "result_forms": {"type": "array", "items": {"enum": ["electronic", "paper"]}},
            "fee": obj({"amount_kzt": {"type": "number"}, "note": _WORDS_OR_NULL}),
            "route": {
                "type": "array",
                "items": obj(
                    {
                        "id": STRING,
                        "role": STRING,
                        "action": STRING,
                        "name": WORDS,
                        "duration": DURATION,
                        "by_variant": {"type": "object", "additionalProperties": DURATION},
                        "cite": STRING,
                    }
                ),
            },
            "sequence": {
                "type": "array",
                "items": obj(
                    {
                        "id": {"type": "string", "examples": ["P4", "C2"]},
                        "kind": {"enum": ["process", "condition"]},
                        "stages": {"type": "array", "items": STRING},
                        "name": WORDS,
                        "cite": STRING,
                    }
                ),
            },
            "refusal": obj(
                {
                    "at_step": STRING,
                    "duration": DURATION,
                    "resumes_at": TEXT_OR_NULL,
                    "result": STRING,
                    "cite": STRING,
                }
            ),
        }
    ),
)
declare("GET", "/api/v1/services", response=list_of("services", SERVICE))
declare("GET", "/api/v1/services/{service_id}", response=SERVICE)

STAFF = component(
    "WorkstationStaff",
    obj(
        {
            "login": STRING,
            "role": STRING | {"examples": ["office", "head", "department_head", "executor"]},
            "name": STRING,
            "provider": STRING,
            "can_sign": {"type": "boolean"},
        }
    ),
)
_VERDICT: Schema = {"enum": ["compliant", "missing", "non_compliant"]}
APPLICATION = component(
    "WorkstationApplication",
    obj(
        {
            "id": {"type": "integer"},
            "number": STRING,
            "service": STRING,
            "variant": TEXT_OR_NULL,
            "channel": _CHANNEL,
            "category": STRING,
            "applicant": obj({"iin": TEXT_OR_NULL, "bin": TEXT_OR_NULL, "name": STRING}),
            "form": OBJECT,
            "documents": {"type": "array", "items": STRING},
            "received_at": TIME,
            "status": {"enum": ["in_progress", "completed", "refused"]},
            "current_step": TEXT_OR_NULL,
            "steps": {
                "type": "array",
                "items": obj(
                    {
                        "seq": {"type": "integer"},
                        "id": STRING,
                        "role": STRING,
                        "action": STRING,
                        "name": WORDS,
                        "started_at": TIME,
                        "deadline": TIME,
                        "refusal_deadline": TIME_OR_NULL,
                        "finished_at": TIME_OR_NULL,
                        "outcome": TEXT_OR_NULL,
                        "overdue": {"type": "boolean"},
                    }
                ),
            },
            "checks": {
                "type": "array",
                "items": obj(
                    {"document": STRING, "verdict": _VERDICT, "note": STRING, "checked_at": TIME}
                ),
            },
            "result": {
                "oneOf": [
                    {"type": "null"},
                    obj(
                        {
                            "kind": STRING,
                            "refusal": {"type": "boolean"},
                            "grounds": TEXT_OR_NULL,
                            "document": OBJECT,
                            "signed": {"type": "boolean"},
                            "signed_at": TIME_OR_NULL,
                        }
                    ),
                ]
            },
            "attachments": {
                "type": "array",
                "description": "The electronic copies a portal REQUEST named (none on paper); "
                "`href` fetches one from the portal and records the opening.",
                "items": obj(
                    {
                        "document": STRING,
                        "file_name": STRING,
                        "content_type": STRING,
                        "size": {"type": "integer"},
                        "sha256": STRING,
                        "opened_by": {"type": "array", "items": STRING},
                        "href": STRING,
                    }
                ),
            },
            "history": {
                "type": "array",
                "items": obj(
                    {
                        "at": TIME,
                        "actor": STRING,
                        "role": TEXT_OR_NULL,
                        "action": STRING,
                        "step": TEXT_OR_NULL,
                        "channel": TEXT_OR_NULL,
                        "details": OBJECT,
                    }
                ),
            },
        }
    ),
)
_APPLICATION_ID: Schema = {"type": "string", "pattern": r"^\d+$", "description": "The `id`."}

declare(
    "POST",
    "/api/v1/workstation/session",
    summary="Sign a staff member in: a session cookie, and a token for scripts.",
    request=obj({"login": STRING, "password": STRING}),
    response=obj({"token": STRING, "staff": STAFF}),
)
declare("DELETE", "/api/v1/workstation/session", response=obj({"signed_out": {"const": True}}))
declare("GET", "/api/v1/workstation/me", response=STAFF, security=_STAFF)
_PAGE = obj({"applications": array(APPLICATION), "next": or_null(STRING)})
_LIMIT: Schema = {
    "type": "string",
    "pattern": r"^\d+$",
    "description": "How many on a page, 1 to 200 (default 50).",
}
_AFTER: Schema = {
    "type": "string",
    "description": "The opaque cursor of the page's start, from the previous page's `next`.",
}
declare(
    "GET",
    "/api/v1/workstation/inbox",
    response=_PAGE,
    security=_STAFF,
    parameters={
        "limit": _LIMIT,
        "after": _AFTER,
        "step": {"type": "string", "description": "Only applications at this step id."},
        "overdue": {
            "type": "string",
            "enum": ["true", "false"],
            "description": "Only those past their open step's deadline.",
        },
    },
)
declare(
    "GET",
    "/api/v1/workstation/applications",
    response=_PAGE,
    security=_STAFF,
    parameters={
        "limit": _LIMIT,
        "after": _AFTER,
        "status": {"type": "string", "enum": ["in_progress", "completed", "refused"]},
    },
)
declare(
    "POST",
    "/api/v1/workstation/applications",
    request=obj(
        {
            "service": STRING,
            "category": STRING,
            "channel": {"enum": ["provider_office", "state_corporation"]},
            "variant": TEXT_OR_NULL,
            "applicant": obj(
                {"iin": STRING, "bin": STRING, "name": STRING}, optional=("iin", "bin")
            ),
            "form": OBJECT | {"description": "The service's form fields by id."},
            "documents": {"type": "array", "items": STRING},
        },
        optional=("channel", "variant", "form", "documents"),
    ),
    response=APPLICATION,
    status=201,
    security=_STAFF,
)
declare(
    "GET",
    "/api/v1/workstation/applications/{application_id}",
    response=APPLICATION,
    parameters={"application_id": _APPLICATION_ID},
    security=_STAFF,
)
declare(
    "POST",
    "/api/v1/workstation/applications/{application_id}/actions/{action}",
    request={
        "type": "object",
        "description": "The action's parameters: `assign` takes `executor`; `check` takes "
        "`documents` (a verdict per document id); `prepare` takes `result`, or `refusal` with "
        "`grounds`; `sign` may take `approver`, the head's login, whose signature then "
        "approves the result on the same CMS; any action may carry a `note`.",
        "properties": {
            "executor": STRING,
            "approver": STRING,
            "documents": {
                "type": "object",
                "additionalProperties": {
                    "oneOf": [_VERDICT, obj({"verdict": _VERDICT, "note": STRING})]
                },
            },
            "result": STRING,
            "refusal": {"type": "boolean"},
            "grounds": STRING,
            "note": STRING,
        },
    },
    response=APPLICATION,
    parameters={
        "application_id": _APPLICATION_ID,
        "action": {
            "enum": ["register", "resolve", "assign", "check", "prepare", "sign", "hand_over"]
        },
    },
    security=_STAFF,
)
declare(
    "GET",
    "/api/v1/workstation/applications/{application_id}/result",
    response=obj(
        {
            "document": OBJECT,
            "cms": TEXT_OR_NULL | {"contentEncoding": "base64"},
            "verification": {"type": ["object", "null"]},
        }
    ),
    parameters={"application_id": _APPLICATION_ID},
    security=_STAFF,
)
declare(
    "GET",
    "/api/v1/workstation/applications/{application_id}/attachments/{document_id}",
    response_type="application/octet-stream",
    parameters={
        "application_id": _APPLICATION_ID,
        "document_id": {"type": "string", "description": "a document id of item 9"},
    },
    security=_STAFF,
)
declare(
    "GET",
    "/api/v1/workstation/applications/{application_id}/result.cms",
    response_type="application/pkcs7-mime",
    parameters={"application_id": _APPLICATION_ID},
    security=_STAFF,
)
