"""The OpenAPI components of the State Corporation's front office (`Statecorp...`: the operator,
the checklist, the package with its receipt and timeline, the counter's actions), with the
operator's bearer token as a security scheme. `statecorp_api` declares its routes with them.
"""

from __future__ import annotations

from collections.abc import Mapping

from egovsim.web.common.openapi import WORDS, Schema, component, security_scheme
from egovsim.web.common.schema_parts import (
    BOOLEAN,
    DATE_OR_NULL,
    INTEGER,
    OBJECT,
    OBJECT_OR_NULL,
    STRING,
    TEXT_OR_NULL,
    TIME,
    TIME_OR_NULL,
    array,
    obj,
    or_null,
)

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
    obj({"id": STRING, "name": WORDS, "address": WORDS, "hours": WORDS}),
)
OPERATOR_VIEW = component(
    "StatecorpOperator",
    obj({"login": STRING, "name": STRING, "centre": CENTRE}),
)
SIGN_IN = component(
    "StatecorpSignIn",
    obj({"login": STRING, "password": STRING}),
)
SIGNED_IN = component(
    "StatecorpSignedIn",
    obj(
        {
            "token": STRING | {"description": "Send it as `Authorization: Bearer ...`."},
            "operator": OPERATOR_VIEW,
        }
    ),
)
SIGNED_OUT = component("StatecorpSignedOut", obj({"signed_out": {"const": True}}))
CHECKLIST_ITEM = component(
    "StatecorpChecklistItem",
    obj({"document": STRING, "name": WORDS, "required": BOOLEAN}),
)
CHECKLIST = component("StatecorpChecklist", obj({"documents": array(CHECKLIST_ITEM)}))
PACKAGE_CHECK_ITEM = component(
    "StatecorpPackageDocument",
    {
        **obj({"document": STRING, "required": BOOLEAN, "presented": BOOLEAN}),
        "description": "One document of item 9's checklist and whether the applicant presented it.",
    },
)
RECEIPT = component(
    "StatecorpReceipt",
    {
        **obj(
            {
                "kind": {"enum": ["acceptance", "refusal"]},
                "number": STRING,
                "date": TIME_OR_NULL,
                "documents": array(STRING),
                "ready_by": DATE_OR_NULL,
                "code": {"const": "PACKAGE_INCOMPLETE"},
                "step": STRING,
                "message": WORDS,
                "missing": array(STRING),
            },
            optional=("code", "step", "message", "missing"),
        ),
        "description": "The receipt of acceptance, or the refusal receipt (Annex 3) listing "
        "the missing documents.",
    },
)
TIMELINE_STEP = component(
    "StatecorpStep",
    obj(
        {
            "step": {"enum": list(STEPS)},
            "started_at": TIME,
            "deadline": TIME,
            "finished_at": TIME_OR_NULL,
            "outcome": TEXT_OR_NULL,
            "actor": TEXT_OR_NULL,
            "details": OBJECT,
            "overdue": BOOLEAN,
        }
    ),
)
PACKAGE = component(
    "StatecorpPackage",
    obj(
        {
            "id": INTEGER,
            "kind": {"enum": ["counter", "collection"]},
            "number": TEXT_OR_NULL,
            "status": {"enum": list(STATUSES)},
            "service": STRING,
            "variant": TEXT_OR_NULL,
            "applicant": obj({"iin": _IIN, "name": STRING}),
            "form": OBJECT,
            "operator": STRING,
            "centre": STRING,
            "opened_at": TIME,
            "checklist": array(PACKAGE_CHECK_ITEM),
            "receipt": {"oneOf": [RECEIPT, {"type": "null"}]},
            "request_message_id": TEXT_OR_NULL,
            "portal_request_id": TEXT_OR_NULL,
            "provider_number": TEXT_OR_NULL,
            "result": OBJECT_OR_NULL
            | {"description": "The provider's result as it arrived at the centre."},
            "arrived_at": TIME_OR_NULL,
            "kept_until": TIME_OR_NULL,
            "handout": OBJECT_OR_NULL
            | {"description": "To whom the result was handed out, on which document."},
            "timeline": array(TIMELINE_STEP),
        }
    ),
)
PACKAGES = component(
    "StatecorpPackages", obj({"packages": array(PACKAGE), "next": or_null(STRING)})
)
RETURNED = component("StatecorpReturned", obj({"returned": array(PACKAGE)}))
NEW_PACKAGE = component(
    "StatecorpNewPackage",
    obj(
        {
            "service": STRING,
            "variant": TEXT_OR_NULL,
            "applicant": obj({"iin": _IIN, "name": STRING}),
            "form": OBJECT,
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
            "documents": array(STRING),
            "document": STRING,
            "document_number": STRING,
            "representative": OBJECT,
            "notarized": BOOLEAN,
        },
    },
)
SERVICE_QUERY: Mapping[str, Schema] = {
    "service": STRING | {"description": "The service's id."},
    "variant": STRING | {"description": "The service's variant, if it has variants."},
}
PACKAGES_QUERY: Mapping[str, Schema] = {
    "status": {"enum": list(STATUSES), "description": "Only the packages in that state."},
    "limit": {"type": "string", "pattern": r"^\d+$", "description": "1 to 200, default 50."},
    "after": {"type": "string", "description": "The cursor of the previous page's `next`."},
    "q": STRING
    | {"description": "An applicant's IIN, a receipt's or the provider's application number."},
}
BY_PACKAGE: Mapping[str, Schema] = {"package": INTEGER | {"description": "The package's id."}}
BY_ACTION: Mapping[str, Schema] = {
    **BY_PACKAGE,
    "action": {"enum": list(ACTIONS), "description": "What the operator does."},
}
