"""The legend (шартты белгілер) both annexes of the seeds carry under their drawing: each symbol
the drawing uses, with what it stands for. The SVG draws it in a band under the pools; the BPMN
export writes it as the collaboration's documentation, since BPMN has no legend element.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from egovsim.diagrams.model import Box, EdgeKind, Label, Layout, Node, NodeKind
from egovsim.diagrams.placing import box_at
from egovsim.diagrams.shapes import INK, data, el, event, gateway, number, rect
from egovsim.diagrams.words import Words
from egovsim.regulations.model import Text

_MARGIN = 30.0
_ITEM_WIDTH = 470.0
_ROW = 44.0
_TOP = 60.0


@dataclass(frozen=True, slots=True)
class Symbol:
    """One entry of the legend: a node kind or a flow kind, and the words for it."""

    msgid: str
    node: NodeKind | None = None
    flow: EdgeKind | None = None


#: Every symbol the annexes can use, in the legend's order: the process's start and end, a
#: refusal, a process (рәсім), a sub-process of the other annex, a condition (шарт), the
#: e-document, a transition to the next step and a message between participants.
SYMBOLS = (
    Symbol("diagrams.symbols.start", node="start"),
    Symbol("diagrams.symbols.end", node="end"),
    Symbol("diagrams.symbols.refusal", node="error_end"),
    Symbol("diagrams.symbols.message_event", node="message_start"),
    Symbol("diagrams.symbols.process", node="user_task"),
    Symbol("diagrams.symbols.call", node="call"),
    Symbol("diagrams.symbols.condition", node="gateway"),
    Symbol("diagrams.symbols.data", node="data"),
    Symbol("diagrams.symbols.flow", flow="sequence"),
    Symbol("diagrams.symbols.message", flow="message"),
)
#: Node kinds drawn the same way as the legend's sample of them.
_SAME_AS = {
    "service_task": "user_task",
    "task": "user_task",
    "message_end": "message_start",
    "message_catch": "message_start",
    "message_throw": "message_start",
}


def symbols_of(layout: Layout) -> tuple[Symbol, ...]:
    """The symbols `layout` uses, in the legend's order."""
    nodes = {_SAME_AS.get(node.kind, node.kind) for node in layout.nodes}
    flows = {edge.kind for edge in layout.edges}
    return tuple(s for s in SYMBOLS if s.node in nodes or s.flow in flows)


def _per_row(layout: Layout) -> int:
    return max(1, int((layout.width - 2 * _MARGIN) // _ITEM_WIDTH))


def legend_height(layout: Layout) -> float:
    """The height of the legend's band under the drawing."""
    rows = -(-len(symbols_of(layout)) // _per_row(layout))
    return _TOP + rows * _ROW


def legend_text(layout: Layout, words: Words) -> str:
    """The legend as text, for the BPMN export's documentation."""
    entries = "; ".join(words(s.msgid) for s in symbols_of(layout))
    return f"{words('diagrams.symbols.title')}: {entries}."


def draw_legend(root: Any, layout: Layout, uid: str, words: Words) -> None:
    """The legend band under the drawing: its title, then each symbol with its words."""
    top = layout.height
    group = el(root, "g", id=f"{layout.prefix}_legend", class_="legend")
    title = words("diagrams.symbols.title")
    el(group, "text", title, x=_MARGIN, y=top + 28, font_size=17, font_weight=800, fill=INK)
    for index, symbol in enumerate(symbols_of(layout)):
        row, column = divmod(index, _per_row(layout))
        x = _MARGIN + column * _ITEM_WIDTH
        y = top + _TOP + row * _ROW
        _sample(group, symbol, x + 30, y, uid)
        el(group, "text", words(symbol.msgid), x=x + 70, y=y + 5, font_size=14, fill=INK)


def _sample(group: Any, symbol: Symbol, cx: float, cy: float, uid: str) -> None:
    """A small copy of the symbol around (cx, cy)."""
    if symbol.flow is not None:
        ends: dict[str, Any] = {"marker_end": f"url(#{uid}-arrow)", "stroke_width": 2.5}
        if symbol.flow == "message":
            ends = {
                "marker_start": f"url(#{uid}-open-circle)",
                "marker_end": f"url(#{uid}-open-arrow)",
                "stroke_width": 2,
                "stroke_dasharray": "10 6",
            }
        points = f"{number(cx - 26)},{number(cy)} {number(cx + 26)},{number(cy)}"
        el(group, "polyline", points=points, fill="none", stroke=INK, **ends)
        return
    assert symbol.node is not None
    kind: NodeKind = symbol.node
    if kind in ("user_task", "call"):
        width = 5.0 if kind == "call" else 2.0
        sample_box = Box(cx - 26, cy - 16, 52, 32)
        rect(group, sample_box, rx=8, fill="#ffffff", stroke=INK, stroke_width=width)
        return
    full = box_at(kind, cx, cy)
    scale = min(1.0, 34.0 / max(full.width, full.height))
    width, height = full.width * scale, full.height * scale
    small = Box(cx - width / 2, cy - height / 2, width, height)
    sample = Node(f"legend-{kind}", kind, "", None, small, Label(text=_NO_WORDS))
    if kind == "gateway":
        gateway(group, sample, "#ffffff", INK, 2.0)
    elif kind == "data":
        data(group, sample, "#ffffff", INK, 2.0)
    else:
        event(group, sample, "#ffffff", INK, 2.0)


_NO_WORDS: Text = {"kk": "", "ru": "", "en": ""}
