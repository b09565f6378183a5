"""`/api/v1/console/login`: the trainer's quick logins as a persona (through C1 itself), a
provider's staff member or a State Corporation operator, and who can be signed in as."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from aiohttp import web
from pydantic import Field, model_validator

from egovsim.clock import utcnow
from egovsim.console import logins
from egovsim.errors import EgovsimError
from egovsim.passwords import new_token
from egovsim.pki.personas import load_personas
from egovsim.portal.accounts import SESSION_LIFETIME
from egovsim.statecorp.centres import CENTRES
from egovsim.storage.accounts import AccountStore
from egovsim.web.common.keys import (
    SIMULATOR,
    simulator_of,
)
from egovsim.web.common.models import RequestModel, Words, answer, read_body
from egovsim.web.common.openapi import api
from egovsim.web.common.operator import operator_only
from egovsim.web.common.requests import local_path
from egovsim.web.offices import statecorp_api, workstation_api
from egovsim.web.offices.statecorp_models import StatecorpOperator
from egovsim.web.offices.workstation_models import WorkstationStaff
from egovsim.web.portal.auth_models import AuthApplicant
from egovsim.web.portal.session import SESSION_COOKIE
from egovsim.web.trainer.console_models import (
    ConsoleOperator,
    ConsolePeople,
    ConsolePersona,
    ConsoleSignedIn,
    ConsoleStaff,
)
from egovsim.workstation.providers import PROVIDERS

routes = web.RouteTableDef()


def people_of(app: web.Application) -> ConsolePeople:
    """Who the trainer can sign in as: personas with a portal account, staff, operators."""
    listing = load_personas(app[SIMULATOR].settings.certs_dir)
    personas = [
        ConsolePersona(
            id=persona["id"],
            name=persona["name"],
            login=logins.portal_login_id(persona),
            organization=persona.get("organization"),
            summary=persona.get("summary"),
            expected_code=persona.get("expected_code"),
        )
        for persona in logins.portal_personas(listing)
    ]
    staff = [
        ConsoleStaff(
            login=member.login,
            role=member.role,
            name=member.name,
            provider=provider.id,
            provider_name=Words.model_validate(provider.name),
        )
        for provider in PROVIDERS
        for member in provider.staff
    ]
    operators = [
        ConsoleOperator(
            login=operator.login,
            name=operator.name,
            centre=centre.id,
            centre_name=Words.model_validate(centre.name),
        )
        for centre in CENTRES
        for operator in centre.operators
    ]
    return ConsolePeople(personas=personas, staff=staff, operators=operators)


#: Where each kind of login lands.
HOMES = {"persona": "/cabinet", "staff": "/workstation", "operator": "/statecorp"}


class ConsoleLogin(RequestModel):
    """Whom to sign in as, one of persona, staff or operator; `next` is where to go after."""

    persona: str | None = Field(default=None, examples=["citizen-valid", "company-first-head"])
    staff: str | None = Field(default=None, examples=["alm-executor"])
    operator: str | None = Field(default=None, examples=["gk-alm-1"])
    next: str | None = Field(default=None, examples=["/cabinet/applications/1"])

    @model_validator(mode="after")
    def _one_kind(self) -> ConsoleLogin:
        if len([kind for kind in HOMES if kind in self.model_fields_set]) != 1:
            raise ValueError('give one of "persona", "staff" or "operator"')
        return self

    def who(self) -> tuple[str, str | None]:
        """The kind of login asked for and whom (None when the id was null)."""
        kind = next(kind for kind in HOMES if kind in self.model_fields_set)
        return kind, getattr(self, kind)


async def quick_login(
    request: web.Request, kind: Any, who: Any, show: bool = False
) -> tuple[str, str, ConsoleSignedIn]:
    """Open a session as a persona (through C1 with the persona's AUTH key; to `show` a tour's
    effect, opened by the console without C1), a staff member or an operator: (its cookie's
    name, its token, what the API shows of it with the kind's home as its `redirect`)."""
    if kind == "persona" and isinstance(who, str):
        return await (_showing(request, who) if show else _as_persona(request, who))
    if kind == "staff" and isinstance(who, str):
        member = await simulator_of(request).staff.staff_by_login(who)
        if member is None:
            raise EgovsimError("NOT_FOUND", {"staff": who})
        token, hashed = new_token()
        now = utcnow()  # sessions live in real time, as the workstation's own sign-in makes them
        await simulator_of(request).staff.open_session(
            hashed, member.id, now, now + timedelta(hours=workstation_api.SESSION_HOURS)
        )
        signed_in = ConsoleSignedIn(redirect=HOMES[kind], staff=WorkstationStaff.of(member))
        return workstation_api.COOKIE, token, signed_in
    if kind == "operator" and isinstance(who, str):
        store = simulator_of(request).statecorp.store
        operator = await store.operator_by_login(who)
        if operator is None:
            raise EgovsimError("NOT_FOUND", {"operator": who})
        token, hashed = new_token()
        now = utcnow()
        await store.open_session(
            hashed, operator.id, now, now + timedelta(hours=statecorp_api.SESSION_HOURS)
        )
        signed_in = ConsoleSignedIn(redirect=HOMES[kind], operator=StatecorpOperator.of(operator))
        return statecorp_api.COOKIE, token, signed_in
    raise EgovsimError(
        "BAD_REQUEST", {"reason": 'give one of "persona", "staff" or "operator" with its id'}
    )


def _persona(app: web.Application, persona_id: str) -> Mapping[str, Any]:
    """A persona with a portal account; NOT_FOUND otherwise."""
    listing = {
        p["id"]: p for p in logins.portal_personas(load_personas(app[SIMULATOR].settings.certs_dir))
    }
    persona = listing.get(persona_id)
    if persona is None:
        raise EgovsimError("NOT_FOUND", {"persona": persona_id, "known": sorted(listing)})
    return persona


async def _showing(request: web.Request, persona_id: str) -> tuple[str, str, ConsoleSignedIn]:
    app = request.app
    store = AccountStore(app[SIMULATOR].database)
    persona = _persona(app, persona_id)
    token = await logins.open_watching_session(store, persona, app[SIMULATOR].clock.now(), utcnow())
    return SESSION_COOKIE, token, ConsoleSignedIn(redirect=HOMES["persona"], persona=persona_id)


async def _as_persona(request: web.Request, persona_id: str) -> tuple[str, str, ConsoleSignedIn]:
    app = request.app
    persona = _persona(app, persona_id)
    keyring = app[SIMULATOR].keyring
    keys = keyring.persona(persona_id)
    # Opening a keystore runs its key derivation: off the event loop; the ring keeps it open.
    keystore = await asyncio.to_thread(keyring.open, keyring.select(keys, "auth"), keys.password)
    token, applicant, csrf = await logins.sign_in(
        app[SIMULATOR].accounts,
        logins.portal_login_id(persona),
        app[SIMULATOR].settings.persona_password,
        keystore,
        app[SIMULATOR].clock.now(),
    )
    signed_in = ConsoleSignedIn(
        redirect=HOMES["persona"], applicant=AuthApplicant.of(applicant), csrf_token=csrf
    )
    return SESSION_COOKIE, token, signed_in


def set_session_cookie(response: web.StreamResponse, cookie: str, token: str) -> None:
    """The session cookie of a quick login, as each part's own sign-in sets it."""
    lifetime = (
        int(SESSION_LIFETIME.total_seconds())
        if cookie == SESSION_COOKIE
        else workstation_api.SESSION_HOURS * 3600
    )
    response.set_cookie(cookie, token, max_age=lifetime, path="/", httponly=True, samesite="Lax")


@routes.post("/api/v1/console/login")
@operator_only
@api(request=ConsoleLogin, response=ConsoleSignedIn)
async def login(request: web.Request) -> web.Response:
    """Sign in as a persona (a portal session made by C1 itself: the persona's IIN or the
    company's BIN, the demo password and a fresh challenge signed with its AUTH key, so a
    persona whose key C1 refuses is refused here too), a staff member or a State Corporation
    operator; the session cookie is set and `redirect` names the page to open."""
    body = await read_body(request, ConsoleLogin)
    kind, who = body.who()
    cookie, token, signed_in = await quick_login(request, kind, who)
    redirect = local_path(body.next, HOMES[kind])
    response = answer(signed_in.model_copy(update={"redirect": redirect}))
    set_session_cookie(response, cookie, token)
    return response
