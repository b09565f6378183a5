"""Copies of a template's rows, prepared for `executemany`: each column's rule decided once per
template, then applied to every copy in a tight loop."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from egovsim.storage.history import (
    CHILDREN,
    KEYED,
    SELF_NUMBERED,
    Citizen,
    Template,
    moved,
    renumbered,
)

#: A table's columns and the rows of one batch, as `HistoryStore.write` takes them.
Batch = dict[str, tuple[list[str], list[tuple[Any, ...]]]]

# What a column of a copy becomes.
_KEEP, _OWN_ID, _PARENT, _SUBSTITUTE, _TIME, _JSON, _ACCOUNT = range(7)
#: Columns that name the HTTP request a row was made by: a copy was made by none (and sharing
#: the template's would put every copy under one request id, in its index too).
_REQUEST_ONLY = {"http_request_id"}


@dataclass(frozen=True, slots=True)
class _Table:
    name: str
    columns: list[str]
    rules: list[tuple[int, str]]  # (rule, parent table for _PARENT)
    rows: list[tuple[Any, ...]]
    #: Per row: its values as a copy starts them (what a copy keeps, as it is), and the
    #: (position, rule, parent, template value) of each value a copy changes.
    changes: list[tuple[tuple[Any, ...], list[tuple[int, int, str, Any]]]]


class Copier:
    """Makes copies of one template, with fresh keys, numbers, messageIds and applicant."""

    def __init__(self, template: Template) -> None:
        self.template = template
        # Every text a copy swaps (messageIds, numbers, the applicant), longest first: each JSON
        # value is cut once at them, and a copy joins the pieces with its own.
        swapped = set(template.message_ids)
        swapped.update(
            row["number"]
            for table in ("portal_applications", "applications", "statecorp_packages")
            for row in template.rows.get(table, [])
            if row.get("number")
        )
        if template.applicant is not None:
            swapped.update(part for part in template.applicant if part)
        ordered = sorted((str(text) for text in swapped if text), key=len, reverse=True)
        self._cut = re.compile("|".join(re.escape(text) for text in ordered)) if ordered else None
        self._tables = [self._plan(table) for table in (*KEYED, *CHILDREN)]
        self._tables = [table for table in self._tables if table.rows]
        #: Each keyed row's id in the template, in order (a copy maps them one to one).
        self._keyed_ids = {
            table: [row["id"] for row in template.rows.get(table, [])] for table in KEYED
        }
        self._numbers = [
            (table, row["number"], row.get("provider_id"))
            for table in ("portal_applications", "applications", "statecorp_packages")
            for row in template.rows.get(table, [])
            if row.get("number")
        ]
        self._make = self._compiled()

    def _plan(self, table: str) -> _Table:
        rows = self.template.rows.get(table, [])
        if not rows:
            return _Table(table, [], [], [], [])
        columns = [c for c in rows[0] if not (c == "id" and table in SELF_NUMBERED)]
        parent_column = CHILDREN.get(table)
        rules: list[tuple[int, str]] = []
        for column in columns:
            if column == "id" and table in KEYED:
                rules.append((_OWN_ID, table))
            elif parent_column is not None and column == parent_column[0]:
                rules.append((_PARENT, parent_column[1]))
            elif column == "account_id":
                rules.append((_ACCOUNT, ""))
            elif (table, column) in self.template.time_columns:
                rules.append((_TIME, ""))
            elif column.endswith("_json"):
                rules.append((_JSON, ""))
            elif isinstance(rows[0][column], (bytes, int, float)) or rows[0][column] is None:
                rules.append((_SUBSTITUTE, "") if column.endswith("_id") else (_KEEP, ""))
            else:
                rules.append((_SUBSTITUTE, ""))
        values = [
            tuple(
                None
                if c in _REQUEST_ONLY
                else self._pieces(row[c])
                if rule == _JSON and row[c] is not None
                else row[c]
                for c, (rule, _) in zip(columns, rules, strict=True)
            )
            for row in rows
        ]
        changes = [
            (
                row,
                [
                    (at, rule, parent, value)
                    for at, ((rule, parent), value) in enumerate(zip(rules, row, strict=True))
                    if value is not None and rule != _KEEP
                ],
            )
            for row in values
        ]
        return _Table(table, columns, rules, values, changes)

    def _pieces(self, text: str) -> tuple[str, ...]:
        """`text` cut at the texts a copy swaps: literal, swapped, literal, ..., literal."""
        if self._cut is None:
            return (text,)
        pieces: list[str] = []
        start = 0
        for match in self._cut.finditer(text):
            pieces += [text[start : match.start()], match.group(0)]
            start = match.end()
        pieces.append(text[start:])
        return tuple(pieces)

    def copy(
        self,
        batch: Batch,
        next_id: dict[str, int],
        next_number: Callable[[str, str | None, str], str],
        citizen: Citizen | None,
        weeks: int,
        message_ids: Iterator[str],
    ) -> None:
        """Append one copy to `batch`, moved `weeks` weeks back, for `citizen` (None keeps the
        template's applicant)."""
        keys: dict[str, dict[int, int]] = {}
        for table, ids in self._keyed_ids.items():
            start = next_id[table]
            keys[table] = {old: start + i for i, old in enumerate(ids)}
            next_id[table] = start + len(ids)
        swaps: dict[Any, Any] = {old: next(message_ids) for old in self.template.message_ids}
        for table, number, provider in self._numbers:
            if table == "statecorp_packages":
                swaps[number] = renumbered(number, min(keys[table].values()))
            else:
                swaps[number] = next_number(table, provider, number)
        account = self.template.account_id
        if citizen is not None and self.template.applicant is not None:
            login, name = self.template.applicant
            if login:
                swaps[login] = citizen.login
            swaps[name] = citizen.name
            account = citizen.account_id
        self._make(batch, keys, swaps.get, weeks, account, moved)

    def _compiled(self) -> Callable[..., None]:
        """One function that appends a copy's rows to a batch: each value an expression
        decided here, once (a constant, a new key, a swapped text, a moved time), so a copy
        runs no rule of `_plan` again."""
        constants: list[Any] = []

        def constant(value: Any) -> str:
            constants.append(value)
            return f"c[{len(constants) - 1}]"

        lines = ["def make(batch, keys, swap, weeks, account, moved):"]
        for number, plan in enumerate(self._tables):
            columns = constant(plan.columns)
            lines.append(f"    rows{number} = batch.setdefault({plan.name!r}, ({columns}, []))[1]")
            for kept, changed in plan.changes:
                values = [constant(value) for value in kept]
                for at, rule, parent, value in changed:
                    if rule == _OWN_ID:
                        values[at] = f"keys[{parent!r}][{value!r}]"
                    elif rule == _PARENT:
                        known = value in self._keyed_ids.get(parent, ())
                        values[at] = f"keys[{parent!r}][{value!r}]" if known else values[at]
                    elif rule == _TIME:
                        values[at] = f"moved({values[at]}, weeks)"
                    elif rule == _ACCOUNT:
                        values[at] = "account"
                    elif rule == _JSON:
                        pieces = [
                            constant(piece)
                            if index % 2 == 0
                            else f"swap({constant(piece)}, {constant(piece)})"
                            for index, piece in enumerate(value)
                        ]
                        values[at] = "(" + " + ".join(pieces) + ")"
                    else:
                        values[at] = f"swap({values[at]}, {values[at]})"
                lines.append(f"    rows{number}.append(({', '.join(values)},))")
        namespace: dict[str, Any] = {"c": constants}
        exec(compile("\n".join(lines), f"<copy of {self.template.name}>", "exec"), namespace)
        made: Callable[..., None] = namespace["make"]
        return made


def time_ordered_ids(rng: random.Random, start_ms: int) -> Iterator[str]:
    """UUIDs of version 7 (a millisecond count, then random bits), each after the last: a
    million copies' messageIds go into the unique index at its end, not all over it."""
    count = start_ms
    while True:
        count += 1
        value = (count & (2**48 - 1)) << 80 | 0x7 << 76 | rng.getrandbits(12) << 64
        value |= 0b10 << 62 | rng.getrandbits(62)
        yield str(uuid.UUID(int=value))
