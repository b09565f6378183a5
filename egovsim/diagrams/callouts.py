"""Drawing a lit diagram's callouts: "now, until <deadline>" (and "overdue") by the current
step, "refusal <code>" by the refusal taken, as filled labels in the colour of that state."""

from __future__ import annotations

import math
from typing import Any

from egovsim.diagrams.lighting import State
from egovsim.diagrams.model import Box, Node
from egovsim.diagrams.scene import Scene
from egovsim.diagrams.shapes import LOOKS, centred, el, rect
from egovsim.diagrams.text import text_width

CALLOUT_FONT = 15.0
CALLOUT_HEIGHT = 28.0


def draw_callouts(scene: Scene, parent: Any) -> None:
    """The current step's deadline and the refusal's code, by their nodes (none unlit)."""
    lighting = scene.lighting
    if lighting is None:
        return
    if lighting.current is not None:
        text = " · ".join(["▶ " + scene.word("diagrams.state.current"), *scene.deadline_words()])
        node = scene.layout.node(lighting.current)
        _callout(scene, parent, node, text, "current")
    if lighting.refused is not None:
        text = "✗ " + scene.word("diagrams.state.refused")
        if lighting.code:
            text += f" · {lighting.code}"
        _callout(scene, parent, scene.layout.node(lighting.refused), text, "refused")


def _callout(scene: Scene, parent: Any, node: Node, text: str, kind: State) -> None:
    """A filled label with white text above a node: below a condition (whose own label is
    above it, so right of its downward branch), and below the refusal taken."""
    width = math.ceil(text_width(text, CALLOUT_FONT, bold=True)) + 24
    height = CALLOUT_HEIGHT
    box = node.box
    if node.kind == "gateway":
        x, y = box.cx + 12, box.bottom + 24
    elif kind == "refused":  # below: a refusal's branch runs along the bottom row
        x, y = box.cx - width / 2, box.bottom + 4
    else:  # from the task's left edge on, clear of a condition's label before it
        x, y = box.x - 6, box.y - height - 10
    x = min(max(4.0, x), scene.layout.width - width - 4)
    y = max(4.0, y)
    group = el(parent, "g", class_=f"callout callout--{kind}", data_for=node.id)
    rect(group, Box(x, y, width, height), rx=8, fill=LOOKS[kind][1])
    centred(group, text, x + width / 2, y + height / 2, CALLOUT_FONT, fill="#ffffff")
