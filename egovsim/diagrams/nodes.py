"""Drawing a layout's nodes: each one's shape in the look of its state, its label inside a task
or outside an event, a condition or the e-document, its tooltip and its state mark."""

from __future__ import annotations

from typing import Any

from egovsim.diagrams.model import EVENT_KINDS, TASK_KINDS, Node
from egovsim.diagrams.placing import LABEL_FONT, outside_label_box, outside_lines
from egovsim.diagrams.scene import Scene
from egovsim.diagrams.shapes import (
    LOOKS,
    MUTED,
    TASK_FONT,
    centred,
    centred_lines,
    data,
    el,
    event,
    gateway,
    mark,
    rect,
)
from egovsim.diagrams.text import fit


def draw_node(scene: Scene, parent: Any, node: Node) -> None:
    """A node as a group named by its id, classed by its kind and state, its tooltip first."""
    state = scene.state(node.id)
    group = el(
        parent,
        "g",
        id=node.id,
        class_=f"node node--{node.kind} is-{state}",
        data_step=node.step,
        data_state=state,
    )
    el(group, "title", scene.tooltip(node, state))
    fill, stroke, width = LOOKS[state]
    if node.kind in TASK_KINDS:
        border = max(width, 5.0) if node.kind == "call" else width
        rect(group, node.box, rx=14, fill=fill, stroke=stroke, stroke_width=border)
        _task_text(scene, group, node)
    else:
        if node.kind in EVENT_KINDS:
            event(group, node, fill, stroke, width)
        elif node.kind == "gateway":
            gateway(group, node, fill, stroke, width)
        else:
            data(group, node, fill, stroke, width)
        _outside_label(scene, group, node)
    mark(group, node, state)


def _task_text(scene: Scene, group: Any, node: Node) -> None:
    """A task's words inside its box: the step id at the top left of a step's own node, the
    label in the room left, and the term along the bottom."""
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
    note = scene.say(node.note) if node.note else None
    if note:
        room -= 20
    lines, font = fit(scene.say(node.label), box.width - 18, room, TASK_FONT)
    middle = box.y + 8 + (14 if step else 0) + room / 2
    centred_lines(group, lines, box.cx, middle, font)
    if note:
        centred(group, note, box.cx, box.bottom - 14, 15, cls="term")


def _outside_label(scene: Scene, group: Any, node: Node) -> None:
    """The label under the shape; a condition's above it, clear of its branches (a step's own
    node keeps its id in front)."""
    text = scene.say(node.label)
    if node.step == node.id:
        text = f"{node.step}: {text}"
    lines = outside_lines(node, text)
    box = outside_label_box(node, lines)
    centred_lines(group, lines, box.cx, box.cy, LABEL_FONT)
