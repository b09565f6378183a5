"""`/api/v1/statecorp/...`: the State Corporation's operators sign in and work the counter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from egovsim.clock import utcnow
from egovsim.errors import EgovsimError, refusal
from egovsim.passwords import new_token, token_hash
from egovsim.statecorp.centres import centre
from egovsim.statecorp.packages import PackageView
from egovsim.storage.paging import ListRequest
from egovsim.storage.statecorp import Operator
from egovsim.web.common.keys import STATECORP
from egovsim.web.common.openapi import api
from egovsim.web.common.requests import json_object, path_id, session_token
from egovsim.web.offices.statecorp_schemas import (
    ACTION_BODY,
    BY_ACTION,
    BY_PACKAGE,
    CHECKLIST,
    NEW_PACKAGE,
    OPERATOR,
    PACKAGE,
    PACKAGES,
    PACKAGES_QUERY,
    RETURNED,
    SERVICE_QUERY,
    SIGN_IN,
    SIGNED_IN,
    SIGNED_OUT,
    STATUSES,
)

routes = web.RouteTableDef()
COOKIE = "egovsim_statecorp"
SESSION_HOURS = 12


async def current_operator(request: web.Request) -> Operator:
    """The signed-in operator (a Bearer token or the session cookie)."""
    token = session_token(request, COOKIE)
    if not token:
        raise EgovsimError("OPERATOR_NOT_SIGNED_IN")
    # Sessions live in real time: moving the simulator's clock must not sign anyone out.
    operator = await request.app[STATECORP].store.session_operator(token_hash(token), utcnow())
    if operator is None:
        raise EgovsimError("OPERATOR_NOT_SIGNED_IN")
    return operator


async def open_session(request: web.Request, login: str, password: str) -> tuple[str, Operator]:
    """Check a login and open a session: (its token, the operator)."""
    operator = await request.app[STATECORP].sign_in(login, password)
    token, hashed = new_token()
    now = utcnow()
    await request.app[STATECORP].store.open_session(
        hashed, operator.id, now, now + timedelta(hours=SESSION_HOURS)
    )
    return token, operator


def operator_json(operator: Operator) -> dict[str, Any]:
    """An operator as the API shows it (never the password hash)."""
    spec = centre(operator.centre_id)
    return {
        "login": operator.login,
        "name": operator.name,
        "centre": {
            "id": spec.id,
            "name": spec.name,
            "address": spec.address,
            "hours": spec.hours,
        },
    }


def package_json(view: PackageView) -> dict[str, Any]:
    """A package with its checklist, its receipt and its timeline on the centre's side."""
    package = view.package
    receipt: dict[str, Any] | None = None
    # A result sent for collection was never taken at the counter: it has no receipt.
    if package.kind == "counter" and package.status != "at_counter" and package.number:
        refused = package.status == "refused"
        receipt = {
            "kind": "refusal" if refused else "acceptance",
            "number": package.number,
            "date": package.decided_at.isoformat() if package.decided_at else None,
            "documents": [i["document"] for i in package.checklist if i["presented"]],
            "ready_by": package.ready_by.isoformat() if package.ready_by else None,
        }
        if refused:
            entry = refusal("PACKAGE_INCOMPLETE")
            receipt["code"] = entry.code
            receipt["step"] = entry.step
            receipt["message"] = dict(entry.messages)
            receipt["missing"] = view.missing
    return {
        "id": package.id,
        "kind": package.kind,
        "number": package.number,
        "status": package.status,
        "service": package.regulation_id,
        "variant": package.variant,
        "applicant": {"iin": package.applicant_iin, "name": package.applicant_name},
        "form": package.form,
        "operator": package.operator_login,
        "centre": package.centre_id,
        "opened_at": package.opened_at.isoformat(),
        "checklist": package.checklist,
        "receipt": receipt,
        "request_message_id": package.request_message_id,
        "portal_request_id": package.portal_request_id,
        "provider_number": package.provider_number,
        "result": package.result,
        "arrived_at": package.arrived_at.isoformat() if package.arrived_at else None,
        "kept_until": package.kept_until.isoformat() if package.kept_until else None,
        "handout": package.handout,
        "timeline": [
            {
                "step": s.record.step,
                "started_at": s.record.started_at.isoformat(),
                "deadline": s.record.deadline.isoformat(),
                "finished_at": s.record.finished_at.isoformat() if s.record.finished_at else None,
                "outcome": s.record.outcome,
                "actor": s.record.actor,
                "details": s.record.details,
                "overdue": s.overdue,
            }
            for s in view.steps
        ],
    }


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    return value.strip() if isinstance(value, str) else ""


def _package_id(request: web.Request) -> int:
    return path_id(request, "package", "PACKAGE_NOT_FOUND", "package")


@routes.post("/api/v1/statecorp/session")
@api(request=SIGN_IN, response=SIGNED_IN)
async def sign_in(request: web.Request) -> web.Response:
    """`{"login", "password"}` → a session (cookie, and a token for scripts)."""
    body = await json_object(request)
    token, operator = await open_session(request, _text(body, "login"), _text(body, "password"))
    response = web.json_response({"token": token, "operator": operator_json(operator)})
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="Lax", max_age=SESSION_HOURS * 3600, path="/"
    )
    return response


@routes.delete("/api/v1/statecorp/session")
@api(response=SIGNED_OUT)
async def sign_out(request: web.Request) -> web.Response:
    """End the session."""
    token = session_token(request, COOKIE)
    if token:
        await request.app[STATECORP].store.close_session(token_hash(token))
    response = web.json_response({"signed_out": True})
    response.del_cookie(COOKIE, path="/")
    return response


@routes.get("/api/v1/statecorp/checklist")
@api(response=CHECKLIST, parameters=SERVICE_QUERY, security=OPERATOR)
async def checklist(request: web.Request) -> web.Response:
    """`?service=&variant=` → item 9's documents, each with whether it is required."""
    await current_operator(request)
    counter = request.app[STATECORP].counter
    service = request.query.get("service", "")
    variant = request.query.get("variant") or None
    return web.json_response({"documents": counter.checklist(service, variant)})


@routes.post("/api/v1/statecorp/packages")
@api(request=NEW_PACKAGE, response=PACKAGE, status=201, security=OPERATOR)
async def open_package(request: web.Request) -> web.Response:
    """`{"service", "variant", "applicant": {"iin", "name"}, "form"}` → a package at the
    counter (201), its 20 minutes running."""
    operator = await current_operator(request)
    body = await json_object(request)
    applicant = body.get("applicant") or {}
    form = body.get("form") or {}
    if not isinstance(applicant, dict) or not isinstance(form, dict):
        raise EgovsimError("FORM_INVALID", {"reason": "applicant and form must be objects"})
    view = await request.app[STATECORP].counter.open_package(
        operator,
        _text(body, "service"),
        _text(body, "variant") or None,
        _text(applicant, "iin"),
        _text(applicant, "name"),
        form,
    )
    return web.json_response(package_json(view), status=201)


@routes.get("/api/v1/statecorp/packages")
@api(response=PACKAGES, parameters=PACKAGES_QUERY, security=OPERATOR)
async def packages(request: web.Request) -> web.Response:
    """A page of the centre's packages, newest first (`?status=at_centre`: the results
    waiting; `limit`, `after`: `next` is the following page's address; `?q=` an applicant's
    IIN, a receipt's or the provider's application number: the packages found)."""
    operator = await current_operator(request)
    counter = request.app[STATECORP].counter
    if "q" in request.query:
        views = await counter.find(operator, request.query["q"])
        return web.json_response({"packages": [package_json(v) for v in views], "next": None})
    asked = ListRequest.from_query(request.query, STATUSES)
    page = await counter.packages(operator, asked)
    following = None
    if page.next_cursor is not None:
        following = str(request.rel_url.with_query(asked.query(page.next_cursor)))
    return web.json_response({"packages": [package_json(v) for v in page.views], "next": following})


@routes.get("/api/v1/statecorp/packages/{package}")
@api(response=PACKAGE, parameters=BY_PACKAGE, security=OPERATOR)
async def package(request: web.Request) -> web.Response:
    """One package with its receipt and timeline."""
    operator = await current_operator(request)
    view = await request.app[STATECORP].counter.package(operator, _package_id(request))
    return web.json_response(package_json(view))


@routes.post("/api/v1/statecorp/packages/{package}/actions/{action}")
@api(request=ACTION_BODY, response=PACKAGE, parameters=BY_ACTION, security=OPERATOR)
async def act(request: web.Request) -> web.Response:
    """Do `check` (`{"documents": [...]}`), `forward`, `serve`, `hand_out` (`{"document",
    "document_number", "representative", "notarized"}`) or `request_again`."""
    operator = await current_operator(request)
    statecorp = request.app[STATECORP]
    package_id = _package_id(request)
    action = request.match_info["action"]
    body = await json_object(request) if request.can_read_body else {}
    if action == "check":
        documents = body.get("documents", [])
        if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
            raise EgovsimError("FORM_INVALID", {"reason": "documents must be a list of ids"})
        view = await statecorp.counter.check(operator, package_id, documents)
    elif action == "forward":
        view = await statecorp.counter.forward(operator, package_id)
    elif action == "serve":
        view = await statecorp.handout.serve(operator, package_id)
    elif action == "hand_out":
        view = await statecorp.handout.hand_out(operator, package_id, body)
    elif action == "request_again":
        view = await statecorp.returns.request_again(operator, package_id)
    else:
        raise EgovsimError(
            "PACKAGE_STATE_WRONG",
            {
                "action": action,
                "actions": ["check", "forward", "serve", "hand_out", "request_again"],
            },
        )
    return web.json_response(package_json(view))


@routes.post("/api/v1/statecorp/sweep")
@api(response=RETURNED, security=OPERATOR)
async def sweep(request: web.Request) -> web.Response:
    """Send results uncollected for a month back to the provider's storage now."""
    await current_operator(request)
    returned = await request.app[STATECORP].returns.sweep()
    return web.json_response({"returned": [package_json(v) for v in returned]})
