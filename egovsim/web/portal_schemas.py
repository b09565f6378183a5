"""The OpenAPI components of the applicant's side: the accounts (`Auth...`: challenge, proof,
applicant, session), the portal (`Portal...`: catalogue, applications, attachments, timeline,
notices, the request e-document) and the verifier's report, with the portal's session cookie as
a security scheme. `portal_auth` and `portal_api` declare their routes with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import get_args

from egovsim.errors import LANGUAGES
from egovsim.portal.attachments import ACCEPTED_TYPES
from egovsim.portal.edocument import DOCUMENT_TYPE
from egovsim.portal.model import ApplicantKind
from egovsim.regulations.model import Channel, FieldType, ResultForm
from egovsim.signatures.report import VERDICTS, Indication, Status
from egovsim.web.openapi import WORDS, Schema, component, security_scheme
from egovsim.web.openapi_schemas import DURATION
from egovsim.web.portal_session import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE

_STRING: Schema = {"type": "string"}
_TEXT_OR_NULL: Schema = {"type": ["string", "null"]}
_TIME: Schema = {"type": "string", "format": "date-time"}
_TIME_OR_NULL: Schema = {"type": ["string", "null"], "format": "date-time"}
_DATE: Schema = {"type": "string", "format": "date"}
_BOOLEAN: Schema = {"type": "boolean"}
_INTEGER: Schema = {"type": "integer"}
_OBJECT: Schema = {"type": "object"}
_BASE64: Schema = {"type": "string", "contentEncoding": "base64"}
_TWELVE_DIGITS = r"^\d{12}$"
_IIN_OR_NULL: Schema = {"type": ["string", "null"], "pattern": _TWELVE_DIGITS}
_SHA256: Schema = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_KIND: Schema = {"enum": list(get_args(ApplicantKind))}


def _object(properties: Mapping[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """An object whose properties are all present, but the optional ones."""
    return {
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": dict(properties),
    }


def _array(item: Schema) -> Schema:
    return {"type": "array", "items": item}


def _or_null(schema: Schema) -> Schema:
    return {"oneOf": [schema, {"type": "null"}]}


# -- the session --------------------------------------------------------------------------------

PORTAL_SESSION = "portalSession"
security_scheme(
    PORTAL_SESSION,
    {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The session cookie `POST /api/v1/auth/login` sets (C1). An operation "
        "that changes state also needs the session's CSRF token (the `csrf_token` of the "
        f"login's or the session's answer) in the `{CSRF_HEADER}` header, or in a form's "
        f"`{CSRF_FIELD}` field; without it the answer is 403 CSRF_TOKEN_INVALID.",
    },
)
#: What a route of the cabinet declares as its `security`.
SIGNED_IN = (PORTAL_SESSION,)

# -- accounts (P1, C1) ----------------------------------------------------------------------------

AUTH_APPLICANT = component(
    "AuthApplicant",
    _object(
        {
            "account_id": _INTEGER,
            "kind": _KIND,
            "iin": _IIN_OR_NULL | {"description": "The individual's IIN; null for a company."},
            "bin": _IIN_OR_NULL | {"description": "The legal entity's BIN; null for a person."},
            "name": _STRING | {"description": "The individual's or the organization's name."},
            "person_iin": _STRING | {"description": "Who acts: the person or the employee."},
            "person_name": _STRING,
            "role": _TEXT_OR_NULL
            | {
                "description": "The employee's role in the AUTH certificate.",
                "examples": ["first-head", "signer", "finance", "hr", "employee"],
            },
        }
    ),
)
AUTH_CHALLENGE = component(
    "AuthChallenge",
    _object(
        {
            "challenge_id": _STRING,
            "nonce": _BASE64 | {"description": "The bytes to sign (attached CMS, AUTH key)."},
            "expires_at": _TIME,
        }
    ),
)
AUTH_PROOF = component(
    "AuthProof",
    {
        **_object(
            {
                "login": _STRING
                | {
                    "pattern": _TWELVE_DIGITS,
                    "description": "The account's IIN, or a legal entity's BIN.",
                },
                "password": _STRING,
                "challenge_id": _STRING | {"description": "From `POST /api/v1/auth/challenge`."},
                "signature": _STRING
                | {
                    "description": "An attached CMS over the challenge's nonce made with the "
                    "AUTH key, in base64 (as NCALayer returns it) or PEM."
                },
            }
        ),
        "description": "A login, its password and a challenge signed with the login's AUTH key.",
    },
)
AUTH_SIGNED_IN = component(
    "AuthSignedIn",
    _object(
        {
            "applicant": AUTH_APPLICANT,
            "csrf_token": _STRING
            | {"description": f"Send it in the `{CSRF_HEADER}` header of state changes."},
        }
    ),
)
AUTH_SESSION = component(
    "AuthSession",
    _object(
        {
            "applicant": AUTH_APPLICANT,
            "csrf_token": _STRING,
            "opened_at": _TIME,
        }
    ),
)
AUTH_REGISTERED = _object({"applicant": AUTH_APPLICANT})
AUTH_SIGNED_OUT = _object({"signed_out": {"const": True}})

# -- the verifier's report (C2) -----------------------------------------------------------------

PORTAL_SIGNER = component(
    "PortalSigner",
    _object(
        {
            "name": _TEXT_OR_NULL,
            "iin": _TEXT_OR_NULL,
            "bin": _TEXT_OR_NULL,
            "organization": _TEXT_OR_NULL,
            "role": _TEXT_OR_NULL,
            "usage": _TEXT_OR_NULL | {"examples": ["sign", "auth"]},
            "serial": _STRING | {"description": "The certificate's serial number, in hex."},
            "issuer": _STRING,
            "not_before": _TIME,
            "not_after": _TIME,
        }
    ),
)
_INDICATION: Schema = {"enum": [str(i) for i in Indication]}
PORTAL_REPORT = component(
    "PortalVerificationReport",
    {
        **_object(
            {
                "indication": _INDICATION,
                "subindication": _TEXT_OR_NULL
                | {"examples": sorted({sub for _, sub in VERDICTS.values()})},
                "code": {"enum": [*sorted(VERDICTS), None]},
                "step": {"enum": ["C2", None]},
                "message": _or_null(WORDS),
                "validation_time": _TIME,
                "signing_time": _TIME_OR_NULL,
                "signer": _or_null(PORTAL_SIGNER),
                "chain": _array(_STRING)
                | {"description": "The subjects from the signer to the trust anchor."},
                "checks": _array(
                    _object(
                        {
                            "name": _STRING,
                            "status": {"enum": [str(s) for s in Status]},
                            "detail": _STRING,
                            "code": _STRING,
                            "data": _OBJECT,
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

_SERVICE_DOCUMENT = _object({"id": _STRING, "name": _STRING, "required": _BOOLEAN})
PORTAL_SERVICE = component(
    "PortalService",
    _object(
        {
            "id": _STRING,
            "name": _STRING,
            "provider": _STRING,
            "basis": _object(
                {
                    "authority": _STRING,
                    "resolution": _STRING,
                    "date": _DATE,
                    "registration": _TEXT_OR_NULL,
                    "standard": _STRING,
                }
            ),
            "effective": _object(
                {
                    "from": _DATE,
                    "to": {"type": ["string", "null"], "format": "date"},
                    "repealed_by": _TEXT_OR_NULL,
                    "in_force_today": _BOOLEAN,
                }
            ),
            "channels": _array({"enum": list(get_args(Channel))}),
            "on_portal": _BOOLEAN,
            "eligibility": _array(
                _object(
                    {
                        "id": _STRING | {"description": "The applicant category (`category`)."},
                        "kind": _KIND,
                        "name": _STRING,
                        "accepting_today": _BOOLEAN,
                    }
                )
            ),
            "eligible": {
                "type": ["boolean", "null"],
                "description": "Whether the signed-in applicant may apply; null without a login.",
            },
            "acceptance_windows": _array(
                _object(
                    {
                        "from": {"type": "string", "pattern": r"^\d\d-\d\d$"},
                        "to": {"type": "string", "pattern": r"^\d\d-\d\d$"},
                        "categories": _array(_STRING),
                    }
                )
            ),
            "form": _array(
                _object(
                    {
                        "id": _STRING,
                        "label": _STRING,
                        "type": {"enum": list(get_args(FieldType))},
                        "required": _BOOLEAN,
                        "choices": _array(_STRING),
                    }
                )
            ),
            "variants": _array(
                _object({"id": _STRING, "name": _STRING, "documents": _array(_SERVICE_DOCUMENT)})
            ),
            "documents": {
                "type": "object",
                "description": "The documents to attach, by variant id (`*` without variants).",
                "additionalProperties": _array(_SERVICE_DOCUMENT),
            },
            "terms": _array(
                _object(
                    {
                        "id": _STRING,
                        "role": _STRING,
                        "name": _STRING,
                        "duration": DURATION,
                        "by_variant": {"type": "object", "additionalProperties": DURATION},
                    }
                )
            ),
            "refusal_term": DURATION,
            "results": _array(_object({"id": _STRING, "name": _STRING, "refusal": _BOOLEAN})),
            "result_forms": _array({"enum": list(get_args(ResultForm))}),
            "fee": _object({"amount_kzt": _INTEGER, "note": _TEXT_OR_NULL}),
        }
    ),
)
PORTAL_CATALOGUE = _object(
    {"language": {"enum": list(LANGUAGES)}, "services": _array(PORTAL_SERVICE)}
)

# -- applications (P3-P9) -----------------------------------------------------------------------

_STATUS: Schema = {
    "enum": [
        "draft",
        "signed",
        "sent",
        "delivered",
        "not_delivered",
        "in_progress",
        "completed",
        "refused",
    ]
}
_APPLICANT = _object({"kind": _KIND, "iin": _IIN_OR_NULL, "bin": _IIN_OR_NULL, "name": _STRING})
_PERSON = _object({"iin": _STRING, "name": _STRING})
_SERVICE_NAMED = _object({"id": _STRING, "name": WORDS})
_SUMMARY_FIELDS: dict[str, Schema] = {
    "id": _INTEGER,
    "number": _STRING,
    "service": _SERVICE_NAMED,
    "variant": _TEXT_OR_NULL,
    "status": _STATUS,
    "created_at": _TIME,
    "updated_at": _TIME,
    "provider_number": _TEXT_OR_NULL | {"description": "The provider's registration number."},
    "provider_status": _TEXT_OR_NULL,
}
PORTAL_SUMMARY = component("PortalApplicationSummary", _object(_SUMMARY_FIELDS))
PORTAL_ATTACHMENT = component(
    "PortalAttachment",
    _object(
        {
            "file_name": _STRING,
            "content_type": {"enum": list(ACCEPTED_TYPES)},
            "size": _INTEGER,
            "sha256": _SHA256,
            "attached_at": _TIME,
            "href": _STRING | {"description": "Where to download the copy."},
        }
    ),
)
PORTAL_TIMELINE_ENTRY = component(
    "PortalTimelineEntry",
    _object(
        {
            "step": _STRING
            | {
                "description": "The step of the portal sequence.",
                "examples": ["P1", "C1", "P3", "C2", "P5", "P7", "C3", "P8", "P9"],
            },
            "at": _TIME,
            "event": _STRING | {"examples": ["signed_in", "signature_refused", "result"]},
            "code": _TEXT_OR_NULL | {"description": "The refusal code, on a refusal."},
            "details": _OBJECT,
        }
    ),
)
_VERDICT: Schema = {"enum": [*(str(i) for i in Indication), None]}
PORTAL_APPLICATION = component(
    "PortalApplication",
    _object(
        _SUMMARY_FIELDS
        | {
            "category": _STRING,
            "applicant": _APPLICANT,
            "person": _PERSON,
            "form": _OBJECT | {"description": "The service's form fields by id."},
            "documents": _array(
                _object(
                    {
                        "id": _STRING,
                        "name": WORDS,
                        "required": _BOOLEAN,
                        "attachment": _or_null(PORTAL_ATTACHMENT),
                    }
                )
            ),
            "signature": _or_null(
                _object(
                    {
                        "signed_at": _TIME_OR_NULL,
                        "indication": _VERDICT,
                        "signer": _or_null(PORTAL_SIGNER),
                    }
                )
            ),
            "message_id": _TEXT_OR_NULL | {"description": "The gateway's messageId (P7)."},
            "sent_at": _TIME_OR_NULL,
            "timeline": _array(PORTAL_TIMELINE_ENTRY),
            "result": _or_null(
                _object(
                    {
                        "kind": _STRING,
                        "refusal": _BOOLEAN,
                        "grounds": _TEXT_OR_NULL,
                        "number": _TEXT_OR_NULL,
                        "received_at": _TIME,
                        "indication": _VERDICT,
                        "signer": _or_null(PORTAL_SIGNER),
                        "cms": _STRING | {"description": "Where to download the signed CMS."},
                        "document": _STRING | {"description": "Where the signed document is."},
                    }
                )
            ),
            "links": _object(
                {
                    "document": _STRING | {"description": "The e-document to sign (P4)."},
                    "signature": _STRING | {"description": "Where to send the CMS (C2, P6)."},
                }
            ),
        }
    ),
)
PORTAL_APPLICATIONS = _object({"applications": _array(PORTAL_SUMMARY)})
PORTAL_NEW_APPLICATION = component(
    "PortalNewApplication",
    {
        "type": "object",
        "required": ["service"],
        "properties": {
            "service": _STRING | {"description": "A service id of the catalogue."},
            "variant": _TEXT_OR_NULL | {"description": "One of the service's `variants`."},
            "category": _TEXT_OR_NULL
            | {"description": "One of the service's `eligibility` ids; the first that fits."},
            "form": _OBJECT
            | {"description": "The form's fields by id; the IIN/BIN ones are the applicant's."},
        },
    },
)
PORTAL_REQUEST_DOCUMENT = component(
    "PortalRequestDocument",
    {
        **_object(
            {
                "type": {"const": DOCUMENT_TYPE},
                "number": _STRING,
                "service": _SERVICE_NAMED,
                "variant": _TEXT_OR_NULL,
                "category": _STRING,
                "applicant": _APPLICANT,
                "person": _PERSON,
                "form": _OBJECT,
                "attachments": _array(
                    _object(
                        {
                            "document": _STRING,
                            "file_name": _STRING,
                            "content_type": {"enum": list(ACCEPTED_TYPES)},
                            "size": _INTEGER,
                            "sha256": _SHA256,
                        }
                    )
                ),
                "frozen_at": _TIME,
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
            "application": _STRING,
            "service": _SERVICE_NAMED,
            "provider": _object({"id": _STRING, "bin": _STRING, "name": WORDS}),
            "applicant": _object({"iin": _IIN_OR_NULL, "bin": _IIN_OR_NULL, "name": _STRING}),
            "variant": _TEXT_OR_NULL,
            "result": _object({"kind": _STRING, "name": WORDS, "refusal": _BOOLEAN}),
            "grounds": _TEXT_OR_NULL,
            "prepared_at": _TIME,
        },
    },
)
PORTAL_NOTIFICATION = component(
    "PortalNotification",
    _object(
        {
            "id": _INTEGER,
            "application_id": {"type": ["integer", "null"]},
            "at": _TIME,
            "kind": _STRING | {"examples": ["result", "collect", "notice"]},
            "text": {
                "type": "object",
                "description": "The notice in the languages its sender gave.",
                "properties": dict.fromkeys(LANGUAGES, _STRING),
            },
            "details": _OBJECT,
        }
    ),
)
PORTAL_NOTIFICATIONS = _object({"notifications": _array(PORTAL_NOTIFICATION)})

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
    _object(
        {
            "cms": _STRING
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
        **_object(
            {"cms": _STRING, "data": {"type": ["string", "null"], "contentEncoding": "base64"}},
            optional=("data",),
        ),
        "description": "A CMS (base64 or PEM) and, for a detached one, its data in base64. "
        "The body may also be a multipart form with the files `cms` and `data`, or the raw CMS.",
    },
)
CHECK_QUERY: dict[str, Schema] = {
    "expect_iin": _STRING
    | {"pattern": _TWELVE_DIGITS, "description": "The IIN the signer must have."},
    "expect_bin": _STRING
    | {"pattern": _TWELVE_DIGITS, "description": "The BIN the signer must have."},
    "purpose": {
        "enum": ["sign", "auth"],
        "default": "sign",
        "description": "Which key usage the certificate must have.",
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
_CMS_TEXT: Schema = _STRING | {"description": "The CMS in PEM, or bare base64 (as NCALayer gives)."}
#: The header every state change of the cabinet sends.
CSRF: dict[str, Schema] = {
    CSRF_HEADER: _STRING
    | {
        "description": "The session's CSRF token (the `csrf_token` of the login's or the "
        f"session's answer). Required, unless a form sends it as its `{CSRF_FIELD}` field."
    }
}
ATTACHMENT_HEADERS: dict[str, Schema] = CSRF | {
    "X-File-Name": _STRING
    | {"description": "With a raw body: the file's name, percent-encoded UTF-8."}
}
ATTACHMENT_TYPES: dict[str, Schema] = {
    "multipart/form-data": _object(
        {
            "file": _BYTES | {"description": "The copy, with its file name."},
            CSRF_FIELD: _STRING,
        },
        optional=(CSRF_FIELD,),
    ),
    # A raw body: its type is told by its content, never by the header.
    **{kind: {} for kind in ACCEPTED_TYPES},
}
SIGNATURE_TYPES: dict[str, Schema] = {"application/pkcs7-signature": {}, "text/plain": _CMS_TEXT}
CHECK_TYPES: dict[str, Schema] = {
    "multipart/form-data": _object(
        {
            "cms": _BYTES | {"description": "The CMS: DER, PEM or base64."},
            "data": _BYTES | {"description": "The signed data of a detached CMS."},
        },
        optional=("data",),
    ),
    "application/pkcs7-signature": {},
    "text/plain": _CMS_TEXT,
}
