"""The verifier's own CMS reader on what its fast paths must not get wrong: signing-times in
both DER forms and nothing else, DER told from PEM and base64 by its length alone, multi-byte
tags, and BER's constructed eContent beside DER's."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from asn1crypto import cms as asn1_cms
from cryptography.hazmat.primitives import serialization

from egovsim.signatures import cms, der
from egovsim.signatures.encoding import to_der
from tests.conftest import NOW
from tests.test_verifier_timestamps import DATA, person


def time_node(tag: int, text: str) -> der.Node:
    raw = text.encode("ascii")
    encoded = bytes([tag, len(raw)]) + raw
    return der.read(encoded)


@pytest.mark.parametrize(
    ("tag", "text", "moment"),
    [
        (0x17, "491231235959Z", datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)),
        (0x17, "500101000000Z", datetime(1950, 1, 1, tzinfo=UTC)),
        (0x18, "20500101000000Z", datetime(2050, 1, 1, tzinfo=UTC)),
    ],
    ids=["utc-2049", "utc-1950", "generalized-2050"],
)
def test_a_signing_time_is_read_in_both_der_forms(tag: int, text: str, moment: datetime) -> None:
    assert cms.parse_time(time_node(tag, text)) == moment


@pytest.mark.parametrize(
    ("tag", "text"),
    [
        (0x17, "491231235959"),  # no Z
        (0x17, "4912312359Z"),  # no seconds
        (0x18, "20500101000000.5Z"),  # fractions: not DER for signing-time
        (0x18, "2050010100000+Z"),
        (0x17, "4913312359 9Z"),
        (0x17, "491331235959Z"),  # month 13
        (0x18, b"2050010100000\xd9Z"),  # a byte that is no ASCII digit
        (0x04, "20500101000000Z"),  # an octet string
        (0x17, "491231245959Z"),  # hour 24
        (0x17, "491231235960Z"),  # second 60
        (0x18, "20270229000000Z"),  # 29 February of a common year
        (0x18, "+0500101000000Z"),  # a sign where the year's first digit goes
        (0x18, "00000101000000Z"),  # year 0
    ],
)
def test_anything_else_as_a_signing_time_is_a_der_error(tag: int, text: str | bytes) -> None:
    raw = text if isinstance(text, bytes) else text.encode("ascii")
    with pytest.raises(der.DerError):
        cms.parse_time(der.read(bytes([tag, len(raw)]) + raw))


def test_der_pem_and_base64_all_read_as_the_same_der(pki) -> None:  # type: ignore[no-untyped-def]
    signer = person(pki, "850715301233")
    signature = cms.sign(DATA, signer.key, signer.certificate, [], NOW)
    pem = b"-----BEGIN CMS-----\n" + base64.encodebytes(signature) + b"-----END CMS-----\n"
    certificate_pem = signer.certificate.public_bytes(serialization.Encoding.PEM)

    assert to_der(signature) is signature
    assert to_der(pem) == signature
    assert to_der(base64.b64encode(signature)) == signature
    assert to_der(b"Bag Attributes\n" + certificate_pem) == signer.certificate.public_bytes(
        serialization.Encoding.DER
    )
    assert to_der(signature + b"\x00") == signature + b"\x00"  # not one DER value: as it is


def test_a_multi_byte_tag_anywhere_the_walk_reads_is_refused(pki) -> None:  # type: ignore[no-untyped-def]
    signer = person(pki, "850715301233")
    signature = bytearray(cms.sign(DATA, signer.key, signer.certificate, [], NOW))
    version = signature.index(bytes.fromhex("020101"))  # SignedData's version, short form
    signature[version] = 0x1F  # a multi-byte tag with a one-octet length after it

    with pytest.raises(der.DerError, match="multi-byte"):
        cms.parse(bytes(signature))


def test_ber_constructed_econtent_reads_as_der_does(pki) -> None:  # type: ignore[no-untyped-def]
    signer = person(pki, "850715301233")
    signature = cms.sign(DATA, signer.key, signer.certificate, [], NOW)
    info = asn1_cms.ContentInfo.load(signature)
    pieces = [DATA[:10], DATA[10:]]
    octets = b"".join(b"\x04" + bytes([len(p)]) + p for p in pieces)
    ber = b"\xa0\x80\x24\x80" + octets + b"\x00\x00\x00\x00"
    encap = info["content"]["encap_content_info"]
    inner = encap["content_type"].dump() + ber
    encap_ber = b"\x30" + _length(len(inner)) + inner
    rebuilt = signature.replace(encap.dump(), encap_ber)
    rebuilt = _fix_lengths(rebuilt, len(encap_ber) - len(encap.dump()))

    assert cms.parse(rebuilt).content == DATA == cms.parse(signature).content


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _fix_lengths(data: bytes, grown: int) -> bytes:
    """The three enclosing lengths (ContentInfo, [0], SignedData), all two-octet long forms in
    a signature of this size, grown by `grown`."""
    out = bytearray(data)
    for position in _outer_lengths(data):
        value = int.from_bytes(out[position : position + 2], "big") + grown
        out[position : position + 2] = value.to_bytes(2, "big")
    return bytes(out)


def _outer_lengths(data: bytes) -> list[int]:
    # ContentInfo 30 82 LL LL, OID 06 09 ..., [0] A0 82 LL LL, SignedData 30 82 LL LL
    assert data[0] == 0x30 and data[1] == 0x82
    oid_end = 4 + 2 + data[5]
    assert data[oid_end] == 0xA0 and data[oid_end + 1] == 0x82
    assert data[oid_end + 4] == 0x30 and data[oid_end + 5] == 0x82
    return [2, oid_end + 2, oid_end + 6]
