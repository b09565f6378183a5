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

This module builds the document and its layers in painting order; `pools`, `flows`, `nodes` and
`callouts` draw one layer each, `legend` the band of symbols under them (шартты белгілер), and
`scene` holds what a drawing says in words.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from lxml import etree

from egovsim.diagrams.callouts import draw_callouts
from egovsim.diagrams.flows import draw_edge
from egovsim.diagrams.legend import draw_legend, legend_height
from egovsim.diagrams.lighting import Lighting
from egovsim.diagrams.model import Layout
from egovsim.diagrams.nodes import draw_node
from egovsim.diagrams.pools import draw_pool
from egovsim.diagrams.scene import Scene
from egovsim.diagrams.shapes import FONT, SVG_NS, definitions, el, number
from egovsim.diagrams.words import Words
from egovsim.regulations.model import Language


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
    scene = Scene(layout, lang, words, lighting, zone, now)
    uid = scene.uid
    root = etree.Element("svg", nsmap={None: SVG_NS})
    height = layout.height + legend_height(layout)  # the legend's band under the pools
    for name, value in (
        ("width", number(layout.width)),
        ("height", number(height)),
        ("viewBox", f"0 0 {number(layout.width)} {number(height)}"),
        ("role", "img"),
        ("aria-labelledby", f"{uid}-title {uid}-desc"),
        ("class", "bpmn-diagram" + (" is-lit" if lighting else "")),
        ("data-annex", str(layout.annex)),
        ("data-regulation", layout.regulation),
        ("font-family", FONT),
    ):
        root.set(name, value)
    el(root, "title", scene.say(layout.title), id=f"{uid}-title")
    el(root, "desc", scene.description(), id=f"{uid}-desc")
    definitions(root, uid)
    # Later layers paint over earlier ones: flows over the pools, nodes over the flows' ends.
    pools = el(root, "g", class_="pools")
    for pool in layout.pools:
        draw_pool(scene, pools, pool)
    flows = el(root, "g", class_="flows")
    for edge in layout.edges:
        draw_edge(scene, flows, edge)
    nodes = el(root, "g", class_="nodes")
    for node in layout.nodes:
        draw_node(scene, nodes, node)
    draw_callouts(scene, el(root, "g", class_="callouts"))
    draw_legend(root, layout, uid, words)
    return str(etree.tostring(root, encoding="unicode"))
