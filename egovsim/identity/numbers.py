"""Kazakhstan's 12-digit identification numbers: IIN (people) and BIN (businesses).

Both share one check-digit algorithm. Validation never stops at the first problem: every
problem found is reported with the 1-based, inclusive digit positions it concerns, so the
portal can highlight the offending digits.

Layouts::

    IIN  YYMMDD C SSSS K   birth date, century/sex digit, registration serial, check digit
    BIN  YYMM T A SSSSS K  registration year/month, entity type, attribute, serial, check digit

The IIN century/sex digit ``0`` (seen on numbers issued to some foreign nationals) is
rejected: it carries neither century nor sex, so no :class:`Iin` could be built from it.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

__all__ = [
    "Attribute",
    "Bin",
    "EntityType",
    "Iin",
    "InvalidNumber",
    "NumberKind",
    "Problem",
    "ProblemCode",
    "Sex",
    "bin_registration_year",
    "check_digit",
    "classify",
    "explain_bin",
    "explain_iin",
    "is_valid_bin",
    "is_valid_iin",
    "parse_bin",
    "parse_iin",
]

Sex = Literal["male", "female"]
EntityType = Literal["resident", "non_resident", "joint_entrepreneur"]
Attribute = Literal["head", "branch", "representative", "farm"]
NumberKind = Literal["iin", "bin"]
ProblemCode = Literal[
    "NOT_12_DIGITS",
    "BAD_CHECK_DIGIT",
    "NO_CHECK_DIGIT_POSSIBLE",
    "BAD_BIRTH_DATE",
    "BAD_CENTURY_DIGIT",
    "BAD_REGISTRATION_MONTH",
    "BAD_ENTITY_TYPE",
    "BAD_ATTRIBUTE",
]

_FIRST_PASS_WEIGHTS: Final = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_SECOND_PASS_WEIGHTS: Final = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

# digit 7 of an IIN -> (first year of the century, sex)
CENTURY_DIGITS: Final[dict[str, tuple[int, Sex]]] = {
    "1": (1800, "male"),
    "2": (1800, "female"),
    "3": (1900, "male"),
    "4": (1900, "female"),
    "5": (2000, "male"),
    "6": (2000, "female"),
}

ENTITY_TYPE_DIGITS: Final[dict[str, EntityType]] = {
    "4": "resident",
    "5": "non_resident",
    "6": "joint_entrepreneur",
}
ATTRIBUTE_DIGITS: Final[dict[str, Attribute]] = {
    "0": "head",
    "1": "branch",
    "2": "representative",
    "3": "farm",
}

# Any leap year will do: with the century unknown, 29 February must not be flagged.
_ANY_LEAP_YEAR: Final = 2000


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a number, located by 1-based inclusive digit positions."""

    code: ProblemCode
    position: tuple[int, int]
    message: str


class InvalidNumber(ValueError):
    """Raised by :func:`parse_iin` / :func:`parse_bin`; ``code`` is the first problem's code."""

    kind: NumberKind
    code: ProblemCode
    problems: tuple[Problem, ...]

    def __init__(self, kind: NumberKind, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("InvalidNumber needs at least one problem")
        self.kind = kind
        self.problems = tuple(problems)
        self.code = self.problems[0].code
        details = "; ".join(p.message for p in self.problems)
        super().__init__(f"invalid {kind.upper()}: {details}")

    def __reduce__(self) -> tuple[type[InvalidNumber], tuple[NumberKind, tuple[Problem, ...]]]:
        # The default reduce replays self.args (the message), which does not fit __init__.
        return (type(self), (self.kind, self.problems))


@dataclass(frozen=True, slots=True)
class Iin:
    """A valid individual identification number and the facts encoded in it."""

    value: str
    birth_date: date
    sex: Sex
    century: int
    serial: str


@dataclass(frozen=True, slots=True)
class Bin:
    """A valid business identification number and the facts encoded in it."""

    value: str
    registration_year: int
    registration_month: int
    entity_type: EntityType
    attribute: Attribute
    serial: str


# --------------------------------------------------------------------------- check digit


def _weighted_mod11(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11


def check_digit(first11: str) -> int | None:
    """Return the check digit for the first 11 digits, or None when no digit can be valid.

    Raises ValueError unless ``first11`` is exactly 11 ASCII digits.
    """
    if not _is_ascii_digits(first11, 11):
        raise ValueError(f"expected exactly 11 ASCII digits, got {first11!r}")
    result = _weighted_mod11(first11, _FIRST_PASS_WEIGHTS)
    if result == 10:
        result = _weighted_mod11(first11, _SECOND_PASS_WEIGHTS)
        if result == 10:
            return None
    return result


def _is_ascii_digits(text: str, length: int) -> bool:
    # str.isdigit() alone would also accept e.g. Arabic-Indic or superscript digits.
    return len(text) == length and text.isascii() and text.isdigit()


# --------------------------------------------------------------------------- shared checks


def _normalise(text: str) -> str | None:
    stripped = text.strip()
    return stripped if _is_ascii_digits(stripped, 12) else None


def _not_12_digits(text: str) -> Problem:
    return Problem("NOT_12_DIGITS", (1, 12), f"expected exactly 12 digits 0-9, got {text!r}")


def _check_digit_problems(number: str) -> list[Problem]:
    expected = check_digit(number[:11])
    if expected is None:
        return [
            Problem(
                "NO_CHECK_DIGIT_POSSIBLE",
                (1, 11),
                f"no check digit exists for the first 11 digits {number[:11]}: "
                "both weighting passes give 10",
            )
        ]
    actual = int(number[11])
    if actual != expected:
        return [
            Problem("BAD_CHECK_DIGIT", (12, 12), f"check digit is {actual}, expected {expected}")
        ]
    return []


# --------------------------------------------------------------------------- IIN


def _birth_date_problem(number: str, century: int | None) -> Problem | None:
    yy, mm, dd = int(number[0:2]), int(number[2:4]), int(number[4:6])
    if not 1 <= mm <= 12:
        return Problem("BAD_BIRTH_DATE", (1, 6), f"birth month {number[2:4]} is not 01-12")
    year = _ANY_LEAP_YEAR if century is None else century + yy
    if not 1 <= dd <= calendar.monthrange(year, mm)[1]:
        where = calendar.month_name[mm] if century is None else f"{calendar.month_name[mm]} {year}"
        return Problem(
            "BAD_BIRTH_DATE", (1, 6), f"birth day {number[4:6]} does not exist in {where}"
        )
    return None


def _century_problem(digit: str) -> Problem:
    if digit == "0":
        message = (
            "century/sex digit is 0 (used for some foreign nationals, with no century or sex); "
            "only 1-6 are supported"
        )
    else:
        message = f"century/sex digit is {digit}, expected 1-6"
    return Problem("BAD_CENTURY_DIGIT", (7, 7), message)


def _iin_problems(number: str) -> list[Problem]:
    problems: list[Problem] = []
    century_info = CENTURY_DIGITS.get(number[6])
    # With an unusable century digit the date is still checked as far as it can be.
    date_problem = _birth_date_problem(number, None if century_info is None else century_info[0])
    if date_problem is not None:
        problems.append(date_problem)
    if century_info is None:
        problems.append(_century_problem(number[6]))
    problems.extend(_check_digit_problems(number))
    return problems


def explain_iin(text: str) -> list[Problem]:
    """List every problem with ``text`` as an IIN, in digit order; empty when it is valid."""
    number = _normalise(text)
    if number is None:
        return [_not_12_digits(text)]
    return _iin_problems(number)


def parse_iin(text: str) -> Iin:
    """Parse an IIN (surrounding whitespace allowed), raising InvalidNumber listing all problems."""
    number = _normalise(text)
    if number is None:
        raise InvalidNumber("iin", [_not_12_digits(text)])
    problems = _iin_problems(number)
    if problems:
        raise InvalidNumber("iin", problems)
    century, sex = CENTURY_DIGITS[number[6]]
    birth_date = date(century + int(number[0:2]), int(number[2:4]), int(number[4:6]))
    return Iin(value=number, birth_date=birth_date, sex=sex, century=century, serial=number[7:11])


def is_valid_iin(text: str) -> bool:
    """Return True when ``text`` (after stripping whitespace) is a valid IIN."""
    return not explain_iin(text)


# --------------------------------------------------------------------------- BIN


def bin_registration_year(yy: int, today: date | None = None) -> int:
    """Expand a two-digit BIN year to the latest year ending in ``yy`` that is not after today.

    With ``today`` in 2025, ``25`` means 2025 and ``26`` means 1926.
    """
    if not 0 <= yy <= 99:
        raise ValueError(f"two-digit year must be 0-99, got {yy}")
    current = (today or date.today()).year
    year = current - current % 100 + yy
    return year if year <= current else year - 100


def _bin_problems(number: str) -> list[Problem]:
    problems: list[Problem] = []
    if not 1 <= int(number[2:4]) <= 12:
        problems.append(
            Problem(
                "BAD_REGISTRATION_MONTH",
                (3, 4),
                f"registration month {number[2:4]} is not 01-12",
            )
        )
    if number[4] not in ENTITY_TYPE_DIGITS:
        problems.append(
            Problem(
                "BAD_ENTITY_TYPE",
                (5, 5),
                f"entity type digit is {number[4]}, expected 4 (resident), "
                "5 (non-resident) or 6 (joint individual entrepreneur)",
            )
        )
    if number[5] not in ATTRIBUTE_DIGITS:
        problems.append(
            Problem(
                "BAD_ATTRIBUTE",
                (6, 6),
                f"attribute digit is {number[5]}, expected 0 (head office), 1 (branch), "
                "2 (representative office) or 3 (farm enterprise)",
            )
        )
    problems.extend(_check_digit_problems(number))
    return problems


def explain_bin(text: str) -> list[Problem]:
    """List every problem with ``text`` as a BIN, in digit order; empty when it is valid."""
    number = _normalise(text)
    if number is None:
        return [_not_12_digits(text)]
    return _bin_problems(number)


def parse_bin(text: str, today: date | None = None) -> Bin:
    """Parse a BIN, raising InvalidNumber listing all problems.

    The two-digit year is expanded relative to ``today`` (see :func:`bin_registration_year`).
    """
    number = _normalise(text)
    if number is None:
        raise InvalidNumber("bin", [_not_12_digits(text)])
    problems = _bin_problems(number)
    if problems:
        raise InvalidNumber("bin", problems)
    return Bin(
        value=number,
        registration_year=bin_registration_year(int(number[0:2]), today),
        registration_month=int(number[2:4]),
        entity_type=ENTITY_TYPE_DIGITS[number[4]],
        attribute=ATTRIBUTE_DIGITS[number[5]],
        serial=number[6:11],
    )


def is_valid_bin(text: str) -> bool:
    """Return True when ``text`` (after stripping whitespace) is a valid BIN."""
    return not explain_bin(text)


# --------------------------------------------------------------------------- classification


def classify(text: str) -> NumberKind | None:
    """Say whether ``text`` is a valid IIN or a valid BIN, or None when it is neither.

    The two cannot both be valid: digit 5 is a day's tens digit (0-3) in an IIN but the
    entity type (4-6) in a BIN.
    """
    if is_valid_iin(text):
        return "iin"
    if is_valid_bin(text):
        return "bin"
    return None
