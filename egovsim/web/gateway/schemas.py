"""The request and response schemas of the gateway operator's JSON API: senders, routes with
their fault switches, the message log. Declared by method and path with `declare`, as the other
routes written before `egovsim.web.common.openapi`."""

from __future__ import annotations

from egovsim.web.common.openapi import Schema, component, declare
from egovsim.web.common.schema_parts import (
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
from egovsim.web.gateway.shep import FAULTS

_SIGNATURE_POLICY: Schema = {"enum": ["required", "optional"]}
_FAULT_KIND: Schema = {"enum": list(FAULTS)}
ROUTE = component(
    "GatewayRoute",
    obj(
        {
            "service_id": STRING,
            "receiver": {"enum": ["workstation", "external", "portal"]},
            "url": TEXT_OR_NULL,
            "provider": TEXT_OR_NULL,
            "sender_id": TEXT_OR_NULL,
            "fault": {
                "oneOf": [
                    {"type": "null"},
                    obj({"kind": _FAULT_KIND, "seconds": {"type": "number", "minimum": 0}}),
                ]
            },
        }
    ),
)
_MESSAGE_FIELDS: dict[str, Schema] = {
    "message_id": STRING,
    "correlation_id": TEXT_OR_NULL,
    "service_id": STRING,
    "message_type": STRING | {"examples": ["REQUEST", "UPDATE", "NOTIFICATION", "RESPONSE"]},
    "channel": STRING,
    "sender_id": STRING,
    "state": {"enum": ["ON_DELIVERY", "DELIVERED", "NOT_DELIVERED", "DELIVERY_STOPPED"]},
    "attempts": {"type": "integer"},
    "accepted_at": TIME,
    "delivered_at": TIME_OR_NULL,
    "next_attempt_at": TIME_OR_NULL,
    "security": OBJECT | {"description": "The WS-Security check of the envelope."},
}
MESSAGE = component("GatewayMessage", obj(_MESSAGE_FIELDS))
_ATTEMPT = obj(
    {
        "at": TIME,
        "duration_ms": {"type": "number"},
        "outcome": STRING,
        "detail": TEXT_OR_NULL,
        "request": TEXT_OR_NULL | {"contentEncoding": "base64"},
        "response": TEXT_OR_NULL | {"contentEncoding": "base64"},
    }
)
MESSAGE_DETAIL = component(
    "GatewayMessageDetail",
    obj(_MESSAGE_FIELDS | {"attempts": {"type": "array", "items": _ATTEMPT}}),
)
_SERVICE_ID: Schema = {"type": "string", "description": "A gateway serviceId."}

declare(
    "GET",
    "/api/v1/gateway/senders",
    response=list_of(
        "senders", obj({"sender_id": STRING, "signature": _SIGNATURE_POLICY, "name": STRING})
    ),
)
declare(
    "POST",
    "/api/v1/gateway/senders",
    summary="Register a sender of SOAP messages, with its password and signature policy.",
    request=obj(
        {
            "sender_id": STRING | {"minLength": 1},
            "password": STRING | {"minLength": 1},
            "signature": _SIGNATURE_POLICY,
            "name": STRING,
        },
        optional=("signature", "name"),
    ),
    response=obj({"sender_id": STRING, "signature": _SIGNATURE_POLICY}),
    status=201,
)
declare("GET", "/api/v1/gateway/routes", response=list_of("routes", ROUTE))
declare(
    "POST",
    "/api/v1/gateway/routes",
    summary="Route a serviceId to an external system's URL, or back to a provider's workstation.",
    request={
        "type": "object",
        "required": ["service_id"],
        "properties": {
            "service_id": STRING | {"minLength": 1},
            "url": {"type": "string", "format": "uri", "pattern": "^https?://"},
            "provider": STRING,
            "sender_id": STRING,
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
    request=obj(
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
    summary="A page of the message log, newest first, filtered by the query's fields.",
    response=obj({"messages": array(MESSAGE), "next": or_null(STRING)}),
    parameters={
        "message_id": STRING,
        "correlation_id": STRING,
        "service_id": STRING,
        "sender_id": STRING,
        "since": TIME | {"description": "Accepted at or after this time."},
        "until": TIME | {"description": "Accepted before this time."},
        "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200},
        "after": STRING
        | {"description": "The cursor of the previous page's `next`: the messages before it."},
    },
)
declare("GET", "/api/v1/gateway/messages/{message_id}", response=MESSAGE_DETAIL)
declare(
    "GET",
    "/api/v1/gateway/messages/{message_id}/envelope",
    response_type="text/xml",
)
