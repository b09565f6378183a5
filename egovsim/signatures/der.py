"""A small, strict reader of DER (and BER's indefinite lengths) for the verifier's hot path.

asn1crypto parses a CMS in about a hundred microseconds, several times the RSA check itself; the
verifier needs only a handful of fields, so it walks the encoding directly. Any inconsistency is a
`DerError`, which the verifier reports as FORMAT_FAILURE.
"""

from __future__ import annotations

MAX_DEPTH = 64


class DerError(ValueError):
    """The bytes are not a well-formed encoding."""


class Node:
    """One TLV: its tag byte and where its header, content and end lie in the buffer.

    A plain slotted class rather than a dataclass: the verifier makes dozens per signature.
    """

    __slots__ = ("content_end", "content_start", "data", "end", "start", "tag")

    def __init__(
        self, data: bytes, tag: int, start: int, content_start: int, content_end: int, end: int
    ) -> None:
        self.data = data
        self.tag = tag
        self.start = start
        self.content_start = content_start
        self.content_end = content_end
        self.end = end

    @property
    def constructed(self) -> bool:
        """Whether the content is a sequence of TLVs."""
        return bool(self.tag & 0x20)

    @property
    def content(self) -> bytes:
        """The content octets (for a constructed node: the encodings of its children)."""
        return self.data[self.content_start : self.content_end]

    @property
    def encoded(self) -> bytes:
        """The whole TLV."""
        return self.data[self.start : self.end]

    def children(self) -> list[Node]:
        """The TLVs inside a constructed node."""
        if not self.tag & 0x20:
            raise DerError(f"tag 0x{self.tag:02x} is primitive, expected a constructed value")
        data = self.data
        end = self.content_end
        result = []
        position = self.content_start
        while position < end:
            # The common case (short or long definite length) is read inline: this loop runs
            # some forty times per signature.
            if position + 2 > end:
                raise DerError("truncated: no room for a tag and a length")
            first = data[position + 1]
            if first < 0x80 and data[position] & 0x1F != 0x1F:
                child_end = position + 2 + first
                if child_end > end:
                    raise DerError(f"truncated: a value of {first} bytes runs past the end")
                child = Node(data, data[position], position, position + 2, child_end, child_end)
            else:
                child = read(data, position, end)
            result.append(child)
            position = child.end
        return result


def read(data: bytes, position: int = 0, limit: int | None = None, depth: int = 0) -> Node:
    """Read the TLV at `position`, which must end by `limit` (default: the end of `data`)."""
    end_of_data = len(data) if limit is None else limit
    if depth > MAX_DEPTH:
        raise DerError("nesting too deep")
    if position + 2 > end_of_data:
        raise DerError("truncated: no room for a tag and a length")
    tag = data[position]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not used by CMS")
    first = data[position + 1]
    cursor = position + 2
    if first < 0x80:
        length = first
    elif first == 0x80:
        if not tag & 0x20:
            raise DerError("indefinite length on a primitive value")
        return _read_indefinite(data, position, cursor, end_of_data, tag, depth)
    else:
        count = first & 0x7F
        if count > 4 or cursor + count > end_of_data:
            raise DerError("truncated or oversized length")
        length = int.from_bytes(data[cursor : cursor + count], "big")
        cursor += count
    end = cursor + length
    if end > end_of_data:
        raise DerError(f"truncated: a value of {length} bytes runs past the end")
    return Node(data, tag, position, cursor, end, end)


def _read_indefinite(
    data: bytes, start: int, cursor: int, limit: int, tag: int, depth: int
) -> Node:
    position = cursor
    while True:
        if position + 2 > limit:
            raise DerError("truncated: an indefinite length has no end-of-contents")
        if data[position] == 0 and data[position + 1] == 0:
            return Node(data, tag, start, cursor, position, position + 2)
        position = read(data, position, limit, depth + 1).end


def expect(node: Node, tag: int, what: str) -> Node:
    """Return `node` if it has `tag`, else fail naming what was expected."""
    if node.tag != tag:
        raise DerError(f"{what}: expected tag 0x{tag:02x}, found 0x{node.tag:02x}")
    return node


_OID_CACHE: dict[bytes, str] = {}


def oid(node: Node) -> str:
    """The dotted form of an OBJECT IDENTIFIER."""
    expect(node, 0x06, "object identifier")
    return oid_from_content(node.content)


def oid_from_content(raw: bytes) -> str:
    """The dotted form of an OBJECT IDENTIFIER's content octets."""
    cached = _OID_CACHE.get(raw)
    if cached is not None:
        return cached
    if not raw or raw[-1] & 0x80:
        raise DerError("malformed object identifier")
    arcs: list[int] = []
    value = 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    dotted = ".".join(str(arc) for arc in [first, arcs[0] - 40 * first, *arcs[1:]])
    if len(_OID_CACHE) < 4096:
        _OID_CACHE[raw] = dotted
    return dotted


def integer(node: Node) -> int:
    """The value of an INTEGER."""
    expect(node, 0x02, "integer")
    if not node.content:
        raise DerError("empty integer")
    return int.from_bytes(node.content, "big", signed=True)


def octets(node: Node) -> bytes:
    """The value of an OCTET STRING, joining the pieces of a constructed (BER) one."""
    if node.tag == 0x04:
        return node.content
    if node.tag == 0x24:
        return b"".join(octets(child) for child in node.children())
    raise DerError(f"expected an octet string, found tag 0x{node.tag:02x}")
