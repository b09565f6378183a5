"""`/api/v1/workstation/...`: the provider's staff sign in, see their inbox, act on steps."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import web

from egovsim.clock import utcnow
from egovsim.errors import EgovsimError
from egovsim.passwords import check_password, new_token, token_hash
from egovsim.portal.attachments import sniff
from egovsim.storage.paging import ListRequest, Page
from egovsim.storage.records import StaffMember
from egovsim.web.common.keys import STAFF, WORKSTATION
from egovsim.web.common.requests import json_object, path_id, session_token
from egovsim.workstation.attachments import OPEN_ACTION, attachment_refs
from egovsim.workstation.intake import Submission
from egovsim.workstation.views import ApplicationView

routes = web.RouteTableDef()
COOKIE = "egovsim_staff"
BASE = "/api/v1/workstation/applications"
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
    member = await request.app[STAFF].session_staff(token_hash(token), utcnow())
    if member is None:
        raise EgovsimError("STAFF_NOT_SIGNED_IN")
    return member


def staff_json(member: StaffMember) -> dict[str, Any]:
    """A staff member as the API shows it (never the password hash or keystore)."""
    return {
        "login": member.login,
        "role": member.role,
        "name": member.name,
        "provider": member.provider_id,
        "can_sign": bool(member.keystore),
    }


def view_json(view: ApplicationView) -> dict[str, Any]:
    """An application with its route, history, checks and result."""
    application = view.application
    current = view.current
    result = view.result
    return {
        "id": application.id,
        "number": application.number,
        "service": application.regulation_id,
        "variant": application.variant,
        "channel": application.channel,
        "category": application.category,
        "applicant": {
            "iin": application.applicant_iin,
            "bin": application.applicant_bin,
            "name": application.applicant_name,
        },
        "form": application.form,
        "documents": application.documents,
        "received_at": application.received_at.isoformat(),
        "status": application.status,
        "current_step": current.record.step_id if current else None,
        "steps": [
            {
                "seq": s.record.seq,
                "id": s.record.step_id,
                "role": s.record.role,
                "action": s.record.action,
                "name": dict(s.name),
                "started_at": s.record.started_at.isoformat(),
                "deadline": s.record.deadline.isoformat(),
                "refusal_deadline": s.refusal_deadline.isoformat() if s.refusal_deadline else None,
                "finished_at": s.record.finished_at.isoformat() if s.record.finished_at else None,
                "outcome": s.record.outcome,
                "overdue": s.overdue,
            }
            for s in view.steps
        ],
        "checks": [
            {
                "document": c.document_id,
                "verdict": c.verdict,
                "note": c.note,
                "checked_at": c.checked_at.isoformat(),
            }
            for c in view.checks
        ],
        "result": None
        if result is None
        else {
            "kind": result.kind,
            "refusal": result.refusal,
            "grounds": result.grounds or None,
            "document": result.document,
            "signed": result.signature is not None,
            "signed_at": result.signed_at.isoformat() if result.signed_at else None,
        },
        "attachments": [
            {
                **{k: ref[k] for k in ("document", "file_name", "content_type", "size", "sha256")},
                "opened_by": sorted(
                    {
                        t.actor
                        for t in view.transitions
                        if t.action == OPEN_ACTION and t.details.get("document") == document
                    }
                ),
                "href": f"{BASE}/{application.id}/attachments/{quote(document)}",
            }
            for document, ref in attachment_refs(view.transitions).items()
        ],
        "history": [
            {
                "at": t.at.isoformat(),
                "actor": t.actor,
                "role": t.role,
                "action": t.action,
                "step": t.step_id,
                "channel": t.channel,
                "details": t.details,
            }
            for t in view.transitions
        ],
    }


async def sign_in_member(request: web.Request, login: str, password: str) -> str:
    """Check a login and password and open a session; its token. STAFF_LOGIN_FAILED else."""
    member = await request.app[STAFF].staff_by_login(login)
    # The password is checked even for an unknown login, so timing does not tell logins apart.
    stored = member.password_hash if member else "scrypt$16384$8$1$AAAA$AAAA"
    matches = await asyncio.get_running_loop().run_in_executor(
        None, check_password, password, stored
    )
    if member is None or not matches:
        raise EgovsimError("STAFF_LOGIN_FAILED")
    token, hashed = new_token()
    now = utcnow()
    await request.app[STAFF].open_session(
        hashed, member.id, now, now + timedelta(hours=SESSION_HOURS)
    )
    return token


@routes.post("/api/v1/workstation/session")
async def sign_in(request: web.Request) -> web.Response:
    """`{"login", "password"}` → a session (cookie, and a token for scripts)."""
    body = await json_object(request)
    token = await sign_in_member(request, str(body.get("login", "")), str(body.get("password", "")))
    member = await current_staff_by_token(request, token)
    response = web.json_response({"token": token, "staff": staff_json(member)})
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="Lax", max_age=SESSION_HOURS * 3600, path="/"
    )
    return response


@routes.delete("/api/v1/workstation/session")
async def sign_out(request: web.Request) -> web.Response:
    """End the session."""
    token = session_token(request, COOKIE)
    if token:
        await request.app[STAFF].close_session(token_hash(token))
    response = web.json_response({"signed_out": True})
    response.del_cookie(COOKIE, path="/")
    return response


@routes.get("/api/v1/workstation/me")
async def me(request: web.Request) -> web.Response:
    """Who is signed in."""
    return web.json_response(staff_json(await current_staff(request)))


@routes.get("/api/v1/workstation/inbox")
async def inbox(request: web.Request) -> web.Response:
    """A page of the applications waiting for the member's role, nearest deadline first
    (`limit`, `step`, `overdue=true`; `next` is the following page's address)."""
    member = await current_staff(request)
    asked = ListRequest.from_query(request.query)
    page = await request.app[WORKSTATION].inbox(member, asked)
    return web.json_response(page_json(request, page, asked))


@routes.get("/api/v1/workstation/applications")
async def applications(request: web.Request) -> web.Response:
    """A page of every application of the member's provider, newest first (`limit`,
    `status`; `next` is the following page's address)."""
    member = await current_staff(request)
    asked = ListRequest.from_query(request.query, APPLICATION_STATUSES)
    page = await request.app[WORKSTATION].all_applications(member, asked)
    return web.json_response(page_json(request, page, asked))


def page_json(
    request: web.Request, page: Page[ApplicationView], asked: ListRequest
) -> dict[str, Any]:
    """A page of applications and the address of the next one (null on the last)."""
    following = None
    if page.next_cursor is not None:
        following = str(request.rel_url.with_query(asked.query(page.next_cursor)))
    return {"applications": [view_json(v) for v in page.views], "next": following}


@routes.post("/api/v1/workstation/applications")
async def receive(request: web.Request) -> web.Response:
    """The office registers a paper application received at the counter."""
    member = await current_staff(request)
    body = await json_object(request)
    submission = Submission.from_json(
        body,
        str(body.get("service", "")),
        _counter_channel(body.get("channel", "provider_office")),
    )
    view = await request.app[WORKSTATION].receive(member, submission)
    return web.json_response(view_json(view), status=201)


def _counter_channel(value: Any) -> str:
    """Paper reaches the office at its own counter or from the State Corporation; portal
    applications come only through the gateway."""
    if value not in ("provider_office", "state_corporation"):
        raise EgovsimError(
            "CHANNEL_NOT_ALLOWED",
            {"channel": value, "allowed": ["provider_office", "state_corporation"]},
        )
    return str(value)


def _application_id(request: web.Request) -> int:
    return path_id(request, "application_id", "APPLICATION_NOT_FOUND", "application")


@routes.get("/api/v1/workstation/applications/{application_id}")
async def application(request: web.Request) -> web.Response:
    """One application of the member's provider."""
    member = await current_staff(request)
    view = await request.app[WORKSTATION].application(member, _application_id(request))
    return web.json_response(view_json(view))


@routes.post("/api/v1/workstation/applications/{application_id}/actions/{action}")
async def act(request: web.Request) -> web.Response:
    """Do the open step's action; the body carries its parameters."""
    member = await current_staff(request)
    body = await json_object(request)
    view = await request.app[WORKSTATION].act(
        member, _application_id(request), request.match_info["action"], body
    )
    return web.json_response(view_json(view))


@routes.get("/api/v1/workstation/applications/{application_id}/result")
async def result(request: web.Request) -> web.Response:
    """The result e-document, its CMS (base64) and the verifier's report."""
    member = await current_staff(request)
    view = await request.app[WORKSTATION].application(member, _application_id(request))
    if view.result is None:
        raise EgovsimError("NOT_FOUND", {"result": "not prepared yet"})
    signature = view.result.signature
    return web.json_response(
        {
            "document": view.result.document,
            "cms": base64.b64encode(signature).decode() if signature else None,
            "verification": view.result.verification,
        }
    )


@routes.get(BASE + "/{application_id}/attachments/{document_id}")
async def attachment(request: web.Request) -> web.Response:
    """An attached document's electronic copy, fetched from the portal through the gateway;
    the opening is recorded in the history (C3 asks for it before a verdict on the content)."""
    member = await current_staff(request)
    opened = await request.app[WORKSTATION].open_attachment(
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
async def result_cms(request: web.Request) -> web.Response:
    """The signed result as a DER CMS SignedData (attached)."""
    member = await current_staff(request)
    view = await request.app[WORKSTATION].application(member, _application_id(request))
    if view.result is None or view.result.signature is None:
        raise EgovsimError("NOT_FOUND", {"result": "not signed yet"})
    return web.Response(
        body=view.result.signature,
        content_type="application/pkcs7-mime",
        headers={"Content-Disposition": f'attachment; filename="{view.application.number}.cms"'},
    )
