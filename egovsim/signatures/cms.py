"""CMS SignedData (RFC 5652): reading the parts the verifier needs, and signing.

Reading walks the DER with `der` (the hot path); signing (`cms_signing`, whose functions this
module also offers) builds the structure with asn1crypto.
"""

from __future__ import annotations

from typing import NamedTuple

from egovsim.signatures import der
from egovsim.signatures.cms_signing import asn1_certificate as asn1_certificate
from egovsim.signatures.cms_signing import sign as sign
from egovsim.signatures.cms_signing import signer_info_for as signer_info_for
from egovsim.signatures.der_times import parse_time as parse_time
from egovsim.signatures.der_times import time_of as time_of

SIGNED_DATA = "1.2.840.113549.1.7.2"
ATTR_CONTENT_TYPE = "1.2.840.113549.1.9.3"
ATTR_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
ATTR_SIGNING_TIME = "1.2.840.113549.1.9.5"


class SignerInfo(NamedTuple):
    """The parts of one SignerInfo the verifier checks (a tuple: made on every check)."""

    issuer: bytes | None  # the DER of the issuer Name, when the sid is issuerAndSerialNumber
    serial: int | None
    subject_key_id: bytes | None  # when the sid is subjectKeyIdentifier
    digest_oid: str
    signature_oid: str
    signature_parameters: bytes | None
    signature: bytes
    signed_attributes: bytes | None  # re-encoded as a SET, exactly what was signed
    attributes: dict[str, der.Node]  # type -> its SET OF values
    unsigned: dict[str, der.Node]  # the unsigned attributes (a CAdES-T timestamp), likewise

    def values(self, attribute: str) -> list[der.Node]:
        """The values of a signed attribute (none when it is absent)."""
        node = self.attributes.get(attribute)
        return node.children() if node is not None else []


class SignedData(NamedTuple):
    """A parsed CMS SignedData."""

    content_type: str
    content: bytes | None  # None when the signature is detached
    #: The certificates' DER; the same tuple for the same certificates field (see `_BLOCKS`).
    certificates: tuple[bytes, ...]
    signers: list[SignerInfo]


#: The encodings of the OIDs every signature carries, compared in place.
_SIGNED_DATA_TLV = bytes.fromhex("06092a864886f70d010702")
_DATA_TLV = bytes.fromhex("06092a864886f70d010701")
_DATA = "1.2.840.113549.1.7.1"
#: Certificates fields met before: (length, last 32 bytes) -> the field's bytes and its
#: certificates. A signer's signatures all carry the same field; it is compared whole before use.
_BLOCKS: dict[tuple[int, bytes], tuple[bytes, tuple[bytes, ...]]] = {}
_MAX_BLOCKS = 1024


def _header(
    data: bytes, position: int, end: int, tag: int = 0, what: str = ""
) -> tuple[int, int, int]:
    """(tag, content start, value end) of the TLV at `position`, which must have `tag` when one
    is given; BER indefinite lengths are resolved by the general reader."""
    if position + 2 > end:
        raise der.DerError("truncated: no room for a tag and a length")
    found = data[position]
    first = data[position + 1]
    if first < 0x80 and found & 0x1F != 0x1F:
        start = position + 2
        stop = start + first
    elif first == 0x80 or found & 0x1F == 0x1F:
        node = der.read(data, position, end)
        if node.end != node.content_end:
            raise der.DerError("indefinite lengths are only read through eContent")
        found, start, stop = node.tag, node.content_start, node.end
    else:
        count = first & 0x7F
        start = position + 2 + count
        if count > 4 or start > end:
            raise der.DerError("truncated or oversized length")
        # Lengths of one or two octets, the common ones, without slicing.
        if count == 2:
            stop = start + (data[position + 2] << 8 | data[position + 3])
        elif count == 1:
            stop = start + data[position + 2]
        else:
            stop = start + int.from_bytes(data[position + 2 : start], "big")
    if stop > end:
        raise der.DerError("truncated: a value runs past the end of its container")
    if tag and found != tag:
        raise der.DerError(f"{what}: expected tag 0x{tag:02x}, found 0x{found:02x}")
    return found, start, stop


def _span(data: bytes, position: int, end: int, tag: int, what: str) -> tuple[int, int]:
    """(content start, value end) of the TLV at `position`, which must have `tag` and end by
    `end`: `_header`'s answer, DER's short, one- and two-octet lengths read in place (any other,
    and every error, by `_header`). Reading past the data raises `IndexError`: truncation."""
    if data[position] == tag:
        first = data[position + 1]
        if first < 0x80:
            stop = position + 2 + first
            if stop <= end:
                return position + 2, stop
        elif first == 0x82:
            stop = position + 4 + (data[position + 2] << 8 | data[position + 3])
            if stop <= end:
                return position + 4, stop
        elif first == 0x81:
            stop = position + 3 + data[position + 2]
            if stop <= end:
                return position + 3, stop
    _, start, stop = _header(data, position, end, tag, what)
    return start, stop


def _after_version(data: bytes, position: int, end: int, what: str) -> int:
    """Where the field after a version INTEGER begins (the one octet every version has is
    read in place)."""
    if position + 3 <= end and data[position] == 0x02 and data[position + 1] == 0x01:
        return position + 3
    tag, _, after = _header(data, position, end)
    if tag != 0x02:
        raise der.DerError(f"{what} version is not an integer")
    return after


def _oid_at(data: bytes, position: int, end: int) -> tuple[str, int]:
    _, start, stop = _header(data, position, end, 0x06, "object identifier")
    return der.oid_from_content(data[start:stop]), stop


def parse(data: bytes) -> SignedData:
    """Parse a DER CMS ContentInfo holding SignedData (BER lengths in eContent are accepted);
    `der.DerError` when it is not one.

    Written as a straight walk over the fields rather than a tree of nodes: this runs once per
    verified signature and its cost sits next to the RSA check itself.
    """
    if not data:
        raise der.DerError("empty input")
    try:
        return _signed_data(data)
    except IndexError:
        raise der.DerError("truncated: a value runs past the end of the data") from None


def _signed_data(data: bytes) -> SignedData:
    size = len(data)
    if (
        # The envelope of every CMS from 256 bytes to 64 KiB, DER's two-octet lengths nested
        # exactly (ContentInfo { signedData OID, [0] { SignedData } }), read at once.
        size > 23
        and data[1] == 0x82
        and data[0] == 0x30
        and data[15] == 0xA0
        and data[16] == 0x82
        and data[19] == 0x30
        and data[20] == 0x82
        and data.startswith(_SIGNED_DATA_TLV, 4)
        and 4 + (data[2] << 8 | data[3]) == size
        and 19 + (data[17] << 8 | data[18]) == size
        and 23 + (data[21] << 8 | data[22]) == size
    ):
        return _signed_data_fields(data, 23, size)
    start, end = _span(data, 0, size, 0x30, "ContentInfo")
    if end != len(data):
        raise der.DerError(f"{len(data) - end} bytes follow the encoded value")
    if data.startswith(_SIGNED_DATA_TLV, start):
        position = start + len(_SIGNED_DATA_TLV)
    else:
        content_type, position = _oid_at(data, start, end)
        if content_type != SIGNED_DATA:
            raise der.DerError("not a CMS SignedData ContentInfo")
    inner, inner_end = _span(data, position, end, 0xA0, "ContentInfo content")
    if inner_end != end:
        raise der.DerError("trailing data in ContentInfo")
    start, end = _span(data, inner, inner_end, 0x30, "SignedData")
    if end != inner_end:
        raise der.DerError("trailing data after SignedData")
    return _signed_data_fields(data, start, end)


def _signed_data_fields(data: bytes, start: int, end: int) -> SignedData:
    """The fields of the SignedData whose content lies between `start` and `end`."""
    position = _after_version(data, start, end, "SignedData")
    _, position = _span(data, position, end, 0x31, "digestAlgorithms")
    encap, encap_end = _span(data, position, end, 0x30, "encapContentInfo")
    if data.startswith(_DATA_TLV, encap) and encap + len(_DATA_TLV) <= encap_end:
        content_type, cursor = _DATA, encap + len(_DATA_TLV)
    else:
        content_type, cursor = _oid_at(data, encap, encap_end)
    content = None
    if (
        cursor + 4 <= encap_end
        and data[cursor] == 0xA0
        and data[cursor + 1] != 0x80
        and data[cursor + 2] == 0x04
    ):
        # DER's [0] { OCTET STRING }, read without building nodes; BER's forms below.
        inner, stop = _span(data, cursor, encap_end, 0xA0, "eContent")
        start, after = _span(data, inner, stop, 0x04, "eContent")
        if after != stop or stop != encap_end:
            raise der.DerError("eContent must hold one octet string")
        content = data[start:after]
    elif cursor < encap_end:
        wrapper = der.read(data, cursor, encap_end)
        if wrapper.tag != 0xA0 or wrapper.end != encap_end:
            raise der.DerError("malformed eContent")
        pieces = wrapper.children()
        if len(pieces) != 1:
            raise der.DerError("eContent must hold one octet string")
        content = der.octets(pieces[0])
    position = encap_end
    certificates: tuple[bytes, ...] = ()
    if position < end and data[position] == 0xA0:
        inner, position = _span(data, position, end, 0xA0, "certificates")
        certificates = _certificates(data, inner, position)
    if position < end and data[position] == 0xA1:
        # CRLs carried in the CMS are not used: revocation comes from the PKI.
        _, position = _span(data, position, end, 0xA1, "crls")
    if position >= end or data[position] != 0x31:
        raise der.DerError("signerInfos missing or followed by unexpected fields")
    cursor, stop = _span(data, position, end, 0x31, "signerInfos")
    if stop != end:
        raise der.DerError("signerInfos missing or followed by unexpected fields")
    signers = []
    while cursor < stop:
        signer, cursor = _signer_info(data, cursor, stop)
        signers.append(signer)
    if not signers:
        raise der.DerError("SignedData has no SignerInfo")
    return SignedData(content_type, content, certificates, signers)


def _certificates(data: bytes, start: int, stop: int) -> tuple[bytes, ...]:
    """The certificates of the field between `start` and `stop`: read once per distinct field."""
    key = (stop - start, data[stop - 32 : stop])
    known = _BLOCKS.get(key)
    if known is not None and stop - start == len(known[0]) and data.startswith(known[0], start):
        return known[1]
    found = []
    cursor = start
    while cursor < stop:
        kind, _, after = _header(data, cursor, stop)
        if kind == 0x30:
            found.append(data[cursor:after])
        cursor = after
    certificates = tuple(found)
    if len(_BLOCKS) >= _MAX_BLOCKS:
        _BLOCKS.clear()
    _BLOCKS[key] = (data[start:stop], certificates)
    return certificates


#: AlgorithmIdentifiers read, by their encoding: the same few recur on every signature.
_ALGORITHMS: dict[bytes, tuple[str, bytes | None]] = {}


def _algorithm(data: bytes, position: int, end: int) -> tuple[str, bytes | None, int]:
    if data[position] == 0x30 and data[position + 1] < 0x80:
        # The short form every algorithm identifier has, looked up without reading its header.
        stop = position + 2 + data[position + 1]
        known = _ALGORITHMS.get(data[position:stop]) if stop <= end else None
        if known is not None:
            return known[0], known[1], stop
    start, stop = _span(data, position, end, 0x30, "AlgorithmIdentifier")
    encoded = data[position:stop]
    oid, cursor = _oid_at(data, start, stop)
    parameters = None
    if cursor < stop:
        tag, _, after = _header(data, cursor, stop)
        if after != stop:
            raise der.DerError("malformed AlgorithmIdentifier")
        if tag != 0x05:
            parameters = data[cursor:stop]
    if len(_ALGORITHMS) < 256:
        _ALGORITHMS[encoded] = (oid, parameters)
    return oid, parameters, stop


def _signer_info(data: bytes, position: int, end: int) -> tuple[SignerInfo, int]:
    start, stop = _span(data, position, end, 0x30, "SignerInfo")
    cursor = _after_version(data, start, stop, "SignerInfo")
    issuer = serial = subject_key_id = None
    tag = data[cursor]
    if tag == 0x30:
        inner, after = _span(data, cursor, stop, 0x30, "SignerIdentifier")
        _, name_end = _span(data, inner, after, 0x30, "issuer Name")
        issuer = data[inner:name_end]
        number_start, number_end = _span(data, name_end, after, 0x02, "serialNumber")
        if number_end != after or number_start == number_end:
            raise der.DerError("malformed IssuerAndSerialNumber")
        serial = int.from_bytes(data[number_start:number_end], "big", signed=True)
    elif tag == 0x80:
        inner, after = _span(data, cursor, stop, 0x80, "SignerIdentifier")
        subject_key_id = data[inner:after]
    else:
        _header(data, cursor, stop)  # a truncated or multi-byte tag is reported as such
        raise der.DerError("unknown SignerIdentifier")
    digest_oid, _, cursor = _algorithm(data, after, stop)
    signed_attributes = None
    attributes: dict[str, der.Node] = {}
    if data[cursor] == 0xA0:
        inner, after = _span(data, cursor, stop, 0xA0, "signedAttrs")
        # The signature covers the attributes with the SET OF tag, not the [0] IMPLICIT one.
        signed_attributes = b"\x31" + data[cursor + 1 : after]
        attributes = _attributes(data, inner, after)
        cursor = after
    signature_oid, signature_parameters, cursor = _algorithm(data, cursor, stop)
    value_start, value_end = _span(data, cursor, stop, 0x04, "signature")
    unsigned: dict[str, der.Node] = {}
    if value_end < stop:
        tag, inner, after = _header(data, value_end, stop)
        if tag != 0xA1 or after != stop:
            raise der.DerError("unexpected fields after the signature value")
        unsigned = _attributes(data, inner, after)
    signer = SignerInfo(
        issuer,
        serial,
        subject_key_id,
        digest_oid,
        signature_oid,
        signature_parameters,
        data[value_start:value_end],
        signed_attributes,
        attributes,
        unsigned,
    )
    return signer, stop


#: Attribute types met, by their content octets: the few every signature carries are then read
#: with a lookup rather than a call.
_OIDS: dict[bytes, str] = {}


def _attributes(data: bytes, start: int, end: int) -> dict[str, der.Node]:
    """Attribute type -> its SET OF values; only a few are read, and unpacked when asked for."""
    attributes: dict[str, der.Node] = {}
    walk = start
    while walk < end:
        # The common shape read inline (short lengths: SEQUENCE { OID, SET }); any other
        # shape, and any error, goes through the general reading below.
        if (
            walk + 4 <= end
            and data[walk] == 0x30
            and data[walk + 1] < 0x80
            and data[walk + 2] == 0x06
            and data[walk + 3] < 0x80
        ):
            pair_end = walk + 2 + data[walk + 1]
            values = walk + 4 + data[walk + 3]
            if (
                pair_end <= end
                and values + 2 <= pair_end
                and data[values] == 0x31
                and values + 2 + data[values + 1] == pair_end
            ):
                raw = data[walk + 4 : values]
                oid = _OIDS.get(raw) or _attribute_type(raw)
                attributes[oid] = der.Node(data, 0x31, values, values + 2, pair_end, pair_end)
                walk = pair_end
                continue
        pair_start, pair_end = _span(data, walk, end, 0x30, "Attribute")
        # The type is an OID of a few octets: read in place, as `_oid_at` would.
        size = data[pair_start + 1] if pair_start + 2 <= pair_end else 0x80
        if data[pair_start] == 0x06 and size < 0x80 and pair_start + 2 + size <= pair_end:
            values = pair_start + 2 + size
            raw = data[pair_start + 2 : values]
            oid = _OIDS.get(raw) or _attribute_type(raw)
        else:
            oid, values = _oid_at(data, pair_start, pair_end)
        values_start, values_end = _span(data, values, pair_end, 0x31, "Attribute values")
        if values_end != pair_end:
            raise der.DerError("malformed Attribute")
        attributes[oid] = der.Node(data, 0x31, values, values_start, values_end, values_end)
        walk = pair_end
    return attributes


def _attribute_type(raw: bytes) -> str:
    oid = der.oid_from_content(raw)
    if len(_OIDS) < 64:
        _OIDS[raw] = oid
    return oid
