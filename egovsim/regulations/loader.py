"""Load the service regulations (`services/*.yaml`) into `Regulation` values.

The files are YAML rather than TOML because every semantic mistake (an unknown role, a variant
nobody declared, a refusal branch pointing nowhere) must name its line: PyYAML's composed nodes
carry a start mark for every key and value, while `tomllib` hands back plain dicts with no
positions. The files are composed with the safe loader and never constructed, so no tag can build
an object; every value is read off its node here and checked against `model.py`'s literals.

A service is data: a new file in `services/` is a new service, with no code of its own.
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

from egovsim.regulations.model import (
    AcceptanceWindow,
    ApplicantCategory,
    ApplicantKind,
    Channel,
    Duration,
    DurationUnit,
    EffectivePeriod,
    Fee,
    FieldType,
    FormField,
    Language,
    LegalBasis,
    RefusalBranch,
    Regulation,
    RequiredDocument,
    ResultForm,
    ResultKind,
    StaffRole,
    Step,
    StepAction,
    Text,
    Variant,
)

#: Where the package keeps its regulation files.
SERVICES_DIRECTORY = Path(__file__).parent / "services"

_L = TypeVar("_L", bound=str)

# The model's literals, as tuples to check values against (and to list in messages).
_LANGUAGES: tuple[Language, ...] = get_args(Language)
_APPLICANT_KINDS: tuple[ApplicantKind, ...] = get_args(ApplicantKind)
_CHANNELS: tuple[Channel, ...] = get_args(Channel)
_FIELD_TYPES: tuple[FieldType, ...] = get_args(FieldType)
_RESULT_FORMS: tuple[ResultForm, ...] = get_args(ResultForm)
_ROLES: tuple[StaffRole, ...] = get_args(StaffRole)
_ACTIONS: tuple[StepAction, ...] = get_args(StepAction)
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
_ANY_VARIANT = "*"
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
#: The keys of a regulation file: required, then optional.
_REQUIRED: tuple[str, ...] = ("id", "name", "basis", "period", "provider", "applicants")
_REQUIRED += ("channels", "documents", "results", "result_forms", "fee", "steps", "refusal")
_OPTIONAL = ("windows", "form", "variants")


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
        super().__init__(f"{_display(path)}:{line}: {message}")


def load_regulation(path: Path) -> Regulation:
    """Load and check one regulation file; RegulationError names the line of any mistake."""
    return _Parser(path).parse()


def load_regulations(directory: Path | None = None) -> dict[str, Regulation]:
    """Load every `*.yaml` of `directory` (default: the package's `services/`), keyed by id,
    in file-name order; two files with one id are an error naming both."""
    directory = SERVICES_DIRECTORY if directory is None else directory
    if not directory.is_dir():
        raise NotADirectoryError(f"no regulation directory at {directory}")
    loaded: dict[str, Regulation] = {}
    for path in sorted(directory.glob("*.yaml")):
        parser = _Parser(path)
        regulation = parser.parse()
        earlier = loaded.get(regulation.id)
        if earlier is not None:
            raise parser.error(
                parser.id_node,
                "",
                f"duplicate regulation id '{regulation.id}' (also in {_display(earlier.source)})",
            )
        loaded[regulation.id] = regulation
    return loaded


def _display(path: Path) -> str:
    parent = path.resolve().parent.name
    return f"{parent}/{path.name}" if parent else path.name


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


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


def _one_of(allowed: Collection[str]) -> str:
    return ", ".join(allowed)


class _Parser:
    """Reads one file node by node; every failure carries the offending node's position."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.id_node: yaml.Node | None = None

    def error(self, node: yaml.Node | None, where: str, message: str) -> RegulationError:
        """The error to raise for `node` (the top of the file when there is none)."""
        mark = None if node is None else node.start_mark
        line, column = (1, 1) if mark is None else (mark.line + 1, mark.column + 1)
        return RegulationError(self.path, line, column, _prefix(where, message))

    def error_at(self, line: int, column: int, message: str) -> RegulationError:
        return RegulationError(self.path, line, column, message)

    # -- the file -------------------------------------------------------------------------------

    def compose(self) -> yaml.Node:
        raw = self.path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise self.error_at(
                raw.count(b"\n", 0, error.start) + 1, 1, "the file is not UTF-8"
            ) from error
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
        if root is None:
            raise self.error_at(
                1, 1, "empty file: expected a regulation (a mapping with 'id', ...)"
            )
        return root

    def parse(self) -> Regulation:
        top = self.mapping(self.compose(), "", _REQUIRED, _OPTIONAL)
        self.id_node = top["id"]
        ident = self.identifier(top["id"], "", "id")
        name = self.text(top["name"], "", "name")
        basis = self.basis(top["basis"])
        period = self.period(top["period"])
        provider = self.provider(top["provider"])
        applicants = self.applicants(top["applicants"])
        variants = self.variants(top.get("variants"))
        variant_ids = frozenset(v.id for v in variants)
        results = self.results(top["results"], variant_ids)
        form = self.form(top.get("form"))
        dates = frozenset(field.id for field in form if field.type == "date")
        steps = self.steps(top["steps"], variant_ids, dates)
        return Regulation(
            id=ident,
            name=name,
            basis=basis,
            period=period,
            provider=provider,
            applicants=applicants,
            channels=self.cited_set(top["channels"], "channels", "channel", _CHANNELS),
            windows=self.windows(top.get("windows"), {a.id for a in applicants}),
            form=form,
            variants=variants,
            documents=self.documents(top["documents"], variant_ids),
            results=results,
            result_forms=self.cited_set(
                top["result_forms"], "result_forms", "result form", _RESULT_FORMS
            ),
            fee=self.fee(top["fee"]),
            steps=steps,
            refusal=self.refusal(top["refusal"], steps, results),
            source=self.path,
        )

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
                first = _line(keys[key])
                raise self.error(key_node, where, f"duplicate key '{key}' (first at line {first})")
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"expected {_one_of(allowed)}"
                inside = f" in '{what}'" if what else ""
                raise self.error(key_node, where, f"unknown key '{key}'{inside} ({hint})")
            keys[key] = key_node
            values[key] = value_node
        for key in required:
            if key not in values:
                raise self.error(node, where, f"missing key '{key}'")
        return values

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
                first = _line(seen[ident])
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
            node, where, f"unknown {noun} '{value}' (expected one of {_one_of(allowed)})"
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
                declared = f"declared: {_one_of(sorted(known))}" if known else "none declared"
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
                first = _line(chosen[value])
                raise self.error(
                    key_node, what, f"duplicate {noun} '{value}' (first at line {first})"
                )
            self.string(cite_node, what, f"cite of {value}")
            chosen[value] = key_node
        return frozenset(chosen)

    # -- the parts of a regulation ---------------------------------------------------------------

    def basis(self, node: yaml.Node) -> LegalBasis:
        where = "basis"
        fields = self.mapping(
            node,
            where,
            ("authority", "resolution_number", "resolution_date", "standard", "seed", "cite"),
            ("registration",),
        )
        self.string(fields["cite"], where, "cite")
        return LegalBasis(
            authority=self.text(fields["authority"], where, "authority"),
            resolution_number=self.string(fields["resolution_number"], where, "resolution_number"),
            resolution_date=self.day(fields["resolution_date"], where, "resolution_date"),
            registration=self.optional_string(fields.get("registration"), where, "registration"),
            standard=self.text(fields["standard"], where, "standard"),
            seed=self.string(fields["seed"], where, "seed"),
        )

    def period(self, node: yaml.Node) -> EffectivePeriod:
        where = "period"
        fields = self.mapping(node, where, ("start", "cite"), ("end", "repealed_by"))
        self.string(fields["cite"], where, "cite")
        start = self.day(fields["start"], where, "start")
        end = self.optional_day(fields.get("end"), where, "end")
        if end is not None and end < start:
            raise self.error(fields["end"], where, f"ends on {end} before it starts on {start}")
        repealed_by = self.optional_text(fields.get("repealed_by"), where, "repealed_by")
        if repealed_by is not None and end is None:
            raise self.error(
                fields["repealed_by"], where, "a repealed regulation needs its 'end' date"
            )
        return EffectivePeriod(start=start, end=end, repealed_by=repealed_by)

    def provider(self, node: yaml.Node) -> Text:
        fields = self.mapping(node, "provider", ("name", "cite"))
        self.string(fields["cite"], "provider", "cite")
        return self.text(fields["name"], "provider", "name")

    def applicants(self, node: yaml.Node) -> tuple[ApplicantCategory, ...]:
        return tuple(
            ApplicantCategory(
                id=ident,
                kind=self.literal(fields["kind"], where, "applicant kind", _APPLICANT_KINDS),
                name=self.text(fields["name"], where, "name"),
                cite=self.string(fields["cite"], where, "cite"),
            )
            for ident, where, fields in self.items(
                node, "applicants", "applicant", ("kind", "name", "cite")
            )
        )

    def windows(self, node: yaml.Node | None, applicants: set[str]) -> tuple[AcceptanceWindow, ...]:
        if node is None:
            return ()
        windows: list[AcceptanceWindow] = []
        # An end before the start is a window across the new year (15 November - 15 February).
        claimed: dict[str, yaml.Node] = {}  # category ("" for everyone else) -> its window
        for index, entry in enumerate(self.sequence(node, "", "windows"), start=1):
            where = f"window {index}"
            fields = self.mapping(entry, where, ("start", "end", "cite"), ("categories",))
            start = self.month_day(fields["start"], where, "start")
            end = self.month_day(fields["end"], where, "end")
            categories = self.references(
                fields.get("categories"), where, "categories", "applicant category", applicants
            )
            for category in categories or {""}:
                if category in claimed:
                    who = f"category '{category}'" if category else "every other category"
                    first = _line(claimed[category])
                    raise self.error(entry, where, f"{who} already has a window (line {first})")
                claimed[category] = entry
            cite = self.string(fields["cite"], where, "cite")
            windows.append(AcceptanceWindow(start, end, categories, cite))
        return tuple(windows)

    def form(self, node: yaml.Node | None) -> tuple[FormField, ...]:
        if node is None:
            return ()
        fields_out: list[FormField] = []
        for ident, where, fields in self.items(
            node,
            "form",
            "field",
            ("label", "type", "required", "cite"),
            ("choices",),
            non_empty=False,
        ):
            self.string(fields["cite"], where, "cite")
            kind = self.literal(fields["type"], where, "field type", _FIELD_TYPES)
            choices: tuple[str, ...] = ()
            if "choices" in fields:
                if kind != "choice":
                    raise self.error(fields["choices"], where, f"a {kind} field takes no 'choices'")
                entries = self.sequence(fields["choices"], where, "choices")
                choices = tuple(self.string(entry, where, "choices") for entry in entries)
                if len(set(choices)) != len(choices):
                    raise self.error(fields["choices"], where, "'choices' repeats a value")
            if kind == "choice" and not choices:
                raise self.error(
                    fields["type"], where, "a choice field needs a non-empty 'choices' list"
                )
            fields_out.append(
                FormField(
                    id=ident,
                    label=self.text(fields["label"], where, "label"),
                    type=kind,
                    required=self.boolean(fields["required"], where, "required"),
                    choices=choices,
                )
            )
        return tuple(fields_out)

    def variants(self, node: yaml.Node | None) -> tuple[Variant, ...]:
        if node is None:
            return ()
        return tuple(
            Variant(
                id=ident,
                name=self.text(fields["name"], where, "name"),
                cite=self.string(fields["cite"], where, "cite"),
            )
            for ident, where, fields in self.items(
                node, "variants", "variant", ("name", "cite"), non_empty=False
            )
        )

    def documents(self, node: yaml.Node, variants: frozenset[str]) -> tuple[RequiredDocument, ...]:
        known = variants | {_ANY_VARIANT}
        documents: list[RequiredDocument] = []
        for ident, where, fields in self.items(
            node, "documents", "document", ("name", "cite"), ("required_in", "optional_in")
        ):
            required_in = self.references(
                fields.get("required_in"), where, "required_in", "variant", known
            )
            optional_in = self.references(
                fields.get("optional_in"), where, "optional_in", "variant", known
            )
            if not required_in and not optional_in:
                message = "names no variant in 'required_in' or 'optional_in' ('*' for every one)"
                raise self.error(fields["id"], where, message)
            both = required_in & optional_in
            if both:
                message = f"'{sorted(both)[0]}' is in both 'required_in' and 'optional_in'"
                raise self.error(fields["optional_in"], where, message)
            documents.append(
                RequiredDocument(
                    id=ident,
                    name=self.text(fields["name"], where, "name"),
                    required_in=required_in,
                    optional_in=optional_in,
                    cite=self.string(fields["cite"], where, "cite"),
                )
            )
        return tuple(documents)

    def results(self, node: yaml.Node, variants: frozenset[str]) -> tuple[ResultKind, ...]:
        results: list[ResultKind] = []
        for ident, where, fields in self.items(
            node, "results", "result", ("name", "cite"), ("refusal", "variants")
        ):
            self.string(fields["cite"], where, "cite")
            refusal = "refusal" in fields and self.boolean(fields["refusal"], where, "refusal")
            results.append(
                ResultKind(
                    id=ident,
                    name=self.text(fields["name"], where, "name"),
                    refusal=refusal,
                    variants=self.references(
                        fields.get("variants"), where, "variants", "variant", variants
                    ),
                )
            )
        if all(result.refusal for result in results):
            raise self.error(node, "", "'results' needs at least one result that is not a refusal")
        return tuple(results)

    def fee(self, node: yaml.Node) -> Fee:
        fields = self.mapping(node, "fee", ("amount_kzt", "cite"), ("note",))
        self.string(fields["cite"], "fee", "cite")
        amount = self.integer(fields["amount_kzt"], "fee", "amount_kzt")
        if amount < 0:
            raise self.error(fields["amount_kzt"], "fee", "'amount_kzt' must not be negative")
        return Fee(amount_kzt=amount, note=self.optional_text(fields.get("note"), "fee", "note"))

    def steps(
        self, node: yaml.Node, variants: frozenset[str], dates: frozenset[str]
    ) -> tuple[Step, ...]:
        steps: list[Step] = []
        for ident, where, fields in self.items(
            node,
            "steps",
            "step",
            ("role", "action", "name", "duration", "cite"),
            ("by_variant", "counts_from"),
        ):
            steps.append(
                Step(
                    id=ident,
                    role=self.literal(fields["role"], where, "role", _ROLES),
                    action=self.literal(fields["action"], where, "action", _ACTIONS),
                    name=self.text(fields["name"], where, "name"),
                    duration=self.duration(fields["duration"], where),
                    by_variant=self.by_variant(fields.get("by_variant"), where, variants),
                    cite=self.string(fields["cite"], where, "cite"),
                    counts_from=self.counts_from(fields.get("counts_from"), where, variants, dates),
                )
            )
        return tuple(steps)

    def counts_from(
        self, node: yaml.Node | None, where: str, variants: frozenset[str], dates: frozenset[str]
    ) -> Mapping[str, str]:
        """variant -> the date field of the form the step's term counts from."""
        if node is None:
            return MappingProxyType({})
        if not isinstance(node, yaml.MappingNode) or node.tag != _MAP:
            raise self.error(node, where, f"'counts_from' must be a mapping, got {_describe(node)}")
        found: dict[str, str] = {}
        for key_node, value_node in node.value:
            variant = self.key(key_node, where)
            if variant not in variants:
                raise self.error(key_node, where, f"unknown variant '{variant}' in 'counts_from'")
            field_id = self.string(value_node, where, f"counts_from.{variant}")
            if field_id not in dates:
                declared = _one_of(sorted(dates)) if dates else "none declared"
                raise self.error(
                    value_node,
                    where,
                    f"'counts_from' names '{field_id}', which is not a date field of the form "
                    f"({declared})",
                )
            found[variant] = field_id
        return MappingProxyType(found)

    def by_variant(
        self, node: yaml.Node | None, where: str, variants: frozenset[str]
    ) -> Mapping[str, Duration]:
        if node is None:
            return MappingProxyType({})
        if not isinstance(node, yaml.MappingNode) or node.tag != _MAP:
            raise self.error(node, where, f"'by_variant' must be a mapping, got {_describe(node)}")
        terms: dict[str, Duration] = {}
        for key_node, value_node in node.value:
            variant = self.key(key_node, where)
            if variant not in variants:
                declared = f"declared: {_one_of(sorted(variants))}" if variants else "none declared"
                raise self.error(
                    key_node, where, f"unknown variant '{variant}' in 'by_variant' ({declared})"
                )
            if variant in terms:
                raise self.error(
                    key_node, where, f"variant '{variant}' appears twice in 'by_variant'"
                )
            terms[variant] = self.duration(value_node, where, f"by_variant.{variant}")
        return MappingProxyType(terms)

    def refusal(
        self, node: yaml.Node, steps: tuple[Step, ...], results: tuple[ResultKind, ...]
    ) -> RefusalBranch:
        where = "refusal"
        fields = self.mapping(node, where, ("at_step", "duration", "resumes_at", "result", "cite"))
        order = [step.id for step in steps]
        at_step = self.literal(fields["at_step"], where, "step", tuple(order))
        resumes_at = self.literal(fields["resumes_at"], where, "step", tuple(order))
        if order.index(resumes_at) <= order.index(at_step):
            message = f"'resumes_at' step '{resumes_at}' must come after '{at_step}'"
            raise self.error(fields["resumes_at"], where, message)
        result = self.literal(fields["result"], where, "result", tuple(r.id for r in results))
        if not next(r for r in results if r.id == result).refusal:
            raise self.error(fields["result"], where, f"result '{result}' is not a refusal")
        return RefusalBranch(
            at_step=at_step,
            duration=self.duration(fields["duration"], where),
            resumes_at=resumes_at,
            result=result,
            cite=self.string(fields["cite"], where, "cite"),
        )
