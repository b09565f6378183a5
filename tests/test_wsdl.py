"""egovsim's own WSDLs against the gateway's published v10 contract.

egovsim writes its own, self-contained WSDL documents (``egovsim/gateway/wsdl/``); the published
SyncChannel and AsyncChannel v10 files in ``../shared/reference/shep-v10`` are the contract they
must be compatible with. These tests check that zeep sees the same operations, SOAPActions,
element QNames and type structures in both, that the XSD components egovsim declares are those
of the contract (facets included, which zeep ignores), and that a client generated from either
document puts the same SOAP Body on the wire, valid against both sets of schemas.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import zeep
from lxml import etree
from zeep import xsd
from zeep.xsd.elements.any import Any as XsdAny
from zeep.xsd.elements.element import Element as XsdElement
from zeep.xsd.elements.indicators import Group, OrderIndicator
from zeep.xsd.types.any import AnyType
from zeep.xsd.types.complex import ComplexType
from zeep.xsd.types.simple import AnySimpleType

SHARED = Path(__file__).resolve().parents[2] / "shared"
REFERENCE = SHARED / "reference" / "shep-v10"

XSD_NS = "http://www.w3.org/2001/XMLSchema"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP11_BINDING_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
SOAP11_ENVELOPE_NS = "http://schemas.xmlsoap.org/soap/envelope/"
#: What the tests put where the server puts its public URL (or a provider's).
TEST_URL = "http://127.0.0.1:9"

ASYNC_WRAPPERS = "http://bip.bee.kz/AsyncChannel/v10/Types"
CLIENT_WRAPPERS = "http://bip.bee.kz/AsyncChannel/v10/Types/Client"
SYNC_WRAPPERS = "http://bip.bee.kz/SyncChannel/v10/Types"


@dataclass(frozen=True)
class Contract:
    """One of egovsim's WSDLs and the published service WSDL it must match."""

    wsdl: str
    placeholder: str
    address: str  # the soap:address, placeholder included
    reference: str  # relative to REFERENCE
    service: str
    port: str
    operations: tuple[str, ...]


CONTRACTS = {
    "sync": Contract(
        wsdl="sync.wsdl",
        placeholder="EGOVSIM_BASE_URL",
        address="EGOVSIM_BASE_URL/shep/sync",
        reference="SyncChannel/v10/Interfaces/SyncChannelHttp_Service.wsdl",
        service="ISyncChannelHttpService",
        port="SyncChannelHttpPort",
        operations=("SendMessage",),
    ),
    "async": Contract(
        wsdl="async.wsdl",
        placeholder="EGOVSIM_BASE_URL",
        address="EGOVSIM_BASE_URL/shep/async",
        reference="AsyncChannel/v10/Interfaces/AsyncChannelHttp_Service.wsdl",
        service="AsyncChannelHttpService",
        port="AsyncChannelHttpPort",
        operations=("getMessageStatus", "getMessages", "sendDeliveryNotification", "sendMessage"),
    ),
    "client": Contract(
        wsdl="async-client.wsdl",
        placeholder="PROVIDER_URL",
        address="PROVIDER_URL",
        reference="AsyncChannel/v10/Interfaces/AsyncChannelClientHttp_Service.wsdl",
        service="AsyncChannelClientHttpService",
        port="AsyncChannelClientHttpPort",
        operations=("changeMassageStatusNotification", "sendMessage"),
    ),
}
PLACEHOLDERS = ("EGOVSIM_BASE_URL", "PROVIDER_URL")


def wsdl_text(contract: Contract) -> str:
    """The WSDL as the package ships it, placeholder and all."""
    return resources.files("egovsim.gateway").joinpath("wsdl", contract.wsdl).read_text("utf-8")


def wsdl_served(contract: Contract) -> str:
    """The WSDL as the server hands it out: the placeholder replaced with a URL."""
    return wsdl_text(contract).replace(contract.placeholder, TEST_URL)


def require_reference() -> None:
    if not REFERENCE.is_dir():
        pytest.skip(f"the published v10 contract is not at {REFERENCE}: nothing to compare with")


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> dict[str, zeep.Client]:
    directory = tmp_path_factory.mktemp("egovsim-wsdl")
    clients = {}
    for key, contract in CONTRACTS.items():
        path = directory / contract.wsdl
        path.write_text(wsdl_served(contract), encoding="utf-8")
        clients[key] = zeep.Client(str(path))
    return clients


@pytest.fixture(scope="module")
def reference() -> dict[str, zeep.Client]:
    require_reference()
    return {key: zeep.Client(str(REFERENCE / c.reference)) for key, c in CONTRACTS.items()}


def binding(client: zeep.Client, contract: Contract) -> Any:
    return client.wsdl.services[contract.service].ports[contract.port].binding


# --- zeep's view of a type, as a comparable nested tuple ---------------------------------------


def builtin_base(simple: AnySimpleType) -> str:
    """The XSD built-in a simple type restricts (zeep keeps the base, not the facets)."""
    for cls in type(simple).__mro__:
        if cls.__module__ == "zeep.xsd.types.builtins":
            return str(cls._default_qname)
    return str(simple.qname)


def type_shape(xsd_type: Any, open_types: frozenset[str] = frozenset()) -> tuple[Any, ...]:
    """A zeep type as a nested tuple: names, namespaces, occurrences and base types."""
    name = xsd_type.qname.text if xsd_type.qname is not None else None
    if isinstance(xsd_type, ComplexType):
        if name is not None and name in open_types:
            return ("complex", name, "<recursive>")  # ErrorInfo.subError is an ErrorInfo
        inner = open_types | {name} if name is not None else open_types
        particles = tuple(particle_shape(p, inner) for _, p in xsd_type.elements_nested)
        attributes = tuple(sorted(str(a.qname) for _, a in xsd_type.attributes))
        return ("complex", name, particles, attributes)
    if isinstance(xsd_type, AnySimpleType):
        return ("simple", name, builtin_base(xsd_type))
    if isinstance(xsd_type, AnyType):
        return ("anyType", name)
    raise TypeError(f"no shape for zeep type {xsd_type!r}")


def particle_shape(particle: Any, open_types: frozenset[str]) -> tuple[Any, ...]:
    occurs = (particle.min_occurs, particle.max_occurs)
    if isinstance(particle, XsdElement):
        qname = particle.qname.text if particle.qname is not None else particle.name
        return ("element", qname, *occurs, particle.nillable, type_shape(particle.type, open_types))
    if isinstance(particle, XsdAny):
        return ("any", *occurs, particle.namespace, particle.process_contents)
    if isinstance(particle, OrderIndicator):
        children = tuple(particle_shape(child, open_types) for child in particle)
        return (type(particle).__name__, *occurs, children)
    if isinstance(particle, Group):
        return ("group", str(particle.qname), *occurs, particle_shape(particle.child, open_types))
    raise TypeError(f"no shape for zeep particle {particle!r}")


def element_shape(element: Any) -> tuple[Any, ...]:
    """A global element (a wrapper or a fault), with its type's structure."""
    return ("element", element.qname.text, element.nillable, type_shape(element.type))


def operation_view(operation: Any) -> dict[str, Any]:
    """What of an operation reaches the wire, in comparable form."""
    abstract = operation.abstract
    faults = {}
    for name, message in abstract.fault_messages.items():
        parts = {part_name: element_shape(p.element) for part_name, p in message.parts.items()}
        faults[name] = (name in operation.faults, parts)
    return {
        "soapaction": operation.soapaction,
        "style": operation.style,
        "input": element_shape(operation.input.body),
        "input parts": tuple(abstract.input_message.parts),
        "input headers": operation.input.header.signature() if operation.input.header else None,
        "output": element_shape(operation.output.body),
        "output parts": tuple(abstract.output_message.parts),
        "faults": faults,
    }


# --- the WSDLs as files ----------------------------------------------------------------------


@pytest.mark.parametrize("key", CONTRACTS)
def test_placeholder_is_in_the_address_exactly_once(key: str) -> None:
    contract = CONTRACTS[key]
    text = wsdl_text(contract)
    for placeholder in PLACEHOLDERS:
        assert text.count(placeholder) == (placeholder == contract.placeholder)
    tree = etree.fromstring(text.encode("utf-8"))
    addresses = tree.findall(f".//{{{WSDL_NS}}}port/{{{SOAP11_BINDING_NS}}}address")
    assert [a.get("location") for a in addresses] == [contract.address]


@pytest.mark.parametrize("key", CONTRACTS)
def test_wsdl_is_self_contained(key: str) -> None:
    """One URL is enough to generate a client: nothing is imported or included by location."""
    tree = etree.fromstring(wsdl_text(CONTRACTS[key]).encode("utf-8"))
    assert tree.findall(f"{{{WSDL_NS}}}import") == []
    assert tree.findall(f".//{{{XSD_NS}}}include") == []
    imports = tree.findall(f".//{{{XSD_NS}}}import")
    assert imports
    assert all(i.get("schemaLocation") is None for i in imports)
    declared = {s.get("targetNamespace") for s in tree.iterfind(f".//{{{XSD_NS}}}schema")}
    assert {i.get("namespace") for i in imports} <= declared


@pytest.mark.parametrize("key", CONTRACTS)
def test_zeep_loads_the_served_wsdl(key: str, ours: dict[str, zeep.Client]) -> None:
    contract = CONTRACTS[key]
    port = ours[key].wsdl.services[contract.service].ports[contract.port]
    assert port.binding_options["address"] == contract.address.replace(
        contract.placeholder, TEST_URL
    )
    assert isinstance(port.binding, zeep.wsdl.bindings.Soap11Binding)
    assert tuple(sorted(port.binding.all())) == contract.operations


# --- the same operations as the contract -----------------------------------------------------


@pytest.mark.parametrize("key", CONTRACTS)
def test_services_and_operations_match_the_contract(
    key: str, ours: dict[str, zeep.Client], reference: dict[str, zeep.Client]
) -> None:
    contract = CONTRACTS[key]
    assert [s.name for s in ours[key].wsdl.services.values()] == [
        s.name for s in reference[key].wsdl.services.values()
    ]
    mine, theirs = binding(ours[key], contract), binding(reference[key], contract)
    assert mine.name.localname == theirs.name.localname
    assert mine.port_type.name.localname == theirs.port_type.name.localname
    assert sorted(mine.all()) == sorted(theirs.all()) == list(contract.operations)


@pytest.mark.parametrize(
    ("key", "operation"),
    [(key, op) for key, contract in CONTRACTS.items() for op in contract.operations],
)
def test_operation_matches_the_contract(
    key: str, operation: str, ours: dict[str, zeep.Client], reference: dict[str, zeep.Client]
) -> None:
    contract = CONTRACTS[key]
    mine = operation_view(binding(ours[key], contract).get(operation))
    theirs = operation_view(binding(reference[key], contract).get(operation))
    assert mine["soapaction"] == ""
    assert mine["style"] == "document"
    for aspect in theirs:
        assert mine[aspect] == theirs[aspect], aspect


def fields(shape: tuple[Any, ...]) -> dict[str, tuple[Any, ...]]:
    """The child elements of an element's shape, whose type is a sequence, by name."""
    (sequence,) = shape[-1][2]
    return {child[1]: child for child in sequence[3]}


def test_shape_helper_sees_what_matters(ours: dict[str, zeep.Client]) -> None:
    """The comparison is not vacuous: namespaces, occurrences and base types are in the tuple."""
    operation = binding(ours["async"], CONTRACTS["async"]).get("sendMessage")
    shape = element_shape(operation.input.body)
    assert shape[:3] == ("element", f"{{{ASYNC_WRAPPERS}}}sendMessage", False)
    request = fields(shape)["request"]
    assert request[:5] == ("element", "request", 1, 1, True)  # unqualified, nillable
    info = fields(fields(request)["messageInfo"])
    assert info["messageId"][2:4] == (0, 1)
    assert info["properties"][2:4] == (0, "unbounded")
    assert info["messageType"][-1] == (
        "simple",
        "{http://bip.bee.kz/AsyncChannel/v10/types}messageType",
        f"{{{XSD_NS}}}string",
    )
    assert info["sessionId"][-1] == (
        "simple",
        "{http://bip.bee.kz/common/v10/types}guid",
        f"{{{XSD_NS}}}string",
    )
    assert fields(info["sender"])["senderId"][-1] == (
        "simple",
        f"{{{XSD_NS}}}string",
        f"{{{XSD_NS}}}string",
    )
    assert set(operation.faults) == {"sendMessageFault"}


# --- the XSD components, facets included -----------------------------------------------------

QNAME_ATTRIBUTES = ("type", "base", "ref", "itemType")
PARTICLE_PARENTS = {f"{{{XSD_NS}}}{name}" for name in ("sequence", "choice", "all")}
COMPONENT_KINDS = {f"{{{XSD_NS}}}{n}" for n in ("element", "complexType", "simpleType")}


def resolve_qname(node: etree._Element, value: str) -> str:
    prefix, _, local = value.rpartition(":")
    namespace = node.nsmap.get(prefix or None)
    if namespace is None:
        raise AssertionError(f"unbound prefix in {value!r} at line {node.sourceline}")
    return f"{{{namespace}}}{local}"


def digest(node: etree._Element) -> tuple[Any, ...]:
    """An XSD component as a nested tuple: annotations dropped, QNames resolved, defaults made
    explicit, facets order-independent (what a validator sees, not how the file spells it)."""
    attributes = dict(node.attrib)
    for name in QNAME_ATTRIBUTES:
        if name in attributes:
            attributes[name] = resolve_qname(node, attributes[name])
    if node.tag == f"{{{XSD_NS}}}element":
        attributes.setdefault("nillable", "false")
        parent = node.getparent()
        if parent is not None and parent.tag in PARTICLE_PARENTS:
            attributes.setdefault("minOccurs", "1")
            attributes.setdefault("maxOccurs", "1")
    children = [
        digest(child)
        for child in node
        if isinstance(child.tag, str) and child.tag != f"{{{XSD_NS}}}annotation"
    ]
    if node.tag == f"{{{XSD_NS}}}restriction":
        children.sort()
    return (etree.QName(node).localname, tuple(sorted(attributes.items())), tuple(children))


Components = dict[tuple[str, str, str], etree._Element]


def components(schemas: Iterable[etree._Element]) -> Components:
    """Global components by (namespace, kind, name); a name defined twice must agree."""
    found: Components = {}
    for schema in schemas:
        namespace = schema.get("targetNamespace")
        for node in schema:
            if node.tag not in COMPONENT_KINDS:
                continue
            key = (namespace, etree.QName(node).localname, node.get("name"))
            if key in found:
                assert digest(found[key]) == digest(node), key
            found[key] = node
    return found


def reference_schemas() -> Iterator[etree._Element]:
    for path in sorted(REFERENCE.rglob("*.xsd")):
        yield etree.parse(str(path)).getroot()


def wsdl_schemas(contract: Contract) -> list[etree._Element]:
    tree = etree.fromstring(wsdl_text(contract).encode("utf-8"))
    return tree.findall(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema")


@pytest.fixture(scope="module")
def reference_components() -> Components:
    require_reference()
    return components(reference_schemas())


@pytest.mark.parametrize("key", CONTRACTS)
def test_schema_components_are_the_contracts(key: str, reference_components: Components) -> None:
    """Every type and element egovsim declares is the contract's, to the facet; its schemas
    keep the contract's unqualified local elements."""
    mine = components(wsdl_schemas(CONTRACTS[key]))
    assert mine
    for schema in wsdl_schemas(CONTRACTS[key]):
        assert schema.get("elementFormDefault", "unqualified") == "unqualified"
    for component, node in mine.items():
        assert component in reference_components, component
        assert digest(node) == digest(reference_components[component]), component


def test_digest_sees_facets() -> None:
    restriction = (
        f'<xsd:simpleType xmlns:xsd="{XSD_NS}" name="t"><xsd:restriction base="xsd:string">'
        '<xsd:enumeration value="{}"/></xsd:restriction></xsd:simpleType>'
    )
    accepted = etree.fromstring(restriction.replace("{}", "MESSAGE_NOT_ACCTEPTED"))
    corrected = etree.fromstring(restriction.replace("{}", "MESSAGE_NOT_ACCEPTED"))
    assert digest(accepted) != digest(corrected)


def compile_schemas(found: Components, directory: Path) -> etree.XMLSchema:
    """One schema per namespace, written side by side and importing each other by location.

    (libxml2 reads only the first import of a namespace, which the published files, spread
    over many documents per namespace, do not survive; egovsim's import without locations.)
    """
    namespaces = sorted({namespace for namespace, _, _ in found})
    prefixes = {namespace: f"n{i}" for i, namespace in enumerate(namespaces)}
    nsmap = {"xsd": XSD_NS, **{p: ns for ns, p in prefixes.items()}}
    roots = {
        ns: etree.Element(f"{{{XSD_NS}}}schema", targetNamespace=ns, nsmap=nsmap)
        for ns in namespaces
    }
    for namespace, root in roots.items():
        for other in namespaces:
            if other != namespace:
                location = f"{prefixes[other]}.xsd"
                etree.SubElement(root, f"{{{XSD_NS}}}import", namespace=other)
                root[-1].set("schemaLocation", location)
    for (namespace, _, _), node in found.items():
        moved = copy.deepcopy(node)
        for source, target in zip(node.iter(), moved.iter(), strict=True):
            for name in QNAME_ATTRIBUTES:
                if isinstance(source.tag, str) and name in source.attrib:
                    clark = etree.QName(resolve_qname(source, source.get(name)))
                    prefix = "xsd" if clark.namespace == XSD_NS else prefixes[clark.namespace]
                    target.set(name, f"{prefix}:{clark.localname}")
        roots[namespace].append(moved)
    for namespace, root in roots.items():
        etree.ElementTree(root).write(str(directory / f"{prefixes[namespace]}.xsd"))
    driver = etree.Element(f"{{{XSD_NS}}}schema", nsmap={"xsd": XSD_NS})
    for namespace in namespaces:
        etree.SubElement(driver, f"{{{XSD_NS}}}import", namespace=namespace)
        driver[-1].set("schemaLocation", f"{prefixes[namespace]}.xsd")
    etree.ElementTree(driver).write(str(directory / "all.xsd"))
    return etree.XMLSchema(etree.parse(str(directory / "all.xsd")))


@pytest.fixture(scope="module")
def validators(
    tmp_path_factory: pytest.TempPathFactory, reference_components: Components
) -> dict[str, etree.XMLSchema]:
    """The contract's schemas and each of egovsim's WSDLs' schemas, compiled by libxml2."""
    compiled = {"reference": compile_schemas(reference_components, tmp_path_factory.mktemp("r"))}
    for key, contract in CONTRACTS.items():
        found = components(wsdl_schemas(contract))
        compiled[key] = compile_schemas(found, tmp_path_factory.mktemp(key))
    return compiled


# --- the same messages on the wire ------------------------------------------------------------

ALMATY = timezone(timedelta(hours=5))
WHEN = datetime(2025, 3, 3, 10, 15, 30, tzinfo=ALMATY)
SENDER = {"senderId": "egov-portal", "password": "s3cret"}
PROPERTIES = [{"key": "region", "value": "ALMATY"}, {"key": "channel", "value": "portal"}]
SESSION = "{0f8fad5b-d9cb-469f-a165-70867728950e}"


class XmlContent(AnyType):
    """Renders an lxml element as the content of an xsd:anyType element (``data``); zeep
    marks the element ``xsi:type="xs:anyType"``, which any reader of the contract accepts."""

    def __init__(self) -> None:
        super().__init__(etree.QName(XSD_NS, "anyType"))

    def render(self, node: Any, value: Any, xsd_type: Any = None, render_path: Any = None) -> None:
        node.append(copy.deepcopy(value))


def application() -> etree._Element:
    return etree.fromstring(
        b'<app:application xmlns:app="urn:egovsim:test:application">'
        b"<app:iin>900101300011</app:iin><app:service>licence</app:service>"
        b"</app:application>"
    )


def message_info(**extra: Any) -> dict[str, Any]:
    return {
        "messageId": "7c0e5f3a-1d2b-4c5d-8e9f-0a1b2c3d4e5f",
        "correlationId": "c6a1f2e3-0000-4000-8000-000000000001",
        "serviceId": "LICENSE_ISSUE_ALMATY",
        "messageType": "REQUEST",
        "messageDate": WHEN,
        "sender": SENDER,
        "properties": PROPERTIES,
        **extra,
    }


@dataclass(frozen=True)
class Request:
    id: str
    key: str
    operation: str
    request: Any

    def arguments(self) -> dict[str, Any]:
        return {"request": self.request() if callable(self.request) else self.request}


REQUESTS = [
    Request(
        "async-sendMessage-string",
        "async",
        "sendMessage",
        lambda: {
            "messageInfo": message_info(),
            "messageData": {"data": xsd.AnyObject(xsd.String(), "<application/>")},
        },
    ),
    Request(
        "async-sendMessage-xml",
        "async",
        "sendMessage",
        lambda: {
            "messageInfo": message_info(),
            "messageData": {"data": xsd.AnyObject(XmlContent(), application())},
        },
    ),
    Request(
        "async-sendMessage-text",
        "async",
        "sendMessage",
        lambda: {
            "messageInfo": message_info(messageId=None, correlationId=None, routeId="r-1"),
            "messageData": {"data": "plain text"},
        },
    ),
    Request(
        "async-getMessageStatus",
        "async",
        "getMessageStatus",
        {
            "messageId": "7c0e5f3a-1d2b-4c5d-8e9f-0a1b2c3d4e5f",
            "requestDate": WHEN,
            "sender": SENDER,
            "properties": PROPERTIES[:1],
        },
    ),
    Request(
        "async-getMessages",
        "async",
        "getMessages",
        {
            "correlationId": "c6a1f2e3-0000-4000-8000-000000000001",
            "requestDate": WHEN,
            "serviceId": "LICENSE_ISSUE_ALMATY",
            "sender": SENDER,
            "amount": 10,
            "properties": PROPERTIES,
        },
    ),
    Request(
        "async-sendDeliveryNotification",
        "async",
        "sendDeliveryNotification",
        {
            "notification": {
                "messageId": "7c0e5f3a-1d2b-4c5d-8e9f-0a1b2c3d4e5f",
                "serviceId": "LICENSE_ISSUE_ALMATY",
                "notificationDate": WHEN,
                "deliveryStatus": {
                    "receiveStatus": "MESSAGE_NOT_ACCTEPTED",
                    "statusDate": WHEN,
                    "resendMessage": "RESEND",
                    "error": {
                        "errorCode": "BAD_DATA",
                        "errorMessage": "the payload is not an application",
                        "errorDate": WHEN,
                    },
                },
            },
            "requestDate": WHEN,
            "sender": SENDER,
        },
    ),
    Request(
        "sync-SendMessage",
        "sync",
        "SendMessage",
        lambda: {
            "requestInfo": {
                "messageId": "a1",
                "correlationId": "a0",
                "serviceId": "GBDFL_PERSON",
                "messageDate": WHEN,
                "routeId": "r-2",
                "sender": SENDER,
                "properties": PROPERTIES,
            },
            "requestData": {"data": xsd.AnyObject(XmlContent(), application())},
        },
    ),
    Request(
        "client-sendMessage",
        "client",
        "sendMessage",
        lambda: {
            "messageInfo": message_info(sessionId=SESSION),
            "messageData": {"data": xsd.AnyObject(xsd.String(), "payload")},
        },
    ),
    Request(
        "client-changeMassageStatusNotification",
        "client",
        "changeMassageStatusNotification",
        {
            "notification": {
                "notificationId": "n-1",
                "messageId": "7c0e5f3a-1d2b-4c5d-8e9f-0a1b2c3d4e5f",
                "notificationDate": WHEN,
                "messageState": "NOT_DELIVERED",
                "status": {
                    "statusCode": "NOT_DELIVERED",
                    "statusMessage": "gave up",
                    "statusDate": WHEN,
                },
                "error": {
                    "errorCode": "RECEIVER_UNREACHABLE",
                    "errorMessage": "connection refused",
                    "errorData": "after 5 attempts",
                    "errorDate": WHEN,
                    "subError": {
                        "errorCode": "ECONNREFUSED",
                        "errorMessage": "refused",
                        "errorDate": WHEN,
                    },
                    "sessionId": SESSION,
                },
            },
            "requestDate": WHEN,
            "sessionId": SESSION,
        },
    ),
]


def body_of(client: zeep.Client, contract: Contract, request: Request) -> etree._Element:
    proxy = client.bind(contract.service, contract.port)
    envelope = client.create_message(proxy, request.operation, **request.arguments())
    assert envelope.tag == f"{{{SOAP11_ENVELOPE_NS}}}Envelope"
    body = envelope.find(f"{{{SOAP11_ENVELOPE_NS}}}Body")
    assert body is not None
    return body


def canonical(node: etree._Element) -> str:
    """C14N 2.0 with prefixes rewritten (also inside xsi:type), so zeep's choice of ns0/ns1
    does not count, and without the whitespace between elements."""
    return etree.canonicalize(
        etree.tostring(node, encoding="unicode"),
        rewrite_prefixes=True,
        qname_aware_attrs=[XSI_TYPE],
        strip_text=True,
    )


@pytest.mark.parametrize("request_", REQUESTS, ids=[r.id for r in REQUESTS])
def test_same_request_body_as_a_client_of_the_contract(
    request_: Request,
    ours: dict[str, zeep.Client],
    reference: dict[str, zeep.Client],
    validators: dict[str, etree.XMLSchema],
) -> None:
    contract = CONTRACTS[request_.key]
    mine = body_of(ours[request_.key], contract, request_)
    theirs = body_of(reference[request_.key], contract, request_)
    assert canonical(mine) == canonical(theirs)
    (wrapper,) = mine
    for schemas in ("reference", request_.key):
        assert validators[schemas].validate(wrapper), validators[schemas].error_log


RESPONSES = [
    (
        "async",
        f"{{{ASYNC_WRAPPERS}}}sendMessageResponse",
        {
            "response": {
                "messageId": "m-1",
                "correlationId": "c-1",
                "responseDate": WHEN,
                "sessionId": SESSION,
            }
        },
    ),
    (
        "async",
        f"{{{ASYNC_WRAPPERS}}}getMessageStatusResponse",
        {
            "response": {
                "messageState": "DELIVERY_STOPPED",
                "status": {"statusCode": "STOPPED", "statusMessage": "stopped", "statusDate": WHEN},
                "responseDate": WHEN,
                "sessionId": "any string here",
            }
        },
    ),
    (
        "async",
        f"{{{ASYNC_WRAPPERS}}}getMessagesResponse",
        lambda: {
            "response": {
                "responseDate": WHEN,
                "sessionId": SESSION,
                "messages": [
                    {
                        "messageInfo": message_info(messageType="RESPONSE", sessionId=SESSION),
                        "messageData": {"data": xsd.AnyObject(XmlContent(), application())},
                    },
                    {
                        "messageInfo": message_info(messageType="UPDATE"),
                        "messageData": {"data": xsd.AnyObject(xsd.String(), "update")},
                    },
                ],
            }
        },
    ),
    (
        "async",
        f"{{{ASYNC_WRAPPERS}}}sendDeliveryNotificationResponse",
        {"response": {"notificationId": "n-1", "responseDate": WHEN, "sessionId": SESSION}},
    ),
    (
        "sync",
        f"{{{SYNC_WRAPPERS}}}SendMessageResponse",
        lambda: {
            "response": {
                "responseInfo": {
                    "messageId": "a1",
                    "responseDate": WHEN,
                    "status": {"code": "OK", "message": "found"},
                    "sessionId": SESSION,
                },
                "responseData": {"data": xsd.AnyObject(XmlContent(), application())},
            }
        },
    ),
    (
        "client",
        f"{{{CLIENT_WRAPPERS}}}changeMassageStatusNotificationResponse",
        {"response": {"responseDate": WHEN, "sessionId": SESSION}},
    ),
    (
        "client",
        f"{{{ASYNC_WRAPPERS}}}sendMessageResponse",
        {"response": {"messageId": "m-1", "correlationId": "c-1", "responseDate": WHEN}},
    ),
]
ERROR = {
    "errorCode": "SENDER_PASSWORD",
    "errorMessage": "wrong password for sender egov-portal",
    "errorDate": WHEN,
    "subError": {"errorCode": "AUTH", "errorMessage": "refused", "errorDate": WHEN},
    "sessionId": SESSION,
}
FAULTS = [
    ("sync", f"{{{SYNC_WRAPPERS}}}SendMessageFault1_SendMessageFault"),
    ("async", f"{{{ASYNC_WRAPPERS}}}sendMessageFault1_sendMessageFault"),
    ("async", f"{{{ASYNC_WRAPPERS}}}getMessagesFault1_getMessagesFault"),
    ("async", f"{{{ASYNC_WRAPPERS}}}getMessageStatusFault1_getMessageStatusFault"),
    (
        "async",
        f"{{{ASYNC_WRAPPERS}}}sendDeliveryNotificationFault1_sendDeliveryNotificationFault",
    ),
    ("client", f"{{{ASYNC_WRAPPERS}}}sendMessageFault1_sendMessageFault"),
    (
        "client",
        f"{{{CLIENT_WRAPPERS}}}"
        "changeMassageStatusNotificationFault1_changeMassageStatusNotificationFault",
    ),
]
ANSWERS = [(key, qname, value) for key, qname, value in RESPONSES] + [
    (key, qname, ERROR) for key, qname in FAULTS
]


def rendered(client: zeep.Client, qname: str, value: Any) -> etree._Element:
    element = client.get_element(qname)
    holder = etree.Element("holder")
    element.render(holder, element(**value))
    (node,) = holder
    return node


@pytest.mark.parametrize(
    ("key", "qname", "value"),
    ANSWERS,
    ids=[f"{key}-{etree.QName(qname).localname}" for key, qname, _ in ANSWERS],
)
def test_same_answer_as_the_contracts(
    key: str,
    qname: str,
    value: Any,
    ours: dict[str, zeep.Client],
    reference: dict[str, zeep.Client],
    validators: dict[str, etree.XMLSchema],
) -> None:
    """Responses and fault details that egovsim's side of the exchange writes."""
    value = value() if callable(value) else value
    mine = rendered(ours[key], qname, value)
    assert mine.tag == qname
    assert canonical(mine) == canonical(rendered(reference[key], qname, value))
    for schemas in ("reference", key):
        assert validators[schemas].validate(mine), validators[schemas].error_log


def test_async_send_message_body_for_the_server_parser(ours: dict[str, zeep.Client]) -> None:
    """The Body the gateway's parser reads: a namespaced wrapper, unqualified below it."""
    (wrapper,) = body_of(ours["async"], CONTRACTS["async"], REQUESTS[1])
    assert wrapper.tag == f"{{{ASYNC_WRAPPERS}}}sendMessage"
    (request,) = wrapper
    assert request.tag == "request"
    assert [child.tag for child in request] == ["messageInfo", "messageData"]
    info, data = request
    assert [child.tag for child in info] == [
        "messageId",
        "correlationId",
        "serviceId",
        "messageType",
        "messageDate",
        "sender",
        "properties",
        "properties",
    ]
    assert info.findtext("messageType") == "REQUEST"
    assert info.findtext("messageDate") == "2025-03-03T10:15:30+05:00"
    assert [child.tag for child in info.find("sender")] == ["senderId", "password"]
    assert [child.tag for child in info.find("properties")] == ["key", "value"]
    (payload,) = data
    assert payload.tag == "data"
    assert payload.get(XSI_TYPE) == "xs:anyType"
    assert [child.tag for child in payload] == ["{urn:egovsim:test:application}application"]
