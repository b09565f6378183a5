"""Annex 1 of a regulation: how the information systems interact when the service is given
through the portal (the seeds' "functional interaction diagram"), laid out from the regulation.

Five participants, one pool each, top to bottom: the applicant, the portal, the e-government
gateway (SHEP), the regional gateway's workstation (АРМ РШЭП) and the provider. The applicant's
pool holds P1, P3, P4, P6 and P9; the portal's the conditions C1 and C2 with their refusals P2
and P5 (error ends); the workstation registers the e-document (P7); the provider checks it (C3),
runs the route of Annex 2 or refuses (P8), and the answer travels back to the cabinet, where the
applicant is given the e-document. Control flows stay inside a pool, as BPMN wants; message
flows cross between pools. What depends on the regulation: who applies (IIN or BIN), the
provider's name, and whether the result is an e-document or a paper to collect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from egovsim.diagrams.model import (
    BAND,
    Box,
    Edge,
    EdgeKind,
    Label,
    Layout,
    Node,
    NodeKind,
    Point,
    Pool,
)
from egovsim.diagrams.placing import (
    across,
    across_then_vertical,
    box_at,
    column_centres,
    column_width,
    down_then_across,
    stack,
    vertical,
)
from egovsim.regulations.model import Regulation

PREFIX = "A1"
#: The seeds' step ids this annex draws, in the order of SPEC §2.
STEP_IDS = ("P1", "C1", "P2", "P3", "P4", "C2", "P5", "P6", "P7", "C3", "P8", "P9")
#: The pools top to bottom: (participant id, rows).
POOLS = (
    ("A1_applicant", 2),
    ("A1_portal", 2),
    ("A1_shep", 1),
    ("A1_arm", 1),
    ("A1_provider", 2),
)
MARGIN = 30.0


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a node goes and what it is before the grid gives it a box."""

    id: str
    kind: NodeKind
    pool: str
    column: int
    row: int
    msgid: str
    step: str
    primary: bool = False


def _places(regulation: Regulation) -> list[_Place]:
    paper = "electronic" not in regulation.result_forms
    p9 = "diagrams.a1.p9_paper" if paper else "diagrams.a1.p9"
    document = "diagrams.a1.edocument_paper" if paper else "diagrams.a1.edocument"
    applicant, portal, shep, arm, provider = (pool for pool, _ in POOLS)
    return [
        _Place("A1_start", "start", applicant, 0, 0, "diagrams.a1.start", "P1"),
        _Place("P1", "user_task", applicant, 1, 0, "diagrams.a1.p1", "P1", True),
        _Place("A1_portal_login", "message_start", portal, 1, 0, "diagrams.a1.login", "C1"),
        _Place("C1", "gateway", portal, 2, 0, "diagrams.a1.c1", "C1", True),
        _Place("P2", "service_task", portal, 2, 1, "diagrams.a1.p2", "P2", True),
        _Place("A1_end_P2", "error_end", portal, 3, 1, "diagrams.a1.refused", "P2"),
        _Place("P3", "user_task", applicant, 2, 0, "diagrams.a1.p3", "P3", True),
        _Place("P4", "user_task", applicant, 3, 0, "diagrams.a1.p4", "P4", True),
        _Place(
            "A1_portal_certificate", "message_catch", portal, 3, 0, "diagrams.a1.certificate", "C2"
        ),
        _Place("C2", "gateway", portal, 4, 0, "diagrams.a1.c2", "C2", True),
        _Place("P5", "service_task", portal, 4, 1, "diagrams.a1.p5", "P5", True),
        _Place("A1_end_P5", "error_end", portal, 5, 1, "diagrams.a1.refused", "P5"),
        _Place("P6", "user_task", applicant, 5, 0, "diagrams.a1.p6", "P6", True),
        _Place("A1_portal_request", "message_catch", portal, 5, 0, "diagrams.a1.request", "P6"),
        _Place("A1_portal_send", "message_end", portal, 6, 0, "diagrams.a1.send", "P7"),
        _Place("A1_shep_request", "service_task", shep, 6, 0, "diagrams.a1.shep_request", "P7"),
        _Place("P7", "service_task", arm, 6, 0, "diagrams.a1.p7", "P7", True),
        _Place("A1_provider_inbox", "message_start", provider, 6, 0, "diagrams.a1.inbox", "P7"),
        _Place("C3", "gateway", provider, 7, 0, "diagrams.a1.c3", "C3", True),
        _Place("A1_route", "call", provider, 8, 0, "diagrams.a1.route", "C3", True),
        _Place("P8", "user_task", provider, 8, 1, "diagrams.a1.p8", "P8", True),
        _Place("A1_provider_result", "message_end", provider, 9, 0, "diagrams.a1.result", "P9"),
        _Place("A1_arm_answer", "service_task", arm, 9, 0, "diagrams.a1.arm_answer", "P9"),
        _Place("A1_shep_answer", "service_task", shep, 9, 0, "diagrams.a1.shep_answer", "P9"),
        _Place("A1_portal_cabinet", "service_task", portal, 9, 0, "diagrams.a1.cabinet", "P9"),
        _Place("P9", "user_task", applicant, 9, 0, p9, "P9", True),
        _Place("A1_end", "end", applicant, 10, 0, "diagrams.a1.end", "P9"),
        _Place("A1_edocument", "data", applicant, 10, 1, document, "P9"),
    ]


#: Control flows inside the pools: (id, source, target, route, label msgid).
_SEQUENCE = (
    ("A1_flow_start", "A1_start", "P1", "across", None),
    ("A1_flow_P1_P3", "P1", "P3", "across", None),
    ("A1_flow_P3_P4", "P3", "P4", "across", None),
    ("A1_flow_P4_P6", "P4", "P6", "across", None),
    ("A1_flow_P6_P9", "P6", "P9", "across", None),
    ("A1_flow_P9_end", "P9", "A1_end", "across", None),
    ("A1_flow_login", "A1_portal_login", "C1", "across", None),
    ("A1_flow_C1_yes", "C1", "A1_portal_certificate", "across", "diagrams.yes"),
    ("A1_flow_C1_no", "C1", "P2", "down", "diagrams.no"),
    ("A1_flow_P2_end", "P2", "A1_end_P2", "across", None),
    ("A1_flow_certificate", "A1_portal_certificate", "C2", "across", None),
    ("A1_flow_C2_yes", "C2", "A1_portal_request", "across", "diagrams.yes"),
    ("A1_flow_C2_no", "C2", "P5", "down", "diagrams.no"),
    ("A1_flow_P5_end", "P5", "A1_end_P5", "across", None),
    ("A1_flow_request", "A1_portal_request", "A1_portal_send", "across", None),
    ("A1_flow_inbox", "A1_provider_inbox", "C3", "across", None),
    ("A1_flow_C3_yes", "C3", "A1_route", "across", "diagrams.yes"),
    ("A1_flow_C3_no", "C3", "P8", "down", "diagrams.no"),
    ("A1_flow_route_result", "A1_route", "A1_provider_result", "across", None),
    ("A1_flow_P8_result", "P8", "A1_provider_result", "join", None),
)
#: Message flows between the pools: (id, source, target).
_MESSAGES = (
    ("A1_message_login", "P1", "A1_portal_login"),
    ("A1_message_certificate", "P4", "A1_portal_certificate"),
    ("A1_message_request", "P6", "A1_portal_request"),
    ("A1_message_to_shep", "A1_portal_send", "A1_shep_request"),
    ("A1_message_to_arm", "A1_shep_request", "P7"),
    ("A1_message_to_provider", "P7", "A1_provider_inbox"),
    ("A1_message_result", "A1_provider_result", "A1_arm_answer"),
    ("A1_message_answer", "A1_arm_answer", "A1_shep_answer"),
    ("A1_message_to_portal", "A1_shep_answer", "A1_portal_cabinet"),
    ("A1_message_to_cabinet", "A1_portal_cabinet", "P9"),
)


def _applicant_label(regulation: Regulation) -> tuple[Label, Label]:
    """The applicant's pool name, and the number the portal checks (IIN, BIN or either)."""
    kinds = {c.kind for c in regulation.applicants}
    if kinds == {"individual"}:
        return Label("diagrams.pool.applicant_individual"), Label("diagrams.iin")
    if kinds == {"legal_entity"}:
        return Label("diagrams.pool.applicant_legal_entity"), Label("diagrams.bin")
    return Label("diagrams.pool.applicant"), Label("diagrams.iin_bin")


def annex1_layout(regulation: Regulation) -> Layout:
    """Annex 1 of `regulation`: the portal sequence P1..P9, C1..C3 across the information
    systems, placed for drawing and export."""
    places = _places(regulation)
    applicant_label, number = _applicant_label(regulation)
    columns = max(p.column for p in places) + 1
    widths = [column_width([p.kind for p in places if p.column == c]) for c in range(columns)]
    xs = column_centres(widths, BAND + MARGIN)
    bands = dict(zip((p for p, _ in POOLS), stack([rows for _, rows in POOLS]), strict=True))
    width = BAND + MARGIN + sum(widths) + MARGIN
    nodes = []
    for place in places:
        band = bands[place.pool]
        params: tuple[tuple[str, Label | str], ...] = ()
        if place.id in ("C1", "C2"):
            params = (("number", number),)
        nodes.append(
            Node(
                place.id,
                place.kind,
                place.pool,
                None,
                box_at(place.kind, xs[place.column], band.row_centre(place.row)),
                Label(place.msgid, params=params),
                place.step,
                place.primary,
            )
        )
    boxes = {n.id: n.box for n in nodes}
    edges = list(_sequence_edges(boxes))
    edges += [
        Edge(edge_id, "message", source, target, vertical(boxes[source], boxes[target]))
        for edge_id, source, target in _MESSAGES
    ]
    edges.append(_document_edge(boxes["P9"], boxes["A1_edocument"]))
    names = {
        "A1_applicant": (applicant_label, applicant_label),
        "A1_portal": (Label("diagrams.pool.portal"), Label("diagrams.pool.portal")),
        "A1_shep": (Label("diagrams.pool.shep"), Label("diagrams.pool.shep")),
        "A1_arm": (Label("diagrams.pool.arm"), Label("diagrams.pool.arm")),
        "A1_provider": (Label("diagrams.pool.provider"), Label(text=regulation.provider)),
    }
    pools = tuple(
        Pool(
            pool_id,
            f"{pool_id}_process",
            names[pool_id][0],
            names[pool_id][1],
            Box(0, bands[pool_id].top, width, bands[pool_id].height),
        )
        for pool_id, _ in POOLS
    )
    last = bands[POOLS[-1][0]]
    return Layout(
        1,
        regulation.id,
        PREFIX,
        Label("diagrams.annex1.title"),
        Label("diagrams.annex1.description", params=(("service", Label(text=regulation.name)),)),
        pools,
        tuple(nodes),
        tuple(edges),
        width,
        last.top + last.height,
    )


def _sequence_edges(boxes: dict[str, Box]) -> Iterable[Edge]:
    routes = {"across": across, "down": down_then_across, "join": across_then_vertical}
    kind: EdgeKind = "sequence"
    for edge_id, source, target, route, msgid in _SEQUENCE:
        points = routes[route](boxes[source], boxes[target])
        yield Edge(edge_id, kind, source, target, points, Label(msgid) if msgid else None)


def _document_edge(p9: Box, document: Box) -> Edge:
    """P9 gives the applicant the e-document: an association from the step's lower right, clear
    of the message flow that enters the step from below in its middle."""
    x = p9.right - 24
    points = (Point(x, p9.bottom), Point(x, document.cy), Point(document.x, document.cy))
    return Edge("A1_association_edocument", "association", "P9", "A1_edocument", points)
