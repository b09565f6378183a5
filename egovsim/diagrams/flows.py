"""Drawing a layout's flows: control flows solid with a filled arrow (heavier and green when
lit), message flows dashed from an open circle to an open arrow, associations dotted."""

from __future__ import annotations

from typing import Any

from egovsim.diagrams.model import Edge, EdgeKind
from egovsim.diagrams.placing import edge_label_point
from egovsim.diagrams.scene import Scene
from egovsim.diagrams.shapes import INK, LINE_LIT, el, number


def draw_edge(scene: Scene, parent: Any, edge: Edge) -> None:
    """A flow as a group named by its id, with its source and target, and its label."""
    lit = scene.lighting is not None and edge.id in scene.lighting.lit_edges
    group = el(
        parent,
        "g",
        id=edge.id,
        class_=f"flow flow--{edge.kind}" + (" is-lit" if lit else ""),
        data_source=edge.source,
        data_target=edge.target,
    )
    el(
        group,
        "polyline",
        points=" ".join(f"{number(p.x)},{number(p.y)}" for p in edge.waypoints),
        fill="none",
        stroke=LINE_LIT if lit else INK,
        **_line(edge.kind, lit, scene.uid),
    )
    if edge.label is not None:
        start, sideways = edge_label_point(edge.waypoints)
        el(
            group,
            "text",
            scene.say(edge.label),
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


def _line(kind: EdgeKind, lit: bool, uid: str) -> dict[str, Any]:
    """The width, dashes and ends of a flow's line, by its kind."""
    if kind == "sequence":
        arrow = f"url(#{uid}-arrow{'-lit' if lit else ''})"
        return {"stroke_width": 3.5 if lit else 2.5, "marker_end": arrow}
    if kind == "message":
        return {
            "stroke_width": 3 if lit else 2,
            "stroke_dasharray": "10 6",
            "marker_start": f"url(#{uid}-open-circle)",
            "marker_end": f"url(#{uid}-open-arrow)",
        }
    return {"stroke_width": 2, "stroke_dasharray": "2 5", "stroke_linecap": "round"}
