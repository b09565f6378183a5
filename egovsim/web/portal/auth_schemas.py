"""The OpenAPI components of the accounts (`Auth...`: challenge, proof, applicant, session, P1
and C1), with the portal's session cookie as a security scheme and the CSRF header every state
change of the cabinet sends. `portal_auth` declares its routes with them, `portal_schemas` its
security.
"""

from __future__ import annotations

from typing import get_args

from egovsim.portal.model import ApplicantKind
from egovsim.web.common.openapi import Schema, component, security_scheme
from egovsim.web.common.schema_parts import (
    BASE64,
    IIN_OR_NULL,
    INTEGER,
    STRING,
    TEXT_OR_NULL,
    TIME,
    TWELVE_DIGITS,
    obj,
)
from egovsim.web.portal.session import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE

#: An applicant's kind: an individual or a legal entity.
APPLICANT_KIND: Schema = {"enum": list(get_args(ApplicantKind))}

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
    obj(
        {
            "account_id": INTEGER,
            "kind": APPLICANT_KIND,
            "iin": IIN_OR_NULL | {"description": "The individual's IIN; null for a company."},
            "bin": IIN_OR_NULL | {"description": "The legal entity's BIN; null for a person."},
            "name": STRING | {"description": "The individual's or the organization's name."},
            "person_iin": STRING | {"description": "Who acts: the person or the employee."},
            "person_name": STRING,
            "role": TEXT_OR_NULL
            | {
                "description": "The employee's role in the AUTH certificate.",
                "examples": ["first-head", "signer", "finance", "hr", "employee"],
            },
        }
    ),
)
AUTH_CHALLENGE = component(
    "AuthChallenge",
    obj(
        {
            "challenge_id": STRING,
            "nonce": BASE64 | {"description": "The bytes to sign (attached CMS, AUTH key)."},
            "expires_at": TIME,
        }
    ),
)
AUTH_PROOF = component(
    "AuthProof",
    {
        **obj(
            {
                "login": STRING
                | {
                    "pattern": TWELVE_DIGITS,
                    "description": "The account's IIN, or a legal entity's BIN.",
                },
                "password": STRING,
                "challenge_id": STRING | {"description": "From `POST /api/v1/auth/challenge`."},
                "signature": STRING
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
    obj(
        {
            "applicant": AUTH_APPLICANT,
            "csrf_token": STRING
            | {"description": f"Send it in the `{CSRF_HEADER}` header of state changes."},
        }
    ),
)
AUTH_SESSION = component(
    "AuthSession",
    obj(
        {
            "applicant": AUTH_APPLICANT,
            "csrf_token": STRING,
            "opened_at": TIME,
        }
    ),
)
AUTH_REGISTERED = obj({"applicant": AUTH_APPLICANT})
AUTH_SIGNED_OUT = obj({"signed_out": {"const": True}})

#: The header every state change of the cabinet sends.
CSRF: dict[str, Schema] = {
    CSRF_HEADER: STRING
    | {
        "description": "The session's CSRF token (the `csrf_token` of the login's or the "
        f"session's answer). Required, unless a form sends it as its `{CSRF_FIELD}` field."
    }
}
