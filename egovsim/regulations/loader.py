"""Load the service regulations (`services/*.yaml`) into `Regulation` values.

This module knows what a regulation file holds (its basis, period, applicants, windows, form,
variants, documents, results, fee, steps, refusal branch, portal sequence) and how the parts
refer to each other;
`yamlnodes.py` reads the typed values off the file's nodes and names the line of every mistake.

A service is data: a new file in `services/` is a new service, with no code of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import yaml

from egovsim.regulations.model import (
    AcceptanceWindow,
    ApplicantCategory,
    ApplicantKind,
    Channel,
    EffectivePeriod,
    Fee,
    FieldType,
    FormField,
    LegalBasis,
    Regulation,
    RequiredDocument,
    ResultForm,
    ResultKind,
    StaffRole,
    StepAction,
    Text,
    Variant,
)
from egovsim.regulations.portal_reader import read_portal
from egovsim.regulations.route_reader import read_refusal, read_steps
from egovsim.regulations.yamlnodes import (
    NodeReader,
    RegulationError,
    display_path,
    line_of,
)

__all__ = ["SERVICES_DIRECTORY", "RegulationError", "load_regulation", "load_regulations"]

#: Where the package keeps its regulation files.
SERVICES_DIRECTORY = Path(__file__).parent / "services"

# The model's literals, as tuples to check values against (and to list in messages).
_APPLICANT_KINDS: tuple[ApplicantKind, ...] = get_args(ApplicantKind)
_CHANNELS: tuple[Channel, ...] = get_args(Channel)
_FIELD_TYPES: tuple[FieldType, ...] = get_args(FieldType)
_RESULT_FORMS: tuple[ResultForm, ...] = get_args(ResultForm)
_ROLES: tuple[StaffRole, ...] = get_args(StaffRole)
_ACTIONS: tuple[StepAction, ...] = get_args(StepAction)
_ANY_VARIANT = "*"

#: The keys of a regulation file: required, then optional.
_REQUIRED: tuple[str, ...] = ("id", "name", "basis", "period", "provider", "applicants")
_REQUIRED += ("channels", "documents", "results", "result_forms", "fee", "steps", "refusal")
_REQUIRED += ("portal",)
_OPTIONAL = ("windows", "form", "variants")


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
            also = display_path(earlier.source)
            message = f"duplicate regulation id '{regulation.id}' (also in {also})"
            raise parser.error(parser.id_node, "", message)
        loaded[regulation.id] = regulation
    return loaded


class _Parser(NodeReader):
    """Reads one regulation file into a `Regulation`, checking how its parts refer to each other."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.id_node: yaml.Node | None = None

    def parse(self) -> Regulation:
        root = self.compose()
        if root is None:
            raise self.error_at(
                1, 1, "empty file: expected a regulation (a mapping with 'id', ...)"
            )
        top = self.mapping(root, "", _REQUIRED, _OPTIONAL)
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
        channels = self.cited_set(top["channels"], "channels", "channel", _CHANNELS)
        steps = read_steps(self, top["steps"], variant_ids, dates, channels)
        return Regulation(
            id=ident,
            name=name,
            basis=basis,
            period=period,
            provider=provider,
            applicants=applicants,
            channels=channels,
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
            refusal=read_refusal(self, top["refusal"], steps, results),
            portal=read_portal(self, top["portal"]),
            source=self.path,
        )

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
                    first = line_of(claimed[category])
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
