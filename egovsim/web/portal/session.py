"""The portal session a request carries: its applicant (after C1) and its CSRF token.

The session cookie holds a random token; the server keeps only the token's hash (see
`egovsim.portal.accounts`). Requests that change state with the cookie's authority must also
send the session's CSRF token, in the `X-CSRF-Token` header or a form's `csrf_token` field.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from egovsim.errors import EgovsimError
from egovsim.portal.model import Applicant
from egovsim.web.common.keys import simulator_of

SESSION_COOKIE = "egovsim_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True, slots=True)
class PortalSession:
    """A live session as the web layer sees it."""

    applicant: Applicant
    csrf_token: str
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class _Lookup:
    session: PortalSession | None


# One lookup per request, however many helpers ask.
_LOOKUP = web.RequestKey("egovsim_portal_session", _Lookup)


async def portal_session(request: web.Request) -> PortalSession | None:
    """The live session of the request's cookie, or None."""
    if _LOOKUP in request:
        return request[_LOOKUP].session
    token = request.cookies.get(SESSION_COOKIE)
    session: PortalSession | None = None
    if token:
        found = await simulator_of(request).accounts.applicant_for_session(token)
        if found is not None:
            session = PortalSession(*found)
    request[_LOOKUP] = _Lookup(session)
    return session


def forget_session(request: web.Request) -> None:
    """Drop what this request knows of its session (after login or logout changes it)."""
    request.pop(_LOOKUP, None)


async def current_applicant(request: web.Request) -> Applicant:
    """The applicant of the request's session; NOT_SIGNED_IN (C1) when there is none."""
    session = await portal_session(request)
    if session is None:
        raise EgovsimError("NOT_SIGNED_IN", {"refusal_step": "P2"})
    return session.applicant


async def optional_applicant(request: web.Request) -> Applicant | None:
    """The applicant of the request's session, or None when nobody is signed in."""
    session = await portal_session(request)
    return session.applicant if session is not None else None


async def csrf_token(request: web.Request) -> str | None:
    """The session's CSRF token, for pages to put into their forms; None without a session."""
    session = await portal_session(request)
    return session.csrf_token if session is not None else None


async def check_csrf(request: web.Request) -> None:
    """Refuse a state-changing request whose CSRF token is not the session's
    (CSRF_TOKEN_INVALID), or that has no session at all (NOT_SIGNED_IN)."""
    session = await portal_session(request)
    if session is None:
        raise EgovsimError("NOT_SIGNED_IN", {"refusal_step": "P2"})
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type in _FORMS:
        field = (await request.post()).get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
        raise EgovsimError("CSRF_TOKEN_INVALID")
