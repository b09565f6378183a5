"""BPMN's shapes as SVG elements, and the colours and helpers the drawing shares."""

from __future__ import annotations

from typing import Any

from lxml import etree

from egovsim.diagrams.lighting import State
from egovsim.diagrams.model import Box, Node
from egovsim.diagrams.text import LINE_HEIGHT

SVG_NS = "http://www.w3.org/2000/svg"
FONT = 'system-ui, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif'
INK = "#1a2433"
MUTED = "#4d5b6c"
BAND_FILL = "#e8f0fb"
#: Fill, stroke and stroke width of a node in each state (WCAG AA against the fills).
LOOKS: dict[State, tuple[str, str, float]] = {
    "idle": ("#ffffff", INK, 2.0),
    "done": ("#e4f3e9", "#1b6e35", 3.0),
    "current": ("#fff1d6", "#7a4a00", 5.0),
    "refused": ("#fdecea", "#b42318", 5.0),
}
LINE_LIT = "#1b6e35"
TASK_FONT = 16.0


def el(parent: Any, tag: str, text: str | None = None, **attributes: Any) -> Any:
    """A child element; `stroke_width=2` is written `stroke-width="2"`, `class_` is `class`,
    and None leaves an attribute out."""
    element = etree.SubElement(parent, tag)
    for name, value in attributes.items():
        if value is None:
            continue
        key = name.rstrip("_").replace("_", "-")
        element.set(key, number(value) if isinstance(value, float | int) else str(value))
    if text is not None:
        element.text = text
    return element


def number(value: float) -> str:
    """A coordinate as SVG writes it: no ".0", one decimal at most."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def rect(parent: Any, box: Box, **attributes: Any) -> Any:
    """A rectangle over `box`, with further attributes as `el` takes them."""
    return el(parent, "rect", x=box.x, y=box.y, width=box.width, height=box.height, **attributes)


def centred(
    parent: Any,
    text: str | None,
    x: float,
    y: float,
    font: float,
    *,
    weight: int | None = 700,
    fill: str = INK,
    transform: str | None = None,
    cls: str | None = None,
    **attributes: Any,
) -> Any:
    """A `text` element centred on (x, y) in both directions (bold unless `weight` says
    otherwise; None leaves the weight to the font)."""
    return el(
        parent,
        "text",
        text,
        x=x,
        y=y,
        transform=transform,
        text_anchor="middle",
        dominant_baseline="central",
        font_size=font,
        font_weight=weight,
        fill=fill,
        class_=cls,
        **attributes,
    )


def centred_lines(
    parent: Any, lines: list[str], x: float, middle: float, font: float, *, weight: int = 400
) -> None:
    """Lines of text centred on (x, middle), one `tspan` each."""
    step = font * LINE_HEIGHT
    top = middle - step * (len(lines) - 1) / 2
    text = centred(parent, None, x, top, font, weight=weight if weight != 400 else None)
    for index, line in enumerate(lines):
        el(text, "tspan", line, x=x, y=top + index * step)


def definitions(root: Any, uid: str) -> None:
    """The arrowheads of the flows, named after the drawing so two drawings on one page keep
    their own: a filled arrow for control flows, an open arrow and an open circle for messages."""
    defs = el(root, "defs")
    for name, colour in (("", INK), ("-lit", LINE_LIT)):
        arrow = el(
            defs,
            "marker",
            id=f"{uid}-arrow{name}",
            viewBox="0 0 10 10",
            refX=10,
            refY=5,
            markerWidth=9,
            markerHeight=9,
            orient="auto-start-reverse",
            markerUnits="userSpaceOnUse",
        )
        el(arrow, "path", d="M0,0 L10,5 L0,10 z", fill=colour)
    open_arrow = el(
        defs,
        "marker",
        id=f"{uid}-open-arrow",
        viewBox="0 0 10 10",
        refX=10,
        refY=5,
        markerWidth=12,
        markerHeight=12,
        orient="auto",
        markerUnits="userSpaceOnUse",
    )
    el(open_arrow, "path", d="M0,0 L10,5 L0,10 z", fill="#ffffff", stroke=INK, stroke_width=1.2)
    circle = el(
        defs,
        "marker",
        id=f"{uid}-open-circle",
        viewBox="0 0 10 10",
        refX=5,
        refY=5,
        markerWidth=10,
        markerHeight=10,
        markerUnits="userSpaceOnUse",
    )
    el(circle, "circle", cx=5, cy=5, r=4, fill="#ffffff", stroke=INK, stroke_width=1.2)


def event(group: Any, node: Node, fill: str, stroke: str, width: float) -> None:
    """An event: a circle, thin for a start, thick for an end, double for an intermediate one;
    an envelope for a message (filled when sent), a lightning bolt for an error."""
    box = node.box
    r = box.width / 2
    kind = node.kind
    thick = kind in ("end", "message_end", "error_end")
    _ring(group, box, r, fill, stroke, max(width, 5.0) if thick else width)
    if kind in ("message_catch", "message_throw"):
        _ring(group, box, r - 5, "none", stroke, 1.5)
    if kind.startswith("message"):
        envelope(group, box, filled=kind in ("message_throw", "message_end"))
    if kind == "error_end":
        cx, cy = box.cx, box.cy
        bolt = (
            f"M{cx - 10},{cy + 11} L{cx - 5},{cy - 9} L{cx + 2},{cy + 2} "
            f"L{cx + 9},{cy - 11} L{cx + 5},{cy + 9} L{cx - 2},{cy - 2} z"
        )
        el(group, "path", d=bolt, fill=INK)


def _ring(group: Any, box: Box, r: float, fill: str, stroke: str, width: float) -> None:
    """A circle of radius `r` around the middle of `box`."""
    el(group, "circle", cx=box.cx, cy=box.cy, r=r, fill=fill, stroke=stroke, stroke_width=width)


def envelope(group: Any, box: Box, *, filled: bool) -> None:
    """A message's envelope in the middle of an event."""
    w, h = 22.0, 15.0
    x, y = box.cx - w / 2, box.cy - h / 2
    rect(group, Box(x, y, w, h), fill=INK if filled else "#ffffff", stroke=INK, stroke_width=1.5)
    el(
        group,
        "path",
        d=f"M{x},{y} L{x + w / 2},{y + h / 2} L{x + w},{y}",
        fill="none",
        stroke="#ffffff" if filled else INK,
        stroke_width=1.5,
    )


def gateway(group: Any, node: Node, fill: str, stroke: str, width: float) -> None:
    """An exclusive gateway: a diamond with the X marker."""
    box = node.box
    cx, cy = box.cx, box.cy
    points = f"{cx},{box.y} {box.right},{cy} {cx},{box.bottom} {box.x},{cy}"
    el(group, "polygon", points=points, fill=fill, stroke=stroke, stroke_width=width)
    d = 11.0
    el(
        group,
        "path",
        d=f"M{cx - d},{cy - d} L{cx + d},{cy + d} M{cx + d},{cy - d} L{cx - d},{cy + d}",
        stroke=INK,
        stroke_width=5,
        stroke_linecap="round",
    )


def data(group: Any, node: Node, fill: str, stroke: str, width: float) -> None:
    """A data object: a page with a folded corner."""
    box = node.box
    fold = 14.0
    x, y, r, b = box.x, box.y, box.right, box.bottom
    page = f"M{x},{y} L{r - fold},{y} L{r},{y + fold} L{r},{b} L{x},{b} z"
    el(group, "path", d=page, fill=fill, stroke=stroke, stroke_width=width)
    el(
        group,
        "path",
        d=f"M{r - fold},{y} L{r - fold},{y + fold} L{r},{y + fold}",
        fill="none",
        stroke=stroke,
        stroke_width=1.5,
    )


def mark(group: Any, node: Node, state: State) -> None:
    """A tick on a done node, a cross on a refused one: the state not only in colour."""
    if state not in ("done", "refused"):
        return
    box = node.box
    x, y = box.right - 4, box.y + 4
    colour = LOOKS[state][1]
    el(
        group,
        "circle",
        cx=x,
        cy=y,
        r=12,
        fill=colour,
        stroke="#ffffff",
        stroke_width=2,
        class_="state-mark",
    )
    centred(group, "✓" if state == "done" else "✗", x, y, 16, fill="#ffffff", aria_hidden="true")
