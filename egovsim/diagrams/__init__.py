"""The regulations' two diagrams, drawn from the regulation files: Annex 1 (how the information
systems interact when the service is given through the portal: P1..P9, C1..C3) and Annex 2 (the
provider's route by role, with its terms and the refusal branch).

One layout (`layout`) feeds both renderers: `render_svg` for the pages, lit with an
application's state (`light`, with the facts from `progress`, `portal_progress` or
`workstation_progress`), and `bpmn_xml` for BPMN 2.0 with diagram interchange. This package reads
regulations and returns data, SVG and XML; the words come from the caller (`Words`).
"""

from __future__ import annotations

from egovsim.diagrams.annex1 import annex1_layout
from egovsim.diagrams.annex2 import annex2_layout, step_element
from egovsim.diagrams.bpmn import bpmn_xml
from egovsim.diagrams.facts import portal_progress, workstation_progress
from egovsim.diagrams.lighting import Lighting, Progress, State, light, progress
from egovsim.diagrams.model import Layout
from egovsim.diagrams.svg import render_svg
from egovsim.diagrams.words import Words
from egovsim.regulations.model import Regulation

__all__ = [
    "ANNEXES",
    "Layout",
    "Lighting",
    "Progress",
    "State",
    "Words",
    "bpmn_xml",
    "layout",
    "light",
    "portal_progress",
    "progress",
    "render_svg",
    "step_element",
    "workstation_progress",
]

#: The annexes a regulation has diagrams for.
ANNEXES = (1, 2)


def layout(regulation: Regulation, annex: int, variant: str | None = None) -> Layout:
    """Annex 1 or 2 of a regulation, placed; Annex 2 shows a variant's own terms when given.
    ValueError for another annex number."""
    if annex == 1:
        return annex1_layout(regulation)
    if annex == 2:
        return annex2_layout(regulation, variant)
    raise ValueError(f"a regulation has annexes 1 and 2, not {annex}")
