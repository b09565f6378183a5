"""Valid IINs and BINs made to order, for the personas, the seeds, the generated history and the
tests: the layout and the check digit are `numbers`'s."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date
from typing import Final

from egovsim.identity.numbers import (
    ATTRIBUTE_DIGITS,
    CENTURY_DIGITS,
    ENTITY_TYPE_DIGITS,
    Attribute,
    EntityType,
    Sex,
    check_digit,
)

__all__ = ["generate_bin", "generate_iin"]

_FIRST_CENTURY: Final = 1800
_LAST_CENTURY: Final = 2000
_IIN_SERIALS: Final = 10_000
_BIN_SERIALS: Final = 100_000


def _complete(prefix: str, first_serial: int, serial_count: int) -> str:
    width = len(str(serial_count - 1))
    # Some prefixes admit no check digit, so walk forward (wrapping) to the next one that does.
    for step in range(serial_count):
        first11 = prefix + f"{(first_serial + step) % serial_count:0{width}d}"
        digit = check_digit(first11)
        if digit is not None:
            return first11 + str(digit)
    raise AssertionError(f"no serial gives a check digit for prefix {prefix}")  # pragma: no cover


def _pick_serial(
    serial: int | None, serial_count: int, rng: random.Random | None, what: str
) -> int:
    if serial is None:
        return (rng or random.Random()).randrange(serial_count)
    if not 0 <= serial < serial_count:
        raise ValueError(f"{what} serial must be 0-{serial_count - 1}, got {serial}")
    return serial


def generate_iin(
    birth_date: date,
    sex: Sex,
    serial: int | None = None,
    rng: random.Random | None = None,
) -> str:
    """Build a valid IIN for a person born on ``birth_date`` (years 1800-2099).

    ``serial`` (0-9999) is used as given unless its prefix admits no check digit, in which case
    the next serial that does is used (wrapping past 9999 to 0); without it one is drawn from
    ``rng``.
    """
    century = birth_date.year - birth_date.year % 100
    if not _FIRST_CENTURY <= century <= _LAST_CENTURY:
        raise ValueError(f"IIN birth year must be 1800-2099, got {birth_date.year}")
    if sex not in ("male", "female"):
        raise ValueError(f"sex must be 'male' or 'female', got {sex!r}")
    century_digit = next(d for d, info in CENTURY_DIGITS.items() if info == (century, sex))
    yymmdd = f"{birth_date.year % 100:02d}{birth_date.month:02d}{birth_date.day:02d}"
    prefix = yymmdd + century_digit
    start = _pick_serial(serial, _IIN_SERIALS, rng, "IIN")
    return _complete(prefix, start, _IIN_SERIALS)


def generate_bin(
    year: int,
    month: int,
    entity_type: EntityType = "resident",
    attribute: Attribute = "head",
    serial: int | None = None,
    rng: random.Random | None = None,
    today: date | None = None,
) -> str:
    """Build a valid BIN registered in ``year``/``month``.

    ``year`` must lie in the 100 years ending with ``today``'s year, so that :func:`parse_bin`
    reads it back; ``serial`` (0-99999) is handled as in :func:`generate_iin`.
    """
    current = (today or date.today()).year
    if not current - 99 <= year <= current:
        raise ValueError(f"BIN registration year must be {current - 99}-{current}, got {year}")
    if not 1 <= month <= 12:
        raise ValueError(f"BIN registration month must be 1-12, got {month}")
    type_digit = _digit_for(ENTITY_TYPE_DIGITS, entity_type, "entity type")
    attribute_digit = _digit_for(ATTRIBUTE_DIGITS, attribute, "attribute")
    prefix = f"{year % 100:02d}{month:02d}{type_digit}{attribute_digit}"
    start = _pick_serial(serial, _BIN_SERIALS, rng, "BIN")
    return _complete(prefix, start, _BIN_SERIALS)


def _digit_for(table: Mapping[str, str], name: str, what: str) -> str:
    for digit, candidate in table.items():
        if candidate == name:
            return digit
    raise ValueError(f"unknown {what} {name!r}; expected one of {sorted(table.values())}")
