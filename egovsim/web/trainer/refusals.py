"""The refusal catalogue as an API and a page: every refusal code, its step, its HTTP status or
SOAP fault, its words in kk, ru and en, and how to trigger it.

`GET /api/v1/refusals` lists every entry, `GET /api/v1/refusals/{code}` gives one, and
`/refusals` shows them as a table grouped by step, filterable by step. "Try it"
(`POST /api/v1/refusals/{code}/try`, and a button on the page) runs a shipped scenario that
reaches the refusal against the running simulator and shows each step's outcome.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from egovsim.catalogue.trigger_words import HOW_WORDS
from egovsim.catalogue.triggers import TRIGGERS, refusal_step, soap_fault
from egovsim.console.faults import codes_for_switch, every_switch
from egovsim.console.trial import Trial, run_trial
from egovsim.errors import CATALOGUE, LANGUAGES, EgovsimError, Refusal
from egovsim.scenarios.index import scenarios_for
from egovsim.storage.faults import FAULT_NAMES
from egovsim.web.common.i18n import language
from egovsim.web.common.keys import CONSOLE, SIMULATOR
from egovsim.web.common.openapi import WORDS, api, component
from egovsim.web.common.operator import operator_only
from egovsim.web.common.render import render
from egovsim.web.gateway.operator_models import FAULTS as RECEIVER_FAULTS
from egovsim.web.trainer.console_forms import checked_form, form_token, own_address, with_token
from egovsim.web.trainer.console_routes import save_clock
from egovsim.web.trainer.console_tours import preparation

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
    "console",
    "HTTP",
)

TRIGGER = component(
    "RefusalTrigger",
    {
        "type": "object",
        "description": "How to make the refusal happen on purpose.",
        "required": ["interface", "how", "how_words", "persona", "fault_switch"],
        "properties": {
            "interface": {"type": "string", "examples": ["portal API", "gateway SOAP"]},
            "how": {"type": "string", "description": "The input or action, in English."},
            "how_words": {
                "type": "object",
                "description": "The same in kk, ru and en; what is between backticks (a "
                "command, a body, an action) is the same in each.",
                "required": ["kk", "ru", "en"],
                "properties": {lang: {"type": "string"} for lang in ("kk", "ru", "en")},
            },
            "persona": {"type": ["string", "null"], "examples": ["citizen-expired"]},
            "fault_switch": {"type": ["string", "null"]},
        },
    },
)

SOAP_FAULT = component(
    "RefusalSoapFault",
    {
        "type": "object",
        "description": "The gateway's answer: an ErrorInfo fault on HTTP 500 (503 while the "
        "gateway is down).",
        "required": ["http_status", "faultcode", "detail"],
        "properties": {
            "http_status": {"type": "integer", "enum": [500, 503]},
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
            "fault_switches": {
                "type": "array",
                "description": "The console's fault switches that lead to this refusal "
                "(`ocsp-down`, or a gateway receiver's kind as `gateway:unreachable`).",
                "items": {"type": "string"},
            },
            "scenarios": {
                "type": "array",
                "description": "The shipped scenarios that reach this refusal; the first is "
                "the one `POST /api/v1/refusals/{code}/try` runs.",
                "items": {
                    "type": "object",
                    "required": ["file", "name"],
                    "properties": {"file": {"type": "string"}, "name": {"type": "string"}},
                },
            },
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
            # A code new to the catalogue shows its English until it is translated (a test
            # fails meanwhile): never a 500 for a missing word.
            "how_words": {
                "kk": trigger.how,
                "ru": trigger.how,
                **HOW_WORDS.get(entry.code, {}),
                "en": trigger.how,
            },
            "persona": trigger.persona,
            "fault_switch": trigger.fault_switch,
        },
        "fault_switches": [
            key
            for key in every_switch(FAULT_NAMES, RECEIVER_FAULTS)
            if entry.code in codes_for_switch(key)
        ],
        "scenarios": [
            {"file": ref.path.name, "name": ref.name} for ref in scenarios_for(entry.code)
        ],
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
    """The catalogue as a table grouped by step, with a filter by step and "try it"."""
    step = _chosen_step(request)
    lang = language(request)
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in _entries(step):
        groups.setdefault(entry.step, []).append(describe(entry))
    response = render(
        request,
        "refusals.html",
        groups=groups,
        steps=steps(),
        chosen_step=step,
        others=[other for other in LANGUAGES if other != lang],
        csrf=form_token(request),
    )
    return with_token(request, response)


# -- try it -------------------------------------------------------------------------------------

_STEP_RESULT = {
    "type": "object",
    "required": ["line", "kind", "title", "outcome", "message", "refusal", "evidence"],
    "properties": {
        "line": {"type": "integer", "description": "The step's line in the scenario file."},
        "kind": {"type": "string", "examples": ["login", "sign", "soap"]},
        "title": {"type": "string"},
        "expected_refusal": {
            "type": ["object", "null"],
            "properties": {"code": {"type": "string"}, "step": {"type": "string"}},
        },
        "outcome": {"enum": ["passed", "failed", "skipped"]},
        "message": {"type": "string", "description": "Why the step failed."},
        "refusal": {
            "type": ["object", "null"],
            "description": "The refusal the step received, as the simulator answered it.",
        },
        "evidence": {
            "type": "string",
            "description": "The step's requests and replies (status and body).",
        },
        "seconds": {"type": "number"},
    },
}
TRIAL = component(
    "RefusalTrial",
    {
        "type": "object",
        "description": "A try-it run: the scenario, each step's outcome and evidence, the "
        "refusal received. `passed` is true when the refusal came where it is expected.",
        "required": ["code", "scenario", "passed", "timed_out", "refusal", "steps"],
        "properties": {
            "code": {"type": "string"},
            "scenario": {
                "type": "object",
                "required": ["file", "suite", "name", "line"],
                "properties": {
                    "file": {"type": "string"},
                    "suite": {"type": "string"},
                    "name": {"type": "string"},
                    "line": {"type": "integer"},
                },
            },
            "passed": {"type": "boolean"},
            "timed_out": {"type": "boolean"},
            "error": {"type": ["string", "null"]},
            "seconds": {"type": "number"},
            "refusal": {"type": ["object", "null"]},
            "steps": {"type": "array", "items": _STEP_RESULT},
            "restored": {
                "type": "array",
                "description": "The fault switches the run left changed and that were put back.",
                "items": {"type": "string"},
            },
            "prepared": {
                "type": "array",
                "description": "What was set before the run so earlier runs cannot change its "
                "outcome: switches off, accounts' failed logins forgotten.",
                "items": {"type": "string"},
            },
        },
    },
)


async def try_code(request: web.Request, code: str) -> Trial:
    """Run the shipped scenario written for `code` against this simulator at its own address,
    one run at a time (CONSOLE_BUSY) and bounded in time; the clock is put back as it was
    and the verifier's caches emptied after. NOT_FOUND for an unknown code or one that no
    shipped scenario reaches."""
    if code not in CATALOGUE:
        raise EgovsimError("NOT_FOUND", {"code": code})
    found = scenarios_for(code)
    if not found:
        raise EgovsimError(
            "NOT_FOUND", {"code": code, "reason": "no shipped scenario reaches this refusal"}
        )
    app = request.app
    sim, state = app[SIMULATOR], app[CONSOLE]
    settings, clock = sim.settings, sim.clock
    async with state.exclusive(f"try {code}"):
        frozen_at, offset = clock.frozen_at, clock.offset
        try:
            return await run_trial(
                code,
                found[0],
                own_address(request),
                settings.certs_dir,
                settings.persona_password,
                app[SIMULATOR].calendar,
                state.try_seconds,
                preparation(app, found[0].load()[1]),
                settings.operator_token,
            )
        finally:
            clock.restore(frozen_at, offset)
            await save_clock(app)
            # Answers cached while a switch was on must not outlive the run.
            app[SIMULATOR].clear_caches()


@routes.post("/api/v1/refusals/{code}/try")
@operator_only
@api(response=TRIAL, parameters={"code": {"type": "string", "examples": ["CERT_REVOKED"]}})
async def try_refusal(request: web.Request) -> web.Response:
    """Run the shipped scenario that reaches the refusal against this running simulator and
    answer each step's outcome with its evidence, and the refusal received.

    The scenario acts through the public interfaces as `egovsim scenario run --base-url`
    does, so what it creates (accounts it locks, applications) stays: reset the demo after.
    The clock is put back as it was, and so are the fault switches. One run at a time
    (CONSOLE_BUSY), stopped after the console's time limit (`timed_out`)."""
    trial = await try_code(request, request.match_info["code"])
    return web.json_response(trial.to_json())


@routes.post("/refusals/{code}/try")
@operator_only
async def try_page(request: web.Request) -> web.Response:
    """The "try it" button: the run's outcome as a page."""
    await checked_form(request)
    code = request.match_info["code"]
    try:
        trial = await try_code(request, code)
    except EgovsimError as error:
        if error.code != "CONSOLE_BUSY":
            raise
        response = render(
            request,
            "console_try.html",
            error=error,
            status=error.http_status,
            code=code,
            trial=None,
            csrf=form_token(request),
        )
        return with_token(request, response)
    response = render(request, "console_try.html", code=code, trial=trial, csrf=form_token(request))
    return with_token(request, response)
