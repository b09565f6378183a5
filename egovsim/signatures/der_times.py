"""The times of CMS signed attributes (signing-time): UTCTime or GeneralizedTime in the `...Z`
form DER requires, read from their bytes on every verification."""

from __future__ import annotations

from datetime import datetime

from egovsim.signatures import der


def parse_time(node: der.Node) -> datetime:
    """A UTCTime or GeneralizedTime value in the `...Z` form DER requires (signing-time)."""
    return time_of(node.tag, node.content)


def time_of(tag: int, raw: bytes) -> datetime:
    """`parse_time` of a value's tag and content octets."""
    if tag == 0x17 and len(raw) == 13:
        century, digits = ("19" if raw[:2] >= b"50" else "20"), raw[:12]
    elif tag == 0x18 and len(raw) == 15:
        century, digits = "", raw[:14]
    elif tag not in (0x17, 0x18):
        raise der.DerError("signing-time is neither UTCTime nor GeneralizedTime")
    else:
        raise _not_a_time(raw)
    if raw[-1:] != b"Z" or not digits.isdigit():  # ASCII digits only
        raise _not_a_time(raw)
    text = digits.decode()
    # ISO 8601's basic form of the same digits, read by the C parser (which checks every
    # field's range) at a quarter of the cost of six int() calls and a constructor.
    try:
        return datetime.fromisoformat(f"{century}{text[:-6]}T{text[-6:]}+00:00")
    except ValueError:
        raise _not_a_time(raw) from None


def _not_a_time(raw: bytes) -> der.DerError:
    return der.DerError(f"signing-time {raw.decode('ascii', 'replace')!r} is not a DER time")
