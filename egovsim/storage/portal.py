"""The portal's requests from the draft to the hand-off to the gateway: applications, their
attachments and their timeline, which every change of an application appends to in the same
transaction (what comes back lands through `egovsim.storage.portal_cabinet`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from egovsim.storage import bodies
from egovsim.storage.database import Connection, Database, Row, WorkConnection
from egovsim.storage.rows import required_time, time_or_none


@dataclass(frozen=True, slots=True)
class PortalApplication:
    """A request made on the portal, from its draft to its result."""

    id: int
    number: str
    account_id: int
    applicant_kind: str
    applicant_iin: str | None
    applicant_bin: str | None
    applicant_name: str
    person_iin: str
    person_name: str
    regulation_id: str
    variant: str | None
    category: str
    form: dict[str, Any]
    status: str
    created_at: datetime
    updated_at: datetime
    frozen_at: datetime | None = None
    edocument: bytes | None = None
    signature: bytes | None = None
    verification: dict[str, Any] | None = None
    signed_at: datetime | None = None
    message_id: str | None = None
    sent_at: datetime | None = None
    provider_number: str | None = None
    provider_status: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """An electronic copy of a document of item 9, stored by its SHA-256."""

    document_id: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    attached_at: datetime


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One entry of an application's timeline: a step of the portal sequence and what happened."""

    at: datetime
    step: str
    event: str
    code: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


def application_from_row(row: Row) -> PortalApplication:
    """A `portal_applications` row as the dataclass."""
    return PortalApplication(
        id=row["id"],
        number=row["number"],
        account_id=row["account_id"],
        applicant_kind=row["applicant_kind"],
        applicant_iin=row["applicant_iin"],
        applicant_bin=row["applicant_bin"],
        applicant_name=row["applicant_name"],
        person_iin=row["person_iin"],
        person_name=row["person_name"],
        regulation_id=row["regulation_id"],
        variant=row["variant"],
        category=row["category"],
        form=json.loads(row["form_json"]),
        status=row["status"],
        created_at=required_time(row["created_at"]),
        updated_at=required_time(row["updated_at"]),
        frozen_at=time_or_none(row["frozen_at"]),
        edocument=bodies.referred(row, "edocument"),
        signature=bodies.referred(row, "signature"),
        verification=bodies.referred_json(row, "verification"),
        signed_at=time_or_none(row["signed_at"]),
        message_id=row["message_id"],
        sent_at=time_or_none(row["sent_at"]),
        provider_number=row["provider_number"],
        provider_status=row["provider_status"],
    )


def attachment_from_row(row: Row) -> Attachment:
    """A `portal_attachments` row as the dataclass."""
    return Attachment(
        row["document_id"],
        row["file_name"],
        row["content_type"],
        row["size"],
        row["sha256"],
        required_time(row["attached_at"]),
    )


def _joined_bodies(alias: str, columns: Iterable[tuple[str, str]]) -> tuple[str, str]:
    selected, joins = zip(*(bodies.joined(alias, c, name) for c, name in columns), strict=True)
    return ", ".join(selected), "".join(joins)


_APPLICATION_BODIES = _joined_bodies(
    "a",
    (
        ("edocument_body", "edocument"),
        ("signature_body", "signature"),
        ("verification_body", "verification"),
    ),
)
#: An application with its e-document, CMS and the verifier's report (kept in
#: `message_bodies`); a WHERE after it names the application's columns as `a.`.
SELECT_APPLICATION = (
    f"SELECT a.*, {_APPLICATION_BODIES[0]} FROM portal_applications a{_APPLICATION_BODIES[1]}"
)
_REPORT = _joined_bodies("t", (("report_body", "report"),))
#: Timeline entries with their reports (kept in `message_bodies`); columns as `t.`.
SELECT_ENTRIES = f"SELECT t.*, {_REPORT[0]} FROM portal_timeline t{_REPORT[1]}"


def entry_from_row(row: Row) -> TimelineEntry:
    """A `portal_timeline` row (of `SELECT_ENTRIES`) as the dataclass."""
    details = json.loads(row["details_json"])
    if row["report_content"] is not None:
        details["report"] = json.loads(
            bodies.unpacked(row["report_encoding"], row["report_content"])
        )
    return TimelineEntry(
        required_time(row["at"]),
        row["step"],
        row["event"],
        row["code"],
        details,
        row["id"],
    )


def timeline_rows(
    application_id: int, entries: Iterable[TimelineEntry]
) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """The statements that append new entries, each with its rows for `executemany`: the
    entries' reports (a verifier's report is kept once, in `message_bodies`), then the entries."""
    reports: list[tuple[Any, ...]] = []
    rows: list[tuple[Any, ...]] = []
    for e in entries:
        details, digest = e.details, None
        if isinstance(details.get("report"), dict):
            details = {k: v for k, v in details.items() if k != "report"}
            kept = bodies.body_row(bodies.json_bytes(e.details["report"]))
            reports.append(kept)
            digest = kept[0]
        rows.append(
            (
                application_id,
                e.at.isoformat(),
                e.step,
                e.event,
                e.code,
                json.dumps(details, ensure_ascii=False),
                digest,
            )
        )
    statements = [(bodies.INSERT_BODY, reports)] if reports else []
    return [*statements, (INSERT_ENTRY, rows)]


INSERT_ENTRY = (
    "INSERT INTO portal_timeline (application_id, at, step, event, code, details_json,"
    f" report_body) VALUES (?, ?, ?, ?, ?, ?, {bodies.BODY_ID})"
)


async def append_timeline(
    connection: Connection, application_id: int, entries: Iterable[TimelineEntry]
) -> None:
    """Append entries to an application's timeline, inside the caller's transaction."""
    for statement, rows in timeline_rows(application_id, entries):
        await connection.executemany(statement, rows)


def append_timeline_now(
    connection: WorkConnection, application_id: int, entries: Iterable[TimelineEntry]
) -> None:
    """`append_timeline` inside `Database.transact`, on the database's thread."""
    for statement, rows in timeline_rows(application_id, entries):
        connection.executemany(statement, rows)


async def next_number(connection: Connection) -> str:
    """The portal's number for the next application, inside the caller's transaction."""
    cursor = await connection.execute("SELECT COALESCE(MAX(id), 0) FROM portal_applications")
    row = await cursor.fetchone()
    assert row is not None
    return f"EGOV-{int(row[0]) + 1:06d}"


class PortalStore:
    """The portal's applications, their attachments and their timelines."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # -- drafts -------------------------------------------------------------------------------

    async def create_application(
        self, fields: dict[str, Any], entries: Iterable[TimelineEntry]
    ) -> PortalApplication:
        """A new draft with its number and its first timeline entries, atomically."""
        async with self._db.write() as connection:
            number = await next_number(connection)
            now = fields["created_at"].isoformat()
            cursor = await connection.execute(
                "INSERT INTO portal_applications (number, account_id, applicant_kind,"
                " applicant_iin, applicant_bin, applicant_name, person_iin, person_name,"
                " regulation_id, variant, category, form_json, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?) RETURNING id",
                (
                    number,
                    fields["account_id"],
                    fields["applicant_kind"],
                    fields["applicant_iin"],
                    fields["applicant_bin"],
                    fields["applicant_name"],
                    fields["person_iin"],
                    fields["person_name"],
                    fields["regulation_id"],
                    fields["variant"],
                    fields["category"],
                    json.dumps(fields["form"], ensure_ascii=False),
                    now,
                    now,
                ),
            )
            row = await cursor.fetchone()
            assert row is not None
            application_id = int(row[0])
            await append_timeline(connection, application_id, entries)
        found = await self.application(application_id)
        assert found is not None
        return found

    async def save_attachment(
        self, application_id: int, attachment: Attachment, entry: TimelineEntry
    ) -> bool:
        """Attach (or replace) a document's copy while the application is a draft; the
        e-document to sign thaws. False when it is no longer a draft."""
        async with self._db.write() as connection:
            cursor = await connection.execute(
                "UPDATE portal_applications SET frozen_at = NULL, updated_at = ?"
                " WHERE id = ? AND status = 'draft'",
                (attachment.attached_at.isoformat(), application_id),
            )
            if cursor.rowcount != 1:
                return False
            await connection.execute(
                "INSERT INTO portal_attachments (application_id, document_id, file_name,"
                " content_type, size, sha256, attached_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (application_id, document_id) DO UPDATE SET"
                " file_name = excluded.file_name, content_type = excluded.content_type,"
                " size = excluded.size, sha256 = excluded.sha256,"
                " attached_at = excluded.attached_at",
                (
                    application_id,
                    attachment.document_id,
                    attachment.file_name,
                    attachment.content_type,
                    attachment.size,
                    attachment.sha256,
                    attachment.attached_at.isoformat(),
                ),
            )
            await append_timeline(connection, application_id, [entry])
            return True

    async def freeze(self, application_id: int, at: datetime) -> datetime | None:
        """The moment the draft's e-document was frozen, freezing it now if it was not."""
        async with self._db.write() as connection:
            await connection.execute(
                "UPDATE portal_applications SET frozen_at = ?"
                " WHERE id = ? AND frozen_at IS NULL AND status = 'draft'",
                (at.isoformat(), application_id),
            )
            cursor = await connection.execute(
                "SELECT frozen_at FROM portal_applications WHERE id = ?", (application_id,)
            )
            row = await cursor.fetchone()
        return time_or_none(row[0]) if row else None

    async def record(self, application_id: int, entries: Iterable[TimelineEntry]) -> None:
        """Append timeline entries that change nothing else (a refused signature)."""
        async with self._db.write() as connection:
            await append_timeline(connection, application_id, entries)

    # -- P6 and P7 ----------------------------------------------------------------------------

    async def mark_signed(
        self,
        application_id: int,
        frozen_at: datetime,
        fields: dict[str, Any],
        entries: Iterable[TimelineEntry],
    ) -> bool:
        """Keep the signed e-document and its CMS, if the draft is still the one that was
        signed (not changed in the meantime); False otherwise."""
        # The e-document, its CMS and the report are kept once in `message_bodies`.
        kept = [
            bodies.body_row(fields["edocument"]),
            bodies.body_row(fields["signature"]),
            bodies.body_row(bodies.json_bytes(fields["verification"])),
        ]
        values = (
            *(body[0] for body in kept),
            fields["signed_at"].isoformat(),
            fields["message_id"],
            fields["signed_at"].isoformat(),
            application_id,
            frozen_at.isoformat(),
        )
        entries = list(entries)

        def sign(connection: WorkConnection) -> bool:
            connection.executemany(bodies.INSERT_BODY, kept)
            cursor = connection.execute(
                "UPDATE portal_applications SET status = 'signed', edocument = NULL,"
                f" edocument_body = {bodies.BODY_ID}, signature = NULL,"
                f" signature_body = {bodies.BODY_ID}, verification_json = NULL,"
                f" verification_body = {bodies.BODY_ID}, signed_at = ?, message_id = ?,"
                " updated_at = ? WHERE id = ? AND status = 'draft' AND frozen_at = ?",
                values,
            )
            if cursor.rowcount != 1:
                return False
            append_timeline_now(connection, application_id, entries)
            return True

        # One trip to the database's thread: a submission's hot path (see Database.transact).
        return await self._db.transact(sign)

    async def mark_sent(self, application_id: int, at: datetime, entry: TimelineEntry) -> None:
        """The gateway took the signed request (P7)."""

        def send(connection: WorkConnection) -> None:
            cursor = connection.execute(
                "UPDATE portal_applications SET status = 'sent', sent_at = ?, updated_at = ?"
                " WHERE id = ? AND status = 'signed'",
                (at.isoformat(), at.isoformat(), application_id),
            )
            if cursor.rowcount == 1:
                append_timeline_now(connection, application_id, [entry])

        await self._db.transact(send)

    async def with_status(self, status: str) -> list[PortalApplication]:
        """The applications in a status, oldest first (the signed ones the gateway has not
        taken, the sent ones it has not settled)."""
        rows = await self._db.fetch_all(
            f"{SELECT_APPLICATION} WHERE a.status = ? ORDER BY a.id", (status,)
        )
        return [application_from_row(row) for row in rows]

    async def by_message_id(self, message_id: str) -> PortalApplication | None:
        """The application whose gateway REQUEST had this messageId."""
        row = await self._db.fetch_one(
            f"{SELECT_APPLICATION} WHERE a.message_id = ?", (message_id,)
        )
        return application_from_row(row) if row else None

    # -- reading ------------------------------------------------------------------------------

    async def application(self, application_id: int) -> PortalApplication | None:
        """An application by id."""
        row = await self._db.fetch_one(f"{SELECT_APPLICATION} WHERE a.id = ?", (application_id,))
        return application_from_row(row) if row else None

    async def with_attachments(
        self, application_id: int
    ) -> tuple[PortalApplication, list[Attachment]] | None:
        """An application and its attachments (by document id), read in one trip from one
        snapshot: what a signature checks."""

        def read(connection: WorkConnection) -> tuple[PortalApplication, list[Attachment]] | None:
            row = connection.execute(
                f"{SELECT_APPLICATION} WHERE a.id = ?", (application_id,)
            ).fetchone()
            if row is None:
                return None
            attachments = connection.execute(
                "SELECT * FROM portal_attachments WHERE application_id = ? ORDER BY document_id",
                (application_id,),
            ).fetchall()
            return application_from_row(row), [attachment_from_row(a) for a in attachments]

        return await self._db.snapshot(read)

    async def draft_attachment_bytes(self, account_id: int, but: tuple[int, str]) -> int:
        """The bytes attached to an account's drafts, but the attachment `but` (application,
        document) that an upload would replace."""
        row = await self._db.fetch_one(
            "SELECT COALESCE(SUM(t.size), 0) AS total FROM portal_attachments t "
            "JOIN portal_applications a ON a.id = t.application_id "
            "WHERE a.account_id = ? AND a.status = 'draft' "
            "AND NOT (t.application_id = ? AND t.document_id = ?)",
            (account_id, *but),
        )
        return int(row["total"]) if row else 0

    async def attachments(self, application_id: int) -> list[Attachment]:
        """An application's attachments, by document id."""
        rows = await self._db.fetch_all(
            "SELECT * FROM portal_attachments WHERE application_id = ? ORDER BY document_id",
            (application_id,),
        )
        return [attachment_from_row(row) for row in rows]

    async def timeline(self, application_id: int) -> list[TimelineEntry]:
        """An application's timeline, oldest first."""
        rows = await self._db.fetch_all(
            f"{SELECT_ENTRIES} WHERE t.application_id = ? ORDER BY t.id", (application_id,)
        )
        return [entry_from_row(row) for row in rows]
