"""The regulations' diagrams on the web: the page `/services/{service}/diagrams` with both
annexes, their files at `GET /api/v1/services/{service_id}/diagrams/{annex}.svg` and `.bpmn`
(in the request's language), and the lit diagrams an application's page includes through
`templates/_diagram.html` (`portal_diagrams`, `workstation_diagrams`, or `diagram_view` for any
other page with the facts of `egovsim.diagrams.progress(...)`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from markupsafe import Markup

from egovsim.diagrams import (
    ANNEXES,
    Progress,
    bpmn_xml,
    layout,
    light,
    portal_progress,
    render_svg,
    workstation_progress,
)
from egovsim.diagrams.words import Words, say
from egovsim.errors import EgovsimError, Language
from egovsim.portal.applications import ApplicationDetail
from egovsim.regulations.model import Regulation
from egovsim.web.common.i18n import counted, language, word
from egovsim.web.common.keys import simulator_of
from egovsim.web.common.openapi import api
from egovsim.web.common.render import render
from egovsim.web.portal.session import csrf_token, optional_applicant
from egovsim.workstation.views import ApplicationView

routes = web.RouteTableDef()

API = "/api/v1/services"
#: What the file addresses take for `annex`, and what they answer with.
ANNEX_PARAMETER = {"type": "string", "enum": [str(a) for a in ANNEXES], "description": "1 or 2"}
LANG_PARAMETER = {
    "type": "string",
    "enum": ["kk", "ru", "en"],
    "description": "The language of the names (else the cookie, Accept-Language, Russian).",
}


def words_in(lang: Language) -> Words:
    """The UI's words in one language, as the diagrams' renderers take them."""

    def words(msgid: str, count: int | None = None) -> str:
        return word(msgid, lang) if count is None else counted(msgid, count, lang)

    return words


def _regulation(request: web.Request, key: str) -> Regulation:
    regulation = simulator_of(request).regulations.get(request.match_info[key])
    if regulation is None:
        raise EgovsimError("NOT_FOUND", {"service": request.match_info[key]})
    return regulation


def _annex(request: web.Request) -> int:
    asked = request.match_info["annex"]
    if asked not in {str(a) for a in ANNEXES}:
        raise EgovsimError("NOT_FOUND", {"annex": asked, "annexes": list(ANNEXES)})
    return int(asked)


def diagram_view(
    request: web.Request,
    regulation: Regulation,
    annex: int,
    facts: Progress | None = None,
    variant: str | None = None,
) -> dict[str, Any]:
    """What `_diagram.html` takes for one annex in the request's language, lit with `facts`
    when given (deadlines in the working calendar's zone, overdue on the simulator's clock)."""
    lang = language(request)
    words = words_in(lang)
    placed = layout(regulation, annex, variant)
    lighting = light(placed, facts) if facts is not None else None
    svg = render_svg(
        placed,
        lang,
        words,
        lighting,
        zone=simulator_of(request).calendar.zone,
        now=simulator_of(request).clock.now(),
    )
    files = f"{API}/{regulation.id}/diagrams/{annex}"
    steps = []
    for node in placed.nodes:
        if not node.primary:
            continue
        state = lighting.state(node.id) if lighting else "idle"
        name = say(node.label, lang, words)
        if node.note is not None:
            name += f" ({say(node.note, lang, words)})"
        deadline = None
        if lighting is not None and lighting.current == node.id and lighting.deadline:
            deadline = lighting.deadline
        steps.append(
            {
                "id": node.id,
                "step": node.step if node.step == node.id else None,
                "name": name,
                "state": state,
                "deadline": deadline,
                "code": lighting.code if lighting and lighting.refused == node.id else None,
            }
        )
    return {
        "annex": annex,
        "service": regulation.id,
        "title": say(placed.title, lang, words),
        "description": say(placed.description, lang, words),
        "svg": Markup(svg),  # built by the renderer, every text in it escaped
        "lit": lighting is not None,
        "steps": steps,
        "current": lighting.current if lighting else None,
        "bpmn": f"{files}.bpmn?lang={lang}",
        "svg_file": f"{files}.svg?lang={lang}",
        "page": f"/services/{regulation.id}/diagrams",
    }


def portal_diagrams(request: web.Request, detail: ApplicationDetail) -> list[dict[str, Any]]:
    """Both annexes lit with a portal application's state, for the cabinet's page."""
    regulation = detail.regulation
    variant = detail.application.variant
    return [
        diagram_view(request, regulation, annex, portal_progress(detail, annex), variant)
        for annex in ANNEXES
    ]


def workstation_diagrams(request: web.Request, view: ApplicationView) -> list[dict[str, Any]]:
    """The route (Annex 2) lit with a workstation application's state, and for an application
    that came through the portal the portal sequence (Annex 1) too."""
    regulation = view.regulation
    variant = view.application.variant
    annexes = [2, 1] if view.application.channel == "portal" else [2]
    return [
        diagram_view(request, regulation, annex, workstation_progress(view, annex), variant)
        for annex in annexes
    ]


@routes.get("/services/{service}/diagrams")
async def diagrams_page(request: web.Request) -> web.Response:
    """Both annexes of a service's regulation, with their files to download."""
    regulation = _regulation(request, "service")
    lang = language(request)
    return render(
        request,
        "service_diagrams.html",
        service={
            "id": regulation.id,
            "name": regulation.name[lang],
            "provider": regulation.provider[lang],
        },
        diagrams=[diagram_view(request, regulation, annex) for annex in ANNEXES],
        applicant=await optional_applicant(request),
        csrf=await csrf_token(request),
        nav_current="services",
    )


@routes.get(API + "/{service_id}/diagrams/{annex}.bpmn")
@api(
    response_type="application/xml",
    parameters={"annex": ANNEX_PARAMETER, "lang": LANG_PARAMETER},
)
async def diagram_bpmn(request: web.Request) -> web.Response:
    """One annex of a service's regulation as BPMN 2.0 XML with diagram interchange.

    Annex 1 is a collaboration of the applicant, the portal, the gateway, the regional
    gateway's workstation and the provider (P1..P9, C1..C3, message flows between them);
    Annex 2 the provider's process with a lane per role. Element ids are the ones the SVG uses.
    """
    regulation = _regulation(request, "service_id")
    annex = _annex(request)
    lang = language(request)
    body = bpmn_xml(layout(regulation, annex), lang, words_in(lang))
    return web.Response(
        body=body,
        content_type="application/xml",
        charset="utf-8",
        headers={
            "Content-Disposition": f'inline; filename="{regulation.id}-annex-{annex}.bpmn"',
            "Content-Language": lang,
        },
    )


@routes.get(API + "/{service_id}/diagrams/{annex}.svg")
@api(response_type="image/svg+xml", parameters={"annex": ANNEX_PARAMETER, "lang": LANG_PARAMETER})
async def diagram_svg(request: web.Request) -> web.Response:
    """One annex of a service's regulation as an SVG drawing in BPMN's notation."""
    regulation = _regulation(request, "service_id")
    annex = _annex(request)
    lang = language(request)
    svg = render_svg(layout(regulation, annex), lang, words_in(lang))
    return web.Response(
        text='<?xml version="1.0" encoding="UTF-8"?>\n' + svg,
        content_type="image/svg+xml",
        headers={
            "Content-Disposition": f'inline; filename="{regulation.id}-annex-{annex}.svg"',
            "Content-Language": lang,
        },
    )
