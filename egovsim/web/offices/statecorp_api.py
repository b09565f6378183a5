"""`/api/v1/statecorp/...`: the State Corporation's operators sign in and work the counter."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from egovsim.clock import utcnow
from egovsim.errors import EgovsimError
from egovsim.passwords import new_token, token_hash
from egovsim.storage.paging import ListRequest
from egovsim.storage.statecorp import Operator
from egovsim.web.common.keys import simulator_of
from egovsim.web.common.models import answer, read_body
from egovsim.web.common.openapi import api
from egovsim.web.common.requests import path_id, session_token
from egovsim.web.offices.statecorp_models import (
    BY_ACTION,
    BY_PACKAGE,
    OPERATOR,
    PACKAGES_QUERY,
    SERVICE_QUERY,
    STATUSES,
    StatecorpAction,
    StatecorpApplicantIn,
    StatecorpChecklist,
    StatecorpNewPackage,
    StatecorpOperator,
    StatecorpPackage,
    StatecorpPackages,
    StatecorpReturned,
    StatecorpSignedIn,
    StatecorpSignedOut,
    StatecorpSignIn,
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
    operator = await simulator_of(request).statecorp.store.session_operator(
        token_hash(token), utcnow()
    )
    if operator is None:
        raise EgovsimError("OPERATOR_NOT_SIGNED_IN")
    return operator


async def open_session(request: web.Request, login: str, password: str) -> tuple[str, Operator]:
    """Check a login and open a session: (its token, the operator)."""
    operator = await simulator_of(request).statecorp.sign_in(login, password)
    token, hashed = new_token()
    now = utcnow()
    await simulator_of(request).statecorp.store.open_session(
        hashed, operator.id, now, now + timedelta(hours=SESSION_HOURS)
    )
    return token, operator


def _package_id(request: web.Request) -> int:
    return path_id(request, "package", "PACKAGE_NOT_FOUND", "package")


@routes.post("/api/v1/statecorp/session")
@api(request=StatecorpSignIn, response=StatecorpSignedIn)
async def sign_in(request: web.Request) -> web.Response:
    """`{"login", "password"}` → a session (cookie, and a token for scripts)."""
    body = await read_body(request, StatecorpSignIn)
    token, operator = await open_session(request, body.login.strip(), body.password.strip())
    response = answer(StatecorpSignedIn(token=token, operator=StatecorpOperator.of(operator)))
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="Lax", max_age=SESSION_HOURS * 3600, path="/"
    )
    return response


@routes.delete("/api/v1/statecorp/session")
@api(response=StatecorpSignedOut)
async def sign_out(request: web.Request) -> web.Response:
    """End the session."""
    token = session_token(request, COOKIE)
    if token:
        await simulator_of(request).statecorp.store.close_session(token_hash(token))
    response = answer(StatecorpSignedOut())
    response.del_cookie(COOKIE, path="/")
    return response


@routes.get("/api/v1/statecorp/checklist")
@api(response=StatecorpChecklist, parameters=SERVICE_QUERY, security=OPERATOR)
async def checklist(request: web.Request) -> web.Response:
    """`?service=&variant=` → item 9's documents, each with whether it is required."""
    await current_operator(request)
    counter = simulator_of(request).statecorp.counter
    service = request.query.get("service", "")
    variant = request.query.get("variant") or None
    found = counter.checklist(service, variant)
    return answer(StatecorpChecklist.model_validate({"documents": found}))


@routes.post("/api/v1/statecorp/packages")
@api(request=StatecorpNewPackage, response=StatecorpPackage, status=201, security=OPERATOR)
async def open_package(request: web.Request) -> web.Response:
    """`{"service", "variant", "applicant": {"iin", "name"}, "form"}` → a package at the
    counter (201), its 20 minutes running."""
    operator = await current_operator(request)
    body = await read_body(request, StatecorpNewPackage)
    applicant = body.applicant or StatecorpApplicantIn()
    view = await simulator_of(request).statecorp.counter.open_package(
        operator,
        body.service.strip(),
        (body.variant or "").strip() or None,
        applicant.iin.strip(),
        applicant.name.strip(),
        body.form or {},
    )
    return answer(StatecorpPackage.of(view), status=201)


@routes.get("/api/v1/statecorp/packages")
@api(response=StatecorpPackages, parameters=PACKAGES_QUERY, security=OPERATOR)
async def packages(request: web.Request) -> web.Response:
    """A page of the centre's packages, newest first (`?status=at_centre`: the results
    waiting; `limit`, `after`: `next` is the following page's address; `?q=` an applicant's
    IIN, a receipt's or the provider's application number: the packages found)."""
    operator = await current_operator(request)
    counter = simulator_of(request).statecorp.counter
    if "q" in request.query:
        views = await counter.find(operator, request.query["q"])
        found = [StatecorpPackage.of(v) for v in views]
        return answer(StatecorpPackages(packages=found, next=None))
    asked = ListRequest.from_query(request.query, STATUSES)
    page = await counter.packages(operator, asked)
    following = None
    if page.next_cursor is not None:
        following = str(request.rel_url.with_query(asked.query(page.next_cursor)))
    shown = [StatecorpPackage.of(v) for v in page.views]
    return answer(StatecorpPackages(packages=shown, next=following))


@routes.get("/api/v1/statecorp/packages/{package}")
@api(response=StatecorpPackage, parameters=BY_PACKAGE, security=OPERATOR)
async def package(request: web.Request) -> web.Response:
    """One package with its receipt and timeline."""
    operator = await current_operator(request)
    view = await simulator_of(request).statecorp.counter.package(operator, _package_id(request))
    return answer(StatecorpPackage.of(view))


@routes.post("/api/v1/statecorp/packages/{package}/actions/{action}")
@api(request=StatecorpAction, response=StatecorpPackage, parameters=BY_ACTION, security=OPERATOR)
async def act(request: web.Request) -> web.Response:
    """Do `check` (`{"documents": [...]}`), `forward`, `serve`, `hand_out` (`{"document",
    "document_number", "representative", "notarized"}`) or `request_again`."""
    operator = await current_operator(request)
    statecorp = simulator_of(request).statecorp
    package_id = _package_id(request)
    action = request.match_info["action"]
    body = await read_body(request, StatecorpAction) if request.can_read_body else StatecorpAction()
    if action == "check":
        view = await statecorp.counter.check(operator, package_id, body.documents)
    elif action == "forward":
        view = await statecorp.counter.forward(operator, package_id)
    elif action == "serve":
        view = await statecorp.handout.serve(operator, package_id)
    elif action == "hand_out":
        view = await statecorp.handout.hand_out(
            operator, package_id, body.model_dump(exclude_unset=True)
        )
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
    return answer(StatecorpPackage.of(view))


@routes.post("/api/v1/statecorp/sweep")
@api(response=StatecorpReturned, security=OPERATOR)
async def sweep(request: web.Request) -> web.Response:
    """Send results uncollected for a month back to the provider's storage now."""
    await current_operator(request)
    returned = await simulator_of(request).statecorp.returns.sweep()
    return answer(StatecorpReturned(returned=[StatecorpPackage.of(v) for v in returned]))
