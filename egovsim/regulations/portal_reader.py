"""Read a regulation file's `portal` section: the regulation's own numbering of the portal
sequence, each entry mapped onto egovsim's stages, every stage covered exactly once."""

from __future__ import annotations

import re
from typing import get_args

import yaml

from egovsim.regulations.sequence import EntryKind, PortalEntry, PortalSequence, Stage
from egovsim.regulations.yamlnodes import NodeReader, line_of, one_of

_STAGES: tuple[Stage, ...] = get_args(Stage)
_KINDS: tuple[EntryKind, ...] = get_args(EntryKind)
#: An id as the seeds number processes and conditions: a letter or two and a number (P4, C2).
_ENTRY_ID = re.compile(r"[A-Z]{1,3}[0-9]{1,3}")


def read_portal(reader: NodeReader, node: yaml.Node) -> PortalSequence:
    """The `portal` section: `cite` and a `sequence` of {id, kind, stages, name, cite}."""
    where = "portal"
    fields = reader.mapping(node, where, ("sequence", "cite"), what="portal")
    cite = reader.string(fields["cite"], where, "cite")
    entries: list[PortalEntry] = []
    seen_ids: dict[str, yaml.Node] = {}
    covered: dict[Stage, yaml.Node] = {}
    for index, item in enumerate(reader.sequence(fields["sequence"], where, "sequence"), 1):
        here = f"portal entry {index}"
        parts = reader.mapping(item, here, ("id", "kind", "stages", "name", "cite"))
        ident = reader.string(parts["id"], here, "id")
        if not _ENTRY_ID.fullmatch(ident):
            message = f"'{ident}' is not a process or condition id (like P4 or C2)"
            raise reader.error(parts["id"], here, message)
        if ident in seen_ids:
            first = line_of(seen_ids[ident])
            raise reader.error(parts["id"], here, f"duplicate id '{ident}' (first at line {first})")
        seen_ids[ident] = parts["id"]
        stages: list[Stage] = []
        for stage_node in reader.sequence(parts["stages"], here, "stages"):
            stage = reader.literal(stage_node, here, "stage", _STAGES)
            if stage in covered:
                first = line_of(covered[stage])
                message = f"stage '{stage}' is already in another entry (line {first})"
                raise reader.error(stage_node, here, message)
            covered[stage] = stage_node
            stages.append(stage)
        if not stages:
            raise reader.error(parts["stages"], here, "'stages' must not be empty")
        entries.append(
            PortalEntry(
                id=ident,
                kind=reader.literal(parts["kind"], here, "entry kind", _KINDS),
                stages=tuple(stages),
                name=reader.text(parts["name"], here, "name"),
                cite=reader.string(parts["cite"], here, "cite"),
            )
        )
    missing = [stage for stage in _STAGES if stage not in covered]
    if missing:
        message = f"no entry covers the stage {one_of(missing)}: every stage needs its entry"
        raise reader.error(fields["sequence"], where, message)
    return PortalSequence(tuple(entries), cite)
