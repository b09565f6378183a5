"""Annex 1 of a regulation: how the information systems interact when the service is given
through the portal (the seeds' "functional interaction diagram"), laid out from the regulation.

Five participants, one pool each, top to bottom: the applicant, the portal, the e-government
gateway (SHEP), the regional gateway's workstation (АРМ РШЭП) and the provider. Every place
stands for one of egovsim's stages (`egovsim.regulations.sequence`), and the regulation's own
portal sequence numbers the drawing: the first stage of each of its entries is drawn as that
entry's node with its id (Almaty's P4, the choice of the certificate; Shymkent's P5, the
gateway's leg), a stage that shares an entry is drawn as a task of it without a number
(Shymkent's P3 takes in the choice of the certificate and the signature). Control flows stay
inside a pool, as BPMN wants; message flows cross between pools. What else depends on the
regulation: who applies (IIN or BIN), the provider's name, and whether the result is an
e-document or a paper to collect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
from egovsim.regulations.sequence import PortalSequence, Stage

PREFIX = "A1"
#: The pools top to bottom: (participant id, rows).
POOLS = (
    ("A1_applicant", 2),
    ("A1_portal", 2),
    ("A1_shep", 1),
    ("A1_arm", 1),
    ("A1_provider", 2),
)
MARGIN = 30.0
#: The conditions whose label names the number the portal checks (IIN, BIN or either).
_CHECKS_NUMBER: frozenset[Stage] = frozenset({"account-check", "signature-check"})


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a node goes and what it is before the grid gives it a box. A `numbered` place is
    drawn as its stage's entry when the stage leads the entry; `key` names it in the flows."""

    key: str
    kind: NodeKind
    pool: str
    column: int
    row: int
    msgid: str
    stage: Stage
    numbered: bool = False
    primary: bool = False  # stands for its step without a number of its own (the route of C3)


def _places(regulation: Regulation) -> list[_Place]:
    paper = "electronic" not in regulation.result_forms
    result = "diagrams.a1.p9_paper" if paper else "diagrams.a1.p9"
    document = "diagrams.a1.edocument_paper" if paper else "diagrams.a1.edocument"
    applicant, portal, shep, arm, provider = (pool for pool, _ in POOLS)
    return [
        _Place("A1_start", "start", applicant, 0, 0, "diagrams.a1.start", "authorization"),
        _Place(
            "authorization", "user_task", applicant, 1, 0, "diagrams.a1.p1", "authorization", True
        ),
        _Place(
            "A1_portal_login", "message_start", portal, 1, 0, "diagrams.a1.login", "account-check"
        ),
        _Place("account-check", "gateway", portal, 2, 0, "diagrams.a1.c1", "account-check", True),
        _Place(
            "authorization-refusal",
            "service_task",
            portal,
            2,
            1,
            "diagrams.a1.p2",
            "authorization-refusal",
            True,
        ),
        _Place(
            "end-authorization",
            "error_end",
            portal,
            3,
            1,
            "diagrams.a1.refused",
            "authorization-refusal",
        ),
        _Place("request", "user_task", applicant, 2, 0, "diagrams.a1.p3", "request", True),
        _Place(
            "certificate-choice",
            "user_task",
            applicant,
            3,
            0,
            "diagrams.a1.p4",
            "certificate-choice",
            True,
        ),
        _Place(
            "A1_portal_certificate",
            "message_catch",
            portal,
            3,
            0,
            "diagrams.a1.certificate",
            "signature-check",
        ),
        _Place(
            "signature-check", "gateway", portal, 4, 0, "diagrams.a1.c2", "signature-check", True
        ),
        _Place(
            "signature-refusal",
            "service_task",
            portal,
            4,
            1,
            "diagrams.a1.p5",
            "signature-refusal",
            True,
        ),
        _Place(
            "end-signature", "error_end", portal, 5, 1, "diagrams.a1.refused", "signature-refusal"
        ),
        _Place("signing", "user_task", applicant, 5, 0, "diagrams.a1.p6", "signing", True),
        _Place(
            "A1_portal_request", "message_catch", portal, 5, 0, "diagrams.a1.request", "signing"
        ),
        _Place("A1_portal_send", "message_end", portal, 6, 0, "diagrams.a1.send", "sending"),
        _Place("sending", "service_task", shep, 6, 0, "diagrams.a1.shep_request", "sending", True),
        _Place("registration", "service_task", arm, 6, 0, "diagrams.a1.p7", "registration", True),
        _Place(
            "A1_provider_inbox",
            "message_start",
            provider,
            6,
            0,
            "diagrams.a1.inbox",
            "registration",
        ),
        _Place(
            "documents-check", "gateway", provider, 7, 0, "diagrams.a1.c3", "documents-check", True
        ),
        _Place(
            "A1_route", "call", provider, 8, 0, "diagrams.a1.route", "documents-check", False, True
        ),
        _Place(
            "documents-refusal",
            "user_task",
            provider,
            8,
            1,
            "diagrams.a1.p8",
            "documents-refusal",
            True,
        ),
        _Place("A1_provider_result", "message_end", provider, 9, 0, "diagrams.a1.result", "result"),
        _Place("A1_arm_answer", "service_task", arm, 9, 0, "diagrams.a1.arm_answer", "result"),
        _Place("A1_shep_answer", "service_task", shep, 9, 0, "diagrams.a1.shep_answer", "result"),
        _Place("A1_portal_cabinet", "service_task", portal, 9, 0, "diagrams.a1.cabinet", "result"),
        _Place("result", "user_task", applicant, 9, 0, result, "result", True),
        _Place("A1_end", "end", applicant, 10, 0, "diagrams.a1.end", "result"),
        _Place("A1_edocument", "data", applicant, 10, 1, document, "result"),
    ]


#: Control flows inside the pools: (source, target, route, label msgid, id when it is fixed).
_SEQUENCE: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("A1_start", "authorization", "across", None, "A1_flow_start"),
    ("authorization", "request", "across", None, None),
    ("request", "certificate-choice", "across", None, None),
    ("certificate-choice", "signing", "across", None, None),
    ("signing", "result", "across", None, None),
    ("result", "A1_end", "across", None, None),
    ("A1_portal_login", "account-check", "across", None, "A1_flow_login"),
    ("account-check", "A1_portal_certificate", "across", "diagrams.yes", "{account-check}_yes"),
    ("account-check", "authorization-refusal", "down", "diagrams.no", "{account-check}_no"),
    ("authorization-refusal", "end-authorization", "across", None, "{authorization-refusal}_end"),
    ("A1_portal_certificate", "signature-check", "across", None, "A1_flow_certificate"),
    ("signature-check", "A1_portal_request", "across", "diagrams.yes", "{signature-check}_yes"),
    ("signature-check", "signature-refusal", "down", "diagrams.no", "{signature-check}_no"),
    ("signature-refusal", "end-signature", "across", None, "{signature-refusal}_end"),
    ("A1_portal_request", "A1_portal_send", "across", None, "A1_flow_request"),
    ("A1_provider_inbox", "documents-check", "across", None, "A1_flow_inbox"),
    ("documents-check", "A1_route", "across", "diagrams.yes", "{documents-check}_yes"),
    ("documents-check", "documents-refusal", "down", "diagrams.no", "{documents-check}_no"),
    ("A1_route", "A1_provider_result", "across", None, "A1_flow_route_result"),
    ("documents-refusal", "A1_provider_result", "join", None, "{documents-refusal}_result"),
)
#: Message flows between the pools: (id, source, target).
_MESSAGES = (
    ("A1_message_login", "authorization", "A1_portal_login"),
    ("A1_message_certificate", "certificate-choice", "A1_portal_certificate"),
    ("A1_message_request", "signing", "A1_portal_request"),
    ("A1_message_to_shep", "A1_portal_send", "sending"),
    ("A1_message_to_arm", "sending", "registration"),
    ("A1_message_to_provider", "registration", "A1_provider_inbox"),
    ("A1_message_result", "A1_provider_result", "A1_arm_answer"),
    ("A1_message_answer", "A1_arm_answer", "A1_shep_answer"),
    ("A1_message_to_portal", "A1_shep_answer", "A1_portal_cabinet"),
    ("A1_message_to_cabinet", "A1_portal_cabinet", "result"),
)


def _node_ids(places: list[_Place], sequence: PortalSequence) -> dict[str, str]:
    """Each place's node id: its entry's id (P4, C2) for the stage that leads a numbered entry,
    `A1_end_<id>` for a refusal's end, `A1_<stage>` for a task within another's entry."""
    ids: dict[str, str] = {}
    for place in places:
        if place.numbered and sequence.leads(place.stage):
            ids[place.key] = sequence.id_of(place.stage)
        elif place.numbered:
            ids[place.key] = "A1_" + place.stage.replace("-", "_")
        elif place.kind == "error_end":
            ids[place.key] = f"A1_end_{sequence.id_of(place.stage)}"
        else:
            ids[place.key] = place.key
    return ids


def _span(sequence: PortalSequence) -> str:
    """The regulation's ids as a range of processes and one of conditions (P1–P8, C1–C3)."""
    spans = []
    for kind in ("process", "condition"):
        ids = [e.id for e in sequence.entries if e.kind == kind]
        if ids:
            spans.append(f"{ids[0]}–{ids[-1]}" if len(ids) > 1 else ids[0])
    return ", ".join(spans)


def _short(node_id: str) -> str:
    return node_id.removeprefix("A1_")


def _applicant_label(regulation: Regulation) -> tuple[Label, Label]:
    """The applicant's pool name, and the number the portal checks (IIN, BIN or either)."""
    kinds = {c.kind for c in regulation.applicants}
    if kinds == {"individual"}:
        return Label("diagrams.pool.applicant_individual"), Label("diagrams.iin")
    if kinds == {"legal_entity"}:
        return Label("diagrams.pool.applicant_legal_entity"), Label("diagrams.bin")
    return Label("diagrams.pool.applicant"), Label("diagrams.iin_bin")


def annex1_layout(regulation: Regulation) -> Layout:
    """Annex 1 of `regulation`: its portal sequence, numbered as it numbers it, across the
    information systems, placed for drawing and export."""
    places = _places(regulation)
    applicant_label, number = _applicant_label(regulation)
    columns = max(p.column for p in places) + 1
    widths = [column_width([p.kind for p in places if p.column == c]) for c in range(columns)]
    xs = column_centres(widths, BAND + MARGIN)
    bands = dict(zip((p for p, _ in POOLS), stack([rows for _, rows in POOLS]), strict=True))
    width = BAND + MARGIN + sum(widths) + MARGIN
    sequence = regulation.portal
    ids = _node_ids(places, sequence)
    nodes = []
    for place in places:
        band = bands[place.pool]
        params: tuple[tuple[str, Label | str], ...] = ()
        if place.stage in _CHECKS_NUMBER and place.numbered:
            params = (("number", number),)
        leads = place.numbered and sequence.leads(place.stage)
        nodes.append(
            Node(
                ids[place.key],
                place.kind,
                place.pool,
                None,
                box_at(place.kind, xs[place.column], band.row_centre(place.row)),
                Label(place.msgid, params=params),
                sequence.id_of(place.stage),
                leads or place.primary,
                documentation=Label(text=sequence.entry(place.stage).name) if leads else None,
            )
        )
    boxes = {n.id: n.box for n in nodes}
    edges = list(_sequence_edges(boxes, ids))
    edges += [
        Edge(
            edge_id,
            "message",
            ids[source],
            ids[target],
            vertical(boxes[ids[source]], boxes[ids[target]]),
        )
        for edge_id, source, target in _MESSAGES
    ]
    result = ids["result"]
    edges.append(_document_edge(result, boxes[result], boxes["A1_edocument"]))
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
        Label(
            "diagrams.annex1.description",
            params=(("service", Label(text=regulation.name)), ("steps", _span(sequence))),
        ),
        pools,
        tuple(nodes),
        tuple(edges),
        width,
        last.top + last.height,
    )


def _sequence_edges(boxes: Mapping[str, Box], ids: Mapping[str, str]) -> Iterable[Edge]:
    routes = {"across": across, "down": down_then_across, "join": across_then_vertical}
    kind: EdgeKind = "sequence"
    for source_key, target_key, route, msgid, fixed in _SEQUENCE:
        source, target = ids[source_key], ids[target_key]
        if fixed is None:
            edge_id = f"A1_flow_{_short(source)}_{_short(target)}"
        elif fixed.startswith("{"):
            key, _, rest = fixed[1:].partition("}")
            edge_id = f"A1_flow_{_short(ids[key])}{rest}"
        else:
            edge_id = fixed
        points = routes[route](boxes[source], boxes[target])
        yield Edge(edge_id, kind, source, target, points, Label(msgid) if msgid else None)


def _document_edge(result: str, box: Box, document: Box) -> Edge:
    """The result gives the applicant the e-document: an association from the step's lower
    right, clear of the message flow that enters the step from below in its middle."""
    x = box.right - 24
    points = (Point(x, box.bottom), Point(x, document.cy), Point(document.x, document.cy))
    return Edge("A1_association_edocument", "association", result, "A1_edocument", points)
