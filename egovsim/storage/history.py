"""A history in bulk: the rows one real application left (its template), read once, and copies
of them written many at a time with `executemany`, one transaction per batch.

A copy gets new keys, new numbers and messageIds, its applicant, and its times moved by whole
weeks (so a deadline stays on a working day); the signed bodies (CMS, envelopes) are the
template's own, reused as they were made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from egovsim.storage import json_parts
from egovsim.storage.bodies import BODY_COLUMNS
from egovsim.storage.database import Database, WorkConnection
from egovsim.storage.transfer import row_order

#: Tables with keys others refer to: their ids are given by the copy, in this order.
KEYED = ("portal_applications", "gateway_messages", "applications", "statecorp_packages")

#: Each table a template holds, with the column that ties its rows to a keyed table's row.
CHILDREN: Mapping[str, tuple[str, str]] = {
    "portal_attachments": ("application_id", "portal_applications"),
    "portal_timeline": ("application_id", "portal_applications"),
    "portal_answers": ("application_id", "portal_applications"),
    "portal_notifications": ("application_id", "portal_applications"),
    "portal_results": ("application_id", "portal_applications"),
    "gateway_attempts": ("message", "gateway_messages"),
    "application_steps": ("application_id", "applications"),
    "transitions": ("application_id", "applications"),
    "document_checks": ("application_id", "applications"),
    "results": ("application_id", "applications"),
    "statecorp_steps": ("package_id", "statecorp_packages"),
}

#: Tables whose own `id` the database gives (nothing refers to it).
SELF_NUMBERED = {"portal_timeline", "portal_notifications", "gateway_attempts", "transitions"}
SELF_NUMBERED.add("statecorp_steps")

_MESSAGE_ID_COLUMNS = {"message_id", "correlation_id", "gateway_message_id"}
_MESSAGE_ID_COLUMNS |= {"request_message_id", "portal_request_id"}
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_TRAILING_DIGITS = re.compile(r"\d+$")


@dataclass
class Template:
    """The rows of one real application, table by table, with what a copy must change."""

    name: str
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: (table, column) pairs holding times, moved by the copy.
    time_columns: set[tuple[str, str]] = field(default_factory=set)
    #: The template's messageIds and numbers, each replaced by a fresh one in a copy.
    message_ids: set[str] = field(default_factory=set)
    #: The applicant's IIN and name, replaced by the copy's citizen.
    applicant: tuple[str, str] | None = None
    account_id: int | None = None
    #: Whose application it is: an individual's or a legal entity's.
    kind: str = "individual"
    #: The message bodies its rows refer to (`message_bodies` rows, each stored once).
    bodies: list[dict[str, Any]] = field(default_factory=list)
    #: The parts of JSON its rows refer to (`json_parts`' (key, content), each kept once).
    parts: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Citizen:
    """A generated portal account (an individual's or a legal entity's): the applicant a copy
    is given."""

    account_id: int
    login: str
    name: str
    kind: str


class HistoryStore:
    """Reads templates and writes their copies."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def capture(
        self, name: str, portal_id: int | None, provider_id: int | None, package_id: int | None
    ) -> Template:
        """The rows one application left on every side (portal, gateway, provider, centre)."""
        template = Template(name)
        keys: dict[str, set[int]] = {table: set() for table in KEYED}
        if portal_id is not None:
            keys["portal_applications"].add(portal_id)
        if provider_id is not None:
            keys["applications"].add(provider_id)
        if package_id is not None:
            keys["statecorp_packages"].add(package_id)
        await self._close_over(keys, template)
        for table in KEYED:
            template.rows[table] = await self._rows(table, "id", keys[table])
        for table, (column, parent) in CHILDREN.items():
            template.rows[table] = await self._rows(table, column, keys[parent])
        _mark_times(template)
        referred = {
            row[column]
            for table, column in BODY_COLUMNS
            for row in template.rows.get(table, [])
            if row.get(column) is not None
        }
        template.bodies = await self._rows("message_bodies", "id", referred)
        texts = [
            value
            for rows in template.rows.values()
            for row in rows
            for column, value in row.items()
            if column.endswith("_json") and isinstance(value, str)
        ]
        template.parts = sorted((await json_parts.fetch(self._db, texts)).items())
        for rows in template.rows.values():
            for row in rows:
                template.message_ids.update(
                    value
                    for column, value in row.items()
                    if value and column in _MESSAGE_ID_COLUMNS
                )
        portal = template.rows["portal_applications"]
        if portal:
            template.account_id = portal[0]["account_id"]
        for first in (portal or template.rows["applications"])[:1]:
            login = first["applicant_iin"] or first["applicant_bin"] or ""
            template.applicant = (login, first["applicant_name"])
            template.kind = "individual" if first["applicant_iin"] else "legal_entity"
        return template

    async def _close_over(self, keys: dict[str, set[int]], template: Template) -> None:
        """Follow the messageIds that tie the sides together until nothing new is found."""
        while True:
            ids = set(template.message_ids)
            for row in await self._rows("portal_applications", "id", keys["portal_applications"]):
                ids.update(v for v in (row["message_id"],) if v)
            for row in await self._rows("applications", "id", keys["applications"]):
                ids.update(v for v in (row["gateway_message_id"],) if v)
            for row in await self._rows("statecorp_packages", "id", keys["statecorp_packages"]):
                ids.update(v for v in (row["request_message_id"], row["portal_request_id"]) if v)
            marks = ",".join("?" * len(ids))
            found = await self._db.fetch_all(
                f"SELECT id, message_id FROM gateway_messages WHERE message_id IN ({marks})"
                f" OR correlation_id IN ({marks})",
                [*ids, *ids],
            )
            before = (len(template.message_ids), sum(len(v) for v in keys.values()))
            keys["gateway_messages"].update(row["id"] for row in found)
            ids.update(row["message_id"] for row in found)
            marks = ",".join("?" * len(ids))
            for table, column in (
                ("portal_applications", "message_id"),
                ("applications", "gateway_message_id"),
                ("statecorp_packages", "request_message_id"),
                ("statecorp_packages", "portal_request_id"),
            ):
                rows = await self._db.fetch_all(
                    f"SELECT id FROM {table} WHERE {column} IN ({marks})", list(ids)
                )
                keys[table].update(row["id"] for row in rows)
            template.message_ids = ids
            if (len(ids), sum(len(v) for v in keys.values())) == before:
                return

    async def _rows(self, table: str, column: str, keys: Iterable[int]) -> list[dict[str, Any]]:
        wanted = sorted(keys)
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        order = await row_order(self._db, table)
        rows = await self._db.fetch_all(
            f"SELECT * FROM {table} WHERE {column} IN ({marks}) ORDER BY {order}", wanted
        )
        return [dict(row) for row in rows]

    async def adopt_bodies(self, template: Template) -> None:
        """Store a template's message bodies and JSON parts here (each once, found by its
        digest) and point the template's rows at them: its copies then share them, as identical
        bytes are."""

        def work(connection: WorkConnection) -> dict[int, int]:
            if template.parts:
                connection.executemany(json_parts.INSERT_PART, template.parts)
            found = {}
            for body in template.bodies:
                connection.execute(
                    "INSERT INTO message_bodies (digest, size, encoding, content)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING",
                    (body["digest"], body["size"], body["encoding"], body["content"]),
                )
                row = connection.execute(
                    "SELECT id FROM message_bodies WHERE digest = ?", (body["digest"],)
                ).fetchone()
                found[body["id"]] = int(row[0])
            return found

        here = await self._db.transact(work)
        for table, column in BODY_COLUMNS:
            for row in template.rows.get(table, []):
                if row.get(column) is not None:
                    row[column] = here[row[column]]

    async def next_ids(self) -> dict[str, int]:
        """The first free id of each keyed table."""
        found = {}
        for table in KEYED:
            row = await self._db.fetch_one(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            assert row is not None
            found[table] = int(row[0])
        return found

    async def counts(self) -> dict[str, int]:
        """How many numbered rows each numbering counts now (the next number follows)."""
        found = {}
        row = await self._db.fetch_one("SELECT COUNT(*) FROM portal_applications")
        found["EGOV"] = int(row[0]) if row else 0
        for row in await self._db.fetch_all(
            "SELECT provider_id, COUNT(*) FROM applications GROUP BY provider_id"
        ):
            found[row[0]] = int(row[1])
        return found

    async def citizens(self) -> list[Citizen]:
        """The portal accounts there are (the demo's personas among them)."""
        rows = await self._db.fetch_all("SELECT id, login, name, kind FROM portal_accounts")
        return [Citizen(row[0], row[1], row[2], row[3]) for row in rows]

    async def add_citizens(
        self, citizens: list[tuple[str, str, str]], password_hash: str, created_at: str
    ) -> list[Citizen]:
        """Portal accounts for generated applicants (kind, IIN or BIN, name), one password."""

        def work(connection: WorkConnection) -> list[Citizen]:
            connection.executemany(
                "INSERT INTO portal_accounts (kind, login, name, password_hash, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (login) DO NOTHING",
                [(kind, login, name, password_hash, created_at) for kind, login, name in citizens],
            )
            made = []
            for kind, login, name in citizens:
                row = connection.execute(
                    "SELECT id FROM portal_accounts WHERE login = ?", (login,)
                ).fetchone()
                made.append(Citizen(int(row[0]), login, name, kind))
            return made

        return await self._db.transact(work)

    async def write(self, batch: Mapping[str, tuple[list[str], list[tuple[Any, ...]]]]) -> None:
        """One batch of copies in one transaction, table by table (`Database.copy_in`:
        `executemany` on SQLite, binary COPY on PostgreSQL)."""
        await self._db.copy_in(
            [(table, *batch[table]) for table in (*KEYED, *CHILDREN) if table in batch]
        )
        # The copies' ids were chosen here: the next row any table makes must come after them.
        await self._db.ids_taken(table for table in KEYED if table in batch)


def _mark_times(template: Template) -> None:
    for table, rows in template.rows.items():
        for row in rows:
            for column, value in row.items():
                if isinstance(value, str) and _TIME.match(value):
                    template.time_columns.add((table, column))


@lru_cache(maxsize=65536)
def moved_day(day: str, weeks: int) -> str:
    """`day` (YYYY-MM-DD) `weeks` weeks earlier."""
    return (date.fromisoformat(day) - timedelta(weeks=weeks)).isoformat()


@lru_cache(maxsize=2**18)
def moved(value: str, weeks: int) -> str:
    """An ISO time `weeks` weeks earlier, the time of day and zone kept."""
    return moved_day(value[:10], weeks) + value[10:]


def renumbered(number: str, next_number: int) -> str:
    """`number` with its trailing digits replaced by `next_number`, as wide as they were."""
    match = _TRAILING_DIGITS.search(number)
    if match is None:
        return f"{number}-{next_number}"
    width = len(match.group(0))
    return f"{number[: match.start()]}{next_number:0{width}d}"
