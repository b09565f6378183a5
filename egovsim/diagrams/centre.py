"""The State Corporation's part of a route on Annex 2, for a service it takes packages for (the
Almaty seed's items 9 and 10): a lane above the provider's staff where the package is accepted
(20 minutes) and forwarded (1 working day) before the office registers it, and where the result
the office sends is kept for the applicant, handed out (20 minutes) or, uncollected after a
month, returned to the provider.
"""

from __future__ import annotations

from dataclasses import dataclass

from egovsim.diagrams.model import Label, NodeKind
from egovsim.diagrams.words import term_label
from egovsim.regulations.model import Duration, DurationUnit

LANE = "A2_lane_state_corporation"
START, ACCEPT, FORWARD = "A2_centre_start", "A2_centre_accept", "A2_centre_forward"
STORAGE, COLLECTED, HAND_OUT = "A2_centre_storage", "A2_centre_collected", "A2_centre_hand_out"
RETURN, RETURNED = "A2_centre_return", "A2_centre_returned"


@dataclass(frozen=True, slots=True)
class CentreNode:
    """A node of the State Corporation's lane: its kind, words, term, column and row."""

    id: str
    kind: NodeKind
    msgid: str
    step: str  # the lighting's name for it
    column: int  # counted from where its part of the route begins
    row: int = 0
    term: Label | None = None


def _term(amount: int, unit: DurationUnit) -> Label:
    return term_label(Duration(amount, unit))


#: Before the provider: the applicant at the counter, the acceptance, the forwarding.
BEFORE = (
    CentreNode(START, "start", "diagrams.a2.centre.start", "centre-start", 0),
    CentreNode(ACCEPT, "user_task", "diagrams.a2.centre.accept", "accept", 1, 0,
               _term(20, "minutes")),
    CentreNode(FORWARD, "user_task", "diagrams.a2.centre.forward", "forward", 2, 0,
               _term(1, "working_days")),
)  # fmt: skip
#: After the provider: the result kept, handed out, or returned after the month.
AFTER = (
    CentreNode(STORAGE, "user_task", "diagrams.a2.centre.storage", "storage", 0, 0,
               Label("diagrams.a2.centre.month")),
    CentreNode(COLLECTED, "gateway", "diagrams.a2.centre.collected", "collected", 1),
    CentreNode(HAND_OUT, "user_task", "diagrams.a2.centre.hand_out", "hand_out", 2, 0,
               _term(20, "minutes")),
    CentreNode(RETURN, "user_task", "diagrams.a2.centre.return", "returned", 2, 1),
    CentreNode(RETURNED, "end", "diagrams.a2.centre.returned", "returned", 3, 1),
)  # fmt: skip
#: The flows within the lane: (source, target, route, label msgid).
FLOWS = (
    (START, ACCEPT, "across", None),
    (ACCEPT, FORWARD, "across", None),
    (STORAGE, COLLECTED, "across", None),
    (COLLECTED, HAND_OUT, "across", "diagrams.yes"),
    (COLLECTED, RETURN, "down", "diagrams.no"),
    (RETURN, RETURNED, "across", None),
)
