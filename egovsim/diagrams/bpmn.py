"""Exporting a layout as BPMN 2.0 XML with diagram interchange, for the tools analysts use
(bpmn.io, Camunda Modeler).

The document holds a collaboration with a participant per pool and the message flows between
them, a process per participant (its lanes, flow nodes, control flows, data objects and
associations), an error per refusal end, and one diagram whose plane draws every participant,
lane, node and flow at the layout's coordinates. Ids are the layout's, so an element lit in the
SVG has the same id here. Namespaces are the OMG's (BPMN 2.0, DD 1.0).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from egovsim import __version__
from egovsim.diagrams.legend import legend_text
from egovsim.diagrams.model import TASK_KINDS, Box, Edge, Layout, Node, Pool
from egovsim.diagrams.placing import edge_label_point, outside_label_box, outside_lines
from egovsim.diagrams.text import text_width
from egovsim.diagrams.words import Words, capitalised, say
from egovsim.regulations.model import Language

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
NAMESPACES = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI}

#: The BPMN element of each node kind, and the event definition it carries.
_ELEMENTS: dict[str, tuple[str, str | None]] = {
    "start": ("startEvent", None),
    "message_start": ("startEvent", "messageEventDefinition"),
    "end": ("endEvent", None),
    "message_end": ("endEvent", "messageEventDefinition"),
    "error_end": ("endEvent", "errorEventDefinition"),
    "message_catch": ("intermediateCatchEvent", "messageEventDefinition"),
    "message_throw": ("intermediateThrowEvent", "messageEventDefinition"),
    "task": ("task", None),
    "user_task": ("userTask", None),
    "service_task": ("serviceTask", None),
    "call": ("callActivity", None),
    "gateway": ("exclusiveGateway", None),
    "data": ("dataObjectReference", None),
}


def _q(namespace: str, tag: str) -> str:
    return f"{{{namespace}}}{tag}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


class _Export:
    def __init__(self, layout: Layout, lang: Language, words: Words) -> None:
        self.layout = layout
        self.lang = lang
        self.words = words

    def name(self, node: Node) -> str:
        words = say(node.label, self.lang, self.words)
        if node.note is not None:
            words += f" ({say(node.note, self.lang, self.words)})"
        return words

    def document(self) -> bytes:
        layout = self.layout
        root = etree.Element(_q(BPMN, "definitions"), nsmap=NAMESPACES)
        root.set("id", f"{layout.prefix}_definitions")
        root.set(
            "targetNamespace", f"urn:egovsim:regulation:{layout.regulation}:annex-{layout.annex}"
        )
        root.set("exporter", "egovsim")
        root.set("exporterVersion", __version__)
        for node in layout.nodes:
            if node.kind == "error_end":
                error = etree.SubElement(root, _q(BPMN, "error"))
                error.set("id", f"{node.id}_error")
                error.set("name", say(node.label, self.lang, self.words))
                error.set("errorCode", node.step or node.id)
        collaboration = etree.SubElement(root, _q(BPMN, "collaboration"))
        collaboration.set("id", f"{layout.prefix}_collaboration")
        documentation = etree.SubElement(collaboration, _q(BPMN, "documentation"))
        documentation.text = say(layout.description, self.lang, self.words)
        legend = etree.SubElement(collaboration, _q(BPMN, "documentation"))
        legend.text = legend_text(layout, self.words)  # the annex's шартты белгілер
        for pool in layout.pools:
            participant = etree.SubElement(collaboration, _q(BPMN, "participant"))
            participant.set("id", pool.id)
            participant.set("name", say(pool.name, self.lang, self.words))
            participant.set("processRef", pool.process)
        for edge in layout.edges:
            if edge.kind == "message":
                flow = etree.SubElement(collaboration, _q(BPMN, "messageFlow"))
                self.flow_attributes(flow, edge)
        for pool in layout.pools:
            self.process(root, pool)
        self.diagram(root)
        return bytes(
            etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        )

    def flow_attributes(self, element: Any, edge: Edge) -> None:
        element.set("id", edge.id)
        if edge.label is not None:
            element.set("name", say(edge.label, self.lang, self.words))
        element.set("sourceRef", edge.source)
        element.set("targetRef", edge.target)

    def process(self, root: Any, pool: Pool) -> None:
        process = etree.SubElement(root, _q(BPMN, "process"))
        process.set("id", pool.process)
        process.set("name", say(pool.name, self.lang, self.words))
        process.set("isExecutable", "false")
        nodes = list(self.layout.nodes_of(pool.id))
        if pool.lanes:
            lanes = etree.SubElement(process, _q(BPMN, "laneSet"))
            lanes.set("id", f"{pool.process}_lanes")
            for lane in pool.lanes:
                element = etree.SubElement(lanes, _q(BPMN, "lane"))
                element.set("id", lane.id)
                element.set("name", capitalised(say(lane.label, self.lang, self.words)))
                for node in nodes:
                    if node.lane == lane.id and node.kind != "data":
                        ref = etree.SubElement(element, _q(BPMN, "flowNodeRef"))
                        ref.text = node.id
        ids = {n.id for n in nodes}
        sequence = [e for e in self.layout.edges if e.kind == "sequence" and e.source in ids]
        for node in nodes:
            self.flow_node(process, node, sequence)
        for edge in sequence:
            flow = etree.SubElement(process, _q(BPMN, "sequenceFlow"))
            self.flow_attributes(flow, edge)
        for edge in self.layout.edges:
            if edge.kind == "association" and edge.source in ids:
                association = etree.SubElement(process, _q(BPMN, "association"))
                association.set("id", edge.id)
                association.set("sourceRef", edge.source)
                association.set("targetRef", edge.target)
                association.set("associationDirection", "One")

    def flow_node(self, process: Any, node: Node, sequence: list[Edge]) -> None:
        tag, definition = _ELEMENTS[node.kind]
        if node.kind == "data":
            data_object = etree.SubElement(process, _q(BPMN, "dataObject"))
            data_object.set("id", f"{node.id}_object")
        element = etree.SubElement(process, _q(BPMN, tag))
        element.set("id", node.id)
        element.set("name", self.name(node))
        if node.kind == "data":
            element.set("dataObjectRef", f"{node.id}_object")
            return
        if node.kind == "call" and self.layout.annex == 1:
            element.set("calledElement", "A2_process")  # the provider's route, Annex 2
        if node.documentation is not None:
            documentation = etree.SubElement(element, _q(BPMN, "documentation"))
            documentation.text = say(node.documentation, self.lang, self.words)
        for edge in sequence:
            if edge.target == node.id:
                etree.SubElement(element, _q(BPMN, "incoming")).text = edge.id
        for edge in sequence:
            if edge.source == node.id:
                etree.SubElement(element, _q(BPMN, "outgoing")).text = edge.id
        if definition is not None:
            event_definition = etree.SubElement(element, _q(BPMN, definition))
            event_definition.set("id", f"{node.id}_definition")
            if node.kind == "error_end":
                event_definition.set("errorRef", f"{node.id}_error")

    def diagram(self, root: Any) -> None:
        layout = self.layout
        diagram = etree.SubElement(root, _q(BPMNDI, "BPMNDiagram"))
        diagram.set("id", f"{layout.prefix}_diagram")
        diagram.set("name", say(layout.title, self.lang, self.words))
        plane = etree.SubElement(diagram, _q(BPMNDI, "BPMNPlane"))
        plane.set("id", f"{layout.prefix}_plane")
        plane.set("bpmnElement", f"{layout.prefix}_collaboration")
        for pool in layout.pools:
            self.shape(plane, pool.id, pool.box, horizontal=True)
            for lane in pool.lanes:
                self.shape(plane, lane.id, lane.box, horizontal=True)
        for node in layout.nodes:
            shape = self.shape(plane, node.id, node.box, marker=node.kind == "gateway")
            if node.kind not in TASK_KINDS:  # the label sits outside: where the SVG has it
                lines = outside_lines(node, say(node.label, self.lang, self.words))
                self.label(shape, outside_label_box(node, lines))
        for edge in layout.edges:
            shape = etree.SubElement(plane, _q(BPMNDI, "BPMNEdge"))
            shape.set("id", f"{edge.id}_di")
            shape.set("bpmnElement", edge.id)
            for point in edge.waypoints:
                waypoint = etree.SubElement(shape, _q(DI, "waypoint"))
                waypoint.set("x", _number(point.x))
                waypoint.set("y", _number(point.y))
            if edge.label is not None:
                start, sideways = edge_label_point(edge.waypoints)
                width = text_width(say(edge.label, self.lang, self.words), 15, bold=True) + 4
                x = start.x if sideways else start.x - width
                self.label(shape, Box(x, start.y - 10, width, 20))

    def shape(
        self,
        plane: Any,
        element_id: str,
        box: Box,
        *,
        horizontal: bool = False,
        marker: bool = False,
    ) -> Any:
        shape = etree.SubElement(plane, _q(BPMNDI, "BPMNShape"))
        shape.set("id", f"{element_id}_di")
        shape.set("bpmnElement", element_id)
        if horizontal:
            shape.set("isHorizontal", "true")
        if marker:
            shape.set("isMarkerVisible", "true")
        self.bounds(shape, box)
        return shape

    def bounds(self, parent: Any, box: Box) -> None:
        bounds = etree.SubElement(parent, _q(DC, "Bounds"))
        for name in ("x", "y", "width", "height"):
            bounds.set(name, _number(getattr(box, name)))

    def label(self, shape: Any, box: Box) -> None:
        """Where a tool should put a shape's or a flow's name (BPMNLabel)."""
        self.bounds(etree.SubElement(shape, _q(BPMNDI, "BPMNLabel")), box)


def bpmn_xml(layout: Layout, lang: Language, words: Words) -> bytes:
    """The layout as a BPMN 2.0 document (UTF-8 XML) with its names in `lang`."""
    return _Export(layout, lang, words).document()
