"""Read typed values off a YAML file's composed nodes, naming the line and column of any mistake.

The regulation files are YAML rather than TOML because every semantic mistake (an unknown role, a
variant nobody declared, a refusal branch pointing nowhere) must name its line: PyYAML's composed
nodes carry a start mark for every key and value, while `tomllib` hands back plain dicts with no
positions. A file is composed with the safe loader and never constructed, so no tag can build an
object; every value is read off its node here and checked against `model.py`'s literals.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterator, Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar, get_args

import yaml
from yaml.reader import ReaderError

from egovsim.regulations.model import Duration, DurationUnit, Language, Text

_L = TypeVar("_L", bound=str)

_LANGUAGES: tuple[Language, ...] = get_args(Language)
#: The words a file may use for a duration's unit, singular and plural alike.
_UNIT_WORDS: Mapping[str, DurationUnit] = {
    "minute": "minutes",
    "minutes": "minutes",
    "hour": "hours",
    "hours": "hours",
    "working day": "working_days",
    "working days": "working_days",
    "calendar day": "calendar_days",
    "calendar days": "calendar_days",
}
_KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH_DAY = re.compile(r"([0-9]{1,2})-([0-9]{1,2})")
_WHOLE = re.compile(r"[-+]?[0-9]+")
_AMOUNT = re.compile(r"[0-9]+")

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _BOOL, _NULL = _TAG + "str", _TAG + "int", _TAG + "bool", _TAG + "null"
_TIMESTAMP = _TAG + "timestamp"
_SCALAR_NAMES = {
    _INT: "the integer",
    _TAG + "float": "the number",
    _BOOL: "the boolean",
    _TIMESTAMP: "the date",
}
_MAP, _SEQ = _TAG + "map", _TAG + "seq"


class RegulationError(ValueError):
    """A regulation file that cannot be loaded, with the 1-based line and column of the mistake.

    `str()` reads `services/x.yaml:12: step 'sign': unknown role 'boss' (expected one of ...)`:
    the file is shown by its directory and name; `path` holds the full path.
    """

    def __init__(self, path: Path, line: int, column: int, message: str) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.message = message
        super().__init__(f"{display_path(path)}:{line}: {message}")


def display_path(path: Path) -> str:
    """The file as messages show it: its directory's name and its own."""
    parent = path.resolve().parent.name
    return f"{parent}/{path.name}" if parent else path.name


def line_of(node: yaml.Node) -> int:
    """The 1-based line where `node` starts."""
    return int(node.start_mark.line) + 1


def one_of(allowed: Collection[str]) -> str:
    """The allowed values as a message lists them."""
    return ", ".join(allowed)


def _describe(node: yaml.Node) -> str:
    if node.tag not in (_MAP, _SEQ, _STR, _NULL, *_SCALAR_NAMES):
        return f"a value tagged {node.tag}"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == _NULL:
        return "an empty value" if node.value in ("", "~") else "null"
    if node.tag == _STR:
        return f"the text '{node.value}'"
    return f"{_SCALAR_NAMES[node.tag]} {node.value}"


def _prefix(where: str, message: str) -> str:
    return f"{where}: {message}" if where else message


#: libyaml's reader when PyYAML was built with it (several times faster: the start of the
#: server reads every service's file); a file it refuses is read again by the pure-Python one,
#: so an error says the same whichever is installed.
_FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class NodeReader:
    """Reads one file node by node; every failure carries the offending node's position."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, node: yaml.Node | None, where: str, message: str) -> RegulationError:
        """The error to raise for `node` (the top of the file when there is none)."""
        mark = None if node is None else node.start_mark
        line, column = (1, 1) if mark is None else (mark.line + 1, mark.column + 1)
        return RegulationError(self.path, line, column, _prefix(where, message))

    def error_at(self, line: int, column: int, message: str) -> RegulationError:
        return RegulationError(self.path, line, column, message)

    # -- the file -------------------------------------------------------------------------------

    def compose(self) -> yaml.Node | None:
        """The file's root node, or None for a file with no document in it."""
        raw = self.path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise self.error_at(
                raw.count(b"\n", 0, error.start) + 1, 1, "the file is not UTF-8"
            ) from error
        try:
            root: yaml.Node | None = yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            root = None  # said again, in the pure-Python reader's own words, below
        else:
            return root
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line, column = (1, 1) if mark is None else (mark.line + 1, mark.column + 1)
            what = error.problem or error.context or "cannot be parsed"
            if error.problem and error.context and error.context_mark is not None:
                what += f" ({error.context} at line {error.context_mark.line + 1})"
            raise self.error_at(line, column, f"invalid YAML: {what}") from error
        except ReaderError as error:
            line = text.count("\n", 0, error.position) + 1
            raise self.error_at(line, 1, f"invalid YAML: {error.reason}") from error
        return root

    # -- shapes ---------------------------------------------------------------------------------

    def mapping(
        self,
        node: yaml.Node,
        where: str,
        required: Collection[str],
        optional: Collection[str] = (),
        what: str = "",
    ) -> dict[str, yaml.Node]:
        """The mapping's values by key: every required key present, no other key than these."""
        if not isinstance(node, yaml.MappingNode) or node.tag != _MAP:
            subject = f"'{what}' must be a mapping" if what else "expected a mapping"
            raise self.error(node, where, f"{subject}, got {_describe(node)}")
        allowed = (*required, *optional)
        values: dict[str, yaml.Node] = {}
        keys: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, where)
            if key in keys:
                first = line_of(keys[key])
                raise self.error(key_node, where, f"duplicate key '{key}' (first at line {first})")
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"expected {one_of(allowed)}"
                inside = f" in '{what}'" if what else ""
                raise self.error(key_node, where, f"unknown key '{key}'{inside} ({hint})")
            keys[key] = key_node
            values[key] = value_node
        for key in required:
            if key not in values:
                raise self.error(node, where, f"missing key '{key}'")
        return values

    def pairs(self, node: yaml.Node, where: str, what: str) -> list[tuple[yaml.Node, yaml.Node]]:
        """The (key, value) nodes of a mapping whose keys the caller checks itself."""
        if not isinstance(node, yaml.MappingNode) or node.tag != _MAP:
            raise self.error(node, where, f"'{what}' must be a mapping, got {_describe(node)}")
        return list(node.value)

    def key(self, node: yaml.Node, where: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            raise self.error(node, where, f"a key must be a plain name, got {_describe(node)}")
        return str(node.value)

    def sequence(self, node: yaml.Node, where: str, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode) or node.tag != _SEQ:
            raise self.error(node, where, f"'{what}' must be a list, got {_describe(node)}")
        return list(node.value)

    def items(
        self,
        node: yaml.Node,
        what: str,
        noun: str,
        required: Collection[str],
        optional: Collection[str] = (),
        non_empty: bool = True,
    ) -> Iterator[tuple[str, str, dict[str, yaml.Node]]]:
        """(id, where, fields) of each item of a list of mappings with unique kebab-case ids."""
        entries = self.sequence(node, "", what)
        if non_empty and not entries:
            raise self.error(node, "", f"'{what}' must not be empty")
        seen: dict[str, yaml.Node] = {}
        for index, entry in enumerate(entries, start=1):
            where = f"{noun} {index}"
            if isinstance(entry, yaml.MappingNode):
                for key_node, value_node in entry.value:
                    if key_node.value == "id" and value_node.tag == _STR:
                        where = f"{noun} '{value_node.value}'"
            fields = self.mapping(entry, where, ("id", *required), optional)
            ident = self.identifier(fields["id"], where, "id")
            if ident in seen:
                first = line_of(seen[ident])
                raise self.error(
                    fields["id"], where, f"duplicate {noun} id '{ident}' (first at line {first})"
                )
            seen[ident] = fields["id"]
            yield ident, where, fields

    # -- scalars --------------------------------------------------------------------------------

    def string(self, node: yaml.Node, where: str, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            hint = " (quote it)" if node.tag in _SCALAR_NAMES else ""
            raise self.error(node, where, f"'{what}' must be a text, got {_describe(node)}{hint}")
        value = str(node.value).strip()
        if not value:
            raise self.error(node, where, f"'{what}' must not be blank")
        return value

    def optional_string(self, node: yaml.Node | None, where: str, what: str) -> str | None:
        return None if node is None or node.tag == _NULL else self.string(node, where, what)

    def identifier(self, node: yaml.Node, where: str, what: str) -> str:
        value = self.string(node, where, what)
        if not _KEBAB.fullmatch(value):
            message = f"'{what}' '{value}' is not kebab-case (a-z, 0-9 and single hyphens)"
            raise self.error(node, where, message)
        return value

    def integer(self, node: yaml.Node, where: str, what: str) -> int:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _INT:
            raise self.error(node, where, f"'{what}' must be a whole number, got {_describe(node)}")
        if not _WHOLE.fullmatch(node.value):
            raise self.error(
                node, where, f"'{what}' must be a decimal whole number, got {node.value}"
            )
        return int(node.value)

    def boolean(self, node: yaml.Node, where: str, what: str) -> bool:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _BOOL:
            raise self.error(node, where, f"'{what}' must be true or false, got {_describe(node)}")
        return str(node.value).lower() in ("true", "yes", "on")

    def day(self, node: yaml.Node, where: str, what: str) -> date:
        if not isinstance(node, yaml.ScalarNode) or node.tag not in (_TIMESTAMP, _STR):
            raise self.error(
                node, where, f"'{what}' must be a date like 2019-10-28, got {_describe(node)}"
            )
        try:
            if not _DATE.fullmatch(node.value):
                raise ValueError(node.value)
            return date.fromisoformat(node.value)
        except ValueError:
            raise self.error(
                node, where, f"'{what}' is not a date: '{node.value}' (expected YYYY-MM-DD)"
            ) from None

    def optional_day(self, node: yaml.Node | None, where: str, what: str) -> date | None:
        return None if node is None or node.tag == _NULL else self.day(node, where, what)

    def month_day(self, node: yaml.Node, where: str, what: str) -> tuple[int, int]:
        text = self.string(node, where, what)
        match = _MONTH_DAY.fullmatch(text)
        if match is None:
            raise self.error(node, where, f"'{what}' must be a month-day like 08-15, got '{text}'")
        month, day = int(match[1]), int(match[2])
        try:
            date(2000, month, day)  # a leap year, so 02-29 exists
        except ValueError:
            raise self.error(node, where, f"'{what}' {text} is not a day of the year") from None
        return month, day

    def literal(self, node: yaml.Node, where: str, noun: str, allowed: tuple[_L, ...]) -> _L:
        value = self.string(node, where, noun)
        for candidate in allowed:
            if value == candidate:
                return candidate
        raise self.error(
            node, where, f"unknown {noun} '{value}' (expected one of {one_of(allowed)})"
        )

    def duration(self, node: yaml.Node, where: str, what: str = "duration") -> Duration:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            message = f"'{what}' must read like '15 minutes' or '1 working day'"
            raise self.error(node, where, f"{message}, got {_describe(node)}")
        amount, _, unit_words = str(node.value).strip().partition(" ")
        unit = _UNIT_WORDS.get(" ".join(unit_words.lower().split()))
        if not _AMOUNT.fullmatch(amount) or int(amount) <= 0:
            message = f"'{what}' '{node.value}' must start with a positive whole number"
            raise self.error(node, where, message)
        if unit is None:
            units = "minutes, hours, working days, calendar days"
            message = f"unknown duration unit '{unit_words}' in '{node.value}' (expected {units})"
            raise self.error(node, where, message)
        return Duration(int(amount), unit)

    def text(self, node: yaml.Node, where: str, what: str) -> Text:
        fields = self.mapping(node, where, (), _LANGUAGES, what=what)
        missing = [language for language in _LANGUAGES if language not in fields]
        if missing:
            raise self.error(
                node, where, f"'{what}' is missing the '{missing[0]}' text (needs kk, ru, en)"
            )
        return MappingProxyType(
            {
                language: self.string(fields[language], where, f"{what}.{language}")
                for language in _LANGUAGES
            }
        )

    def optional_text(self, node: yaml.Node | None, where: str, what: str) -> Text | None:
        return None if node is None or node.tag == _NULL else self.text(node, where, what)

    # -- sets -----------------------------------------------------------------------------------

    def references(
        self, node: yaml.Node | None, where: str, what: str, noun: str, known: Collection[str]
    ) -> frozenset[str]:
        """A list of ids, each declared in `known`, none twice."""
        if node is None:
            return frozenset()
        found: dict[str, yaml.Node] = {}
        for entry in self.sequence(node, where, what):
            value = self.string(entry, where, what)
            if value not in known:
                declared = f"declared: {one_of(sorted(known))}" if known else "none declared"
                raise self.error(entry, where, f"unknown {noun} '{value}' in '{what}' ({declared})")
            if value in found:
                raise self.error(entry, where, f"'{value}' appears twice in '{what}'")
            found[value] = entry
        return frozenset(found)

    def cited_set(
        self, node: yaml.Node, what: str, noun: str, allowed: tuple[_L, ...]
    ) -> frozenset[_L]:
        """A set of literals written as a mapping of each value to its cite."""
        if not isinstance(node, yaml.MappingNode) or node.tag != _MAP:
            raise self.error(
                node, "", f"'{what}' must map each {noun} to its cite, got {_describe(node)}"
            )
        if not node.value:
            raise self.error(node, "", f"'{what}' must not be empty")
        chosen: dict[_L, yaml.Node] = {}
        for key_node, cite_node in node.value:
            value = self.literal(key_node, what, noun, allowed)
            if value in chosen:
                first = line_of(chosen[value])
                raise self.error(
                    key_node, what, f"duplicate {noun} '{value}' (first at line {first})"
                )
            self.string(cite_node, what, f"cite of {value}")
            chosen[value] = key_node
        return frozenset(chosen)
