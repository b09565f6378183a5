"""The OpenAPI components of the State Corporation's front office (`Statecorp...`: the operator,
the checklist, the package with its receipt and timeline, the counter's actions), with the
operator's bearer token as a security scheme. `statecorp_api` declares its routes with them.
"""

from __future__ import annotations

from collections.abc import Mapping

from egovsim.web.openapi import WORDS, Schema, component, security_scheme

_STRING: Schema = {"type": "string"}
_TEXT_OR_NULL: Schema = {"type": ["string", "null"]}
_TIME: Schema = {"type": "string", "format": "date-time"}
_TIME_OR_NULL: Schema = {"type": ["string", "null"], "format": "date-time"}
_DATE_OR_NULL: Schema = {"type": ["string", "null"], "format": "date"}
_BOOLEAN: Schema = {"type": "boolean"}
_INTEGER: Schema = {"type": "integer"}
_OBJECT: Schema = {"type": "object"}
_OBJECT_OR_NULL: Schema = {"type": ["object", "null"]}
_IIN: Schema = {"type": "string", "pattern": r"^\d{12}$"}

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
#: The steps of a package on the centre's side.
STEPS = ("accept", "forward", "provider", "storage", "hand_out", "request_again")
#: What `POST .../packages/{package}/actions/{action}` can do.
ACTIONS = ("check", "forward", "serve", "hand_out", "request_again")


def _object(properties: Mapping[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """An object whose properties are all present, but the optional ones."""
    return {
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": dict(properties),
    }


def _array(item: Schema) -> Schema:
    return {"type": "array", "items": item}


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

CENTRE = component(
    "StatecorpCentre",
    _object({"id": _STRING, "name": WORDS, "address": WORDS, "hours": WORDS}),
)
OPERATOR_VIEW = component(
    "StatecorpOperator",
    _object({"login": _STRING, "name": _STRING, "centre": CENTRE}),
)
SIGN_IN = component(
    "StatecorpSignIn",
    _object({"login": _STRING, "password": _STRING}),
)
SIGNED_IN = component(
    "StatecorpSignedIn",
    _object(
        {
            "token": _STRING | {"description": "Send it as `Authorization: Bearer ...`."},
            "operator": OPERATOR_VIEW,
        }
    ),
)
SIGNED_OUT = component("StatecorpSignedOut", _object({"signed_out": {"const": True}}))
CHECKLIST_ITEM = component(
    "StatecorpChecklistItem",
    _object({"document": _STRING, "name": WORDS, "required": _BOOLEAN}),
)
CHECKLIST = component("StatecorpChecklist", _object({"documents": _array(CHECKLIST_ITEM)}))
PACKAGE_CHECK_ITEM = component(
    "StatecorpPackageDocument",
    {
        **_object({"document": _STRING, "required": _BOOLEAN, "presented": _BOOLEAN}),
        "description": "One document of item 9's checklist and whether the applicant presented it.",
    },
)
RECEIPT = component(
    "StatecorpReceipt",
    {
        **_object(
            {
                "kind": {"enum": ["acceptance", "refusal"]},
                "number": _STRING,
                "date": _TIME_OR_NULL,
                "documents": _array(_STRING),
                "ready_by": _DATE_OR_NULL,
                "code": {"const": "PACKAGE_INCOMPLETE"},
                "step": _STRING,
                "message": WORDS,
                "missing": _array(_STRING),
            },
            optional=("code", "step", "message", "missing"),
        ),
        "description": "The receipt of acceptance, or the refusal receipt (Annex 3) listing "
        "the missing documents.",
    },
)
TIMELINE_STEP = component(
    "StatecorpStep",
    _object(
        {
            "step": {"enum": list(STEPS)},
            "started_at": _TIME,
            "deadline": _TIME,
            "finished_at": _TIME_OR_NULL,
            "outcome": _TEXT_OR_NULL,
            "actor": _TEXT_OR_NULL,
            "details": _OBJECT,
            "overdue": _BOOLEAN,
        }
    ),
)
PACKAGE = component(
    "StatecorpPackage",
    _object(
        {
            "id": _INTEGER,
            "kind": {"enum": ["counter", "collection"]},
            "number": _TEXT_OR_NULL,
            "status": {"enum": list(STATUSES)},
            "service": _STRING,
            "variant": _TEXT_OR_NULL,
            "applicant": _object({"iin": _IIN, "name": _STRING}),
            "form": _OBJECT,
            "operator": _STRING,
            "centre": _STRING,
            "opened_at": _TIME,
            "checklist": _array(PACKAGE_CHECK_ITEM),
            "receipt": {"oneOf": [RECEIPT, {"type": "null"}]},
            "request_message_id": _TEXT_OR_NULL,
            "portal_request_id": _TEXT_OR_NULL,
            "provider_number": _TEXT_OR_NULL,
            "result": _OBJECT_OR_NULL
            | {"description": "The provider's result as it arrived at the centre."},
            "arrived_at": _TIME_OR_NULL,
            "kept_until": _TIME_OR_NULL,
            "handout": _OBJECT_OR_NULL
            | {"description": "To whom the result was handed out, on which document."},
            "timeline": _array(TIMELINE_STEP),
        }
    ),
)
PACKAGES = component("StatecorpPackages", _object({"packages": _array(PACKAGE)}))
RETURNED = component("StatecorpReturned", _object({"returned": _array(PACKAGE)}))
NEW_PACKAGE = component(
    "StatecorpNewPackage",
    _object(
        {
            "service": _STRING,
            "variant": _TEXT_OR_NULL,
            "applicant": _object({"iin": _IIN, "name": _STRING}),
            "form": _OBJECT,
        },
        optional=("variant", "form"),
    ),
)
ACTION_BODY = component(
    "StatecorpAction",
    {
        "type": "object",
        "description": '`check`: `{"documents": [ids presented]}`; `hand_out`: `{"document", '
        '"document_number", "representative", "notarized"}`; the other actions take no body.',
        "properties": {
            "documents": _array(_STRING),
            "document": _STRING,
            "document_number": _STRING,
            "representative": _OBJECT,
            "notarized": _BOOLEAN,
        },
    },
)
SERVICE_QUERY: Mapping[str, Schema] = {
    "service": _STRING | {"description": "The service's id."},
    "variant": _STRING | {"description": "The service's variant, if it has variants."},
}
PACKAGES_QUERY: Mapping[str, Schema] = {
    "status": {"enum": list(STATUSES), "description": "Only the packages in that state."},
    "q": _STRING
    | {"description": "An applicant's IIN, a receipt's or the provider's application number."},
}
BY_PACKAGE: Mapping[str, Schema] = {"package": _INTEGER | {"description": "The package's id."}}
BY_ACTION: Mapping[str, Schema] = {
    **BY_PACKAGE,
    "action": {"enum": list(ACTIONS), "description": "What the operator does."},
}
