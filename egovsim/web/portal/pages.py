"""The portal's web pages: the service catalogue, sign-in and registration with the EDS, the
request form, the personal cabinet with the timeline and the signed result, and the document
check. Each page shows what the JSON API gives (`portal_api`, `portal_auth`); signing happens
in the page through egovsim's NCALayer socket (`static/ncalayer.js`, `static/portal.js`)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from aiohttp import BodyPartReader, web

from egovsim.errors import CATALOGUE, EgovsimError, Language
from egovsim.pki.tsa import TSA_POLICY
from egovsim.portal.model import Applicant
from egovsim.regulations.model import Regulation
from egovsim.signatures.encoding import to_der
from egovsim.storage.paging import ListRequest
from egovsim.web.common.i18n import language
from egovsim.web.common.keys import (
    simulator_of,
)
from egovsim.web.common.models import shown
from egovsim.web.common.render import render
from egovsim.web.common.requests import local_path, path_id
from egovsim.web.portal.catalogue_models import PortalService
from egovsim.web.portal.diagrams import portal_diagrams
from egovsim.web.portal.models import PortalApplication, PortalNotification
from egovsim.web.portal.session import (
    SESSION_COOKIE,
    check_csrf,
    csrf_token,
    forget_session,
    optional_applicant,
    portal_session,
)

routes = web.RouteTableDef()

#: What the document check takes in from its form: a CMS and a detached CMS's data.
MAX_CHECK_FIELD = 12 * 1024 * 1024


async def _page(request: web.Request, template: str, **context: Any) -> web.Response:
    """A portal page with the signed-in applicant and the session's CSRF token."""
    error = context.pop("error", None)
    status = context.pop("status", 200)
    return render(
        request,
        template,
        error=error,
        status=status,
        applicant=await optional_applicant(request),
        csrf=await csrf_token(request),
        tsa_profile=_tsa_profile(request),
        **context,
    )


def _tsa_profile(request: web.Request) -> str:
    """The tsaProfile the pages give NCALayer: the TSA's default policy when the setting asks
    for timestamps, else none (`{}`, as the captured exchanges send)."""
    if not simulator_of(request).settings.portal_timestamps:
        return ""
    return json.dumps({"policy": TSA_POLICY})


def _today(request: web.Request) -> date:
    sim = simulator_of(request)
    return sim.clock.now().astimezone(sim.calendar.zone).date()


def _regulation(request: web.Request) -> Regulation:
    regulation = simulator_of(request).regulations.get(request.match_info["service"])
    if regulation is None:
        raise EgovsimError("NOT_FOUND", {"service": request.match_info["service"]})
    return regulation


def _to_login(request: web.Request) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"/login?next={request.path_qs}")


async def _applicant_or_login(request: web.Request) -> Applicant:
    applicant = await optional_applicant(request)
    if applicant is None:
        raise _to_login(request)
    return applicant


# -- the catalogue ------------------------------------------------------------------------------


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    """The portal's front page: what it is, and the services."""
    lang = language(request)
    applicant = await optional_applicant(request)
    services = [
        _service(r, lang, _today(request), applicant)
        for r in simulator_of(request).regulations.values()
    ]
    return await _page(request, "portal_home.html", services=services)


@routes.get("/services")
async def services(request: web.Request) -> web.Response:
    """The service catalogue from the regulation files."""
    lang = language(request)
    applicant = await optional_applicant(request)
    shown = [
        _service(r, lang, _today(request), applicant)
        for r in simulator_of(request).regulations.values()
    ]
    return await _page(request, "portal_services.html", services=shown, nav_current="services")


@routes.get("/services/{service}")
async def service(request: web.Request) -> web.Response:
    """One service: basis, terms, documents, eligibility, acceptance window, fee."""
    regulation = _regulation(request)
    applicant = await optional_applicant(request)
    shown = _service(regulation, language(request), _today(request), applicant)
    return await _page(request, "portal_service.html", service=shown, nav_current="services")


@routes.get("/services/{service}/order")
async def order_form(request: web.Request) -> web.Response:
    """P3: the request form of a service, for the signed-in applicant."""
    regulation = _regulation(request)
    applicant = await _applicant_or_login(request)
    shown = _service(regulation, language(request), _today(request), applicant)
    return await _page(
        request, "portal_order.html", service=shown, values={}, nav_current="services"
    )


@routes.post("/services/{service}/order")
async def order(request: web.Request) -> web.Response:
    """P3: open the draft from the form; a refusal is shown on the form with what was typed."""
    regulation = _regulation(request)
    applicant = await _applicant_or_login(request)
    await check_csrf(request)
    data = await request.post()
    values = {key: str(value) for key, value in data.items() if key != "csrf_token"}
    variant = values.pop("variant", "") or None
    category = values.pop("category", "") or None
    form: dict[str, Any] = {}
    for field in regulation.form:
        value = values.get(f"form.{field.id}", "").strip()
        if field.type == "boolean":
            form[field.id] = value == "on"
        elif mirrored := _mirrors(regulation, field.choices, variant, category):
            form[field.id] = mirrored
        elif value:
            form[field.id] = value
    session = await portal_session(request)
    try:
        detail = await simulator_of(request).portal.start(
            applicant,
            regulation.id,
            variant,
            form,
            category,
            signed_in_at=session.opened_at if session else None,
        )
    except EgovsimError as error:
        shown = _service(regulation, language(request), _today(request), applicant)
        return await _page(
            request,
            "portal_order.html",
            service=shown,
            values=values | {"variant": variant or "", "category": category or ""},
            error=error,
            status=error.entry.http_status,
            nav_current="services",
        )
    raise web.HTTPSeeOther(f"/cabinet/applications/{detail.application.id}")


def _mirrors(
    regulation: Regulation, choices: tuple[str, ...], variant: str | None, category: str | None
) -> str | None:
    """A form field that asks again what the page asked already (its choices are the variants,
    or the applicant categories) takes the page's answer rather than a second question."""
    if not choices:
        return None
    if variant and set(choices) == {v.id for v in regulation.variants}:
        return variant
    categories = [c.id for c in regulation.applicants]
    if set(choices) == set(categories):
        return category or (categories[0] if len(categories) == 1 else None)
    return None


# -- sign-in (P1, C1) ---------------------------------------------------------------------------


@routes.get("/login")
async def login_page(request: web.Request) -> web.Response:
    """P1: IIN/BIN, password, and the AUTH key through NCALayer."""
    return await _page(request, "portal_login.html", next=_next(request), nav_current="")


@routes.get("/register")
async def register_page(request: web.Request) -> web.Response:
    """Registration with IIN/BIN, the EDS and a password."""
    return await _page(request, "portal_register.html", nav_current="")


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    """End the session from the menu's form."""
    await check_csrf(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await simulator_of(request).accounts.logout(token)
    forget_session(request)
    response = web.HTTPSeeOther("/")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


def _next(request: web.Request) -> str:
    """Where to go after signing in: a path of this site only, never another origin."""
    return local_path(request.query.get("next"), "/cabinet")


# -- the personal cabinet (P9) ------------------------------------------------------------------


@routes.get("/cabinet")
async def cabinet(request: web.Request) -> web.Response:
    """A page of the account's applications (`after`: the cursor of the "older" link), and
    the newest notifications."""
    applicant = await _applicant_or_login(request)
    portal = simulator_of(request).portal
    regulations = simulator_of(request).regulations
    page = await portal.applications(applicant, ListRequest.from_query(request.query))
    older = None
    if page.next_cursor is not None:
        older = str(request.rel_url.update_query(after=page.next_cursor))
    return await _page(
        request,
        "portal_cabinet.html",
        applications=[{"record": a, "service": regulations[a.regulation_id]} for a in page.views],
        older=older,
        paged="after" in request.query,
        notifications=[
            shown(PortalNotification.of(n)) for n in await portal.notifications(applicant)
        ],
        nav_current="cabinet",
    )


@routes.get("/cabinet/applications/{id}")
async def application(request: web.Request) -> web.Response:
    """One application: its form, documents to attach, the signing, the timeline, the result."""
    applicant = await _applicant_or_login(request)
    detail = await simulator_of(request).portal.application(applicant, _id(request))
    lang = language(request)
    return await _page(
        request,
        "portal_application.html",
        application=shown(PortalApplication.of_detail(detail)),
        regulation=detail.regulation,
        refusal_message=lambda code: CATALOGUE[code].message(lang) if code in CATALOGUE else "",
        diagrams=portal_diagrams(request, detail),
        nav_current="cabinet",
    )


@routes.get("/cabinet/applications/{id}/result")
async def printable_result(request: web.Request) -> web.Response:
    """The signed result as a printable page, with the verifier's verdict on its signature."""
    applicant = await _applicant_or_login(request)
    found = await simulator_of(request).portal.result(applicant, _id(request))
    try:
        document = json.loads(found.document)
    except (UnicodeDecodeError, json.JSONDecodeError):
        document = None
    if not isinstance(document, dict):
        raise EgovsimError("RESULT_NOT_READY", {"reason": "the result is not a readable document"})
    signer = found.verification.get("signer")
    signed_at = found.verification.get("signing_time")
    return await _page(
        request,
        "result.html",
        document=document,
        signer=signer,
        verification=found.verification,
        signed_at=signed_at or found.received_at.isoformat(),
    )


def _id(request: web.Request) -> int:
    return path_id(request, "id", "APPLICATION_NOT_FOUND", "application")


# -- checking a document ------------------------------------------------------------------------


@routes.get("/check")
async def check_page(request: web.Request) -> web.Response:
    """Upload any CMS and see the verifier's full report."""
    return await _page(request, "portal_check.html", report=None, nav_current="check")


@routes.post("/check")
async def check(request: web.Request) -> web.Response:
    """The verifier's report of the uploaded CMS (and the data of a detached one)."""
    reader = await request.multipart()
    signature = data = None
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name not in ("cms", "data"):
            continue
        content = bytearray()
        while chunk := await part.read_chunk():
            content.extend(chunk)
            if len(content) > MAX_CHECK_FIELD:
                raise EgovsimError("REQUEST_TOO_LARGE", {"limit": MAX_CHECK_FIELD})
        if part.name == "cms":
            signature = bytes(content)
        else:
            data = bytes(content) or None
    if not signature:
        error = EgovsimError("BAD_REQUEST", {"reason": "choose a CMS file"})
        return await _page(
            request, "portal_check.html", report=None, error=error, status=400, nav_current="check"
        )
    report = await simulator_of(request).verifier.verify_cms(
        to_der(signature), content=data, at=simulator_of(request).clock.now()
    )
    return await _page(request, "portal_check.html", report=report.to_json(), nav_current="check")


def _service(
    regulation: Regulation, lang: Language, today: date, applicant: Applicant | None
) -> dict[str, Any]:
    """A service as the catalogue's pages show it: the API's answer, as a dict."""
    return shown(PortalService.of(regulation, lang, today, applicant))
