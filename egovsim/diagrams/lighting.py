"""Lighting a diagram with an application's state: which steps are done, which one is current
(with its deadline), and which refusal was taken.

The facts come in the ids a trainer points at: the seeds' step ids (P1..P9, C1..C3) for Annex 1,
the route's step ids for Annex 2 (with "start", "check", "refusal" and "end" for the events and
the condition around the route). `light` turns them into a state per element of a layout; the
adapters that read the facts from a portal or a workstation application are in
`egovsim.diagrams.facts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from egovsim.diagrams.model import TASK_KINDS, Layout

#: What a lit element shows; "idle" is a step the application has not reached.
State = Literal["idle", "done", "current", "refused"]


@dataclass(frozen=True, slots=True)
class Progress:
    """The facts about an application, in step ids."""

    done: frozenset[str] = frozenset()
    current: str | None = None
    deadline: datetime | None = None
    refused: str | None = None  # the step where a refusal was taken (P2, P5, P7, P8, "refusal")
    code: str | None = None  # the refusal's code, when it has one

    @property
    def empty(self) -> bool:
        """Whether there is nothing to light (the application never reached this annex)."""
        return not self.done and self.current is None and self.refused is None


def progress(
    done: Iterable[str] = (),
    current: str | None = None,
    deadline: datetime | None = None,
    refused: str | None = None,
    code: str | None = None,
) -> Progress:
    """The facts as a caller has them: done step ids, the current step and its deadline, the
    refusal's step and code."""
    return Progress(frozenset(done), current, deadline, refused, code)


@dataclass(frozen=True, slots=True)
class Lighting:
    """A state per element of one layout, and where the current step and the refusal are."""

    states: Mapping[str, State]
    lit_edges: frozenset[str] = frozenset()
    current: str | None = None  # the element that stands for the current step
    deadline: datetime | None = None
    refused: str | None = None  # the element that stands for the refusal taken
    code: str | None = None
    facts: Progress = field(default_factory=Progress)

    def state(self, element_id: str) -> State:
        """An element's state ("idle" for one the facts do not name)."""
        return self.states.get(element_id, "idle")


def light(layout: Layout, facts: Progress) -> Lighting:
    """Each node's state from the facts: the refusal's step shows as refused, the current step
    (its own node, not the messages around it) as current, done steps as done; a flow is lit
    when it leads from a done step to one the application reached."""
    states: dict[str, State] = {}
    current = refused = None
    for node in layout.nodes:
        if node.step is None:
            continue
        if facts.refused is not None and node.step == facts.refused:
            states[node.id] = "refused"
            if node.primary and refused is None:
                refused = node.id
        elif facts.current is not None and node.step == facts.current and node.primary:
            states[node.id] = "current"
            # The deadline goes on a task rather than a condition when the step has both
            # (Annex 1's C3: the condition and the route that does the checking).
            if current is None or (
                node.kind in TASK_KINDS and layout.node(current).kind not in TASK_KINDS
            ):
                current = node.id
        elif node.step in facts.done:
            states[node.id] = "done"
    lit = {
        edge.id: edge
        for edge in layout.edges
        if states.get(edge.source) in ("done", "refused") and edge.target in states
    }
    # A condition whose refusal was taken lights that branch only, not the other one.
    refusing = {e.source for e in lit.values() if states[e.target] == "refused"}
    for edge_id, edge in list(lit.items()):
        if edge.source in refusing and states[edge.target] != "refused":
            del lit[edge_id]
    return Lighting(
        states,
        frozenset(lit),
        current,
        facts.deadline if current else None,
        refused,
        facts.code if refused else None,
        facts,
    )
