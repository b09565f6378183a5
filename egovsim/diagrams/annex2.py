"""Annex 2 of a regulation: the reference of the business process between the provider's staff,
laid out from the regulation's route.

One participant, the provider, with a lane per role in the order the route first needs it. The
route's steps run left to right, each in its role's lane with its term; after the step that may
refuse (the regulation's `refusal.at_step`) a condition branches to the reasoned refusal, which
joins the route again where the regulation says (`refusal.resumes_at`). A step that applies to
some channels only (the Almaty seed's item 8.2: the head's resolution, which a portal application
skips) follows a condition on the channel, whose other branch goes on to the next step. A variant
with a term of its own (the Almaty licence's conditions 1-3) shows that term; without a variant,
the range.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

from egovsim.diagrams import centre as centre_nodes
from egovsim.diagrams.model import (
    BAND,
    Box,
    Edge,
    Label,
    Lane,
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
)
from egovsim.diagrams.words import term_label, term_range_label
from egovsim.regulations.model import Regulation, Step

PREFIX = "A2"
POOL_ID = "A2_provider"
#: The pool's own band, left of its lanes' bands (the provider's name).
POOL_BAND = 44.0
MARGIN = 30.0
START, CHECK, REFUSAL, END = "A2_start", "A2_check", "A2_refusal", "A2_end"
#: The lane of the State Corporation's part of the route (not a role of the provider's staff).
CENTRE_ROLE = "state_corporation"
Route = Callable[[Box, Box], tuple[Point, ...]]
#: What an XML id (an NCName) cannot hold after its first character.
_NOT_IN_ID = re.compile(r"[^A-Za-z0-9_.-]")


def step_element(step_id: str) -> str:
    """The element id of a route step on Annex 2 (and in its BPMN export): the step's id
    behind the annex's prefix, with anything an XML id cannot hold made an underscore."""
    return f"{PREFIX}_{_NOT_IN_ID.sub('_', step_id)}"


def channel_element(step_id: str) -> str:
    """The element id of the condition on the channel before a step that not every channel
    takes."""
    return f"{step_element(step_id)}_channel"


def lane_element(role: str) -> str:
    """The element id of a role's lane."""
    return f"{PREFIX}_lane_{role}"


def step_term(step: Step, variant: str | None) -> Label:
    """A step's term for a variant; for no variant, the range of its variants' terms when they
    share a unit (the Almaty licence's executor: 1-8 working days)."""
    if variant is not None or not step.by_variant:
        return term_label(step.term(variant))
    terms = list(step.by_variant.values())
    units = {t.unit for t in terms}
    if len(units) != 1:
        return term_label(step.duration)
    low, high = min(t.amount for t in terms), max(t.amount for t in terms)
    if low == high:
        return term_label(terms[0])
    return term_range_label(terms[0].unit, low, high)


def annex2_layout(regulation: Regulation, variant: str | None = None) -> Layout:
    """Annex 2 of `regulation`: its route by role with each step's term (a variant's own, when
    given) and the refusal branch, placed for drawing and export."""
    steps = regulation.steps
    refusal = regulation.refusal
    roles = list(dict.fromkeys(s.role for s in steps))
    refusing_role = regulation.step(refusal.at_step).role
    # The State Corporation's lane comes first where it takes packages for the service; the
    # route's start (an application from another channel) then shares the forwarding's column.
    centre = "state_corporation" in regulation.channels
    lanes_of_route: list[str] = [CENTRE_ROLE, *roles] if centre else [*roles]
    offset = centre_nodes.BEFORE[-1].column if centre else 0
    # Columns: the start, each step, and the condition right after the step that may refuse.
    column: dict[str, int] = {START: offset}
    next_column = offset + 1
    for step in steps:
        if step.channels:
            column[channel_element(step.id)] = next_column
            next_column += 1
        column[step_element(step.id)] = next_column
        next_column += 1
        if step.id == refusal.at_step:
            column[CHECK] = next_column
            next_column += 1
    column[REFUSAL] = column[CHECK] + 1
    column[END] = next_column
    kinds: dict[str, NodeKind] = {START: "start", CHECK: "gateway", REFUSAL: "user_task"}
    kinds[END] = "end"
    row = {REFUSAL: 1}
    extra = [*centre_nodes.BEFORE, *centre_nodes.AFTER] if centre else []
    for node in centre_nodes.BEFORE if centre else ():
        column[node.id] = node.column
    for node in centre_nodes.AFTER if centre else ():
        column[node.id] = next_column + node.column
    if centre:  # the result ends at the centre, handed out
        column[END] = next_column + centre_nodes.AFTER[-1].column
        next_column = column[END]
    for node in extra:
        kinds[node.id] = node.kind
        row[node.id] = node.row
    for step in steps:
        kinds[step_element(step.id)] = "user_task"
    lane_of = {START: steps[0].role, END: CENTRE_ROLE if centre else steps[-1].role}
    lane_of[CHECK] = lane_of[REFUSAL] = refusing_role
    for node in extra:
        lane_of[node.id] = CENTRE_ROLE
    for before, step in pairwise(steps):
        if step.channels:  # decided where the step before it ends
            kinds[channel_element(step.id)] = "gateway"
            lane_of[channel_element(step.id)] = before.role
    for step in steps:
        lane_of[step_element(step.id)] = step.role

    widths = [
        column_width([kinds[n] for n, c in column.items() if c == index])
        for index in range(next_column + 1)
    ]
    left = POOL_BAND + BAND + MARGIN
    xs = column_centres(widths, left)
    two_rows = {refusing_role, CENTRE_ROLE}
    bands = dict(
        zip(
            lanes_of_route,
            stack([2 if r in two_rows else 1 for r in lanes_of_route]),
            strict=True,
        )
    )
    width = left + sum(widths) + MARGIN

    def place(node_id: str) -> Box:
        band = bands[lane_of[node_id]]
        return box_at(kinds[node_id], xs[column[node_id]], band.row_centre(row.get(node_id, 0)))

    nodes = [
        Node(
            START,
            "start",
            POOL_ID,
            lane_element(lane_of[START]),
            place(START),
            Label("diagrams.a2.start"),
            "start",
            True,
        )
    ]
    for index, step in enumerate(steps):
        element = step_element(step.id)
        if step.channels and index > 0:
            gate = channel_element(step.id)
            named = sorted(step.channels)
            channels = Label(f"channel.{named[0]}") if len(named) == 1 else ", ".join(named)
            nodes.append(
                Node(
                    gate,
                    "gateway",
                    POOL_ID,
                    lane_element(lane_of[gate]),
                    place(gate),
                    Label("diagrams.a2.channel", params=(("channels", channels),)),
                    steps[index - 1].id,  # decided as the step before it ends
                )
            )
        nodes.append(
            Node(
                element,
                "user_task",
                POOL_ID,
                lane_element(step.role),
                place(element),
                Label(f"diagrams.a2.action.{step.action}"),
                step.id,
                True,
                note=step_term(step, variant),
                documentation=Label(text=step.name),
            )
        )
        if step.id == refusal.at_step:
            nodes.append(
                Node(
                    CHECK,
                    "gateway",
                    POOL_ID,
                    lane_element(refusing_role),
                    place(CHECK),
                    Label("diagrams.a2.check"),
                    "check",
                    True,
                )
            )
    nodes += [
        Node(
            node.id,
            node.kind,
            POOL_ID,
            lane_element(CENTRE_ROLE),
            place(node.id),
            Label(node.msgid),
            node.step,
            node.kind != "end",
            note=node.term,
        )
        for node in extra
    ]
    refusal_result = next((r for r in regulation.results if r.id == refusal.result), None)
    nodes.append(
        Node(
            REFUSAL,
            "user_task",
            POOL_ID,
            lane_element(refusing_role),
            place(REFUSAL),
            Label("diagrams.a2.refusal"),
            "refusal",
            True,
            note=term_label(refusal.duration),
            documentation=Label(text=refusal_result.name) if refusal_result else None,
        )
    )
    nodes.append(
        Node(
            END,
            "end",
            POOL_ID,
            lane_element(lane_of[END]),
            place(END),
            Label("diagrams.a2.end"),
            "end",
            True,
        )
    )
    boxes = {n.id: n.box for n in nodes}
    edges = _edges(regulation, boxes, centre)
    lanes = tuple(
        Lane(
            lane_element(role),
            Label("diagrams.lane.state_corporation" if role == CENTRE_ROLE else f"role.{role}"),
            Box(POOL_BAND, bands[role].top, width - POOL_BAND, bands[role].height),
        )
        for role in lanes_of_route
    )
    height = bands[roles[-1]].top + bands[roles[-1]].height
    pool = Pool(
        POOL_ID,
        f"{PREFIX}_process",
        Label("diagrams.pool.provider"),
        Label(text=regulation.provider),
        Box(0, 0, width, height),
        lanes,
    )
    return Layout(
        2,
        regulation.id,
        PREFIX,
        Label("diagrams.annex2.title"),
        Label("diagrams.annex2.description", params=(("service", Label(text=regulation.name)),)),
        (pool,),
        tuple(nodes),
        tuple(edges),
        width,
        height,
    )


def _edges(regulation: Regulation, boxes: dict[str, Box], centre: bool) -> list[Edge]:
    """The control flows: along the route, through the condition, the refusal's branch, and
    the State Corporation's part of the route where it has one."""
    refusal = regulation.refusal
    last = centre_nodes.STORAGE if centre else END
    order = [START] + [step_element(s.id) for s in regulation.steps] + [last]
    refusing = step_element(refusal.at_step)

    def flow(source: str, target: str, route: Route, label: str | None = None) -> Edge:
        edge_id = f"{PREFIX}_flow_{source[len(PREFIX) + 1 :]}_{target[len(PREFIX) + 1 :]}"
        points = route(boxes[source], boxes[target])
        return Edge(edge_id, "sequence", source, target, points, Label(label) if label else None)

    by_element = {step_element(s.id): s for s in regulation.steps}
    edges = []
    for index, (source, target) in enumerate(pairwise(order)):
        step = by_element.get(target)
        if step is not None and step.channels and index > 0:
            # Only the channels named take the step; the others go on to the next one.
            gate = channel_element(step.id)
            edges.append(flow(source, gate, across))
            edges.append(flow(gate, target, across_then_vertical, "diagrams.yes"))
            edges.append(flow(gate, order[index + 2], down_then_across, "diagrams.no"))
            continue
        if source == refusing:
            edges.append(flow(source, CHECK, across))
            edges.append(flow(CHECK, target, across, "diagrams.yes"))
        else:
            edges.append(flow(source, target, across))
    edges.append(flow(CHECK, REFUSAL, down_then_across, "diagrams.no"))
    edges.append(flow(REFUSAL, step_element(refusal.resumes_at), across_then_vertical))
    if centre:
        routes = {"across": across, "down": down_then_across}
        for source, target, route, label in centre_nodes.FLOWS:
            edges.append(flow(source, target, routes[route], label))
        edges.append(flow(centre_nodes.FORWARD, order[1], across))
        edges.append(flow(centre_nodes.HAND_OUT, END, across))
    return edges
