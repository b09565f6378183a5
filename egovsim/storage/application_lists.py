"""The provider's lists of applications, a page at a time: the inbox of a role by deadline and
every application newest first, each page one indexed query, and what the page shows of its
applications (steps, history, checks, results) in one query per table, never one per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from egovsim.storage import json_parts
from egovsim.storage.application_rows import (
    SELECT_RESULTS,
    application_of,
    check_of,
    result_of,
    step_of,
    transition_of,
)
from egovsim.storage.database import Database
from egovsim.storage.records import (
    Application,
    DocumentCheck,
    ResultRecord,
    StepRecord,
    Transition,
)


@dataclass(frozen=True, slots=True)
class InboxQuery:
    """Whose inbox, which of it, and from where: after `after` (deadline, id) in deadline
    order; `step` one step id; `due_before` only what is overdue at that (ISO) time."""

    provider_id: str
    role: str
    login: str
    limit: int
    after: tuple[str, int] | None = None
    step: str | None = None
    due_before: str | None = None


@dataclass(frozen=True, slots=True)
class Details:
    """What a page shows of its applications, by application id."""

    steps: dict[int, list[StepRecord]]
    transitions: dict[int, list[Transition]]
    checks: dict[int, list[DocumentCheck]]
    results: dict[int, ResultRecord]


class ApplicationLists:
    """Pages of a provider's applications."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def inbox(self, query: InboxQuery) -> list[Application]:
        """The open applications whose step is the role's (a signer's: every "sign" step; an
        executor's: those not assigned to another), nearest deadline first, `limit` of them."""
        column = "current_action" if query.role == "signer" else '"current_role"'
        value = "sign" if query.role == "signer" else query.role
        sql = [
            f"SELECT * FROM applications WHERE provider_id = ? AND status = 'in_progress'"
            f" AND {column} = ?"
        ]
        parameters: list[object] = [query.provider_id, value]
        if query.role == "executor":
            sql.append("AND (assigned_to IS NULL OR assigned_to = ?)")
            parameters.append(query.login)
        if query.step is not None:
            sql.append("AND current_step_id = ?")
            parameters.append(query.step)
        if query.due_before is not None:
            sql.append("AND current_deadline < ?")
            parameters.append(query.due_before)
        if query.after is not None:
            sql.append("AND (current_deadline, id) > (?, ?)")
            parameters.extend(query.after)
        sql.append("ORDER BY current_deadline, id LIMIT ?")
        parameters.append(query.limit)
        rows = await self._db.fetch_all(" ".join(sql), parameters)
        return [application_of(row) for row in rows]

    async def newest(
        self, provider_id: str, limit: int, before: int | None = None, status: str | None = None
    ) -> list[Application]:
        """A provider's applications newest first (of one status), `limit` of them, those
        older than the id `before`."""
        sql = ["SELECT * FROM applications WHERE provider_id = ?"]
        parameters: list[object] = [provider_id]
        if status is not None:
            sql.append("AND status = ?")
            parameters.append(status)
        if before is not None:
            sql.append("AND id < ?")
            parameters.append(before)
        sql.append("ORDER BY id DESC LIMIT ?")
        parameters.append(limit)
        rows = await self._db.fetch_all(" ".join(sql), parameters)
        return [application_of(row) for row in rows]

    async def by_number(self, provider_id: str, number: str) -> Application | None:
        """A provider's application by its number."""
        row = await self._db.fetch_one(
            "SELECT * FROM applications WHERE number = ? AND provider_id = ?",
            (number, provider_id),
        )
        return application_of(row) if row else None

    async def details(self, ids: Sequence[int], history: bool = True) -> Details:
        """Steps, history, checks and results of the applications `ids`, four queries; without
        `history` (a list, which shows where each one is) their open steps alone, one query."""
        marks = ",".join("?" * len(ids))
        where = f"WHERE application_id IN ({marks})"
        if not history:
            where += " AND finished_at IS NULL"
        steps: dict[int, list[StepRecord]] = defaultdict(list)
        for row in await self._db.fetch_all(
            f"SELECT * FROM application_steps {where} ORDER BY application_id, seq", ids
        ):
            steps[row["application_id"]].append(step_of(row))
        if not history:
            return Details(steps, {}, {}, {})
        transitions: dict[int, list[Transition]] = defaultdict(list)
        for row in await self._db.fetch_all(
            f"SELECT * FROM transitions {where} ORDER BY application_id, id", ids
        ):
            transitions[row["application_id"]].append(transition_of(row))
        checks: dict[int, list[DocumentCheck]] = defaultdict(list)
        for row in await self._db.fetch_all(
            f"SELECT * FROM document_checks {where} ORDER BY application_id, document_id", ids
        ):
            checks[row["application_id"]].append(check_of(row))
        found = await self._db.fetch_all(
            f"{SELECT_RESULTS} WHERE r.application_id IN ({marks})", ids
        )
        parts = await json_parts.fetch(self._db, (row["document_json"] for row in found))
        results = {row["application_id"]: result_of(row, parts) for row in found}
        return Details(steps, transitions, checks, results)

    async def owing_answers(self, after: int, limit: int) -> list[tuple[Application, int]]:
        """Applications whose answers the gateway may not hold yet (after the id `after`),
        each with its count of unanswered transitions."""
        rows = await self._db.fetch_all(
            "SELECT * FROM applications WHERE answers_pending > 0 AND id > ? ORDER BY id LIMIT ?",
            (after, limit),
        )
        return [(application_of(row), int(row["answers_pending"])) for row in rows]

    async def owed_count(self, application_id: int) -> int:
        """How many transitions of the application wait for their answers."""
        row = await self._db.fetch_one(
            "SELECT answers_pending FROM applications WHERE id = ?", (application_id,)
        )
        return int(row[0]) if row else 0

    async def answered(self, application_id: int, owed: int) -> None:
        """The answers of `owed` transitions are with the gateway (a transition since then
        keeps the application owed)."""
        async with self._db.write() as connection:
            await connection.execute(
                "UPDATE applications SET answers_pending = 0 WHERE id = ? AND answers_pending = ?",
                (application_id, owed),
            )
