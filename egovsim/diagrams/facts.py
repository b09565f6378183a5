"""Reading an application's facts for the lighting: from the personal cabinet (a portal
application's timeline, with the provider's route steps its UPDATEs carry) and from the
workstation (an application's route steps as the provider runs them).

Annex 1's facts are worked out in egovsim's stages (`egovsim.regulations.sequence`) and given in
the ids the regulation numbers them with, the ids its drawing shows. The provider's route maps
onto the stages the way the cabinet's timeline does (`egovsim.portal.timeline.ACTION_STEPS`):
registering is the registration, review and the check against item 9 are C3, a reasoned refusal
is the documents' refusal, signing and handing over lead to the result.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from egovsim.diagrams.lighting import Progress
from egovsim.portal.applications import ApplicationDetail
from egovsim.portal.timeline import ACTION_STEPS
from egovsim.regulations.model import Regulation
from egovsim.regulations.sequence import Stage, stage_of
from egovsim.workstation.views import ApplicationView

#: The portal sequence's stages as an application walks them when nothing is refused.
MAIN_PATH: tuple[Stage, ...] = (
    "authorization",
    "account-check",
    "request",
    "certificate-choice",
    "signature-check",
    "signing",
    "sending",
    "registration",
    "documents-check",
    "result",
)
#: Timeline events that carry the provider's route (UPDATEs as the cabinet records them).
_ROUTE_EVENTS = frozenset({"registered", "provider_step", "update"})
#: Annex 2's State Corporation lane (`egovsim.diagrams.centre`): before the provider, and
#: after the result was handed out at the centre.
_CENTRE_BEFORE = frozenset({"centre-start", "accept", "forward"})
_CENTRE_AFTER = frozenset({"storage", "collected", "hand_out", "end"})
#: The lane's other branch: kept for the month, not collected, returned to the provider.
_CENTRE_RETURNED = frozenset({"storage", "collected", "returned"})


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _route_stage(regulation: Regulation, route_step_id: Any) -> Stage | None:
    """The stage a route step serves (the registration, C3 or the result)."""
    try:
        action = regulation.step(str(route_step_id)).action
    except KeyError:
        return None
    code = ACTION_STEPS.get(action)
    return stage_of(code, "registered") if code else None


def _numbered(
    regulation: Regulation,
    through: int,
    current: Stage | None,
    deadline: datetime | None = None,
    refused: Stage | None = None,
    code: str | None = None,
) -> Progress:
    """The facts in the regulation's ids: the main path's stages before the current one (or
    through the last one done), the current one, the refusal taken."""
    end = through + 1
    if current in MAIN_PATH:
        end = max(end, MAIN_PATH.index(current))
    sequence = regulation.portal
    return Progress(
        frozenset(sequence.id_of(stage) for stage in MAIN_PATH[:end]),
        sequence.id_of(current) if current else None,
        deadline,
        sequence.id_of(refused) if refused else None,
        code,
    )


def portal_progress(detail: ApplicationDetail, annex: int) -> Progress:
    """The facts of a portal application for Annex 1 (its timeline) or Annex 2 (the route
    steps the provider reported)."""
    if annex == 2:
        return _portal_route(detail)
    regulation = detail.regulation
    through = -1  # the index in MAIN_PATH of the last stage done
    current: Stage | None = None
    deadline: datetime | None = None
    refused: Stage | None = None
    code: str | None = None

    def finish(stage: Stage) -> None:
        nonlocal through
        through = max(through, MAIN_PATH.index(stage))

    for entry in detail.timeline:
        event = entry.event
        stage = stage_of(entry.step, event)
        if event in ("signed_in", "authorized"):
            finish(stage if stage in MAIN_PATH else "authorization")
            current = "request"
        elif event in ("draft_created", "attached", "attachment_replaced"):
            current = "request"
        elif event in ("certificate_chosen", "signature_confirmed", "signed"):
            finish(stage if stage in MAIN_PATH else "certificate-choice")
            refused = code = None
            current = "sending" if event == "signed" else current
        elif event == "signature_refused" or (event == "refused" and stage == "signature-refusal"):
            finish("signature-check")
            current, deadline = None, None
            refused, code = "signature-refusal", entry.code or code
        elif event in ("sent", "not_sent", "delivered") and through < MAIN_PATH.index("sending"):
            current = "sending"
        elif event == "not_delivered":
            current, deadline = None, None
            refused, code = "sending", entry.code
        elif event in _ROUTE_EVENTS and through < MAIN_PATH.index("result"):
            details = entry.details
            if details.get("action") == "prepare" and details.get("refusal"):
                refused, code = "documents-refusal", None
            now = details.get("current")
            step = _route_stage(regulation, now.get("id")) if isinstance(now, dict) else None
            if step is None:
                finish("documents-check")
                current, deadline = None, None
            else:
                through = max(through, MAIN_PATH.index(step) - 1)
                current, deadline = step, _when(now.get("deadline") if now else None)
        elif event == "refused" and stage == "documents-refusal":
            refused = "documents-refusal"
        elif event in ("result", "handed_out"):
            finish("result")
            current, deadline = None, None
    facts = _numbered(regulation, through, current, deadline, refused, code)
    if _from_the_office(detail):
        # Registered at the provider's office: the applicant walked none of the portal's steps
        # before the registration, only its result came to the cabinet.
        registration = regulation.portal.id_of("registration")
        walked = {regulation.portal.id_of(s) for s in MAIN_PATH[: MAIN_PATH.index("registration")]}
        before = walked - {registration}
        return Progress(facts.done - before, facts.current, facts.deadline, facts.refused)
    return facts


def _from_the_office(detail: ApplicationDetail) -> bool:
    """Whether a cabinet entry is an office application's result (Shymkent item 1)."""
    return any(
        e.event == "registered" and e.details.get("channel") == "provider_office"
        for e in detail.timeline
    )


def _portal_route(detail: ApplicationDetail) -> Progress:
    """Annex 2 from the UPDATEs that reached the cabinet: each names the step just done and the
    one now open with its deadline (none for an office application's result: unlit)."""
    if _from_the_office(detail):
        return Progress()
    done: set[str] = set()
    current: str | None = None
    deadline: datetime | None = None
    refused = None
    seen = False
    centre = "state_corporation" in detail.regulation.channels
    for entry in detail.timeline:
        if entry.event == "handed_out" and centre:  # the State Corporation's word
            done |= _CENTRE_AFTER
            current, deadline = None, None
            continue
        if entry.event not in _ROUTE_EVENTS:
            continue
        seen = True
        details = entry.details
        action = details.get("action")
        finished = details.get("route_step")
        # A check of the documents leaves its step open: only the other actions finish one.
        if isinstance(finished, dict) and action != "check":
            done.add(str(finished.get("id")))
        if action == "prepare":
            done.add("check")
            if details.get("refusal"):
                refused = "refusal"
        now = details.get("current")
        if isinstance(now, dict) and now.get("id"):
            current, deadline = str(now["id"]), _when(now.get("deadline"))
        elif centre and "hand_out" not in done:
            current, deadline = "storage", None  # sent to the centre, kept for the applicant
        elif not centre:
            current, deadline = None, None
            done.add("end")
    if not seen:
        return Progress()
    done.add("start")
    return Progress(frozenset(done), current, deadline, refused)


def workstation_progress(view: ApplicationView, annex: int) -> Progress:
    """The facts of an application at the workstation for Annex 2 (its route steps) or, when
    it came through the portal, Annex 1 (where in the portal sequence it is)."""
    refusal = view.result is not None and view.result.refusal
    current = view.current
    if annex == 1:
        if view.application.channel != "portal":
            return Progress()
        regulation = view.regulation
        refused: Stage | None = "documents-refusal" if refusal else None
        if current is None:
            return _numbered(regulation, len(MAIN_PATH) - 1, None, refused=refused)
        action = regulation.step(current.record.step_id).action
        stage = stage_of(ACTION_STEPS.get(action, "C3"), "registered") or "documents-check"
        index = MAIN_PATH.index(stage)
        return _numbered(regulation, index - 1, stage, current.record.deadline, refused)
    done = {s.record.step_id for s in view.steps if s.record.finished_at is not None}
    # A package the State Corporation forwarded began at its counter.
    from_centre = view.application.channel == "state_corporation"
    done |= _CENTRE_BEFORE if from_centre else {"start"}
    if view.regulation.refusal.at_step in done:
        done.add("check")
    centre = "state_corporation" in view.regulation.channels
    if current is None and centre and _returned_to_provider(view):
        # Uncollected after the month, the result went back to the provider's storage.
        done |= _CENTRE_RETURNED
        return Progress(frozenset(done), None, None, "refusal" if refusal else None)
    if current is None and centre:  # the result is at the centre, kept for the applicant
        return Progress(frozenset(done), "storage", None, "refusal" if refusal else None)
    if current is None:
        done.add("end")
    return Progress(
        frozenset(done),
        current.record.step_id if current else None,
        current.record.deadline if current else None,
        "refusal" if refusal else None,
    )


def _returned_to_provider(view: ApplicationView) -> bool:
    """Whether the centre's last word on the paper result is that it went back to the
    provider's storage (not that the applicant asked for it again, which sends it back)."""
    words = [
        t.action for t in view.transitions if t.action in ("returned_to_storage", "send_again")
    ]
    return bool(words) and words[-1] == "returned_to_storage"
