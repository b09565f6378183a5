"""The State Corporation's front office: operators, sessions, packages and their steps."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from egovsim.storage import json_parts
from egovsim.storage.database import Database, Row
from egovsim.storage.statecorp_rows import Package, PackageStep, packages_of, step_of

#: Read from `statecorp_rows`, named here too for the domain that reads them with the store.
__all__ = ["Operator", "Package", "PackageStep", "StateCorpStore", "StepChange"]


@dataclass(frozen=True, slots=True)
class Operator:
    """A counter clerk of a service centre."""

    id: int
    centre_id: str
    login: str
    password_hash: str
    name: str
    iin: str


def _operator(row: Row) -> Operator:
    return Operator(
        row["id"], row["centre_id"], row["login"], row["password_hash"], row["name"], row["iin"]
    )


#: The package columns an update may set, and how each value is stored.
_COLUMNS: dict[str, Callable[[Any], str]] = {
    "number": str,
    "checklist": lambda v: json.dumps(v, ensure_ascii=False),
    "status": str,
    "decided_at": lambda v: v.isoformat(),
    "ready_by": lambda v: v.isoformat(),
    "request_message_id": str,
    "provider_number": str,
    "result": lambda v: json_parts.packed(v)[0],  # its parts are written by `update`
    "arrived_at": lambda v: v.isoformat(),
    "kept_until": lambda v: v.isoformat(),
    "handout": lambda v: json.dumps(v, ensure_ascii=False),
}
_STORED_AS = {"checklist": "checklist_json", "result": "result_json", "handout": "handout_json"}


@dataclass(frozen=True, slots=True)
class StepChange:
    """Steps to finish and to open with a package update: (step, outcome, actor, details)
    finished at `at`, and (step, deadline) opened at `at`."""

    at: datetime
    finish: tuple[tuple[str, str, str | None, dict[str, Any]], ...] = ()
    open: tuple[tuple[str, datetime], ...] = ()


class StateCorpStore:
    """Operators, sessions, packages and their steps."""

    def __init__(self, database: Database) -> None:
        self._db = database

    @property
    def database(self) -> Database:
        """The database the store reads (its pages are read by `PackageLists`)."""
        return self._db

    # -- operators ----------------------------------------------------------------------------

    async def save_operator(self, operator: Operator) -> None:
        """Add an operator (the login is unique; an existing one is kept)."""
        async with self._db.write() as connection:
            await connection.execute(
                "INSERT INTO statecorp_operators (centre_id, login, password_hash,"
                " name, iin) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    operator.centre_id,
                    operator.login,
                    operator.password_hash,
                    operator.name,
                    operator.iin,
                ),
            )

    async def operator_by_login(self, login: str) -> Operator | None:
        """An operator by login."""
        row = await self._db.fetch_one(
            "SELECT * FROM statecorp_operators WHERE login = ?", (login,)
        )
        return _operator(row) if row else None

    async def open_session(
        self, token_hash: str, operator_id: int, now: datetime, expires: datetime
    ) -> None:
        """Remember a signed-in session (only the token's hash is stored)."""
        async with self._db.write() as connection:
            await connection.execute(
                "INSERT INTO statecorp_sessions (token_hash, operator_id, created_at,"
                " expires_at) VALUES (?, ?, ?, ?)",
                (token_hash, operator_id, now.isoformat(), expires.isoformat()),
            )

    async def session_operator(self, token_hash: str, now: datetime) -> Operator | None:
        """The operator of a live session."""
        row = await self._db.fetch_one(
            "SELECT statecorp_operators.* FROM statecorp_sessions JOIN statecorp_operators"
            " ON statecorp_operators.id = statecorp_sessions.operator_id"
            " WHERE token_hash = ? AND expires_at > ?",
            (token_hash, now.isoformat()),
        )
        return _operator(row) if row else None

    async def close_session(self, token_hash: str) -> None:
        """Sign out."""
        async with self._db.write() as connection:
            await connection.execute(
                "DELETE FROM statecorp_sessions WHERE token_hash = ?", (token_hash,)
            )

    # -- packages -----------------------------------------------------------------------------

    async def open_package(
        self, fields: dict[str, Any], first_step: str, deadline: datetime
    ) -> int:
        """A package opened at the counter with its first step; its id."""
        async with self._db.write() as connection:
            cursor = await connection.execute(
                "INSERT INTO statecorp_packages (centre_id, operator_login, regulation_id,"
                " variant, category, applicant_iin, applicant_name, form_json, checklist_json,"
                " status, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'at_counter', ?)"
                " RETURNING id",
                (
                    fields["centre_id"],
                    fields["operator_login"],
                    fields["regulation_id"],
                    fields["variant"],
                    fields["category"],
                    fields["applicant_iin"],
                    fields["applicant_name"],
                    json.dumps(fields["form"], ensure_ascii=False),
                    json.dumps(fields["checklist"], ensure_ascii=False),
                    fields["opened_at"].isoformat(),
                ),
            )
            row = await cursor.fetchone()
            assert row is not None
            package_id = int(row[0])
            await connection.execute(
                "INSERT INTO statecorp_steps (package_id, step, started_at, deadline)"
                " VALUES (?, ?, ?, ?)",
                (package_id, first_step, fields["opened_at"].isoformat(), deadline.isoformat()),
            )
            return package_id

    async def open_collection(
        self,
        fields: dict[str, Any],
        number: Callable[[int], str],
        arrival: tuple[str, str, dict[str, Any]],
        storage_deadline: datetime,
    ) -> int | None:
        """A paper result arrived for collection: a package of the kind "collection", numbered
        by `number(id)`, at the centre from `fields["arrived_at"]`, its arrival step (step,
        outcome, details) finished and its storage open; None when the message that brought
        it (`request_message_id`) was taken before."""
        at = fields["arrived_at"].isoformat()
        result, parts = json_parts.packed(fields["result"])
        async with self._db.write() as connection:
            if parts:
                await connection.executemany(json_parts.INSERT_PART, parts)
            cursor = await connection.execute(
                "INSERT INTO statecorp_packages (kind, centre_id, operator_login, regulation_id,"
                " variant, category, applicant_iin, applicant_name, form_json, status, opened_at,"
                " request_message_id, portal_request_id, provider_number, result_json,"
                " arrived_at, kept_until) VALUES ('collection', ?, ?, ?, ?, ?, ?, ?, ?,"
                " 'at_centre', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_message_id) DO NOTHING"
                " RETURNING id",
                (
                    fields["centre_id"],
                    fields["operator_login"],
                    fields["regulation_id"],
                    fields["variant"],
                    fields["category"],
                    fields["applicant_iin"],
                    fields["applicant_name"],
                    json.dumps(fields["form"], ensure_ascii=False),
                    at,
                    fields["request_message_id"],
                    fields["portal_request_id"],
                    fields["provider_number"],
                    result,
                    at,
                    fields["kept_until"].isoformat(),
                ),
            )
            row = await cursor.fetchone()
            if row is None:
                return None
            package_id = int(row[0])
            await connection.execute(
                "UPDATE statecorp_packages SET number = ? WHERE id = ?",
                (number(package_id), package_id),
            )
            step, outcome, details = arrival
            await connection.execute(
                "INSERT INTO statecorp_steps (package_id, step, started_at, deadline,"
                " finished_at, outcome, actor, details_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    package_id,
                    step,
                    at,
                    at,
                    at,
                    outcome,
                    "gateway",
                    json.dumps(details, ensure_ascii=False),
                ),
            )
            await connection.execute(
                "INSERT INTO statecorp_steps (package_id, step, started_at, deadline)"
                " VALUES (?, 'storage', ?, ?)",
                (package_id, at, storage_deadline.isoformat()),
            )
            return package_id

    async def update(
        self,
        package_id: int,
        expected_status: tuple[str, ...],
        values: dict[str, Any],
        steps: StepChange,
    ) -> bool:
        """Set `values` and move the steps, atomically, if the package is still in one of
        `expected_status` (False when someone else moved it first)."""
        names = [f"{_STORED_AS.get(k, k)} = ?" for k in values]
        # A result's signer, chain and checks are parts kept once (`json_parts`).
        result, parts = json_parts.packed(values["result"]) if "result" in values else ("", [])
        parameters = [result if k == "result" else _COLUMNS[k](v) for k, v in values.items()]
        marks = ", ".join("?" for _ in expected_status)
        async with self._db.write() as connection:
            if parts:
                await connection.executemany(json_parts.INSERT_PART, parts)
            cursor = await connection.execute(
                f"UPDATE statecorp_packages SET {', '.join(names) or 'status = status'}"
                f" WHERE id = ? AND status IN ({marks})",
                (*parameters, package_id, *expected_status),
            )
            if cursor.rowcount != 1:
                return False
            for step, outcome, actor, details in steps.finish:
                await connection.execute(
                    "UPDATE statecorp_steps SET finished_at = ?, outcome = ?, actor = ?,"
                    " details_json = ? WHERE package_id = ? AND step = ? AND finished_at IS NULL",
                    (
                        steps.at.isoformat(),
                        outcome,
                        actor,
                        json.dumps(details, ensure_ascii=False),
                        package_id,
                        step,
                    ),
                )
            for step, deadline in steps.open:
                await connection.execute(
                    "INSERT INTO statecorp_steps (package_id, step, started_at, deadline)"
                    " VALUES (?, ?, ?, ?)",
                    (package_id, step, steps.at.isoformat(), deadline.isoformat()),
                )
            return True

    async def package(self, package_id: int) -> Package | None:
        """A package by id."""
        row = await self._db.fetch_one(
            "SELECT * FROM statecorp_packages WHERE id = ?", (package_id,)
        )
        return (await packages_of(self._db, [row]))[0] if row else None

    async def package_by_request(self, message_id: str) -> Package | None:
        """The package forwarded as the gateway REQUEST `message_id`."""
        row = await self._db.fetch_one(
            "SELECT * FROM statecorp_packages WHERE request_message_id = ?", (message_id,)
        )
        return (await packages_of(self._db, [row]))[0] if row else None

    async def find(self, centre_id: str, query: str) -> list[Package]:
        """A centre's packages of an applicant's IIN, or of a number (the centre's or the
        provider's), newest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM statecorp_packages WHERE centre_id = ?"
            " AND (applicant_iin = ? OR number = ? OR provider_number = ?) ORDER BY id DESC",
            (centre_id, query, query, query),
        )
        return await packages_of(self._db, rows)

    async def steps(self, package_id: int) -> list[PackageStep]:
        """A package's steps, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM statecorp_steps WHERE package_id = ? ORDER BY id", (package_id,)
        )
        return [step_of(row) for row in rows]
