"""The layout model both renderers draw from: pools and lanes, nodes with ids, kinds and boxes,
edges with waypoints, and labels still to be put in a language.

One layout serves the SVG and the BPMN 2.0 export, so an element keeps one id in both (a step lit
in the page and the same step in a modelling tool are the same element). Coordinates are pixels,
the origin at the top left, as BPMN diagram interchange has them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from egovsim.regulations.model import Text

#: What a node is, in BPMN's words: its shape in the SVG and its element in the export.
NodeKind = Literal[
    "start",  # a start event (thin circle)
    "message_start",  # a start event caught from a message (thin circle, envelope)
    "end",  # an end event (thick circle)
    "message_end",  # an end event that sends a message (thick circle, filled envelope)
    "error_end",  # an end event in an error: a refusal (thick circle, lightning)
    "message_catch",  # an intermediate event waiting for a message (double circle)
    "message_throw",  # an intermediate event sending a message (double circle, filled)
    "task",  # something done (rounded box)
    "user_task",  # something a person does in a browser or at a desk
    "service_task",  # something an information system does by itself
    "call",  # a whole process drawn in the other annex (rounded box, thick border)
    "gateway",  # a condition: the exclusive gateway (diamond)
    "data",  # a data object: the e-document the applicant is given
]
#: A control (sequence) flow, a message flow between participants, an association with data.
EdgeKind = Literal["sequence", "message", "association"]

EVENT_KINDS: frozenset[str] = frozenset(
    {"start", "message_start", "end", "message_end", "error_end", "message_catch", "message_throw"}
)
TASK_KINDS: frozenset[str] = frozenset({"task", "user_task", "service_task", "call"})


@dataclass(frozen=True, slots=True)
class Point:
    """A waypoint of an edge."""

    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Box:
    """A shape's bounds: the top left corner, the width and the height."""

    x: float
    y: float
    width: float
    height: float

    @property
    def cx(self) -> float:
        """The centre's x."""
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        """The centre's y."""
        return self.y + self.height / 2

    @property
    def right(self) -> float:
        """The right edge's x."""
        return self.x + self.width

    @property
    def bottom(self) -> float:
        """The bottom edge's y."""
        return self.y + self.height


@dataclass(frozen=True, slots=True)
class Label:
    """Words still to be put in a language: a msgid of the UI's catalogs (with named values,
    themselves words or plain strings), or a text the regulation file gives in kk/ru/en."""

    msgid: str | None = None
    text: Text | None = None
    params: tuple[tuple[str, Label | str], ...] = ()
    #: A counted msgid (a plural entry): the number its form is chosen by (Babel's rules for
    #: the language), shown as `shown` when that is given ("1–8" for a range of terms).
    count: int | None = None
    shown: str | None = None


@dataclass(frozen=True, slots=True)
class Node:
    """A flow node, or a data object, placed in a lane.

    `step` is the id the lighting knows the node by: the seeds' step id (P1..P9, C1..C3) on
    Annex 1, the route step's id on Annex 2, or one of "start", "check", "refusal", "end";
    nodes around a step (the message events that carry it) share its id. `primary` marks the
    node that stands for the step itself, which shows the deadline when the step is current."""

    id: str
    kind: NodeKind
    pool: str
    lane: str | None
    box: Box
    label: Label
    step: str | None = None
    primary: bool = False
    note: Label | None = None  # a second line inside the box: the term
    documentation: Label | None = None  # the regulation's full wording of the step


@dataclass(frozen=True, slots=True)
class Edge:
    """A flow between two nodes, with the waypoints of its drawn line."""

    id: str
    kind: EdgeKind
    source: str
    target: str
    waypoints: tuple[Point, ...]
    label: Label | None = None


@dataclass(frozen=True, slots=True)
class Lane:
    """A lane of a pool: one role of the provider's staff."""

    id: str
    label: Label
    box: Box


@dataclass(frozen=True, slots=True)
class Pool:
    """A participant (an information system, the applicant, the provider) with its process."""

    id: str
    process: str
    label: Label  # drawn in the pool's band
    name: Label  # the participant's full name (the export's name, the drawing's tooltip)
    box: Box
    lanes: tuple[Lane, ...] = ()


#: How wide the band with a pool's (or lane's) name is, left of its content.
BAND = 180


@dataclass(frozen=True, slots=True)
class Layout:
    """One annex of one regulation, placed: what both renderers draw."""

    annex: int
    regulation: str
    prefix: str  # the annex's id prefix ("A1", "A2"); the collaboration is "<prefix>_collaboration"
    title: Label
    description: Label
    pools: tuple[Pool, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    width: float
    height: float

    def node(self, node_id: str) -> Node:
        """A node by id; KeyError when the layout has none."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def pool(self, pool_id: str) -> Pool:
        """A pool by id; KeyError when the layout has none."""
        for pool in self.pools:
            if pool.id == pool_id:
                return pool
        raise KeyError(pool_id)

    def nodes_of(self, pool_id: str) -> Iterator[Node]:
        """The nodes of a pool's process, in layout order."""
        return (n for n in self.nodes if n.pool == pool_id)

    def element_ids(self) -> list[str]:
        """Every id the layout gives an element: pools, processes, lanes, nodes, edges."""
        ids = [f"{self.prefix}_collaboration"]
        for pool in self.pools:
            ids += [pool.id, pool.process, *(lane.id for lane in pool.lanes)]
        ids += [n.id for n in self.nodes]
        ids += [e.id for e in self.edges]
        return ids
