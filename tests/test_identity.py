"""Tests for IIN/BIN parsing, explanation, classification and generation."""

from __future__ import annotations

import pickle
import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import get_args

import pytest

from egovsim.identity import (
    Attribute,
    EntityType,
    InvalidNumber,
    NumberKind,
    Problem,
    ProblemCode,
    Sex,
    bin_registration_year,
    check_digit,
    classify,
    explain_bin,
    explain_iin,
    generate_bin,
    generate_iin,
    is_valid_bin,
    is_valid_iin,
    parse_bin,
    parse_iin,
)

FIRST_PASS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
SECOND_PASS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# A fixed "today" keeps BIN year expansion independent of when the tests run.
TODAY = date(2025, 6, 1)

# Verified by hand with weighted(): both passes give 10 for these prefixes.
IMPOSSIBLE_IIN_PREFIX = "85071530040"
IMPOSSIBLE_BIN_PREFIX = "06126000189"

SEXES: tuple[Sex, ...] = get_args(Sex)
ENTITY_TYPES: tuple[EntityType, ...] = get_args(EntityType)
ATTRIBUTES: tuple[Attribute, ...] = get_args(Attribute)


def weighted(first11: str, weights: tuple[int, ...]) -> int:
    """Independent restatement of one weighting pass, to cross-check the module."""
    return sum(int(d) * w for d, w in zip(first11, weights, strict=True)) % 11


def reference_check_digit(first11: str) -> int | None:
    """Independent restatement of the two-pass check-digit rule."""
    for weights in (FIRST_PASS, SECOND_PASS):
        result = weighted(first11, weights)
        if result != 10:
            return result
    return None


def codes(problems: list[Problem]) -> list[ProblemCode]:
    """Problem codes in the order reported."""
    return [p.code for p in problems]


def random_date(rng: random.Random, first: date, last: date) -> date:
    """A uniformly random date in [first, last]."""
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def next_possible_serial(prefix: str, serial: int, width: int) -> int:
    """The first serial at or after ``serial`` (wrapping) whose prefix has a check digit."""
    count: int = 10**width
    for step in range(count):
        candidate = (serial + step) % count
        if reference_check_digit(prefix + f"{candidate:0{width}d}") is not None:
            return candidate
    raise AssertionError("no possible serial")


# --------------------------------------------------------------------------- check digit


@pytest.mark.parametrize("number", ["850715301233", "061211600012", "061240000003"])
def test_second_pass_examples_take_their_check_digit_from_the_second_pass(number: str) -> None:
    assert weighted(number[:11], FIRST_PASS) == 10
    assert check_digit(number[:11]) == int(number[11]) == weighted(number[:11], SECOND_PASS)


def test_second_pass_iin_example_is_a_valid_iin() -> None:
    iin = parse_iin("850715301233")
    assert (iin.birth_date, iin.sex, iin.century, iin.serial) == (
        date(1985, 7, 15),
        "male",
        1900,
        "0123",
    )


def test_second_pass_bin_example_is_a_valid_bin() -> None:
    bin_ = parse_bin("061240000003", today=TODAY)
    assert (bin_.registration_year, bin_.registration_month) == (2006, 12)
    assert (bin_.entity_type, bin_.attribute, bin_.serial) == ("resident", "head", "00000")


def test_briefed_bin_example_has_a_good_check_digit_but_the_layout_of_an_iin() -> None:
    # 061211600012: digit 5 is 1, not an entity type (4-6); it reads as a woman born 2006-12-11.
    assert codes(explain_bin("061211600012")) == ["BAD_ENTITY_TYPE"]
    iin = parse_iin("061211600012")
    assert (iin.birth_date, iin.sex) == (date(2006, 12, 11), "female")
    assert classify("061211600012") == "iin"


@pytest.mark.parametrize("seed", range(3))
def test_check_digit_agrees_with_reference_on_random_prefixes(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(2000):
        first11 = "".join(rng.choice("0123456789") for _ in range(11))
        assert check_digit(first11) == reference_check_digit(first11)


def test_prefix_found_by_search_where_both_passes_give_10_is_never_valid() -> None:
    prefix = next(
        f"9001013{s:04d}"
        for s in range(10_000)
        if weighted(f"9001013{s:04d}", FIRST_PASS) == weighted(f"9001013{s:04d}", SECOND_PASS) == 10
    )
    assert check_digit(prefix) is None
    for last in "0123456789":
        assert not is_valid_iin(prefix + last)
        assert codes(explain_iin(prefix + last)) == ["NO_CHECK_DIGIT_POSSIBLE"]


@pytest.mark.parametrize(
    ("prefix", "explain"),
    [(IMPOSSIBLE_IIN_PREFIX, explain_iin), (IMPOSSIBLE_BIN_PREFIX, explain_bin)],
)
def test_hard_coded_prefix_where_both_passes_give_10_admits_no_check_digit(
    prefix: str, explain: Callable[[str], list[Problem]]
) -> None:
    assert weighted(prefix, FIRST_PASS) == weighted(prefix, SECOND_PASS) == 10
    assert check_digit(prefix) is None
    for last in "0123456789":
        assert codes(explain(prefix + last)) == ["NO_CHECK_DIGIT_POSSIBLE"]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "1234567890",
        "123456789012",
        "1234567890a",
        " 1234567890",
        "١٢٣٤٥٦٧٨٩٠١",
        "１２３４５６７８９０１",
    ],
)
def test_check_digit_rejects_anything_but_11_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="11 ASCII digits"):
        check_digit(bad)


# --------------------------------------------------------------------------- problems


NOT_12_DIGITS_INPUTS = [
    "",
    "   ",
    "85071530123",
    "8507153012330",
    "85071530123a",
    "8507-1530123",
    "850715 301233",
    "+85071530123",
    "８５０７１５３０１２３３",  # fullwidth digits
    "٨٥٠٧١٥٣٠١٢٣٣",  # Arabic-Indic digits
    "85071530123³",  # superscript three: isdigit() but not a digit 0-9
]


@pytest.mark.parametrize("text", NOT_12_DIGITS_INPUTS)
@pytest.mark.parametrize("explain", [explain_iin, explain_bin], ids=["iin", "bin"])
def test_anything_but_12_ascii_digits_is_reported_as_not_12_digits(
    text: str, explain: Callable[[str], list[Problem]]
) -> None:
    assert explain(text) == [
        Problem("NOT_12_DIGITS", (1, 12), f"expected exactly 12 digits 0-9, got {text!r}")
    ]


@pytest.mark.parametrize(
    ("number", "expected_code", "position"),
    [
        ("850715301234", "BAD_CHECK_DIGIT", (12, 12)),
        ("850715300400", "NO_CHECK_DIGIT_POSSIBLE", (1, 11)),
        ("851315301238", "BAD_BIRTH_DATE", (1, 6)),  # month 13
        ("850700301238", "BAD_BIRTH_DATE", (1, 6)),  # day 00
        ("850732301232", "BAD_BIRTH_DATE", (1, 6)),  # day 32
        ("850431301236", "BAD_BIRTH_DATE", (1, 6)),  # 31 April
        ("000229300015", "BAD_BIRTH_DATE", (1, 6)),  # 29 Feb 1900: not a leap year
        ("000229100012", "BAD_BIRTH_DATE", (1, 6)),  # 29 Feb 1800: not a leap year
        ("850715001230", "BAD_CENTURY_DIGIT", (7, 7)),
        ("850715701235", "BAD_CENTURY_DIGIT", (7, 7)),
        ("850715801231", "BAD_CENTURY_DIGIT", (7, 7)),
        ("850715901238", "BAD_CENTURY_DIGIT", (7, 7)),
    ],
)
def test_each_iin_problem_code_is_reported_for_a_concrete_number(
    number: str, expected_code: ProblemCode, position: tuple[int, int]
) -> None:
    [problem] = explain_iin(number)
    assert (problem.code, problem.position) == (expected_code, position)
    with pytest.raises(InvalidNumber) as raised:
        parse_iin(number)
    assert raised.value.code == expected_code
    assert raised.value.kind == "iin"


@pytest.mark.parametrize(
    ("number", "expected_code", "position"),
    [
        ("061240000016", "BAD_CHECK_DIGIT", (12, 12)),
        ("061260001890", "NO_CHECK_DIGIT_POSSIBLE", (1, 11)),
        ("060040000021", "BAD_REGISTRATION_MONTH", (3, 4)),
        ("061340000013", "BAD_REGISTRATION_MONTH", (3, 4)),
        ("061210000016", "BAD_ENTITY_TYPE", (5, 5)),
        ("061230000015", "BAD_ENTITY_TYPE", (5, 5)),
        ("061270000013", "BAD_ENTITY_TYPE", (5, 5)),
        ("061244000011", "BAD_ATTRIBUTE", (6, 6)),
        ("061249000019", "BAD_ATTRIBUTE", (6, 6)),
    ],
)
def test_each_bin_problem_code_is_reported_for_a_concrete_number(
    number: str, expected_code: ProblemCode, position: tuple[int, int]
) -> None:
    [problem] = explain_bin(number)
    assert (problem.code, problem.position) == (expected_code, position)
    with pytest.raises(InvalidNumber) as raised:
        parse_bin(number, today=TODAY)
    assert raised.value.code == expected_code
    assert raised.value.kind == "bin"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("850715301234", "check digit is 4, expected 3"),
        ("000229300015", "birth day 29 does not exist in February 1900"),
        ("851315301238", "birth month 13 is not 01-12"),
        ("850715901238", "century/sex digit is 9, expected 1-6"),
        ("850715001230", "century/sex digit is 0 (used for some foreign nationals"),
        ("850715300400", "no check digit exists for the first 11 digits 85071530040"),
    ],
)
def test_iin_problem_messages_explain_the_fault_in_english(number: str, expected: str) -> None:
    [problem] = explain_iin(number)
    assert problem.message.startswith(expected)


def test_iin_with_several_problems_reports_all_of_them_in_digit_order() -> None:
    # month 13, century digit 9 and a check digit of 5 where 2 is expected
    problems = explain_iin("851332900005")
    assert [(p.code, p.position) for p in problems] == [
        ("BAD_BIRTH_DATE", (1, 6)),
        ("BAD_CENTURY_DIGIT", (7, 7)),
        ("BAD_CHECK_DIGIT", (12, 12)),
    ]
    with pytest.raises(InvalidNumber) as raised:
        parse_iin("851332900005")
    assert raised.value.code == "BAD_BIRTH_DATE"
    assert raised.value.problems == tuple(problems)


def test_iin_with_bad_century_still_has_its_date_and_impossible_prefix_reported() -> None:
    assert codes(explain_iin("851332901100")) == [
        "BAD_BIRTH_DATE",
        "BAD_CENTURY_DIGIT",
        "NO_CHECK_DIGIT_POSSIBLE",
    ]


def test_iin_with_unknown_century_accepts_29_february_as_a_date() -> None:
    # Without a century the leap year is unknown, so only the century digit is at fault.
    number = "000229001232"
    assert check_digit(number[:11]) == 2
    assert codes(explain_iin(number)) == ["BAD_CENTURY_DIGIT"]


def test_bin_with_several_problems_reports_all_of_them_in_digit_order() -> None:
    problems = explain_bin("061379000001")
    assert [(p.code, p.position) for p in problems] == [
        ("BAD_REGISTRATION_MONTH", (3, 4)),
        ("BAD_ENTITY_TYPE", (5, 5)),
        ("BAD_ATTRIBUTE", (6, 6)),
        ("BAD_CHECK_DIGIT", (12, 12)),
    ]
    assert codes(explain_bin("061379000700")) == [
        "BAD_REGISTRATION_MONTH",
        "BAD_ENTITY_TYPE",
        "BAD_ATTRIBUTE",
        "NO_CHECK_DIGIT_POSSIBLE",
    ]


def test_invalid_number_is_a_value_error_whose_message_lists_every_problem() -> None:
    with pytest.raises(ValueError, match="invalid IIN") as raised:
        parse_iin("851332900005")
    assert isinstance(raised.value, InvalidNumber)
    for problem in raised.value.problems:
        assert problem.message in str(raised.value)


def test_invalid_number_survives_pickling() -> None:
    error = InvalidNumber("bin", explain_bin("061379000001"))
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.kind, copy.code, copy.problems, str(copy)) == (
        error.kind,
        error.code,
        error.problems,
        str(error),
    )


def test_invalid_number_needs_at_least_one_problem() -> None:
    with pytest.raises(ValueError, match="at least one problem"):
        InvalidNumber("iin", [])


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "value", "birth_date", "sex", "century", "serial"),
    [
        ("850715301233", "850715301233", date(1985, 7, 15), "male", 1900, "0123"),
        ("850715201233", "850715201233", date(1885, 7, 15), "female", 1800, "0123"),
        ("900203200421", "900203200421", date(1890, 2, 3), "female", 1800, "0042"),
        ("991231199981", "991231199981", date(1899, 12, 31), "male", 1800, "9998"),
        ("000101500001", "000101500001", date(2000, 1, 1), "male", 2000, "0000"),
        ("240229600073", "240229600073", date(2024, 2, 29), "female", 2000, "0007"),
        ("000229500018", "000229500018", date(2000, 2, 29), "male", 2000, "0001"),
        ("960229200018", "960229200018", date(1896, 2, 29), "female", 1800, "0001"),
        (" \t850715301233\n", "850715301233", date(1985, 7, 15), "male", 1900, "0123"),
    ],
)
def test_valid_iin_parses_into_its_encoded_fields(
    text: str, value: str, birth_date: date, sex: Sex, century: int, serial: str
) -> None:
    iin = parse_iin(text)
    assert (iin.value, iin.birth_date, iin.sex, iin.century, iin.serial) == (
        value,
        birth_date,
        sex,
        century,
        serial,
    )
    assert is_valid_iin(text)
    assert explain_iin(text) == []


@pytest.mark.parametrize(
    ("text", "year", "month", "entity_type", "attribute", "serial"),
    [
        ("061240000015", 2006, 12, "resident", "head", "00001"),
        ("061251000019", 2006, 12, "non_resident", "branch", "00001"),
        ("061262000012", 2006, 12, "joint_entrepreneur", "representative", "00001"),
        ("061243000016", 2006, 12, "resident", "farm", "00001"),
        ("990840000012", 1999, 8, "resident", "head", "00001"),
        ("  990840000012  ", 1999, 8, "resident", "head", "00001"),
    ],
)
def test_valid_bin_parses_into_its_encoded_fields(
    text: str, year: int, month: int, entity_type: EntityType, attribute: Attribute, serial: str
) -> None:
    bin_ = parse_bin(text, today=TODAY)
    assert bin_.value == text.strip()
    assert (bin_.registration_year, bin_.registration_month) == (year, month)
    assert (bin_.entity_type, bin_.attribute, bin_.serial) == (entity_type, attribute, serial)
    assert is_valid_bin(text)
    assert explain_bin(text) == []


@pytest.mark.parametrize(
    ("yy", "today", "year"),
    [
        (25, date(2025, 1, 1), 2025),
        (26, date(2025, 12, 31), 1926),
        (0, date(2025, 6, 1), 2000),
        (99, date(2025, 6, 1), 1999),
        (7, date(2025, 6, 1), 2007),
        (0, date(2100, 1, 1), 2100),
        (1, date(2100, 1, 1), 2001),
        (99, date(1999, 1, 1), 1999),
    ],
)
def test_bin_year_is_the_latest_year_ending_in_yy_not_after_today(
    yy: int, today: date, year: int
) -> None:
    assert bin_registration_year(yy, today) == year
    number = generate_bin(year, 5, serial=0, today=today)
    assert parse_bin(number, today=today).registration_year == year


@pytest.mark.parametrize("yy", [-1, 100])
def test_bin_year_expansion_rejects_more_than_two_digits(yy: int) -> None:
    with pytest.raises(ValueError, match="0-99"):
        bin_registration_year(yy, TODAY)


def test_bin_year_expansion_defaults_to_the_real_today() -> None:
    assert bin_registration_year(date.today().year % 100) == date.today().year


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("850715301233", "iin"),
        (" 850715301233 ", "iin"),
        ("000229500018", "iin"),
        ("061240000003", "bin"),
        ("990840000012", "bin"),
        ("061211600012", "iin"),
        ("850715301234", None),  # bad check digit
        ("850715300400", None),  # impossible prefix
        ("061340000013", None),  # bad month for both
        ("000229300015", None),  # 29 Feb 1900 and not a BIN
        ("abc", None),
        ("", None),
    ],
)
def test_classify_names_the_kind_of_a_valid_number(text: str, kind: NumberKind | None) -> None:
    assert classify(text) == kind


def test_no_random_12_digit_string_is_both_a_valid_iin_and_a_valid_bin() -> None:
    rng = random.Random(2024)
    seen: dict[NumberKind | None, int] = {"iin": 0, "bin": 0, None: 0}
    for _ in range(10_000):
        text = "".join(rng.choice("0123456789") for _ in range(12))
        valid_iin, valid_bin = is_valid_iin(text), is_valid_bin(text)
        assert not (valid_iin and valid_bin)
        assert classify(text) == ("iin" if valid_iin else "bin" if valid_bin else None)
        seen[classify(text)] += 1
    assert all(seen.values())


# --------------------------------------------------------------------------- generation


@pytest.mark.parametrize("century", [1800, 1900, 2000])
@pytest.mark.parametrize("sex", SEXES)
def test_generated_iins_round_trip_through_parse(century: int, sex: Sex) -> None:
    rng = random.Random(century + len(sex))
    for _ in range(300):
        birth_date = random_date(rng, date(century, 1, 1), date(century + 99, 12, 31))
        serial = rng.choice([None, rng.randrange(10_000)])
        number = generate_iin(birth_date, sex, serial=serial, rng=rng)
        iin = parse_iin(number)
        assert (iin.birth_date, iin.sex, iin.century) == (birth_date, sex, century)
        if serial is not None:
            assert int(iin.serial) == next_possible_serial(number[:7], serial, 4)


def test_generate_iin_skips_forward_past_a_serial_with_no_possible_check_digit() -> None:
    number = generate_iin(date(1985, 7, 15), "male", serial=40)
    assert number[:11] == "85071530041"
    assert parse_iin(number).serial == "0041"


def test_generate_iin_wraps_from_serial_9999_to_0000_when_9999_is_impossible() -> None:
    assert check_digit("00031319999") is None
    assert generate_iin(date(1800, 3, 13), "male", serial=9999) == "000313100009"


def test_generate_iin_uses_a_possible_serial_as_given() -> None:
    assert generate_iin(date(1985, 7, 15), "male", serial=123) == "850715301233"


def test_generate_iin_is_deterministic_for_a_seeded_rng() -> None:
    def batch(seed: int) -> list[str]:
        rng = random.Random(seed)
        return [generate_iin(date(1990, 1, 1), "female", rng=rng) for _ in range(20)]

    assert batch(7) == batch(7)
    assert batch(7) != batch(8)


def test_generate_iin_without_serial_or_rng_still_gives_a_valid_number() -> None:
    assert is_valid_iin(generate_iin(date(1970, 5, 5), "female"))


@pytest.mark.parametrize(
    ("birth_date", "sex", "serial", "match"),
    [
        (date(1799, 12, 31), "male", 0, "1800-2099"),
        (date(2100, 1, 1), "female", 0, "1800-2099"),
        (date(1985, 7, 15), "other", 0, "sex"),
        (date(1985, 7, 15), "male", -1, "0-9999"),
        (date(1985, 7, 15), "male", 10_000, "0-9999"),
    ],
)
def test_generate_iin_rejects_impossible_arguments(
    birth_date: date, sex: Sex, serial: int, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        generate_iin(birth_date, sex, serial=serial)


@pytest.mark.parametrize("seed", range(3))
def test_generated_bins_round_trip_through_parse(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        year = rng.randint(TODAY.year - 99, TODAY.year)
        month = rng.randint(1, 12)
        entity_type = rng.choice(ENTITY_TYPES)
        attribute = rng.choice(ATTRIBUTES)
        serial = rng.choice([None, rng.randrange(100_000)])
        number = generate_bin(year, month, entity_type, attribute, serial, rng, today=TODAY)
        bin_ = parse_bin(number, today=TODAY)
        assert (bin_.registration_year, bin_.registration_month) == (year, month)
        assert (bin_.entity_type, bin_.attribute) == (entity_type, attribute)
        if serial is not None:
            assert int(bin_.serial) == next_possible_serial(number[:6], serial, 5)


def test_generate_bin_skips_forward_past_a_serial_with_no_possible_check_digit() -> None:
    number = generate_bin(2006, 12, "joint_entrepreneur", "head", serial=189, today=TODAY)
    assert parse_bin(number, today=TODAY).serial == "00190"


def test_generate_bin_wraps_from_serial_99999_to_00000_when_99999_is_impossible() -> None:
    assert check_digit("05014099999") is None
    assert generate_bin(2005, 1, serial=99_999, today=TODAY) == "050140000001"


def test_generate_bin_is_deterministic_for_a_seeded_rng() -> None:
    first = generate_bin(2010, 3, rng=random.Random(1), today=TODAY)
    assert first == generate_bin(2010, 3, rng=random.Random(1), today=TODAY)


def test_generate_bin_without_serial_or_rng_still_gives_a_valid_number() -> None:
    assert is_valid_bin(generate_bin(date.today().year, 1))


@pytest.mark.parametrize(
    ("year", "month", "entity_type", "attribute", "serial", "match"),
    [
        (TODAY.year + 1, 1, "resident", "head", 0, "1926-2025"),
        (TODAY.year - 100, 1, "resident", "head", 0, "1926-2025"),
        (2010, 0, "resident", "head", 0, "1-12"),
        (2010, 13, "resident", "head", 0, "1-12"),
        (2010, 1, "bank", "head", 0, "entity type"),
        (2010, 1, "resident", "kiosk", 0, "attribute"),
        (2010, 1, "resident", "head", -1, "0-99999"),
        (2010, 1, "resident", "head", 100_000, "0-99999"),
    ],
)
def test_generate_bin_rejects_impossible_arguments(
    year: int, month: int, entity_type: EntityType, attribute: Attribute, serial: int, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        generate_bin(year, month, entity_type, attribute, serial, today=TODAY)
