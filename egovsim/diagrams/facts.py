"""Reading an application's facts for the lighting: from the personal cabinet (a portal
application's P1..P9 timeline, with the provider's route steps its UPDATEs carry) and from the
workstation (an application's route steps as the provider runs them).

Both map the provider's route onto the portal sequence the way the cabinet's timeline does
(`egovsim.portal.timeline.ACTION_STEPS`): registering is P7, review and the check against item 9
are C3, a reasoned refusal is P8, signing and handing over lead to P9.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from egovsim.diagrams.lighting import Progress
from egovsim.portal.applications import ApplicationDetail
from egovsim.portal.timeline import ACTION_STEPS
from egovsim.regulations.model import Regulation
from egovsim.workstation.views import ApplicationView

#: The portal sequence as an application walks it when nothing is refused.
MAIN_PATH = ("P1", "C1", "P3", "P4", "C2", "P6", "P7", "C3", "P9")
#: Timeline events that carry the provider's route (UPDATEs as the cabinet records them).
_ROUTE_EVENTS = frozenset({"registered", "provider_step", "update"})


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _portal_step(regulation: Regulation, route_step_id: Any) -> str | None:
    """The seeds' step a route step serves (P7, C3 or P9)."""
    try:
        action = regulation.step(str(route_step_id)).action
    except KeyError:
        return None
    return ACTION_STEPS.get(action)


def _sequence(done_through: int, current: str | None) -> frozenset[str]:
    """The main path's steps before the current one (or through the last one done)."""
    end = done_through + 1
    if current in MAIN_PATH:
        end = max(end, MAIN_PATH.index(current))
    return frozenset(MAIN_PATH[:end])


def portal_progress(detail: ApplicationDetail, annex: int) -> Progress:
    """The facts of a portal application for Annex 1 (its timeline) or Annex 2 (the route
    steps the provider reported)."""
    if annex == 2:
        return _portal_route(detail)
    regulation = detail.regulation
    through = -1  # the index in MAIN_PATH of the last step done
    current: str | None = None
    deadline: datetime | None = None
    refused: str | None = None
    code: str | None = None

    def finish(step: str) -> None:
        nonlocal through
        through = max(through, MAIN_PATH.index(step))

    for entry in detail.timeline:
        event = entry.event
        if event in ("signed_in", "authorized"):
            finish(entry.step if entry.step in MAIN_PATH else "P1")
            current = "P3"
        elif event in ("draft_created", "attached", "attachment_replaced"):
            current = "P3"
        elif event in ("certificate_chosen", "signature_confirmed", "signed"):
            finish(entry.step if entry.step in MAIN_PATH else "P4")
            refused = code = None
            current = "P7" if event == "signed" else current
        elif event == "signature_refused" or (event == "refused" and entry.step == "P5"):
            finish("C2")
            current, deadline = None, None
            refused, code = "P5", entry.code or code
        elif event in ("sent", "not_sent", "delivered") and through < MAIN_PATH.index("P7"):
            current = "P7"
        elif event == "not_delivered":
            current, deadline = None, None
            refused, code = "P7", entry.code
        elif event in _ROUTE_EVENTS and through < MAIN_PATH.index("P9"):
            details = entry.details
            if details.get("action") == "prepare" and details.get("refusal"):
                refused, code = "P8", None
            now = details.get("current")
            step = _portal_step(regulation, now.get("id")) if isinstance(now, dict) else None
            if step is None:
                finish("C3")
                current, deadline = None, None
            else:
                through = max(through, MAIN_PATH.index(step) - 1)
                current, deadline = step, _when(now.get("deadline") if now else None)
        elif event == "refused" and entry.step == "P8":
            refused = "P8"
        elif event in ("result", "handed_out"):
            finish("P9")
            current, deadline = None, None
    return Progress(_sequence(through, current), current, deadline, refused, code)


def _portal_route(detail: ApplicationDetail) -> Progress:
    """Annex 2 from the UPDATEs that reached the cabinet: each names the step just done and the
    one now open with its deadline."""
    done: set[str] = set()
    current: str | None = None
    deadline: datetime | None = None
    refused = None
    seen = False
    for entry in detail.timeline:
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
        else:
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
        if current is None:
            return Progress(frozenset(MAIN_PATH), refused="P8" if refusal else None)
        step = ACTION_STEPS.get(view.regulation.step(current.record.step_id).action, "C3")
        return Progress(
            frozenset(MAIN_PATH[: MAIN_PATH.index(step)]),
            step,
            current.record.deadline,
            "P8" if refusal else None,
        )
    done = {"start"} | {s.record.step_id for s in view.steps if s.record.finished_at is not None}
    if view.regulation.refusal.at_step in done:
        done.add("check")
    if current is None:
        done.add("end")
    return Progress(
        frozenset(done),
        current.record.step_id if current else None,
        current.record.deadline if current else None,
        "refusal" if refusal else None,
    )
