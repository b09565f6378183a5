"""Drawing a layout as SVG with BPMN's shapes, large enough to read on a projector.

Events are circles (a start thin, an end thick, an intermediate double; an envelope for a
message, a lightning bolt for an error), tasks rounded boxes (a call of the other annex with a
thick border), conditions diamonds with the exclusive marker, the e-document a page with a
folded corner. Control flows are solid with a filled arrow; message flows dashed, from an open
circle to an open arrow; the association with the e-document dotted.

A lit diagram says each step's state in words as well as in colour: a tick on what is done, a
callout "now, until <deadline>" (and "overdue" past it on the simulator's clock) on the current
step, "refusal <code>" on the refusal taken; every node's tooltip (`<title>`) and the drawing's
`<desc>` repeat them for screen readers. The colours are inline, so a downloaded file looks the
same as the page; classes (`node`, `is-done`, `is-current`, `is-refused`) let a page restyle it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, tzinfo
from typing import Any

from lxml import etree

from egovsim.diagrams.lighting import Lighting, State
from egovsim.diagrams.model import (
    BAND,
    EVENT_KINDS,
    TASK_KINDS,
    Box,
    Edge,
    Label,
    Layout,
    Node,
    Pool,
)
from egovsim.diagrams.placing import (
    LABEL_FONT,
    edge_label_point,
    outside_label_box,
    outside_lines,
)
from egovsim.diagrams.shapes import (
    BAND_FILL,
    FONT,
    INK,
    LINE_LIT,
    LOOKS,
    MUTED,
    SVG_NS,
    TASK_FONT,
    data,
    definitions,
    el,
    event,
    gateway,
    mark,
    number,
)
from egovsim.diagrams.text import text_width, wrap
from egovsim.diagrams.words import Words, capitalised, say
from egovsim.regulations.model import Language


class _Drawing:
    """One rendering: a layout in one language, lit or not."""

    def __init__(
        self,
        layout: Layout,
        lang: Language,
        words: Words,
        lighting: Lighting | None,
        zone: tzinfo,
        now: datetime | None,
    ) -> None:
        self.layout = layout
        self.lang = lang
        self.words = words
        self.lighting = lighting
        self.zone = zone
        self.now = now
        self.uid = f"{layout.prefix}-{layout.regulation}"

    def say(self, label: Label | None) -> str:
        return "" if label is None else say(label, self.lang, self.words)

    def word(self, msgid: str, **values: str) -> str:
        return say(Label(msgid, params=tuple(values.items())), self.lang, self.words)

    def state(self, element_id: str) -> State:
        return self.lighting.state(element_id) if self.lighting else "idle"

    def local(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    # -- the whole drawing -----------------------------------------------------------------------

    def svg(self) -> str:
        layout = self.layout
        root = etree.Element(
            "svg",
            nsmap={None: SVG_NS},
        )
        for name, value in (
            ("width", number(layout.width)),
            ("height", number(layout.height)),
            ("viewBox", f"0 0 {number(layout.width)} {number(layout.height)}"),
            ("role", "img"),
            ("aria-labelledby", f"{self.uid}-title {self.uid}-desc"),
            ("class", "bpmn-diagram" + (" is-lit" if self.lighting else "")),
            ("data-annex", str(layout.annex)),
            ("data-regulation", layout.regulation),
            ("font-family", FONT),
        ):
            root.set(name, value)
        el(root, "title", self.say(layout.title), id=f"{self.uid}-title")
        el(root, "desc", self.description(), id=f"{self.uid}-desc")
        definitions(root, self.uid)
        pools = el(root, "g", class_="pools")
        for pool in layout.pools:
            self.pool(pools, pool)
        edges = el(root, "g", class_="flows")
        for edge in layout.edges:
            self.edge(edges, edge)
        nodes = el(root, "g", class_="nodes")
        for node in layout.nodes:
            self.node(nodes, node)
        callouts = el(root, "g", class_="callouts")
        self.callouts(callouts)
        return str(etree.tostring(root, encoding="unicode"))

    def description(self) -> str:
        parts = [self.say(self.layout.description)]
        lighting = self.lighting
        if lighting is None:
            return " ".join(parts)
        done = [self.node_name(n) for n in self.layout.nodes if lighting.state(n.id) == "done"]
        if done:
            parts.append(self.word("diagrams.summary.done", steps="; ".join(done)))
        if lighting.current:
            parts.append(self.word("diagrams.summary.current", step=self.current_words()))
        if lighting.refused:
            refusal = self.node_name(self.layout.node(lighting.refused))
            if lighting.code:
                refusal = f"{refusal} ({lighting.code})"
            parts.append(self.word("diagrams.summary.refused", step=refusal))
        return " ".join(parts)

    def node_name(self, node: Node) -> str:
        name = self.say(node.label)
        return f"{node.step}: {name}" if node.primary and node.step == node.id else name

    def current_words(self) -> str:
        lighting = self.lighting
        assert lighting is not None
        assert lighting.current is not None
        words = self.node_name(self.layout.node(lighting.current))
        if lighting.deadline is not None:
            words += ", " + self.word("diagrams.state.until", at=self.local(lighting.deadline))
            if self.now is not None and self.now > lighting.deadline:
                words += ", " + self.word("diagrams.state.overdue")
        return words

    # -- pools and lanes -----------------------------------------------------------------------

    def pool(self, parent: Any, pool: Pool) -> None:
        group = el(parent, "g", id=pool.id, class_="pool")
        el(group, "title", self.say(pool.name))
        box = pool.box
        el(
            group,
            "rect",
            x=box.x,
            y=box.y,
            width=box.width,
            height=box.height,
            fill="#fbfcfe",
            stroke=MUTED,
            stroke_width=2,
        )
        if not pool.lanes:
            self.band(group, Box(box.x, box.y, BAND, box.height), self.say(pool.label), 15.0)
            return
        band = pool.lanes[0].box.x - box.x
        el(
            group,
            "rect",
            x=box.x,
            y=box.y,
            width=band,
            height=box.height,
            fill=BAND_FILL,
            stroke=MUTED,
            stroke_width=2,
        )
        centre_x, centre_y = box.x + band / 2, box.cy
        el(
            group,
            "text",
            self.say(pool.label),
            x=centre_x,
            y=centre_y,
            transform=f"rotate(-90 {number(centre_x)} {number(centre_y)})",
            text_anchor="middle",
            dominant_baseline="central",
            font_size=18,
            font_weight=700,
            fill=INK,
        )
        for lane in pool.lanes:
            lane_group = el(group, "g", id=lane.id, class_="lane")
            lb = lane.box
            el(
                lane_group,
                "rect",
                x=lb.x,
                y=lb.y,
                width=lb.width,
                height=lb.height,
                fill="none",
                stroke=MUTED,
                stroke_width=1.5,
            )
            name = capitalised(self.say(lane.label))
            self.band(lane_group, Box(lb.x, lb.y, BAND, lb.height), name, 15.0)

    def band(self, parent: Any, box: Box, text: str, font: float) -> None:
        el(
            parent,
            "rect",
            x=box.x,
            y=box.y,
            width=box.width,
            height=box.height,
            fill=BAND_FILL,
            stroke=MUTED,
            stroke_width=1.5,
        )
        lines = wrap(text, box.width - 20, font, bold=True)
        self.lines(parent, lines, box.cx, box.cy, font, weight=700)

    # -- text ------------------------------------------------------------------------------------

    def lines(
        self,
        parent: Any,
        lines: list[str],
        x: float,
        middle: float,
        font: float,
        *,
        weight: int = 400,
        fill: str = INK,
        cls: str | None = None,
    ) -> None:
        """Lines of text centred on (x, middle)."""
        step = font * 1.22
        top = middle - step * (len(lines) - 1) / 2
        text = el(
            parent,
            "text",
            x=x,
            y=top,
            text_anchor="middle",
            dominant_baseline="central",
            font_size=font,
            font_weight=weight if weight != 400 else None,
            fill=fill,
            class_=cls,
        )
        for index, line in enumerate(lines):
            el(text, "tspan", line, x=x, y=top + index * step)

    def fitted(self, text: str, width: float, height: float) -> tuple[list[str], float]:
        """Lines of `text` in a box, the font made smaller (down to 12) until they fit."""
        font = TASK_FONT
        lines = wrap(text, width, font)
        while len(lines) * font * 1.22 > height and font > 12:
            font -= 1
            lines = wrap(text, width, font)
        most = max(1, int(height / (font * 1.22)))
        if len(lines) > most:  # the tooltip keeps the whole text
            lines = [*lines[: most - 1], lines[most - 1].rstrip(" ,.;") + "…"]
        return lines, font

    # -- nodes -----------------------------------------------------------------------------------

    def node(self, parent: Any, node: Node) -> None:
        state = self.state(node.id)
        classes = f"node node--{node.kind} is-{state}"
        group = el(
            parent,
            "g",
            id=node.id,
            class_=classes,
            data_step=node.step,
            data_state=state,
        )
        el(group, "title", self.tooltip(node, state))
        fill, stroke, width = LOOKS[state]
        box = node.box
        if node.kind in TASK_KINDS:
            border = max(width, 5.0) if node.kind == "call" else width
            el(
                group,
                "rect",
                x=box.x,
                y=box.y,
                width=box.width,
                height=box.height,
                rx=14,
                fill=fill,
                stroke=stroke,
                stroke_width=border,
            )
            self.task_text(group, node)
        else:
            if node.kind in EVENT_KINDS:
                event(group, node, fill, stroke, width)
            elif node.kind == "gateway":
                gateway(group, node, fill, stroke, width)
            else:
                data(group, node, fill, stroke, width)
            self.outside_label(group, node)
        mark(group, node, state)

    def tooltip(self, node: Node, state: State) -> str:
        text = self.node_name(node)
        if node.note is not None:
            text += f" — {self.say(node.note)}"
        if node.documentation is not None:
            text += f"\n{self.say(node.documentation)}"
        if state != "idle":
            text += f"\n{self.state_words(node, state)}"
        return text

    def state_words(self, node: Node, state: State) -> str:
        words = self.word(f"diagrams.state.{state}")
        lighting = self.lighting
        if lighting is None:
            return words
        if state == "current" and lighting.current == node.id and lighting.deadline:
            words += ", " + self.word("diagrams.state.until", at=self.local(lighting.deadline))
        if state == "refused" and lighting.refused == node.id and lighting.code:
            words += f" {lighting.code}"
        return words

    def task_text(self, group: Any, node: Node) -> None:
        box = node.box
        step = node.step if node.primary and node.step == node.id else None
        room = box.height - 16
        if step:
            el(
                group,
                "text",
                step,
                x=box.x + 10,
                y=box.y + 20,
                font_size=15,
                font_weight=800,
                fill=MUTED,
                class_="diagram-step-id",
            )
            room -= 14
        note = self.say(node.note) if node.note else None
        if note:
            room -= 20
        label = self.say(node.label)
        lines, font = self.fitted(label, box.width - 18, room)
        middle = box.y + 8 + (14 if step else 0) + room / 2
        self.lines(group, lines, box.cx, middle, font)
        if note:
            el(
                group,
                "text",
                note,
                x=box.cx,
                y=box.bottom - 14,
                text_anchor="middle",
                dominant_baseline="central",
                font_size=15,
                font_weight=700,
                fill=INK,
                class_="term",
            )

    def outside_lines(self, node: Node) -> list[str]:
        """The lines of a label outside its shape (a seeds' step keeps its id in front)."""
        text = self.say(node.label)
        if node.step == node.id:
            text = f"{node.step}: {text}"
        return outside_lines(node, text)

    def outside_label(self, group: Any, node: Node) -> None:
        """The label under the shape; a condition's above it, clear of its branches."""
        lines = self.outside_lines(node)
        box = outside_label_box(node, lines)
        self.lines(group, lines, box.cx, box.cy, LABEL_FONT)

    # -- flows -----------------------------------------------------------------------------------

    def edge(self, parent: Any, edge: Edge) -> None:
        lit = self.lighting is not None and edge.id in self.lighting.lit_edges
        group = el(
            parent,
            "g",
            id=edge.id,
            class_=f"flow flow--{edge.kind}" + (" is-lit" if lit else ""),
            data_source=edge.source,
            data_target=edge.target,
        )
        points = " ".join(f"{number(p.x)},{number(p.y)}" for p in edge.waypoints)
        colour = LINE_LIT if lit else INK
        if edge.kind == "sequence":
            el(
                group,
                "polyline",
                points=points,
                fill="none",
                stroke=colour,
                stroke_width=3.5 if lit else 2.5,
                marker_end=f"url(#{self.uid}-arrow{'-lit' if lit else ''})",
            )
        elif edge.kind == "message":
            el(
                group,
                "polyline",
                points=points,
                fill="none",
                stroke=colour,
                stroke_width=3 if lit else 2,
                stroke_dasharray="10 6",
                marker_start=f"url(#{self.uid}-open-circle)",
                marker_end=f"url(#{self.uid}-open-arrow)",
            )
        else:
            el(
                group,
                "polyline",
                points=points,
                fill="none",
                stroke=colour,
                stroke_width=2,
                stroke_dasharray="2 5",
                stroke_linecap="round",
            )
        if edge.label is not None:
            start, sideways = edge_label_point(edge.waypoints)
            el(
                group,
                "text",
                self.say(edge.label),
                x=start.x,
                y=start.y,
                text_anchor="start" if sideways else "end",
                font_size=15,
                font_weight=700,
                fill=INK,
                dominant_baseline="central",
                paint_order="stroke",
                stroke="#ffffff",
                stroke_width=4,
            )

    # -- callouts --------------------------------------------------------------------------------

    def callouts(self, parent: Any) -> None:
        """The current step's deadline and the refusal's code, above their nodes."""
        lighting = self.lighting
        if lighting is None:
            return
        if lighting.current is not None:
            text = "▶ " + self.word("diagrams.state.current")
            colour = LOOKS["current"][1]
            if lighting.deadline is not None:
                text += " · " + self.word("diagrams.state.until", at=self.local(lighting.deadline))
                if self.now is not None and self.now > lighting.deadline:
                    text += " · " + self.word("diagrams.state.overdue")
            self.callout(parent, self.layout.node(lighting.current), text, colour, "current")
        if lighting.refused is not None:
            text = "✗ " + self.word("diagrams.state.refused")
            if lighting.code:
                text += f" · {lighting.code}"
            node = self.layout.node(lighting.refused)
            self.callout(parent, node, text, LOOKS["refused"][1], "refused")

    def callout(self, parent: Any, node: Node, text: str, colour: str, kind: str) -> None:
        """A filled label with white text above a node: below a condition (whose own label is
        above it, so right of its downward branch), and below the refusal taken."""
        font = 15.0
        width = math.ceil(text_width(text, font, bold=True)) + 24
        height = 28.0
        box = node.box
        if node.kind == "gateway":
            x, y = box.cx + 12, box.bottom + 24
        elif kind == "refused":  # below: a refusal's branch runs along the bottom row
            x, y = box.cx - width / 2, box.bottom + 4
        else:  # from the task's left edge on, clear of a condition's label before it
            x, y = box.x - 6, box.y - height - 10
        x = min(max(4.0, x), self.layout.width - width - 4)
        y = max(4.0, y)
        group = el(parent, "g", class_=f"callout callout--{kind}", data_for=node.id)
        el(group, "rect", x=x, y=y, width=width, height=height, rx=8, fill=colour)
        el(
            group,
            "text",
            text,
            x=x + width / 2,
            y=y + height / 2,
            text_anchor="middle",
            dominant_baseline="central",
            font_size=font,
            font_weight=700,
            fill="#ffffff",
        )


def render_svg(
    layout: Layout,
    lang: Language,
    words: Words,
    lighting: Lighting | None = None,
    *,
    zone: tzinfo = UTC,
    now: datetime | None = None,
) -> str:
    """The layout as an SVG document in `lang` (words from `words`), lit when `lighting` is
    given; deadlines shown in `zone`, and marked overdue when `now` is past them."""
    return _Drawing(layout, lang, words, lighting, zone, now).svg()
