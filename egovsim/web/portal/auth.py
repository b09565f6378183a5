"""`/api/v1/auth/...`: the applicant's registration, login (P1, C1), session and logout."""

from __future__ import annotations

import base64

from aiohttp import web

from egovsim.errors import EgovsimError
from egovsim.portal.accounts import SESSION_LIFETIME
from egovsim.web.common.keys import simulator_of
from egovsim.web.common.models import answer, read_body
from egovsim.web.common.openapi import api
from egovsim.web.portal.auth_models import (
    CSRF,
    SIGNED_IN,
    AuthApplicant,
    AuthChallenge,
    AuthProof,
    AuthRegistered,
    AuthSession,
    AuthSignedIn,
    AuthSignedOut,
)
from egovsim.web.portal.session import (
    SESSION_COOKIE,
    check_csrf,
    forget_session,
    portal_session,
)

routes = web.RouteTableDef()


def _fields(proof: AuthProof) -> tuple[str, str, str, str]:
    """The four strings a login or a registration sends."""
    return proof.login, proof.password, proof.challenge_id, proof.signature


@routes.post("/api/v1/auth/challenge")
@api(response=AuthChallenge)
async def challenge(request: web.Request) -> web.Response:
    """A one-time nonce to sign with the AUTH key, valid five minutes of the simulator's clock."""
    challenge_id, nonce, expires_at = await simulator_of(request).accounts.challenge()
    nonce_text = base64.b64encode(nonce).decode()
    return answer(AuthChallenge(challenge_id=challenge_id, nonce=nonce_text, expires_at=expires_at))


@routes.post("/api/v1/auth/register")
@api(request=AuthProof, response=AuthRegistered, status=201)
async def register(request: web.Request) -> web.Response:
    """A new account for an IIN or BIN, proved by a challenge signed with its AUTH key."""
    proof = await read_body(request, AuthProof)
    applicant = await simulator_of(request).accounts.register(*_fields(proof))
    return answer(AuthRegistered(applicant=AuthApplicant.of(applicant)), status=201)


@routes.post("/api/v1/auth/login")
@api(request=AuthProof, response=AuthSignedIn)
async def login(request: web.Request) -> web.Response:
    """C1: check the login, password and signed challenge; open a session and set its cookie."""
    accounts = simulator_of(request).accounts
    proof = await read_body(request, AuthProof)
    token, applicant, csrf = await accounts.login(*_fields(proof))
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        await accounts.logout(previous)
    forget_session(request)
    response = answer(AuthSignedIn(applicant=AuthApplicant.of(applicant), csrf_token=csrf))
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
@api(response=AuthSignedOut, headers=CSRF, security=SIGNED_IN)
async def logout(request: web.Request) -> web.Response:
    """End the session (the CSRF token is required) and drop its cookie."""
    await check_csrf(request)
    await simulator_of(request).accounts.logout(request.cookies.get(SESSION_COOKIE, ""))
    forget_session(request)
    response = answer(AuthSignedOut())
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@routes.get("/api/v1/auth/session")
@api(response=AuthSession, security=SIGNED_IN)
async def session(request: web.Request) -> web.Response:
    """The signed-in applicant, the session's CSRF token and when it was opened."""
    found = await portal_session(request)
    if found is None:
        raise EgovsimError("NOT_SIGNED_IN", {"refusal_step": "P2"})
    return answer(
        AuthSession(
            applicant=AuthApplicant.of(found.applicant),
            csrf_token=found.csrf_token,
            opened_at=found.opened_at,
        )
    )
