"""The workstation's web pages: sign in, the inbox, an application with its step's action."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from aiohttp import web

from egovsim.errors import EgovsimError
from egovsim.passwords import token_hash
from egovsim.storage.paging import ListRequest
from egovsim.storage.records import StaffMember
from egovsim.web.common.keys import simulator_of
from egovsim.web.common.render import render
from egovsim.web.common.requests import path_id
from egovsim.web.offices.staff_login import sign_in_from_form
from egovsim.web.offices.workstation_api import COOKIE, current_staff, sign_in_member
from egovsim.web.portal.diagrams import workstation_diagrams
from egovsim.workstation.attachments import attachment_refs, opened_by

routes = web.RouteTableDef()


def csrf_token(request: web.Request) -> str:
    """A form token bound to the session: a site that cannot read the cookie cannot make it."""
    session = request.cookies.get(COOKIE, "")
    return hmac.new(b"egovsim-csrf", session.encode(), hashlib.sha256).hexdigest()


async def _form(request: web.Request) -> dict[str, str]:
    data = await request.post()
    if not hmac.compare_digest(str(data.get("csrf", "")), csrf_token(request)):
        raise EgovsimError("BAD_REQUEST", {"reason": "the form is stale: reload the page"})
    return {key: str(value) for key, value in data.items()}


async def _staff_or_login(request: web.Request) -> StaffMember | web.Response:
    try:
        return await current_staff(request)
    except EgovsimError:
        return render(request, "staff_login.html", office="workstation")


@routes.get("/workstation")
async def home(request: web.Request) -> web.StreamResponse:
    """The inbox of the signed-in member, or the sign-in form."""
    member = await _staff_or_login(request)
    if isinstance(member, web.Response):
        return member
    workstation = simulator_of(request).workstation
    query = request.query
    # The lists show where each application is, not its history: their open steps alone.
    inbox = await workstation.inbox(member, ListRequest.from_query(query), history=False)
    everything = await workstation.all_applications(
        member, ListRequest(after=query.get("all_after") or None), history=False
    )
    return render(
        request,
        "workstation_inbox.html",
        staff=member,
        csrf=csrf_token(request),
        inbox=inbox.views,
        everything=everything.views,
        next_links={
            "workstation.inbox": _following(request, "after", inbox.next_cursor),
            "workstation.all": _following(request, "all_after", everything.next_cursor),
        },
        paged=bool(query.get("after") or query.get("all_after")),
    )


def _following(request: web.Request, name: str, cursor: str | None) -> str | None:
    """The page's address with the list `name` moved on to `cursor` (None on its last page)."""
    if cursor is None:
        return None
    return str(request.rel_url.update_query({name: cursor}))


@routes.post("/workstation/login")
async def login(request: web.Request) -> web.StreamResponse:
    """Sign in from the form; the session cookie is the API's."""
    return await sign_in_from_form(request, "workstation", COOKIE, sign_in_member)


@routes.post("/workstation/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    """Sign out from the form."""
    await _form(request)
    if token := request.cookies.get(COOKIE):
        await simulator_of(request).staff.close_session(token_hash(token))
    response = web.HTTPSeeOther("/workstation")
    response.del_cookie(COOKIE, path="/")
    raise response


async def _page(
    request: web.Request,
    member: StaffMember,
    application_id: int,
    error: EgovsimError | None = None,
) -> web.Response:
    workstation = simulator_of(request).workstation
    view = await workstation.application(member, application_id)
    regulation = view.regulation
    actions: list[str] = []
    current = view.current
    if current is not None and view.application.status == "in_progress":
        step = regulation.step(current.record.step_id)
        candidates = ["check", "prepare"] if step.action == "prepare" else [step.action]
        for action in candidates:
            try:
                workstation.may_act(member, view, action)
            except EgovsimError:
                continue
            actions.append(action)
    colleagues = await simulator_of(request).staff.staff_of(member.provider_id)
    executors = [s.login for s in colleagues if s.role == "executor"]
    # The head may approve a result another person signs, with his own signature on it.
    approvers = [s for s in colleagues if s.role == "head" and s.id != member.id and s.keystore]
    return render(
        request,
        "workstation_application.html",
        error=error,
        status=error.http_status if error else 200,
        staff=member,
        view=view,
        csrf=csrf_token(request),
        actions=actions,
        executors=executors,
        approvers=approvers,
        documents=regulation.documents_for(view.application.variant),
        checks={c.document_id: c.verdict for c in view.checks},
        attachments=attachment_refs(view.transitions),
        opened=opened_by(view.transitions, member.login),
        diagrams=workstation_diagrams(request, view),
        results=[
            r
            for r in regulation.results
            if not r.refusal and (not r.variants or view.application.variant in r.variants)
        ],
    )


def _id(request: web.Request) -> int:
    return path_id(request, "application_id", "APPLICATION_NOT_FOUND", "application")


@routes.get("/workstation/applications/{application_id}")
async def application(request: web.Request) -> web.StreamResponse:
    """An application with its route, its history and the open step's action."""
    member = await _staff_or_login(request)
    if isinstance(member, web.Response):
        return member
    return await _page(request, member, _id(request))


@routes.post("/workstation/applications/{application_id}/{action}")
async def act(request: web.Request) -> web.StreamResponse:
    """Do the open step's action from its form; a refusal is shown on the page."""
    member = await current_staff(request)
    data = await _form(request)
    params: dict[str, Any] = {}
    action = request.match_info["action"]
    if action == "assign":
        params["executor"] = data.get("executor")
    elif action == "check":
        # A document left at "—" is not checked yet; a verdict carries its note (the reason).
        params["documents"] = {
            key.split(":", 1)[1]: {"verdict": value, "note": data.get("note:" + key[9:], "")}
            for key, value in data.items()
            if key.startswith("document:") and value
        }
    elif action == "sign" and data.get("approver"):
        params["approver"] = data.get("approver")
    elif action == "prepare":
        params = {
            "result": data.get("result"),
            "refusal": data.get("refusal") == "1",
            "grounds": data.get("grounds", ""),
        }
    try:
        await simulator_of(request).workstation.act(member, _id(request), action, params)
    except EgovsimError as error:
        return await _page(request, member, _id(request), error)
    raise web.HTTPSeeOther(f"/workstation/applications/{_id(request)}")


@routes.get("/workstation/applications/{application_id}/result")
async def result(request: web.Request) -> web.StreamResponse:
    """The printable rendering of the signed result."""
    member = await current_staff(request)
    view = await simulator_of(request).workstation.application(member, _id(request))
    if view.result is None or view.result.verification is None:
        raise EgovsimError("NOT_FOUND", {"result": "not signed yet"})
    verification = view.result.verification
    signed_at = view.result.signed_at
    return render(
        request,
        "result.html",
        document=view.result.document,
        verification=verification,
        signer=verification.get("signer"),
        signed_at=signed_at.isoformat() if signed_at else "",
    )
