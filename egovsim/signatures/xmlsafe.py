"""Reading XML from outside safely.

Every document the gateway takes from the network goes through `parse_xml`: no DTD at all (which
stops external entities and entity expansion before they start), no network, and limits on size,
depth and the number of elements that hold while the document is parsed, not after.
"""

from __future__ import annotations

import codecs
import threading
from typing import Literal

from lxml import etree

__all__ = ["REASONS", "XmlRefused", "parse_xml"]

Reason = Literal["too_large", "doctype", "malformed", "too_deep", "too_many_elements"]
REASONS: tuple[Reason, ...] = ("too_large", "doctype", "malformed", "too_deep", "too_many_elements")

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 200
MAX_ELEMENTS = 100_000
#: Bytes handed to the parser at a time: the limits are checked between chunks, so a document
#: over a limit is refused after at most one chunk more than the limit allows.
_CHUNK = 64 * 1024


class XmlRefused(ValueError):
    """A document refused before or while parsing; `reason` is one of `REASONS`."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason: Reason = reason
        self.detail = detail


def parse_xml(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    max_elements: int = MAX_ELEMENTS,
) -> etree._Element:
    """Parse an untrusted document and return its root element, or raise `XmlRefused`."""
    if len(data) > max_bytes:
        raise XmlRefused("too_large", f"{len(data)} bytes is more than the {max_bytes} accepted")
    _refuse_doctype(data)
    if len(data) <= _CHUNK:
        # A document of one chunk is read whole and then counted: the same limits, checked at
        # the same point as below, at a quarter of the cost of the pull parser's events.
        whole = _parse_whole(data)
        _check_shape(whole, max_depth, max_elements)
        return whole
    # A new parser per document: lxml parsers keep state and are not to be shared across threads.
    parser = etree.XMLPullParser(events=("start", "end"), **_SAFE)
    shape = _Shape(max_depth, max_elements)
    try:
        for start in range(0, max(len(data), 1), _CHUNK):
            parser.feed(data[start : start + _CHUNK])
            for event, element in parser.read_events():
                shape.see(event, element)
        root: etree._Element = parser.close()
    except etree.XMLSyntaxError as error:
        raise _refusal(error) from None
    _refuse_parsed_doctype(root)
    return root


#: The parser options for untrusted documents: no DTD, no entities, no network.
_SAFE: dict[str, bool] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": False,
    "remove_pis": False,
}
_parsers = threading.local()


def _parse_whole(data: bytes) -> etree._Element:
    # One parser per thread: lxml parsers keep state and are not to be shared across threads.
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = etree.XMLParser(**_SAFE)
    try:
        root: etree._Element = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise _refusal(error) from None
    _refuse_parsed_doctype(root)
    return root


def _check_shape(root: etree._Element, max_depth: int, max_elements: int) -> None:
    count = sum(1 for _ in root.iter(etree.Element))
    if count > max_elements:
        raise XmlRefused("too_many_elements", f"more than {max_elements} elements in the document")
    if count <= max_depth:
        return  # too few elements to nest too deep: no need to walk the tree
    shape = _Shape(max_depth, max_elements)
    for event, element in etree.iterwalk(root, events=("start", "end")):
        shape.see(event, element)


class _Shape:
    """Depth and element count of a document as its start and end events go by; refuses the
    document at the first event over a limit."""

    def __init__(self, max_depth: int, max_elements: int) -> None:
        self.max_depth, self.max_elements = max_depth, max_elements
        self.depth = self.elements = 0

    def see(self, event: str, element: etree._Element) -> None:
        if not isinstance(element.tag, str):
            return  # comments and processing instructions
        if event == "end":
            self.depth -= 1
            return
        self.depth += 1
        self.elements += 1
        if self.depth > self.max_depth:
            raise XmlRefused("too_deep", f"elements nested more than {self.max_depth} deep")
        if self.elements > self.max_elements:
            raise XmlRefused(
                "too_many_elements", f"more than {self.max_elements} elements in the document"
            )


def _refuse_parsed_doctype(root: etree._Element) -> None:
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        # The prolog scan reads ASCII-compatible and UTF-16/32 documents; this catches the rest.
        raise XmlRefused("doctype", "a document type declaration is not accepted")


def _refusal(error: etree.XMLSyntaxError) -> XmlRefused:
    message = str(error.msg if error.msg else error)
    if "Excessive depth" in message:
        # libxml2's own nesting limit (256) lies above ours but may be met inside one chunk.
        return XmlRefused("too_deep", message)
    return XmlRefused("malformed", message)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UNMARKED = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)


def _prolog(data: bytes) -> str:
    """The document as text, good enough to read the markup of its prolog."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, "replace")
    for start, encoding in _UNMARKED:
        if data.startswith(start):
            return data.decode(encoding, "replace")
    # UTF-8 and the single-byte encodings agree on ASCII, which is all the prolog's markup is.
    return data.decode("latin-1")


def _refuse_doctype(data: bytes) -> None:
    """Refuse a document type declaration before the parser reads its internal subset.

    A DOCTYPE may only stand in the prolog, among the XML declaration, processing instructions,
    comments and white space; the first other markup is the root element.
    """
    text = _prolog(data)
    position = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if text.startswith("<?", position):
            end = text.find("?>", position + 2)
            if end < 0:
                return
            position = end + 2
        elif text.startswith("<!--", position):
            end = text.find("-->", position + 4)
            if end < 0:
                return
            position = end + 3
        elif text.startswith("<!", position):
            # Only a document type declaration begins with "<!" in the prolog.
            raise XmlRefused("doctype", "a document type declaration is not accepted")
        else:
            return
