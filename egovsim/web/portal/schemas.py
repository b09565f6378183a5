"""The OpenAPI components of the portal (`Portal...`: catalogue, applications, attachments,
timeline, notices, the request e-document) and the verifier's report; `portal_api` declares its
routes with them, behind the session of `auth_schemas`.
"""

from __future__ import annotations

from typing import get_args

from egovsim.errors import LANGUAGES
from egovsim.portal.attachments import ACCEPTED_TYPES
from egovsim.portal.edocument import DOCUMENT_TYPE
from egovsim.regulations.model import Channel, FieldType, ResultForm
from egovsim.signatures.report import VERDICTS, Indication, Status
from egovsim.web.common.openapi import WORDS, Schema, component
from egovsim.web.common.openapi_schemas import DURATION
from egovsim.web.common.schema_parts import (
    BOOLEAN,
    DATE,
    IIN_OR_NULL,
    INTEGER,
    OBJECT,
    STRING,
    TEXT_OR_NULL,
    TIME,
    TIME_OR_NULL,
    TWELVE_DIGITS,
    array,
    obj,
    or_null,
)
from egovsim.web.portal.auth_schemas import APPLICANT_KIND, CSRF
from egovsim.web.portal.session import CSRF_FIELD

_SHA256: Schema = {"type": "string", "pattern": "^[0-9a-f]{64}$"}


# -- the verifier's report (C2) -----------------------------------------------------------------

PORTAL_SIGNER = component(
    "PortalSigner",
    obj(
        {
            "name": TEXT_OR_NULL,
            "iin": TEXT_OR_NULL,
            "bin": TEXT_OR_NULL,
            "organization": TEXT_OR_NULL,
            "role": TEXT_OR_NULL,
            "usage": TEXT_OR_NULL | {"examples": ["sign", "auth"]},
            "serial": STRING | {"description": "The certificate's serial number, in hex."},
            "issuer": STRING,
            "not_before": TIME,
            "not_after": TIME,
        }
    ),
)
_INDICATION: Schema = {"enum": [str(i) for i in Indication]}
PORTAL_REPORT = component(
    "PortalVerificationReport",
    {
        **obj(
            {
                "indication": _INDICATION,
                "subindication": TEXT_OR_NULL
                | {"examples": sorted({sub for _, sub in VERDICTS.values()})},
                "code": {"enum": [*sorted(VERDICTS), None]},
                "step": {"enum": ["C2", None]},
                "message": or_null(WORDS),
                "validation_time": TIME,
                "signing_time": TIME_OR_NULL,
                "signer": or_null(PORTAL_SIGNER),
                "chain": array(STRING)
                | {"description": "The subjects from the signer to the trust anchor."},
                "checks": array(
                    obj(
                        {
                            "name": STRING,
                            "status": {"enum": [str(s) for s in Status]},
                            "detail": STRING,
                            "code": STRING,
                            "data": OBJECT,
                        },
                        optional=("detail", "code", "data"),
                    )
                )
                | {"description": "Every check made, in order; the first failed one decides."},
            }
        ),
        "description": "The verifier's report (C2): an indication and subindication in the "
        "words of ETSI EN 319 102-1, the refusal code, the signer, and every check made.",
    },
)

# -- the catalogue ------------------------------------------------------------------------------

_SERVICE_DOCUMENT = obj({"id": STRING, "name": STRING, "required": BOOLEAN})
PORTAL_SERVICE = component(
    "PortalService",
    obj(
        {
            "id": STRING,
            "name": STRING,
            "provider": STRING,
            "basis": obj(
                {
                    "authority": STRING,
                    "resolution": STRING,
                    "date": DATE,
                    "registration": TEXT_OR_NULL,
                    "standard": STRING,
                }
            ),
            "effective": obj(
                {
                    "from": DATE,
                    "to": {"type": ["string", "null"], "format": "date"},
                    "repealed_by": TEXT_OR_NULL,
                    "in_force_today": BOOLEAN,
                }
            ),
            "channels": array({"enum": list(get_args(Channel))}),
            "on_portal": BOOLEAN,
            "eligibility": array(
                obj(
                    {
                        "id": STRING | {"description": "The applicant category (`category`)."},
                        "kind": APPLICANT_KIND,
                        "name": STRING,
                        "accepting_today": BOOLEAN,
                    }
                )
            ),
            "eligible": {
                "type": ["boolean", "null"],
                "description": "Whether the signed-in applicant may apply; null without a login.",
            },
            "acceptance_windows": array(
                obj(
                    {
                        "from": {"type": "string", "pattern": r"^\d\d-\d\d$"},
                        "to": {"type": "string", "pattern": r"^\d\d-\d\d$"},
                        "categories": array(STRING),
                    }
                )
            ),
            "form": array(
                obj(
                    {
                        "id": STRING,
                        "label": STRING,
                        "type": {"enum": list(get_args(FieldType))},
                        "required": BOOLEAN,
                        # the variants that need it too: a term counts from it (the exam)
                        "required_in": array(STRING),
                        "choices": array(STRING),
                    }
                )
            ),
            "variants": array(
                obj({"id": STRING, "name": STRING, "documents": array(_SERVICE_DOCUMENT)})
            ),
            "documents": {
                "type": "object",
                "description": "The documents to attach, by variant id (`*` without variants).",
                "additionalProperties": array(_SERVICE_DOCUMENT),
            },
            "terms": array(
                obj(
                    {
                        "id": STRING,
                        "role": STRING,
                        "name": STRING,
                        "duration": DURATION,
                        "by_variant": {"type": "object", "additionalProperties": DURATION},
                    }
                )
            ),
            "refusal_term": DURATION,
            "results": array(obj({"id": STRING, "name": STRING, "refusal": BOOLEAN})),
            "result_forms": array({"enum": list(get_args(ResultForm))}),
            "fee": obj({"amount_kzt": INTEGER, "note": TEXT_OR_NULL}),
        }
    ),
)
PORTAL_CATALOGUE = obj({"language": {"enum": list(LANGUAGES)}, "services": array(PORTAL_SERVICE)})

# -- applications (P3-P9) -----------------------------------------------------------------------

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
_STATUS: Schema = {"enum": list(PORTAL_STATUSES)}
_APPLICANT = obj({"kind": APPLICANT_KIND, "iin": IIN_OR_NULL, "bin": IIN_OR_NULL, "name": STRING})
_PERSON = obj({"iin": STRING, "name": STRING})
_SERVICE_NAMED = obj({"id": STRING, "name": WORDS})
_SUMMARY_FIELDS: dict[str, Schema] = {
    "id": INTEGER,
    "number": STRING,
    "service": _SERVICE_NAMED,
    "variant": TEXT_OR_NULL,
    "status": _STATUS,
    "created_at": TIME,
    "updated_at": TIME,
    "provider_number": TEXT_OR_NULL | {"description": "The provider's registration number."},
    "provider_status": TEXT_OR_NULL,
}
PORTAL_SUMMARY = component("PortalApplicationSummary", obj(_SUMMARY_FIELDS))
PORTAL_ATTACHMENT = component(
    "PortalAttachment",
    obj(
        {
            "file_name": STRING,
            "content_type": {"enum": list(ACCEPTED_TYPES)},
            "size": INTEGER,
            "sha256": _SHA256,
            "attached_at": TIME,
            "href": STRING | {"description": "Where to download the copy."},
        }
    ),
)
PORTAL_TIMELINE_ENTRY = component(
    "PortalTimelineEntry",
    obj(
        {
            "step": STRING
            | {
                "description": "The step of the portal sequence.",
                "examples": ["P1", "C1", "P3", "C2", "P5", "P7", "C3", "P8", "P9"],
            },
            "at": TIME,
            "event": STRING | {"examples": ["signed_in", "signature_refused", "result"]},
            "code": TEXT_OR_NULL | {"description": "The refusal code, on a refusal."},
            "details": OBJECT,
        }
    ),
)
_VERDICT: Schema = {"enum": [*(str(i) for i in Indication), None]}
PORTAL_SIGNERS: Schema = array(
    obj(
        {
            "index": INTEGER | {"description": "1 for the first signer, in the CMS's order."},
            "indication": _VERDICT,
            "code": TEXT_OR_NULL | {"description": "The refusal of this signer, if any."},
            "signer": or_null(PORTAL_SIGNER),
            "timestamp": TIME_OR_NULL
            | {"description": "The time the signer's signature-time-stamp proves (CAdES-T)."},
        }
    )
) | {"description": "Every signer of the CMS: the first head, then any co-signer."}
PORTAL_APPLICATION = component(
    "PortalApplication",
    obj(
        _SUMMARY_FIELDS
        | {
            "category": STRING,
            "applicant": _APPLICANT,
            "person": _PERSON,
            "form": OBJECT | {"description": "The service's form fields by id."},
            "documents": array(
                obj(
                    {
                        "id": STRING,
                        "name": WORDS,
                        "required": BOOLEAN,
                        "attachment": or_null(PORTAL_ATTACHMENT),
                    }
                )
            ),
            "signature": or_null(
                obj(
                    {
                        "signed_at": TIME_OR_NULL,
                        "indication": _VERDICT,
                        "signer": or_null(PORTAL_SIGNER),
                        "signers": PORTAL_SIGNERS,
                    }
                )
            ),
            "message_id": TEXT_OR_NULL | {"description": "The gateway's messageId (P7)."},
            "sent_at": TIME_OR_NULL,
            "timeline": array(PORTAL_TIMELINE_ENTRY),
            "result": or_null(
                obj(
                    {
                        "kind": STRING,
                        "refusal": BOOLEAN,
                        "grounds": TEXT_OR_NULL,
                        "number": TEXT_OR_NULL,
                        "received_at": TIME,
                        "indication": _VERDICT,
                        "signer": or_null(PORTAL_SIGNER),
                        "signers": PORTAL_SIGNERS,
                        "cms": STRING | {"description": "Where to download the signed CMS."},
                        "document": STRING | {"description": "Where the signed document is."},
                    }
                )
            ),
            "links": obj(
                {
                    "document": STRING | {"description": "The e-document to sign (P4)."},
                    "signature": STRING | {"description": "Where to send the CMS (C2, P6)."},
                }
            ),
        }
    ),
)
PORTAL_APPLICATIONS = obj({"applications": array(PORTAL_SUMMARY), "next": or_null(STRING)})
#: A page of the cabinet: how many, from where, of which status.
PAGE_QUERY: dict[str, Schema] = {
    "limit": {
        "type": "string",
        "pattern": r"^\d+$",
        "description": "How many on a page, 1 to 200 (default 50).",
    },
    "after": {
        "type": "string",
        "description": "The opaque cursor of the page's start, from the previous page's `next`.",
    },
    "status": {"type": "string", "enum": list(PORTAL_STATUSES)},
}
PORTAL_NEW_APPLICATION = component(
    "PortalNewApplication",
    {
        "type": "object",
        "required": ["service"],
        "properties": {
            "service": STRING | {"description": "A service id of the catalogue."},
            "variant": TEXT_OR_NULL | {"description": "One of the service's `variants`."},
            "category": TEXT_OR_NULL
            | {"description": "One of the service's `eligibility` ids; the first that fits."},
            "form": OBJECT
            | {"description": "The form's fields by id; the IIN/BIN ones are the applicant's."},
        },
    },
)
PORTAL_REQUEST_DOCUMENT = component(
    "PortalRequestDocument",
    {
        **obj(
            {
                "type": {"const": DOCUMENT_TYPE},
                "number": STRING,
                "service": _SERVICE_NAMED,
                "variant": TEXT_OR_NULL,
                "category": STRING,
                "applicant": _APPLICANT,
                "person": _PERSON,
                "form": OBJECT,
                "attachments": array(
                    obj(
                        {
                            "document": STRING,
                            "file_name": STRING,
                            "content_type": {"enum": list(ACCEPTED_TYPES)},
                            "size": INTEGER,
                            "sha256": _SHA256,
                        }
                    )
                ),
                "frozen_at": TIME,
            }
        ),
        "description": "The request e-document (P4): canonical JSON (UTF-8, keys sorted, no "
        "spaces). Sign its bytes as they are; do not parse and re-serialize them.",
    },
)
PORTAL_RESULT_DOCUMENT = component(
    "PortalResultDocument",
    {
        "description": "The content of the provider's CMS. The built-in workstation signs an "
        "`egovsim.result.v1` document of this shape; an external provider system signs its own.",
        "properties": {
            "type": {"const": "egovsim.result.v1"},
            "application": STRING,
            "service": _SERVICE_NAMED,
            "provider": obj({"id": STRING, "bin": STRING, "name": WORDS}),
            "applicant": obj({"iin": IIN_OR_NULL, "bin": IIN_OR_NULL, "name": STRING}),
            "variant": TEXT_OR_NULL,
            "result": obj({"kind": STRING, "name": WORDS, "refusal": BOOLEAN}),
            "grounds": TEXT_OR_NULL,
            "prepared_at": TIME,
        },
    },
)
PORTAL_NOTIFICATION = component(
    "PortalNotification",
    obj(
        {
            "id": INTEGER,
            "application_id": {"type": ["integer", "null"]},
            "at": TIME,
            "kind": STRING | {"examples": ["result", "collect", "notice"]},
            "text": {
                "type": "object",
                "description": "The notice in the languages its sender gave.",
                "properties": dict.fromkeys(LANGUAGES, STRING),
            },
            "details": OBJECT,
        }
    ),
)
PORTAL_NOTIFICATIONS = obj({"notifications": array(PORTAL_NOTIFICATION)})

# -- parameters ---------------------------------------------------------------------------------

APPLICATION_ID: Schema = {
    "type": "string",
    "pattern": r"^\d+$",
    "description": "The application's `id`.",
}
DOCUMENT_ID: Schema = {
    "type": "string",
    "description": "A document id of the application's service (its `documents[].id`).",
}
#: The path parameters of an application's routes, and of its attachments'.
BY_ID: dict[str, Schema] = {"id": APPLICATION_ID}
BY_DOCUMENT: dict[str, Schema] = BY_ID | {"document_id": DOCUMENT_ID}
SIGNATURE_BODY = component(
    "PortalSignatureBody",
    obj(
        {
            "cms": STRING
            | {
                "description": "The CMS over the e-document's bytes (attached or detached), in "
                "base64 or PEM. The body may also be the CMS itself: DER, PEM or base64."
            }
        }
    ),
)
CHECK_BODY = component(
    "PortalCheckBody",
    {
        **obj(
            {"cms": STRING, "data": {"type": ["string", "null"], "contentEncoding": "base64"}},
            optional=("data",),
        ),
        "description": "A CMS (base64 or PEM) and, for a detached one, its data in base64. "
        "The body may also be a multipart form with the files `cms` and `data`, or the raw CMS.",
    },
)
CHECK_QUERY: dict[str, Schema] = {
    "expect_iin": STRING
    | {"pattern": TWELVE_DIGITS, "description": "The IIN the signer must have."},
    "expect_bin": STRING
    | {"pattern": TWELVE_DIGITS, "description": "The BIN the signer must have."},
    "purpose": {
        "enum": ["sign", "auth"],
        "default": "sign",
        "description": "Which key usage the certificate must have.",
    },
    "require_timestamp": {
        "enum": ["true", "false"],
        "default": "false",
        "description": "true: a signer without a signature-time-stamp (CAdES-T) is refused "
        "TIMESTAMP_MISSING.",
    },
}
LANGUAGE_QUERY: dict[str, Schema] = {
    "lang": {
        "enum": list(LANGUAGES),
        "description": "The language of the answer; else the `egovsim_lang` cookie, then "
        "Accept-Language.",
    }
}

# -- bodies other than JSON, and headers ---------------------------------------------------------

_BYTES: Schema = {"type": "string", "contentMediaType": "application/octet-stream"}
_CMS_TEXT: Schema = STRING | {"description": "The CMS in PEM, or bare base64 (as NCALayer gives)."}
ATTACHMENT_HEADERS: dict[str, Schema] = CSRF | {
    "X-File-Name": STRING
    | {"description": "With a raw body: the file's name, percent-encoded UTF-8."}
}
ATTACHMENT_TYPES: dict[str, Schema] = {
    "multipart/form-data": obj(
        {
            "file": _BYTES | {"description": "The copy, with its file name."},
            CSRF_FIELD: STRING,
        },
        optional=(CSRF_FIELD,),
    ),
    # A raw body: its type is told by its content, never by the header.
    **{kind: {} for kind in ACCEPTED_TYPES},
}
SIGNATURE_TYPES: dict[str, Schema] = {"application/pkcs7-signature": {}, "text/plain": _CMS_TEXT}
CHECK_TYPES: dict[str, Schema] = {
    "multipart/form-data": obj(
        {
            "cms": _BYTES | {"description": "The CMS: DER, PEM or base64."},
            "data": _BYTES | {"description": "The signed data of a detached CMS."},
        },
        optional=("data",),
    ),
    "application/pkcs7-signature": {},
    "text/plain": _CMS_TEXT,
}
