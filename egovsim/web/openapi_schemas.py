"""The request and response schemas of the JSON API routes written before `egovsim.web.openapi`:
the clock, the service catalogue, the workstation's API and the gateway operator's API.

Declared by method and path with `declare` (a test checks that each route still exists and that
the app's real answers fit them); a route module may move its own next to its handlers with
`@api` instead.
"""

from __future__ import annotations

from collections.abc import Mapping

from egovsim.web.openapi import WORDS, Schema, component, declare, security_scheme

_STRING: Schema = {"type": "string"}
_TEXT_OR_NULL: Schema = {"type": ["string", "null"]}
_TIME: Schema = {"type": "string", "format": "date-time"}
_TIME_OR_NULL: Schema = {"type": ["string", "null"], "format": "date-time"}
_DATE: Schema = {"type": "string", "format": "date"}
_OBJECT: Schema = {"type": "object"}


def _object(properties: Mapping[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """An object whose properties are all present, but the optional ones."""
    return {
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": dict(properties),
    }


def _list_of(name: str, item: Schema) -> Schema:
    return _object({name: {"type": "array", "items": item}})


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
    _object(
        {
            "now": _TIME,
            "local": _TIME,
            "mode": {"enum": ["frozen", "offset", "real"]},
            "working_day": {"type": "boolean"},
            "day_off": _TEXT_OR_NULL | {"description": "Why the local day is not a working day."},
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
            _one("set", _TIME),
            _one("freeze", {"type": "boolean"}),
        ]
    },
    response=CLOCK,
)

DURATION = component(
    "Duration",
    _object(
        {
            "amount": {"type": "number"},
            "unit": {"enum": ["minutes", "hours", "working_days", "calendar_days"]},
        }
    ),
)
_CHANNEL: Schema = {"enum": ["portal", "provider_office", "state_corporation"]}
SERVICE = component(
    "Service",
    _object(
        {
            "id": _STRING,
            "name": WORDS,
            "provider": WORDS,
            "basis": _object(
                {
                    "authority": WORDS,
                    "resolution": _STRING,
                    "date": _DATE,
                    "registration": _TEXT_OR_NULL,
                    "standard": WORDS,
                }
            ),
            "effective": _object(
                {
                    "from": _DATE,
                    "to": {"type": ["string", "null"], "format": "date"},
                    "repealed_by": _WORDS_OR_NULL,
                    "in_force_today": {"type": "boolean"},
                }
            ),
            "applicants": {
                "type": "array",
                "items": _object(
                    {"id": _STRING, "kind": {"enum": ["individual", "legal_entity"]}, "name": WORDS}
                ),
            },
            "channels": {"type": "array", "items": _CHANNEL},
            "acceptance_windows": {
                "type": "array",
                "items": _object(
                    {
                        "from": {"type": "string", "pattern": r"^\d\d-\d\d$"},
                        "to": {"type": "string", "pattern": r"^\d\d-\d\d$"},
                        "categories": {"type": "array", "items": _STRING},
                        "cite": _STRING,
                    }
                ),
            },
            "variants": {
                "type": "array",
                "items": _object({"id": _STRING, "name": WORDS, "cite": _STRING}),
            },
            "form": {
                "type": "array",
                "items": _object(
                    {
                        "id": _STRING,
                        "label": WORDS,
                        "type": {
                            "enum": ["text", "number", "date", "choice", "iin", "bin", "boolean"]
                        },
                        "required": {"type": "boolean"},
                        "choices": {"type": "array", "items": _STRING},
                    }
                ),
            },
            "documents": {
                "type": "array",
                "items": _object(
                    {
                        "id": _STRING,
                        "name": WORDS,
                        "required_in": {"type": "array", "items": _STRING},
                        "optional_in": {"type": "array", "items": _STRING},
                        "cite": _STRING,
                    }
                ),
            },
            "results": {
                "type": "array",
                "items": _object(
                    {
                        "id": _STRING,
                        "name": WORDS,
                        "refusal": {"type": "boolean"},
                        "variants": {"type": "array", "items": _STRING},
                    }
                ),
            },
            "result_forms": {"type": "array", "items": {"enum": ["electronic", "paper"]}},
            "fee": _object({"amount_kzt": {"type": "number"}, "note": _WORDS_OR_NULL}),
            "route": {
                "type": "array",
                "items": _object(
                    {
                        "id": _STRING,
                        "role": _STRING,
                        "action": _STRING,
                        "name": WORDS,
                        "duration": DURATION,
                        "by_variant": {"type": "object", "additionalProperties": DURATION},
                        "cite": _STRING,
                    }
                ),
            },
            "refusal": _object(
                {
                    "at_step": _STRING,
                    "duration": DURATION,
                    "resumes_at": _TEXT_OR_NULL,
                    "result": _STRING,
                    "cite": _STRING,
                }
            ),
        }
    ),
)
declare("GET", "/api/v1/services", response=_list_of("services", SERVICE))
declare("GET", "/api/v1/services/{service_id}", response=SERVICE)

STAFF = component(
    "WorkstationStaff",
    _object(
        {
            "login": _STRING,
            "role": _STRING | {"examples": ["office", "head", "department_head", "executor"]},
            "name": _STRING,
            "provider": _STRING,
            "can_sign": {"type": "boolean"},
        }
    ),
)
_VERDICT: Schema = {"enum": ["compliant", "missing", "non_compliant"]}
APPLICATION = component(
    "WorkstationApplication",
    _object(
        {
            "id": {"type": "integer"},
            "number": _STRING,
            "service": _STRING,
            "variant": _TEXT_OR_NULL,
            "channel": _CHANNEL,
            "category": _STRING,
            "applicant": _object({"iin": _TEXT_OR_NULL, "bin": _TEXT_OR_NULL, "name": _STRING}),
            "form": _OBJECT,
            "documents": {"type": "array", "items": _STRING},
            "received_at": _TIME,
            "status": {"enum": ["in_progress", "completed", "refused"]},
            "current_step": _TEXT_OR_NULL,
            "steps": {
                "type": "array",
                "items": _object(
                    {
                        "seq": {"type": "integer"},
                        "id": _STRING,
                        "role": _STRING,
                        "action": _STRING,
                        "name": WORDS,
                        "started_at": _TIME,
                        "deadline": _TIME,
                        "refusal_deadline": _TIME_OR_NULL,
                        "finished_at": _TIME_OR_NULL,
                        "outcome": _TEXT_OR_NULL,
                        "overdue": {"type": "boolean"},
                    }
                ),
            },
            "checks": {
                "type": "array",
                "items": _object(
                    {"document": _STRING, "verdict": _VERDICT, "note": _STRING, "checked_at": _TIME}
                ),
            },
            "result": {
                "oneOf": [
                    {"type": "null"},
                    _object(
                        {
                            "kind": _STRING,
                            "refusal": {"type": "boolean"},
                            "grounds": _TEXT_OR_NULL,
                            "document": _OBJECT,
                            "signed": {"type": "boolean"},
                            "signed_at": _TIME_OR_NULL,
                        }
                    ),
                ]
            },
            "history": {
                "type": "array",
                "items": _object(
                    {
                        "at": _TIME,
                        "actor": _STRING,
                        "role": _TEXT_OR_NULL,
                        "action": _STRING,
                        "step": _TEXT_OR_NULL,
                        "channel": _TEXT_OR_NULL,
                        "details": _OBJECT,
                    }
                ),
            },
        }
    ),
)
_APPLICATIONS = _list_of("applications", APPLICATION)
_APPLICATION_ID: Schema = {"type": "string", "pattern": r"^\d+$", "description": "The `id`."}

declare(
    "POST",
    "/api/v1/workstation/session",
    summary="Sign a staff member in: a session cookie, and a token for scripts.",
    request=_object({"login": _STRING, "password": _STRING}),
    response=_object({"token": _STRING, "staff": STAFF}),
)
declare("DELETE", "/api/v1/workstation/session", response=_object({"signed_out": {"const": True}}))
declare("GET", "/api/v1/workstation/me", response=STAFF, security=_STAFF)
declare("GET", "/api/v1/workstation/inbox", response=_APPLICATIONS, security=_STAFF)
declare("GET", "/api/v1/workstation/applications", response=_APPLICATIONS, security=_STAFF)
declare(
    "POST",
    "/api/v1/workstation/applications",
    request=_object(
        {
            "service": _STRING,
            "category": _STRING,
            "channel": {"enum": ["provider_office", "state_corporation"]},
            "variant": _TEXT_OR_NULL,
            "applicant": _object(
                {"iin": _STRING, "bin": _STRING, "name": _STRING}, optional=("iin", "bin")
            ),
            "form": _OBJECT | {"description": "The service's form fields by id."},
            "documents": {"type": "array", "items": _STRING},
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
        "`grounds`; any action may carry a `note`.",
        "properties": {
            "executor": _STRING,
            "documents": {
                "type": "object",
                "additionalProperties": {
                    "oneOf": [_VERDICT, _object({"verdict": _VERDICT, "note": _STRING})]
                },
            },
            "result": _STRING,
            "refusal": {"type": "boolean"},
            "grounds": _STRING,
            "note": _STRING,
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
    response=_object(
        {
            "document": _OBJECT,
            "cms": _TEXT_OR_NULL | {"contentEncoding": "base64"},
            "verification": {"type": ["object", "null"]},
        }
    ),
    parameters={"application_id": _APPLICATION_ID},
    security=_STAFF,
)
declare(
    "GET",
    "/api/v1/workstation/applications/{application_id}/result.cms",
    response_type="application/pkcs7-mime",
    parameters={"application_id": _APPLICATION_ID},
    security=_STAFF,
)

_SIGNATURE_POLICY: Schema = {"enum": ["required", "optional"]}
_FAULT_KIND: Schema = {
    "enum": ["delay", "drop", "duplicate", "unreachable", "malformed", "slow_ack"]
}
ROUTE = component(
    "GatewayRoute",
    _object(
        {
            "service_id": _STRING,
            "receiver": {"enum": ["workstation", "external", "portal"]},
            "url": _TEXT_OR_NULL,
            "provider": _TEXT_OR_NULL,
            "sender_id": _TEXT_OR_NULL,
            "fault": {
                "oneOf": [
                    {"type": "null"},
                    _object({"kind": _FAULT_KIND, "seconds": {"type": "number", "minimum": 0}}),
                ]
            },
        }
    ),
)
_MESSAGE_FIELDS: dict[str, Schema] = {
    "message_id": _STRING,
    "correlation_id": _TEXT_OR_NULL,
    "service_id": _STRING,
    "message_type": _STRING | {"examples": ["REQUEST", "UPDATE", "NOTIFICATION", "RESPONSE"]},
    "channel": _STRING,
    "sender_id": _STRING,
    "state": {"enum": ["ON_DELIVERY", "DELIVERED", "NOT_DELIVERED", "DELIVERY_STOPPED"]},
    "attempts": {"type": "integer"},
    "accepted_at": _TIME,
    "delivered_at": _TIME_OR_NULL,
    "next_attempt_at": _TIME_OR_NULL,
    "security": _OBJECT | {"description": "The WS-Security check of the envelope."},
}
MESSAGE = component("GatewayMessage", _object(_MESSAGE_FIELDS))
_ATTEMPT = _object(
    {
        "at": _TIME,
        "duration_ms": {"type": "number"},
        "outcome": _STRING,
        "detail": _TEXT_OR_NULL,
        "request": _TEXT_OR_NULL | {"contentEncoding": "base64"},
        "response": _TEXT_OR_NULL | {"contentEncoding": "base64"},
    }
)
MESSAGE_DETAIL = component(
    "GatewayMessageDetail",
    _object(_MESSAGE_FIELDS | {"attempts": {"type": "array", "items": _ATTEMPT}}),
)
_SERVICE_ID: Schema = {"type": "string", "description": "A gateway serviceId."}

declare(
    "GET",
    "/api/v1/gateway/senders",
    response=_list_of(
        "senders", _object({"sender_id": _STRING, "signature": _SIGNATURE_POLICY, "name": _STRING})
    ),
)
declare(
    "POST",
    "/api/v1/gateway/senders",
    summary="Register a sender of SOAP messages, with its password and signature policy.",
    request=_object(
        {
            "sender_id": _STRING | {"minLength": 1},
            "password": _STRING | {"minLength": 1},
            "signature": _SIGNATURE_POLICY,
            "name": _STRING,
        },
        optional=("signature", "name"),
    ),
    response=_object({"sender_id": _STRING, "signature": _SIGNATURE_POLICY}),
    status=201,
)
declare("GET", "/api/v1/gateway/routes", response=_list_of("routes", ROUTE))
declare(
    "POST",
    "/api/v1/gateway/routes",
    summary="Route a serviceId to an external system's URL, or back to a provider's workstation.",
    request={
        "type": "object",
        "required": ["service_id"],
        "properties": {
            "service_id": _STRING | {"minLength": 1},
            "url": {"type": "string", "format": "uri", "pattern": "^https?://"},
            "provider": _STRING,
            "sender_id": _STRING,
        },
        "oneOf": [{"required": ["url"]}, {"required": ["provider"]}],
    },
    response=ROUTE,
    status=201,
)
declare(
    "PUT",
    "/api/v1/gateway/routes/{service_id}/fault",
    summary="Switch a fault on for one receiver, until it is switched off.",
    request=_object(
        {"kind": _FAULT_KIND, "seconds": {"type": "number", "minimum": 0, "default": 5}},
        optional=("seconds",),
    ),
    response=ROUTE,
    parameters={"service_id": _SERVICE_ID},
)
declare(
    "DELETE",
    "/api/v1/gateway/routes/{service_id}/fault",
    response=ROUTE,
    parameters={"service_id": _SERVICE_ID},
)
declare(
    "GET",
    "/api/v1/gateway/messages",
    summary="The message log, newest first, filtered by the query's fields.",
    response=_list_of("messages", MESSAGE),
    parameters={
        "message_id": _STRING,
        "correlation_id": _STRING,
        "service_id": _STRING,
        "sender_id": _STRING,
        "since": _TIME | {"description": "Accepted at or after this time."},
        "until": _TIME | {"description": "Accepted before this time."},
        "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200},
    },
)
declare("GET", "/api/v1/gateway/messages/{message_id}", response=MESSAGE_DETAIL)
declare(
    "GET",
    "/api/v1/gateway/messages/{message_id}/envelope",
    response_type="text/xml",
)
