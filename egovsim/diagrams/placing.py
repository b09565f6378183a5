"""Placing nodes on a grid of columns and rows, and drawing orthogonal lines between them.

Both annexes are read left to right: each step takes a column, each pool (Annex 1) or lane
(Annex 2) a band of one or two rows; the second row holds a refusal branch. Sizes are large
enough for a projector: tasks 186 x 108, events 48, gateways 64.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from egovsim.diagrams.model import EVENT_KINDS, TASK_KINDS, Box, Node, NodeKind, Point
from egovsim.diagrams.text import LINE_HEIGHT, wrap

#: The size of a shape, by its kind.
TASK_SIZE = (186.0, 108.0)
EVENT_SIZE = (48.0, 48.0)
GATEWAY_SIZE = (64.0, 64.0)
DATA_SIZE = (48.0, 60.0)
#: Room around a shape in its column (events and gateways carry their label below them).
COLUMN_GAP = {"task": 40.0, "event": 100.0, "gateway": 100.0, "data": 100.0}
ROW_HEIGHT = 150.0
ROW_PAD = 10.0  # above the first row and below the last of a band


def shape_of(kind: NodeKind) -> str:
    """The family of a kind: task, event, gateway or data."""
    if kind in TASK_KINDS:
        return "task"
    if kind in EVENT_KINDS:
        return "event"
    return "gateway" if kind == "gateway" else "data"


def size_of(kind: NodeKind) -> tuple[float, float]:
    """Width and height of a kind's shape."""
    family = shape_of(kind)
    if family == "task":
        return TASK_SIZE
    if family == "event":
        return EVENT_SIZE
    return GATEWAY_SIZE if family == "gateway" else DATA_SIZE


def column_width(kinds: Sequence[NodeKind]) -> float:
    """How wide a column is: its widest shape with the room that shape needs."""
    return max(size_of(k)[0] + COLUMN_GAP[shape_of(k)] for k in kinds)


@dataclass(frozen=True, slots=True)
class Band:
    """A horizontal band (a pool without lanes, or a lane) with its rows."""

    top: float
    rows: int

    @property
    def height(self) -> float:
        """The band's height: its rows and their padding."""
        return self.rows * ROW_HEIGHT + 2 * ROW_PAD

    def row_centre(self, row: int) -> float:
        """The y of a row's middle."""
        return self.top + ROW_PAD + ROW_HEIGHT * (row + 0.5)


def stack(rows: Sequence[int], top: float = 0.0) -> list[Band]:
    """Bands one under the other, each with its number of rows."""
    bands = []
    for count in rows:
        band = Band(top, count)
        bands.append(band)
        top += band.height
    return bands


def column_centres(widths: Sequence[float], left: float) -> list[float]:
    """The x of each column's middle, the first column starting at `left`."""
    centres = []
    for width in widths:
        centres.append(left + width / 2)
        left += width
    return centres


def box_at(kind: NodeKind, cx: float, cy: float) -> Box:
    """A kind's box centred on a point."""
    width, height = size_of(kind)
    return Box(cx - width / 2, cy - height / 2, width, height)


# -- lines --------------------------------------------------------------------------------------


def _near(a: float, b: float) -> bool:
    return abs(a - b) < 0.5


def across(source: Box, target: Box) -> tuple[Point, ...]:
    """Left to right: straight on one row; through the middle between them otherwise."""
    start = Point(source.right, source.cy)
    end = Point(target.x, target.cy)
    if _near(source.cy, target.cy):
        return (start, end)
    middle = (source.right + target.x) / 2
    return (start, Point(middle, source.cy), Point(middle, target.cy), end)


def down_then_across(source: Box, target: Box) -> tuple[Point, ...]:
    """From the bottom of the source down to the target's row, then right into it (a branch
    leaving a condition for the row below); straight down when the target is under it."""
    if target.x <= source.cx <= target.right:
        return (Point(source.cx, source.bottom), Point(source.cx, target.y))
    return (
        Point(source.cx, source.bottom),
        Point(source.cx, target.cy),
        Point(target.x, target.cy),
    )


def across_then_vertical(source: Box, target: Box) -> tuple[Point, ...]:
    """Right to the target's column, then up or down into it (a branch joining the main row)."""
    if _near(source.cx, target.cx):
        return vertical(source, target)
    end = Point(target.cx, target.bottom if target.cy < source.cy else target.y)
    return (Point(source.right, source.cy), Point(target.cx, source.cy), end)


def vertical(source: Box, target: Box, turn_at: float | None = None) -> tuple[Point, ...]:
    """Up or down between bands (a message flow): straight when the columns agree, else with a
    turn at `turn_at` (by default halfway)."""
    downwards = target.cy > source.cy
    start = Point(source.cx, source.bottom if downwards else source.y)
    end = Point(target.cx, target.y if downwards else target.bottom)
    if _near(source.cx, target.cx):
        return (start, end)
    turn = turn_at if turn_at is not None else (start.y + end.y) / 2
    return (start, Point(source.cx, turn), Point(target.cx, turn), end)


# -- labels outside their shapes ----------------------------------------------------------------

LABEL_FONT = 15.0
LABEL_LINE = LABEL_FONT * LINE_HEIGHT


def outside_lines(node: Node, text: str) -> list[str]:
    """The lines of an event's, a condition's or a data object's label, which sit outside the
    shape: a condition's above it (wider, clear of its branches), the others under it."""
    if node.kind == "gateway":
        return wrap(text, 190, LABEL_FONT)[:5]
    return wrap(text, 150, LABEL_FONT)[:4]


def outside_label_box(node: Node, lines: Sequence[str]) -> Box:
    """Where those lines go: centred on the shape, above a condition, under anything else."""
    width = 190.0 if node.kind == "gateway" else 150.0
    height = LABEL_LINE * len(lines)
    box = node.box
    top = box.y - 8 - height if node.kind == "gateway" else box.bottom + 8
    return Box(box.cx - width / 2, top, width, height)


def edge_label_point(waypoints: Sequence[Point]) -> tuple[Point, bool]:
    """Where a flow's label starts, and whether the flow leaves sideways (the label then sits
    above the line, right of its start; otherwise left of a line going down)."""
    first, second = waypoints[0], waypoints[1]
    sideways = abs(first.y - second.y) < 1
    if sideways:
        return Point(first.x + 14, first.y - 12), True
    return Point(first.x - 10, first.y + 20), False
