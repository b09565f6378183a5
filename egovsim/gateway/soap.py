"""The v10 contract on the wire: reading SOAP 1.1 requests and writing answers and ErrorInfo faults.

Local elements of the contract are unqualified (its schemas leave elementFormDefault unset); the
operation wrappers are qualified in the Types namespaces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from egovsim.clock import as_utc

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
ASYNC_TYPES = "http://bip.bee.kz/AsyncChannel/v10/Types"
ASYNC_CLIENT_TYPES = "http://bip.bee.kz/AsyncChannel/v10/Types/Client"
SYNC_TYPES = "http://bip.bee.kz/SyncChannel/v10/Types"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MESSAGE_TYPES = ("REQUEST", "UPDATE", "NOTIFICATION", "RESPONSE")


class ContractError(ValueError):
    """The request does not follow the contract (a missing or malformed element)."""


@dataclass(frozen=True, slots=True)
class MessageInfo:
    """messageInfo (async) or requestInfo (sync) of a request."""

    message_id: str | None
    correlation_id: str | None
    service_id: str
    message_type: str
    message_date: datetime
    sender_id: str
    password: str | None
    route_id: str | None = None
    session_id: str | None = None
    properties: tuple[tuple[str, str], ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Operation:
    """One request: which operation, of which channel, and its parsed content."""

    channel: str  # "sync" | "async"
    name: str
    element: etree._Element  # the operation's wrapper element in the Body


def operation(body: etree._Element) -> Operation:
    """The operation a Body carries, by its single wrapper element."""
    children = [child for child in body if isinstance(child.tag, str)]
    if len(children) != 1:
        raise ContractError("the Body must hold exactly one operation element")
    wrapper = children[0]
    qname = etree.QName(wrapper)
    channel = {ASYNC_TYPES: "async", SYNC_TYPES: "sync"}.get(qname.namespace or "")
    if channel is None:
        raise ContractError(f"unknown operation {qname.text}")
    return Operation(channel, qname.localname, wrapper)


def _child(parent: etree._Element, name: str, required: bool = True) -> etree._Element | None:
    # By local name, in any namespace or none (lxml's "{*}" finds both, in C).
    found = parent.findall("{*}" + name)
    if len(found) > 1:
        raise ContractError(
            f"'{name}' appears {len(found)} times in '{etree.QName(parent).localname}'"
        )
    if not found:
        if required:
            raise ContractError(f"'{name}' is missing from '{etree.QName(parent).localname}'")
        return None
    return found[0]


class _Children:
    """The child elements of one element by local name, read in one pass: messageInfo's dozen
    fields are then found without a search each."""

    def __init__(self, parent: etree._Element) -> None:
        self._parent = parent
        self._by_name: dict[str, list[etree._Element]] = {}
        for child in parent:
            tag = child.tag
            if isinstance(tag, str):
                self._by_name.setdefault(tag.rpartition("}")[2], []).append(child)

    def child(self, name: str, required: bool = True) -> etree._Element | None:
        """As `_child` finds it."""
        found = self._by_name.get(name, ())
        if len(found) == 1:
            return found[0]
        return _child(self._parent, name, required)  # its refusal, or None

    def text(self, name: str, required: bool = True) -> str | None:
        """As `_text` reads it."""
        return _node_text(self.child(name, required), name, required)


def _text(parent: etree._Element, name: str, required: bool = True) -> str | None:
    return _node_text(_child(parent, name, required), name, required)


def _node_text(node: etree._Element | None, name: str, required: bool) -> str | None:
    if node is None:
        return None
    if len(node):
        # Text only: a comment or an element inside would make `.text` a part of the value
        # (`X<!---->-good` read as `X`), while a signature covers the whole.
        raise ContractError(f"'{name}' must hold text only")
    if node.get(f"{{{XSI}}}nil") in ("true", "1"):
        if required:
            raise ContractError(f"'{name}' must not be nil")
        return None
    value = (node.text or "").strip()
    if required and not value:
        raise ContractError(f"'{name}' is empty")
    return value or None


def _datetime_of(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise ContractError(f"'{name}' is not an xsd:dateTime: {value!r}") from None


def message_info(node: etree._Element) -> MessageInfo:
    """messageInfo / requestInfo."""
    fields = _Children(node)
    sender_node = fields.child("sender")
    assert sender_node is not None
    sender = _Children(sender_node)
    message_type = fields.text("messageType", required=False) or "REQUEST"
    if message_type not in MESSAGE_TYPES:
        raise ContractError(f"messageType {message_type!r} is none of {', '.join(MESSAGE_TYPES)}")
    properties = tuple(
        ((_text(p, "key") or ""), (_text(p, "value", required=False) or ""))
        for p in node
        if isinstance(p.tag, str) and etree.QName(p).localname == "properties"
    )
    date = _datetime_of(fields.text("messageDate"), "messageDate")
    assert date is not None
    return MessageInfo(
        message_id=fields.text("messageId", required=False),
        correlation_id=fields.text("correlationId", required=False),
        service_id=fields.text("serviceId") or "",
        message_type=message_type,
        message_date=date,
        sender_id=sender.text("senderId") or "",
        password=sender.text("password", required=False),
        route_id=fields.text("routeId", required=False),
        session_id=fields.text("sessionId", required=False),
        properties=properties,
    )


def request_of(op: Operation) -> etree._Element:
    """The `request` element inside an operation wrapper."""
    request = _child(op.element, "request")
    assert request is not None
    return request


def message_data(request: etree._Element, name: str = "messageData") -> etree._Element:
    """messageData / requestData: its `data` element, kept whole (it is xsd:anyType)."""
    holder = _child(request, name)
    assert holder is not None
    data = _child(holder, "data")
    assert data is not None
    return data


def sender_of(node: etree._Element, required: bool = True) -> tuple[str, str | None] | None:
    """(senderId, password) of a `sender` element."""
    sender = _child(node, "sender", required)
    if sender is None:
        return None
    return _text(sender, "senderId") or "", _text(sender, "password", required=False)


def text_of(node: etree._Element, name: str, required: bool = True) -> str | None:
    """A simple element's text (public for the gateway's readers)."""
    return _text(node, name, required)


def child_of(node: etree._Element, name: str, required: bool = True) -> etree._Element | None:
    """A child element by local name."""
    return _child(node, name, required)


# -- writing -----------------------------------------------------------------------------------


def _element(parent: etree._Element, name: str, value: Any = None) -> etree._Element:
    node = etree.SubElement(parent, name)
    if value is not None:
        node.text = value.isoformat() if isinstance(value, datetime) else str(value)
    return node


def envelope(body_content: etree._Element) -> etree._Element:
    """A SOAP 1.1 envelope around one Body element."""
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soapenv": SOAP})
    etree.SubElement(root, f"{{{SOAP}}}Header")
    body = etree.SubElement(root, f"{{{SOAP}}}Body")
    body.append(body_content)
    return root


def body_content(root: etree._Element) -> etree._Element:
    """The one element in the Body of an envelope made by `envelope`."""
    return root[1][0]


def serialize(root: etree._Element) -> bytes:
    """The bytes that go on the wire."""
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def wrapper(
    namespace: str, name: str, part: str = "response"
) -> tuple[etree._Element, etree._Element]:
    """An operation wrapper and its `response` (or `request`) part."""
    outer = etree.Element(f"{{{namespace}}}{name}", nsmap={"ns": namespace})
    return outer, etree.SubElement(outer, part)


def status_info(parent: etree._Element, name: str, code: str, message: str, date: datetime) -> None:
    """A MessageStatusInfo (statusCode, statusMessage, statusDate)."""
    node = etree.SubElement(parent, name)
    _element(node, "statusCode", code)
    _element(node, "statusMessage", message)
    _element(node, "statusDate", date)


def error_info(
    parent: etree._Element,
    name: str,
    code: str,
    message: str,
    date: datetime,
    data: str | None = None,
    sub: tuple[str, str] | None = None,
) -> etree._Element:
    """An ErrorInfo (errorCode, errorMessage, errorData, errorDate, subError)."""
    node = etree.SubElement(parent, name)
    _element(node, "errorCode", code)
    _element(node, "errorMessage", message)
    if data:
        _element(node, "errorData", data)
    _element(node, "errorDate", date)
    if sub is not None:
        inner = etree.SubElement(node, "subError")
        _element(inner, "errorCode", sub[0])
        _element(inner, "errorMessage", sub[1])
        _element(inner, "errorDate", date)
    return node


def fault(
    namespace: str,
    operation_name: str,
    code: str,
    message: str,
    date: datetime,
    data: str | None = None,
    sub: tuple[str, str] | None = None,
    client_error: bool = True,
) -> bytes:
    """A SOAP Fault whose detail is the operation's ErrorInfo fault element."""
    body_fault = etree.Element(f"{{{SOAP}}}Fault")
    _element(body_fault, "faultcode", "soapenv:Client" if client_error else "soapenv:Server")
    _element(body_fault, "faultstring", f"{code}: {message}")
    detail = etree.SubElement(body_fault, "detail")
    element = f"{operation_name}Fault1_{operation_name}Fault"
    holder = etree.SubElement(detail, f"{{{namespace}}}{element}", nsmap={"ns": namespace})
    # The fault element is itself the ErrorInfo: its children are the ErrorInfo fields.
    info = error_info(holder, "_", code, message, date, data, sub)
    for child in list(info):
        holder.append(child)
    holder.remove(info)
    return serialize(envelope(body_fault))


def message_info_element(
    parent: etree._Element, name: str, info: MessageInfo, message_id: str
) -> None:
    """Write an AsyncMessageInfo (for getMessages answers and pushes to a provider)."""
    node = etree.SubElement(parent, name)
    _element(node, "messageId", message_id)
    if info.correlation_id:
        _element(node, "correlationId", info.correlation_id)
    _element(node, "serviceId", info.service_id)
    _element(node, "messageType", info.message_type)
    if info.route_id:
        _element(node, "routeId", info.route_id)
    _element(node, "messageDate", info.message_date)
    sender = etree.SubElement(node, "sender")
    _element(sender, "senderId", info.sender_id)
    for key, value in info.properties:
        prop = etree.SubElement(node, "properties")
        _element(prop, "key", key)
        _element(prop, "value", value)
    if info.session_id:
        _element(node, "sessionId", info.session_id)


def client_send_message(
    message_id: str,
    correlation_id: str | None,
    service_id: str,
    message_type: str,
    message_date: datetime,
    sender_id: str,
    data_xml: bytes,
) -> etree._Element:
    """The IAsyncChannelClient `sendMessage` egovsim pushes to a provider's system (the contract
    binds it to the AsyncChannel Types wrapper, like the gateway's own `sendMessage`)."""
    outer, request = wrapper(ASYNC_TYPES, "sendMessage", "request")
    info = MessageInfo(
        message_id, correlation_id, service_id, message_type, message_date, sender_id, None
    )
    message_info_element(request, "messageInfo", info, message_id)
    holder = etree.SubElement(request, "messageData")
    holder.append(etree.fromstring(data_xml))
    return envelope(outer)


def status_notification(
    message_id: str, state: str, detail: str, at: datetime, notification_id: str
) -> etree._Element:
    """The IAsyncChannelClient `changeMassageStatusNotification` (the contract's spelling)."""
    outer, request = wrapper(ASYNC_CLIENT_TYPES, "changeMassageStatusNotification", "request")
    notification = etree.SubElement(request, "notification")
    _element(notification, "notificationId", notification_id)
    _element(notification, "messageId", message_id)
    _element(notification, "notificationDate", at)
    _element(notification, "messageState", state)
    status_info(notification, "status", state, detail[:500] or state, at)
    _element(request, "requestDate", at)
    return envelope(outer)
