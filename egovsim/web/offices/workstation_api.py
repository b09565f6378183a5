"""`/api/v1/workstation/...`: the provider's staff sign in, see their inbox, act on steps."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta
from urllib.parse import quote

from aiohttp import web

from egovsim.clock import utcnow
from egovsim.errors import EgovsimError
from egovsim.passwords import check_password, new_token, token_hash
from egovsim.portal.attachments import sniff
from egovsim.storage.paging import ListRequest, Page
from egovsim.storage.records import StaffMember
from egovsim.web.common.keys import simulator_of
from egovsim.web.common.models import answer, read_body
from egovsim.web.common.openapi import api
from egovsim.web.common.requests import path_id, session_token
from egovsim.web.offices.workstation_models import (
    BASE,
    STAFF_SECURITY,
    SignedOut,
    WorkstationApplication,
    WorkstationPage,
    WorkstationResultFiles,
    WorkstationSignedIn,
    WorkstationSignIn,
    WorkstationStaff,
)
from egovsim.web.offices.workstation_parameters import (
    ACTION_PARAMETERS,
    APPLICATION_ID,
    DOCUMENT_PARAMETERS,
    INBOX_QUERY,
    LIST_QUERY,
    WorkstationAction,
    WorkstationPaperApplication,
)
from egovsim.workstation.views import ApplicationView

routes = web.RouteTableDef()
COOKIE = "egovsim_staff"
SESSION_HOURS = 12
#: The statuses the list of every application filters by.
APPLICATION_STATUSES = ("in_progress", "completed", "refused")


async def current_staff(request: web.Request) -> StaffMember:
    """The signed-in staff member (a Bearer token or the session cookie)."""
    token = session_token(request, COOKIE)
    if not token:
        raise EgovsimError("STAFF_NOT_SIGNED_IN")
    return await current_staff_by_token(request, token)


async def current_staff_by_token(request: web.Request, token: str) -> StaffMember:
    """The staff member of a session token."""
    # Sessions live in real time: moving the simulator's clock must not sign anyone out.
    member = await simulator_of(request).staff.session_staff(token_hash(token), utcnow())
    if member is None:
        raise EgovsimError("STAFF_NOT_SIGNED_IN")
    return member


async def sign_in_member(request: web.Request, login: str, password: str) -> str:
    """Check a login and password and open a session; its token. STAFF_LOGIN_FAILED else."""
    member = await simulator_of(request).staff.staff_by_login(login)
    # The password is checked even for an unknown login, so timing does not tell logins apart.
    stored = member.password_hash if member else "scrypt$16384$8$1$AAAA$AAAA"
    matches = await asyncio.get_running_loop().run_in_executor(
        None, check_password, password, stored
    )
    if member is None or not matches:
        raise EgovsimError("STAFF_LOGIN_FAILED")
    token, hashed = new_token()
    now = utcnow()
    await simulator_of(request).staff.open_session(
        hashed, member.id, now, now + timedelta(hours=SESSION_HOURS)
    )
    return token


@routes.post("/api/v1/workstation/session")
@api(
    request=WorkstationSignIn,
    response=WorkstationSignedIn,
    summary="Sign a staff member in: a session cookie, and a token for scripts.",
)
async def sign_in(request: web.Request) -> web.Response:
    """`{"login", "password"}` → a session (cookie, and a token for scripts)."""
    body = await read_body(request, WorkstationSignIn)
    token = await sign_in_member(request, body.login, body.password)
    member = await current_staff_by_token(request, token)
    response = answer(WorkstationSignedIn(token=token, staff=WorkstationStaff.of(member)))
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="Lax", max_age=SESSION_HOURS * 3600, path="/"
    )
    return response


@routes.delete("/api/v1/workstation/session")
@api(response=SignedOut)
async def sign_out(request: web.Request) -> web.Response:
    """End the session."""
    token = session_token(request, COOKIE)
    if token:
        await simulator_of(request).staff.close_session(token_hash(token))
    response = answer(SignedOut())
    response.del_cookie(COOKIE, path="/")
    return response


@routes.get("/api/v1/workstation/me")
@api(response=WorkstationStaff, security=STAFF_SECURITY)
async def me(request: web.Request) -> web.Response:
    """Who is signed in."""
    return answer(WorkstationStaff.of(await current_staff(request)))


@routes.get("/api/v1/workstation/inbox")
@api(response=WorkstationPage, parameters=INBOX_QUERY, security=STAFF_SECURITY)
async def inbox(request: web.Request) -> web.Response:
    """A page of the applications waiting for the member's role, nearest deadline first
    (`limit`, `step`, `overdue=true`; `next` is the following page's address): each one where
    it is on its route, the whole application at its `href`."""
    member = await current_staff(request)
    asked = ListRequest.from_query(request.query)
    page = await simulator_of(request).workstation.inbox(member, asked, history=False)
    return answer(page_of(request, page, asked))


@routes.get("/api/v1/workstation/applications")
@api(response=WorkstationPage, parameters=LIST_QUERY, security=STAFF_SECURITY)
async def applications(request: web.Request) -> web.Response:
    """A page of every application of the member's provider, newest first (`limit`,
    `status`; `next` is the following page's address): each one where it is on its route,
    the whole application at its `href`."""
    member = await current_staff(request)
    asked = ListRequest.from_query(request.query, APPLICATION_STATUSES)
    page = await simulator_of(request).workstation.all_applications(member, asked, history=False)
    return answer(page_of(request, page, asked))


def page_of(
    request: web.Request, page: Page[ApplicationView], asked: ListRequest
) -> WorkstationPage:
    """A page of applications as a list shows them (the open step; the rest is at each one's
    `href`) and the address of the next one (null on the last)."""
    following = None
    if page.next_cursor is not None:
        following = str(request.rel_url.with_query(asked.query(page.next_cursor)))
    return WorkstationPage.of(page.views, following)


@routes.post("/api/v1/workstation/applications")
@api(
    request=WorkstationPaperApplication,
    response=WorkstationApplication,
    status=201,
    security=STAFF_SECURITY,
)
async def receive(request: web.Request) -> web.Response:
    """The office registers a paper application received at the counter (or brought by the
    State Corporation: paper reaches the office there; portal applications come only through
    the gateway)."""
    member = await current_staff(request)
    body = await read_body(request, WorkstationPaperApplication)
    view = await simulator_of(request).workstation.receive(member, body.submission())
    return answer(WorkstationApplication.of(view), status=201)


def _application_id(request: web.Request) -> int:
    return path_id(request, "application_id", "APPLICATION_NOT_FOUND", "application")


@routes.get("/api/v1/workstation/applications/{application_id}")
@api(response=WorkstationApplication, parameters=APPLICATION_ID, security=STAFF_SECURITY)
async def application(request: web.Request) -> web.Response:
    """One application of the member's provider."""
    member = await current_staff(request)
    view = await simulator_of(request).workstation.application(member, _application_id(request))
    return answer(WorkstationApplication.of(view))


@routes.post("/api/v1/workstation/applications/{application_id}/actions/{action}")
@api(
    request=WorkstationAction,
    response=WorkstationApplication,
    parameters=ACTION_PARAMETERS,
    security=STAFF_SECURITY,
)
async def act(request: web.Request) -> web.Response:
    """Do the open step's action; the body carries its parameters."""
    member = await current_staff(request)
    body = await read_body(request, WorkstationAction)
    view = await simulator_of(request).workstation.act(
        member, _application_id(request), request.match_info["action"], body.parameters()
    )
    return answer(WorkstationApplication.of(view))


@routes.get("/api/v1/workstation/applications/{application_id}/result")
@api(response=WorkstationResultFiles, parameters=APPLICATION_ID, security=STAFF_SECURITY)
async def result(request: web.Request) -> web.Response:
    """The result e-document, its CMS (base64) and the verifier's report."""
    member = await current_staff(request)
    view = await simulator_of(request).workstation.application(member, _application_id(request))
    if view.result is None:
        raise EgovsimError("NOT_FOUND", {"result": "not prepared yet"})
    signature = view.result.signature
    return answer(
        WorkstationResultFiles(
            document=view.result.document,
            cms=base64.b64encode(signature).decode() if signature else None,
            verification=view.result.verification,
        )
    )


@routes.get(BASE + "/{application_id}/attachments/{document_id}")
@api(
    response_type="application/octet-stream",
    parameters=DOCUMENT_PARAMETERS,
    security=STAFF_SECURITY,
)
async def attachment(request: web.Request) -> web.Response:
    """An attached document's electronic copy, fetched from the portal through the gateway;
    the opening is recorded in the history (C3 asks for it before a verdict on the content)."""
    member = await current_staff(request)
    opened = await simulator_of(request).workstation.open_attachment(
        member, _application_id(request), request.match_info["document_id"]
    )
    # The type is the content's own (never the name's or the sender's word), and the browser
    # saves it rather than showing it on the simulator's origin.
    kind = sniff(opened.content) or "application/octet-stream"
    return web.Response(
        body=opened.content,
        content_type=kind,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(opened.file_name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@routes.get("/api/v1/workstation/applications/{application_id}/result.cms")
@api(response_type="application/pkcs7-mime", parameters=APPLICATION_ID, security=STAFF_SECURITY)
async def result_cms(request: web.Request) -> web.Response:
    """The signed result as a DER CMS SignedData (attached)."""
    member = await current_staff(request)
    view = await simulator_of(request).workstation.application(member, _application_id(request))
    if view.result is None or view.result.signature is None:
        raise EgovsimError("NOT_FOUND", {"result": "not signed yet"})
    return web.Response(
        body=view.result.signature,
        content_type="application/pkcs7-mime",
        headers={"Content-Disposition": f'attachment; filename="{view.application.number}.cms"'},
    )
