"""`/api/v1/auth/...`: the applicant's registration, login (P1, C1), session and logout."""

from __future__ import annotations

import base64
from typing import Any

from aiohttp import web

from egovsim.errors import EgovsimError
from egovsim.portal.accounts import SESSION_LIFETIME
from egovsim.web.common.keys import ACCOUNTS
from egovsim.web.common.openapi import api
from egovsim.web.common.requests import json_object
from egovsim.web.portal.auth_schemas import (
    AUTH_CHALLENGE,
    AUTH_PROOF,
    AUTH_REGISTERED,
    AUTH_SESSION,
    AUTH_SIGNED_IN,
    AUTH_SIGNED_OUT,
    CSRF,
    SIGNED_IN,
)
from egovsim.web.portal.session import (
    SESSION_COOKIE,
    check_csrf,
    forget_session,
    portal_session,
)

routes = web.RouteTableDef()

_PROOF_FIELDS = ("login", "password", "challenge_id", "signature")


def _fields(body: dict[str, Any]) -> tuple[str, str, str, str]:
    """The four strings a login or a registration sends; BAD_REQUEST names a missing one."""
    values = []
    for name in _PROOF_FIELDS:
        value = body.get(name)
        if not isinstance(value, str):
            raise EgovsimError("BAD_REQUEST", {"reason": f"'{name}' must be a string"})
        values.append(value)
    login, password, challenge_id, signature = values
    return login, password, challenge_id, signature


@routes.post("/api/v1/auth/challenge")
@api(response=AUTH_CHALLENGE)
async def challenge(request: web.Request) -> web.Response:
    """A one-time nonce to sign with the AUTH key, valid five minutes of the simulator's clock."""
    challenge_id, nonce, expires_at = await request.app[ACCOUNTS].challenge()
    return web.json_response(
        {
            "challenge_id": challenge_id,
            "nonce": base64.b64encode(nonce).decode(),
            "expires_at": expires_at.isoformat(),
        }
    )


@routes.post("/api/v1/auth/register")
@api(request=AUTH_PROOF, response=AUTH_REGISTERED, status=201)
async def register(request: web.Request) -> web.Response:
    """A new account for an IIN or BIN, proved by a challenge signed with its AUTH key."""
    applicant = await request.app[ACCOUNTS].register(*_fields(await json_object(request)))
    return web.json_response({"applicant": applicant.to_json()}, status=201)


@routes.post("/api/v1/auth/login")
@api(request=AUTH_PROOF, response=AUTH_SIGNED_IN)
async def login(request: web.Request) -> web.Response:
    """C1: check the login, password and signed challenge; open a session and set its cookie."""
    accounts = request.app[ACCOUNTS]
    token, applicant, csrf = await accounts.login(*_fields(await json_object(request)))
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        await accounts.logout(previous)
    forget_session(request)
    response = web.json_response({"applicant": applicant.to_json(), "csrf_token": csrf})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=request.secure,
    )
    return response


@routes.post("/api/v1/auth/logout")
@api(response=AUTH_SIGNED_OUT, headers=CSRF, security=SIGNED_IN)
async def logout(request: web.Request) -> web.Response:
    """End the session (the CSRF token is required) and drop its cookie."""
    await check_csrf(request)
    await request.app[ACCOUNTS].logout(request.cookies.get(SESSION_COOKIE, ""))
    forget_session(request)
    response = web.json_response({"signed_out": True})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@routes.get("/api/v1/auth/session")
@api(response=AUTH_SESSION, security=SIGNED_IN)
async def session(request: web.Request) -> web.Response:
    """The signed-in applicant, the session's CSRF token and when it was opened."""
    found = await portal_session(request)
    if found is None:
        raise EgovsimError("NOT_SIGNED_IN", {"refusal_step": "P2"})
    return web.json_response(
        {
            "applicant": found.applicant.to_json(),
            "csrf_token": found.csrf_token,
            "opened_at": found.opened_at.isoformat(),
        }
    )
