"""Turning what a user hands over (DER, PEM, or bare base64 as NCALayer returns) into DER."""

from __future__ import annotations

import base64
import binascii
import re

_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)
_BASE64 = re.compile(rb"^[A-Za-z0-9+/=\s]+$")


def to_der(data: bytes) -> bytes:
    """The DER inside PEM armour or bare base64; anything else is returned as it is."""
    if _is_der_sequence(data):
        return data  # the common case, told from the length alone
    stripped = data.strip()
    if b"-----BEGIN" in stripped:
        # As OpenSSL reads PEM: text around the block ("Bag Attributes" of a PKCS#12 export,
        # `openssl x509 -text` output) is skipped, and the first block counts.
        match = _PEM.search(stripped)
        if match is None:
            return data
        try:
            return base64.b64decode(match.group(2), validate=False)
        except (binascii.Error, ValueError):
            return data
    # DER begins with a SEQUENCE tag (0x30), which is never a base64 character's first byte
    # of meaningful text; anything made only of base64 characters is tried as base64.
    if stripped and stripped[:1] != b"\x30" and _BASE64.match(stripped[:4096]):
        try:
            return base64.b64decode(b"".join(stripped.split()), validate=True)
        except (binascii.Error, ValueError):
            return data
    return data


def _is_der_sequence(data: bytes) -> bool:
    """Whether `data` is exactly one SEQUENCE with a definite length (a DER structure, not text:
    PEM or base64 would need a length octet matching their size by chance, and "0" followed by
    such an octet is not how either begins)."""
    if len(data) < 2 or data[0] != 0x30:
        return False
    first = data[1]
    if first < 0x80:
        return len(data) == 2 + first
    count = first & 0x7F
    if first == 0x80 or count > 4 or len(data) < 2 + count:
        return False
    return len(data) == 2 + count + int.from_bytes(data[2 : 2 + count], "big")
