"""The accounts' API shapes (`Auth...`: challenge, proof, applicant, session; P1 and C1), with the
portal's session cookie as a security scheme and the CSRF header every state change of the
cabinet sends. `portal_auth` reads and answers with them, `portal_api` names its security."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from egovsim.portal.model import Applicant, ApplicantKind
from egovsim.web.common.models import RequestModel, ResponseModel, Schema, Time
from egovsim.web.common.openapi import security_scheme
from egovsim.web.portal.session import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE

#: An IIN's or a BIN's shape (the checksum is the domain's to check).
TwelveDigits = Annotated[str, Field(pattern=r"^\d{12}$")]

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

#: The header every state change of the cabinet sends.
CSRF: dict[str, Schema] = {
    CSRF_HEADER: {
        "type": "string",
        "description": "The session's CSRF token (the `csrf_token` of the login's or the "
        f"session's answer). Required, unless a form sends it as its `{CSRF_FIELD}` field.",
    }
}

# -- accounts (P1, C1) ----------------------------------------------------------------------------


class AuthApplicant(ResponseModel):
    """The signed-in applicant: a person, or a company's employee."""

    account_id: int
    kind: ApplicantKind
    iin: TwelveDigits | None = Field(description="The individual's IIN; null for a company.")
    bin: TwelveDigits | None = Field(description="The legal entity's BIN; null for a person.")
    name: str = Field(description="The individual's or the organization's name.")
    person_iin: str = Field(description="Who acts: the person or the employee.")
    person_name: str
    role: str | None = Field(
        description="The employee's role in the AUTH certificate.",
        examples=["first-head", "signer", "finance", "hr", "employee"],
    )

    @classmethod
    def of(cls, applicant: Applicant) -> AuthApplicant:
        """`applicant` as the API shows it."""
        return cls.model_validate(applicant, from_attributes=True)


class AuthChallenge(ResponseModel):
    """A one-time nonce to sign with the AUTH key."""

    challenge_id: str
    nonce: str = Field(
        description="The bytes to sign (attached CMS, AUTH key), in base64.",
        json_schema_extra={"contentEncoding": "base64"},
    )
    expires_at: Time


class AuthProof(RequestModel):
    """A login, its password and a challenge signed with the login's AUTH key."""

    login: str = Field(description="The account's IIN, or a legal entity's BIN.")
    password: str
    challenge_id: str = Field(description="From `POST /api/v1/auth/challenge`.")
    signature: str = Field(
        description="An attached CMS over the challenge's nonce made with the AUTH key, in "
        "base64 (as NCALayer returns it) or PEM."
    )


class AuthSignedIn(ResponseModel):
    """The applicant signed in, and the token of the session's state changes."""

    applicant: AuthApplicant
    csrf_token: str = Field(description=f"Send it in the `{CSRF_HEADER}` header of state changes.")


class AuthSession(ResponseModel):
    """The signed-in applicant, the session's CSRF token and when it was opened."""

    applicant: AuthApplicant
    csrf_token: str
    opened_at: Time


class AuthRegistered(ResponseModel):
    """The account just registered."""

    applicant: AuthApplicant


class AuthSignedOut(ResponseModel):
    """The session is over."""

    signed_out: Literal[True] = True
