"""Read a regulation file's route: its `steps` (role, action, term per variant, where the term
counts from, the channels a step applies to) and its `refusal` branch."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import get_args

import yaml

from egovsim.regulations.model import (
    SUBMISSION,
    Channel,
    Duration,
    RefusalBranch,
    ResultKind,
    StaffRole,
    Step,
    StepAction,
)
from egovsim.regulations.yamlnodes import NodeReader, one_of

_ROLES: tuple[StaffRole, ...] = get_args(StaffRole)
_ACTIONS: tuple[StepAction, ...] = get_args(StepAction)


def read_steps(
    reader: NodeReader,
    node: yaml.Node,
    variants: frozenset[str],
    dates: frozenset[str],
    channels: frozenset[Channel],
) -> tuple[Step, ...]:
    steps: list[Step] = []
    for ident, where, fields in reader.items(
        node,
        "steps",
        "step",
        ("role", "action", "name", "duration", "cite"),
        ("by_variant", "counts_from", "channels"),
    ):
        steps.append(
            Step(
                id=ident,
                role=reader.literal(fields["role"], where, "role", _ROLES),
                action=reader.literal(fields["action"], where, "action", _ACTIONS),
                name=reader.text(fields["name"], where, "name"),
                duration=reader.duration(fields["duration"], where),
                by_variant=_by_variant(reader, fields.get("by_variant"), where, variants),
                cite=reader.string(fields["cite"], where, "cite"),
                counts_from=_counts_from(reader, fields.get("counts_from"), where, variants, dates),
                channels=reader.references(
                    fields.get("channels"), where, "channels", "channel", channels
                ),
            )
        )
    return tuple(steps)


def _counts_from(
    reader: NodeReader,
    node: yaml.Node | None,
    where: str,
    variants: frozenset[str],
    dates: frozenset[str],
) -> Mapping[str, str]:
    """variant -> where the step's term counts from: a date field of the form, or the
    submission of the package."""
    if node is None:
        return MappingProxyType({})
    found: dict[str, str] = {}
    for key_node, value_node in reader.pairs(node, where, "counts_from"):
        variant = reader.key(key_node, where)
        if variant not in variants:
            raise reader.error(key_node, where, f"unknown variant '{variant}' in 'counts_from'")
        field_id = reader.string(value_node, where, f"counts_from.{variant}")
        if field_id != SUBMISSION and field_id not in dates:
            declared = one_of(sorted(dates)) if dates else "none declared"
            raise reader.error(
                value_node,
                where,
                f"'counts_from' names '{field_id}', which is neither '{SUBMISSION}' nor a "
                f"date field of the form ({declared})",
            )
        found[variant] = field_id
    return MappingProxyType(found)


def _by_variant(
    reader: NodeReader, node: yaml.Node | None, where: str, variants: frozenset[str]
) -> Mapping[str, Duration]:
    if node is None:
        return MappingProxyType({})
    terms: dict[str, Duration] = {}
    for key_node, value_node in reader.pairs(node, where, "by_variant"):
        variant = reader.key(key_node, where)
        if variant not in variants:
            declared = f"declared: {one_of(sorted(variants))}" if variants else "none declared"
            raise reader.error(
                key_node, where, f"unknown variant '{variant}' in 'by_variant' ({declared})"
            )
        if variant in terms:
            raise reader.error(
                key_node, where, f"variant '{variant}' appears twice in 'by_variant'"
            )
        terms[variant] = reader.duration(value_node, where, f"by_variant.{variant}")
    return MappingProxyType(terms)


def read_refusal(
    reader: NodeReader, node: yaml.Node, steps: tuple[Step, ...], results: tuple[ResultKind, ...]
) -> RefusalBranch:
    where = "refusal"
    fields = reader.mapping(node, where, ("at_step", "duration", "resumes_at", "result", "cite"))
    order = [step.id for step in steps]
    at_step = reader.literal(fields["at_step"], where, "step", tuple(order))
    resumes_at = reader.literal(fields["resumes_at"], where, "step", tuple(order))
    if order.index(resumes_at) <= order.index(at_step):
        message = f"'resumes_at' step '{resumes_at}' must come after '{at_step}'"
        raise reader.error(fields["resumes_at"], where, message)
    result = reader.literal(fields["result"], where, "result", tuple(r.id for r in results))
    if not next(r for r in results if r.id == result).refusal:
        raise reader.error(fields["result"], where, f"result '{result}' is not a refusal")
    return RefusalBranch(
        at_step=at_step,
        duration=reader.duration(fields["duration"], where),
        resumes_at=resumes_at,
        result=result,
        cite=reader.string(fields["cite"], where, "cite"),
    )
