"""Applications: their route steps, their history, the C3 checks and the results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from egovsim.storage import bodies, json_parts
from egovsim.storage.application_rows import (
    SELECT_RESULTS,
    application_of,
    check_of,
    result_of,
    step_of,
    transition_of,
)
from egovsim.storage.database import Connection, Database
from egovsim.storage.dialect import for_update
from egovsim.storage.records import (
    Application,
    DocumentCheck,
    ResultRecord,
    StepRecord,
    Transition,
)


@dataclass(frozen=True, slots=True)
class NewStep:
    """A step to open: which, for whom, from when, until when."""

    seq: int
    step_id: str
    role: str
    action: str
    started_at: datetime
    deadline: datetime


@dataclass(frozen=True, slots=True)
class NewTransition:
    """A history entry to append."""

    at: datetime
    actor: str
    role: str | None
    action: str
    step_id: str | None
    channel: str
    details: dict[str, Any]


async def _append(connection: Connection, application_id: int, entry: NewTransition) -> None:
    await connection.execute(
        "INSERT INTO transitions (application_id, at, actor, role, action, step_id, channel,"
        " details_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            application_id,
            entry.at.isoformat(),
            entry.actor,
            entry.role,
            entry.action,
            entry.step_id,
            entry.channel,
            json.dumps(entry.details, ensure_ascii=False),
        ),
    )
    # The portal's and the centre's applications owe an answer for every transition (and an
    # office application its result for the cabinet), kept with it so a stop before the answer
    # leaves durable work for the catch-up.
    await connection.execute(
        "UPDATE applications SET answers_pending = answers_pending + 1"
        " WHERE id = ? AND channel IN ('portal', 'state_corporation', 'provider_office')",
        (application_id,),
    )


async def _open_step(connection: Connection, application_id: int, step: NewStep) -> None:
    await connection.execute(
        "INSERT INTO application_steps (application_id, seq, step_id, role, action, started_at,"
        " deadline) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            application_id,
            step.seq,
            step.step_id,
            step.role,
            step.action,
            step.started_at.isoformat(),
            step.deadline.isoformat(),
        ),
    )
    await connection.execute(
        'UPDATE applications SET current_step_id = ?, "current_role" = ?, current_action = ?,'
        " current_deadline = ? WHERE id = ?",
        (step.step_id, step.role, step.action, step.deadline.isoformat(), application_id),
    )


class ApplicationStore:
    """Applications and everything recorded about them."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # -- applications -------------------------------------------------------------------------

    async def create_application(
        self, fields: dict[str, Any], first: NewStep, entry: NewTransition
    ) -> int:
        """Register an application with its first step and first history entry, atomically.

        An application the gateway delivered carries its messageId: delivered again, the same
        application is found and its id returned, nothing registered twice.
        """
        async with self._db.write() as connection:
            # The provider's row is held until the commit: its applications are numbered by
            # counting them, and a messageId is registered once, so two instances registering
            # for one provider take turns (those of different providers do not wait).
            await connection.execute(
                f"SELECT id FROM providers WHERE id = ?{for_update(self._db.dialect)}",
                (fields["provider_id"],),
            )
            if fields.get("gateway_message_id"):
                cursor = await connection.execute(
                    "SELECT id FROM applications WHERE gateway_message_id = ?",
                    (fields["gateway_message_id"],),
                )
                known = await cursor.fetchone()
                if known is not None:
                    return int(known[0])
            cursor = await connection.execute(
                "SELECT COUNT(*) FROM applications WHERE provider_id = ?",
                (fields["provider_id"],),
            )
            row = await cursor.fetchone()
            assert row is not None
            number = f"{fields['number_prefix']}-{int(row[0]) + 1:06d}"
            cursor = await connection.execute(
                "INSERT INTO applications (number, provider_id, regulation_id, variant, channel,"
                " category, applicant_iin, applicant_bin, applicant_name, form_json,"
                " documents_json, received_at, status, current_seq, gateway_message_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'in_progress', ?, ?) RETURNING id",
                (
                    number,
                    fields["provider_id"],
                    fields["regulation_id"],
                    fields["variant"],
                    fields["channel"],
                    fields["category"],
                    fields["applicant_iin"],
                    fields["applicant_bin"],
                    fields["applicant_name"],
                    json.dumps(fields["form"], ensure_ascii=False),
                    json.dumps(fields["documents"]),
                    fields["received_at"].isoformat(),
                    first.seq,
                    fields.get("gateway_message_id"),
                ),
            )
            row = await cursor.fetchone()
            assert row is not None
            application_id = int(row[0])
            await _open_step(connection, application_id, first)
            await _append(connection, application_id, entry)
            return application_id

    async def application(self, application_id: int) -> Application | None:
        """An application by id."""
        row = await self._db.fetch_one("SELECT * FROM applications WHERE id = ?", (application_id,))
        return application_of(row) if row else None

    async def applications_of(self, provider_id: str) -> list[Application]:
        """A provider's applications, newest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM applications WHERE provider_id = ? ORDER BY id DESC", (provider_id,)
        )
        return [application_of(row) for row in rows]

    async def steps(self, application_id: int) -> list[StepRecord]:
        """The steps an application has run, in order."""
        rows = await self._db.fetch_all(
            "SELECT * FROM application_steps WHERE application_id = ? ORDER BY seq",
            (application_id,),
        )
        return [step_of(row) for row in rows]

    async def transitions(self, application_id: int) -> list[Transition]:
        """An application's history, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM transitions WHERE application_id = ? ORDER BY id", (application_id,)
        )
        return [transition_of(row) for row in rows]

    async def advance(
        self,
        application_id: int,
        finished_seq: int,
        finished_at: datetime,
        finished_by: int,
        outcome: str,
        following: NewStep | None,
        status: str,
        entry: NewTransition,
    ) -> None:
        """Close the current step, open the next one (or end), and log it, atomically."""
        async with self._db.write() as connection:
            cursor = await connection.execute(
                "UPDATE application_steps SET finished_at = ?, finished_by = ?, outcome = ?"
                " WHERE application_id = ? AND seq = ? AND finished_at IS NULL",
                (finished_at.isoformat(), finished_by, outcome, application_id, finished_seq),
            )
            if cursor.rowcount != 1:
                raise StaleStep(application_id, finished_seq)
            if following is not None:
                await _open_step(connection, application_id, following)
            await connection.execute(
                "UPDATE applications SET status = ?, current_seq = ? WHERE id = ?",
                (status, following.seq if following else None, application_id),
            )
            if following is None:
                await connection.execute(
                    'UPDATE applications SET current_step_id = NULL, "current_role" = NULL,'
                    " current_action = NULL, current_deadline = NULL WHERE id = ?",
                    (application_id,),
                )
            if entry.action == "assign" and entry.details.get("executor"):
                await connection.execute(
                    "UPDATE applications SET assigned_to = ? WHERE id = ?",
                    (str(entry.details["executor"]), application_id),
                )
            await _append(connection, application_id, entry)

    async def log(self, application_id: int, entry: NewTransition) -> None:
        """Append a history entry that does not move the route (a document checked)."""
        async with self._db.write() as connection:
            await _append(connection, application_id, entry)

    # -- C3 and results -----------------------------------------------------------------------

    async def save_checks(
        self, application_id: int, checks: list[DocumentCheck], entry: NewTransition
    ) -> None:
        """Record the verdict on each document (a later check of a document replaces it)."""
        async with self._db.write() as connection:
            await connection.executemany(
                "INSERT INTO document_checks (application_id, document_id, verdict, note,"
                " checked_at, checked_by) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (application_id, document_id) DO UPDATE SET"
                " verdict = excluded.verdict, note = excluded.note,"
                " checked_at = excluded.checked_at, checked_by = excluded.checked_by",
                [
                    (
                        application_id,
                        c.document_id,
                        c.verdict,
                        c.note,
                        c.checked_at.isoformat(),
                        c.checked_by,
                    )
                    for c in checks
                ],
            )
            await _append(connection, application_id, entry)

    async def checks(self, application_id: int) -> list[DocumentCheck]:
        """The C3 verdicts of an application."""
        rows = await self._db.fetch_all(
            "SELECT * FROM document_checks WHERE application_id = ? ORDER BY document_id",
            (application_id,),
        )
        return [check_of(row) for row in rows]

    async def save_result(self, result: ResultRecord) -> None:
        """Store a prepared (unsigned) result or refusal (the service's and provider's names in
        its document are parts kept once: `json_parts`)."""
        document, parts = json_parts.packed(result.document)
        async with self._db.write() as connection:
            if parts:
                await connection.executemany(json_parts.INSERT_PART, parts)
            await connection.execute(
                "INSERT INTO results (application_id, kind, refusal, grounds, document_json,"
                " prepared_at, prepared_by) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (application_id) DO UPDATE SET kind = excluded.kind,"
                " refusal = excluded.refusal, grounds = excluded.grounds,"
                " document_json = excluded.document_json, prepared_at = excluded.prepared_at,"
                " prepared_by = excluded.prepared_by, signature = NULL, signature_body = NULL,"
                " signed_at = NULL, signed_by = NULL, verification_json = NULL,"
                " verification_body = NULL",
                (
                    result.application_id,
                    result.kind,
                    int(result.refusal),
                    result.grounds,
                    document,
                    result.prepared_at.isoformat(),
                    result.prepared_by,
                ),
            )

    async def save_signature(
        self,
        application_id: int,
        signature: bytes,
        signed_at: datetime,
        signed_by: int,
        verification: dict[str, Any],
    ) -> None:
        """Attach the authorized person's CMS and the verifier's report to the result."""
        async with self._db.write() as connection:
            # Kept once in `message_bodies`: the portal's copy of the result is the same CMS;
            # the report too.
            body = await bodies.put_async(connection, signature)
            report = await bodies.put_async(connection, bodies.json_bytes(verification))
            await connection.execute(
                "UPDATE results SET signature = NULL, signature_body = ?, signed_at = ?,"
                " signed_by = ?, verification_json = NULL, verification_body = ?"
                " WHERE application_id = ?",
                (body, signed_at.isoformat(), signed_by, report, application_id),
            )

    async def result(self, application_id: int) -> ResultRecord | None:
        """The result of an application, if one was prepared."""
        row = await self._db.fetch_one(
            f"{SELECT_RESULTS} WHERE r.application_id = ?", (application_id,)
        )
        if row is None:
            return None
        return result_of(row, await json_parts.fetch(self._db, [row["document_json"]]))


class StaleStep(Exception):
    """The step was finished by someone else in the meantime."""

    def __init__(self, application_id: int, seq: int) -> None:
        super().__init__(f"step {seq} of application {application_id} is no longer open")
