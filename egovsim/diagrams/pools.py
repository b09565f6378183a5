"""Drawing a layout's pools and lanes: their frames, and the band at the left that names them."""

from __future__ import annotations

from typing import Any

from egovsim.diagrams.model import BAND, Box, Pool
from egovsim.diagrams.scene import Scene
from egovsim.diagrams.shapes import BAND_FILL, MUTED, centred, centred_lines, el, number, rect
from egovsim.diagrams.text import wrap
from egovsim.diagrams.words import capitalised

BAND_FONT = 15.0


def draw_pool(scene: Scene, parent: Any, pool: Pool) -> None:
    """A pool: named in a band of its own when it has no lanes, else in a band with the name
    turned upright and each lane named in its own band."""
    group = el(parent, "g", id=pool.id, class_="pool")
    el(group, "title", scene.say(pool.name))
    box = pool.box
    _frame(group, box, "#fbfcfe", 2)
    if not pool.lanes:
        _band(group, Box(box.x, box.y, BAND, box.height), scene.say(pool.label))
        return
    band = pool.lanes[0].box.x - box.x
    _frame(group, Box(box.x, box.y, band, box.height), BAND_FILL, 2)
    centre_x, centre_y = box.x + band / 2, box.cy
    turned = f"rotate(-90 {number(centre_x)} {number(centre_y)})"
    centred(group, scene.say(pool.label), centre_x, centre_y, 18, transform=turned)
    for lane in pool.lanes:
        lane_group = el(group, "g", id=lane.id, class_="lane")
        lb = lane.box
        _frame(lane_group, lb, "none", 1.5)
        name = capitalised(scene.say(lane.label))
        _band(lane_group, Box(lb.x, lb.y, BAND, lb.height), name)


def _frame(parent: Any, box: Box, fill: str, width: float) -> None:
    """The muted outline of a pool, a lane or a band."""
    rect(parent, box, fill=fill, stroke=MUTED, stroke_width=width)


def _band(parent: Any, box: Box, text: str) -> None:
    """A band with its name in bold, wrapped to the band's width."""
    _frame(parent, box, BAND_FILL, 1.5)
    lines = wrap(text, box.width - 20, BAND_FONT, bold=True)
    centred_lines(parent, lines, box.cx, box.cy, BAND_FONT, weight=700)
