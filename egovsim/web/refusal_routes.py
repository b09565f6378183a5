"""The refusal catalogue as an API and a page: every refusal code, its step, its HTTP status or
SOAP fault, its words in kk, ru and en, and how to trigger it.

`GET /api/v1/refusals` lists every entry, `GET /api/v1/refusals/{code}` gives one, and
`/refusals` shows them as a table grouped by step, filterable by step.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from egovsim.catalogue.triggers import TRIGGERS, refusal_step, soap_fault
from egovsim.errors import CATALOGUE, LANGUAGES, EgovsimError, Refusal
from egovsim.web.i18n import language
from egovsim.web.openapi import WORDS, api, component
from egovsim.web.render import render

routes = web.RouteTableDef()

#: The order steps are shown in: the portal sequence first, then the systems behind it.
STEP_ORDER = (
    "C1",
    "P3",
    "P4",
    "C2",
    "P7",
    "C3",
    "P8",
    "P9",
    "workstation",
    "state_corporation",
    "gateway",
    "clock",
    "HTTP",
)

TRIGGER = component(
    "RefusalTrigger",
    {
        "type": "object",
        "description": "How to make the refusal happen on purpose.",
        "required": ["interface", "how", "persona", "fault_switch"],
        "properties": {
            "interface": {"type": "string", "examples": ["portal API", "gateway SOAP"]},
            "how": {"type": "string", "description": "The input or action, in English."},
            "persona": {"type": ["string", "null"], "examples": ["citizen-expired"]},
            "fault_switch": {"type": ["string", "null"]},
        },
    },
)

SOAP_FAULT = component(
    "RefusalSoapFault",
    {
        "type": "object",
        "description": "The gateway's answer: an ErrorInfo fault on HTTP 500.",
        "required": ["http_status", "faultcode", "detail"],
        "properties": {
            "http_status": {"type": "integer", "const": 500},
            "faultcode": {"type": "string", "enum": ["soapenv:Client", "soapenv:Server"]},
            "detail": {"type": "string", "const": "ErrorInfo"},
        },
    },
)

REFUSAL = component(
    "Refusal",
    {
        "type": "object",
        "description": "One entry of the refusal catalogue. A gateway refusal has no HTTP "
        "status of its own (`http_status` is null) but a SOAP fault.",
        "required": [
            "code",
            "step",
            "refusal_step",
            "http_status",
            "soap_fault",
            "messages",
            "trigger",
        ],
        "properties": {
            "code": {"type": "string", "enum": sorted(CATALOGUE)},
            "step": {"type": "string", "examples": ["C1", "C2", "C3", "gateway"]},
            "refusal_step": {
                "type": ["string", "null"],
                "description": "The seeds' refusal step after the condition: P2, P5 or P8.",
            },
            "http_status": {"type": ["integer", "null"]},
            "soap_fault": {"oneOf": [SOAP_FAULT, {"type": "null"}]},
            "messages": WORDS,
            "trigger": TRIGGER,
        },
    },
)

REFUSALS = component(
    "RefusalList",
    {
        "type": "object",
        "required": ["refusals"],
        "properties": {"refusals": {"type": "array", "items": REFUSAL}},
    },
)

STEP_PARAMETER = {
    "type": "string",
    "description": "Only the refusals of this step (C1, C2, C3, gateway, ...).",
}


def describe(entry: Refusal) -> dict[str, Any]:
    """One catalogue entry with its trigger, as the API gives it."""
    trigger = TRIGGERS[entry.code]
    fault = soap_fault(entry)
    return {
        "code": entry.code,
        "step": entry.step,
        "refusal_step": refusal_step(entry),
        "http_status": None if entry.step == "gateway" else entry.http_status,
        "soap_fault": None
        if fault is None
        else {
            "http_status": fault.http_status,
            "faultcode": fault.faultcode,
            "detail": fault.detail,
        },
        "messages": {lang: entry.messages[lang] for lang in LANGUAGES},
        "trigger": {
            "interface": trigger.interface,
            "how": trigger.how,
            "persona": trigger.persona,
            "fault_switch": trigger.fault_switch,
        },
    }


def steps() -> list[str]:
    """Every step that has a refusal, in the order of the portal sequence."""
    known = {entry.step for entry in CATALOGUE.values()}
    ordered = [step for step in STEP_ORDER if step in known]
    return ordered + sorted(known - set(ordered))


def _chosen_step(request: web.Request) -> str | None:
    """The `?step=` filter; a step with no refusals is refused rather than shown empty."""
    step = request.query.get("step") or None
    if step is not None and step not in steps():
        raise EgovsimError("BAD_REQUEST", {"step": step, "known": steps()})
    return step


def _entries(step: str | None) -> list[Refusal]:
    order = {name: position for position, name in enumerate(steps())}
    chosen = [e for e in CATALOGUE.values() if step is None or e.step == step]
    return sorted(chosen, key=lambda e: (order[e.step], e.code))


@routes.get("/api/v1/refusals")
@api(response=REFUSALS, parameters={"step": STEP_PARAMETER})
async def list_refusals(request: web.Request) -> web.Response:
    """Every refusal egovsim can give, with its step, status or SOAP fault, words and trigger.

    `?step=C2` keeps the refusals of one step; an unknown step is BAD_REQUEST."""
    return web.json_response(
        {"refusals": [describe(entry) for entry in _entries(_chosen_step(request))]}
    )


@routes.get("/api/v1/refusals/{code}")
@api(response=REFUSAL, parameters={"code": {"type": "string", "examples": ["CERT_EXPIRED"]}})
async def show_refusal(request: web.Request) -> web.Response:
    """One refusal of the catalogue by its code; an unknown code is NOT_FOUND."""
    code = request.match_info["code"]
    entry = CATALOGUE.get(code)
    if entry is None:
        raise EgovsimError("NOT_FOUND", {"code": code})
    return web.json_response(describe(entry))


@routes.get("/refusals")
async def refusals_page(request: web.Request) -> web.Response:
    """The catalogue as a table grouped by step, with a filter by step."""
    step = _chosen_step(request)
    lang = language(request)
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in _entries(step):
        groups.setdefault(entry.step, []).append(describe(entry))
    return render(
        request,
        "refusals.html",
        groups=groups,
        steps=steps(),
        chosen_step=step,
        others=[other for other in LANGUAGES if other != lang],
    )
