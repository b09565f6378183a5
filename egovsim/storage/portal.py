"""The portal's requests from the draft to the hand-off to the gateway: applications, their
attachments and their timeline, which every change of an application appends to in the same
transaction (what comes back lands through `egovsim.storage.portal_cabinet`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from egovsim.storage import bodies, json_parts
from egovsim.storage.database import Database, WorkConnection
from egovsim.storage.portal_rows import (
    SELECT_APPLICATION,
    SELECT_ENTRIES,
    Attachment,
    PortalApplication,
    TimelineEntry,
    append_timeline,
    application_from_row,
    attachment_from_row,
    entry_from_row,
    next_number,
    timeline_rows,
)
from egovsim.storage.rows import time_or_none

#: What the domain reads from here: the rows (from `portal_rows`) and the store.
__all__ = ["Attachment", "PortalApplication", "PortalStore", "TimelineEntry", "Work"]

#: A write of the portal's, run on the database's thread inside a transaction (`commit`, or
#: alongside the gateway's acceptance): False when it found it must not go on.
Work = Callable[[WorkConnection], bool]


class _Declined(Exception):
    """A work of `PortalStore.commit` said False: the transaction is rolled back."""


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
            made, number = await next_number(connection, self._db.dialect)
            now = fields["created_at"].isoformat()
            cursor = await connection.execute(
                "INSERT INTO portal_applications (id, number, account_id, applicant_kind,"
                " applicant_iin, applicant_bin, applicant_name, person_iin, person_name,"
                " regulation_id, variant, category, form_json, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?) RETURNING id",
                (
                    made,
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

    def signing(
        self,
        application_id: int,
        frozen_at: datetime,
        fields: dict[str, Any],
        entries: Iterable[TimelineEntry],
    ) -> Work:
        """The write that keeps the signed e-document and its CMS (P6), if the draft is still
        the one that was signed (not changed in the meantime): False otherwise, having written
        nothing. Run it with `commit`, or alongside the gateway's acceptance."""
        # The e-document, its CMS and the report are kept once in `message_bodies`, the report
        # serialised and packed once for the application and its C2 entry both; all of it here,
        # beside the event loop, not on the database's thread that every write waits for.
        verification = bodies.body_row(bodies.json_bytes(fields["verification"]))
        kept = [bodies.body_row(fields["edocument"]), bodies.body_row(fields["signature"])]
        values = (
            *(body[0] for body in kept),
            verification[0],
            fields["signed_at"].isoformat(),
            fields["message_id"],
            fields["signed_at"].isoformat(),
            application_id,
            frozen_at.isoformat(),
        )
        timeline = timeline_rows(application_id, entries, (fields["verification"], verification))

        def sign(connection: WorkConnection) -> bool:
            connection.executemany(bodies.INSERT_BODY, [*kept, verification])
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
            for statement, rows in timeline:
                connection.executemany(statement, rows)
            return True

        return sign

    def sending(self, application_id: int, at: datetime, entry: TimelineEntry) -> Work:
        """The write that says the gateway took the signed request (P7)."""
        timeline = timeline_rows(application_id, [entry])

        def send(connection: WorkConnection) -> bool:
            cursor = connection.execute(
                "UPDATE portal_applications SET status = 'sent', sent_at = ?, updated_at = ?"
                " WHERE id = ? AND status = 'signed'",
                (at.isoformat(), at.isoformat(), application_id),
            )
            if cursor.rowcount == 1:
                for statement, rows in timeline:
                    connection.executemany(statement, rows)
            return True

        return send

    def recording(self, application_id: int, entries: Iterable[TimelineEntry]) -> Work:
        """The write of `record`, to run with others (`commit`)."""
        timeline = timeline_rows(application_id, entries)

        def append(connection: WorkConnection) -> bool:
            for statement, rows in timeline:
                connection.executemany(statement, rows)
            return True

        return append

    async def commit(self, *works: Work) -> bool:
        """Run `works` in order in one transaction, in one trip to the database's thread; when
        one says False, nothing of any is kept and False is the answer."""

        def all_of(connection: WorkConnection) -> bool:
            for work in works:
                if not work(connection):
                    raise _Declined
            return True

        try:
            return await self._db.transact(all_of)
        except _Declined:
            return False

    async def with_status(self, status: str) -> list[PortalApplication]:
        """The applications in a status, oldest first (the signed ones the gateway has not
        taken, the sent ones it has not settled)."""
        rows = await self._db.fetch_all(
            f"{SELECT_APPLICATION} WHERE a.status = ? ORDER BY a.id", (status,)
        )
        return [application_from_row(row) for row in rows]

    async def message_ids_with_status(self, status: str) -> list[str]:
        """The messageIds of the applications in a status (the sent ones the gateway has not
        settled), without reading the applications."""
        rows = await self._db.fetch_all(
            "SELECT message_id FROM portal_applications WHERE status = ?"
            " AND message_id IS NOT NULL ORDER BY id",
            (status,),
        )
        return [str(row[0]) for row in rows]

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

    async def to_sign(
        self, application_id: int
    ) -> tuple[PortalApplication, list[Attachment], list[TimelineEntry]] | None:
        """An application, its attachments (by document id) and its timeline, read in one trip
        from one snapshot: what a signature checks, and what its answer shows beside what the
        signature adds."""

        def read(
            connection: WorkConnection,
        ) -> tuple[PortalApplication, list[Attachment], list[TimelineEntry]] | None:
            by_id = (application_id,)
            row = connection.execute(f"{SELECT_APPLICATION} WHERE a.id = ?", by_id).fetchone()
            if row is None:
                return None
            attachments = connection.execute(
                "SELECT * FROM portal_attachments WHERE application_id = ? ORDER BY document_id",
                by_id,
            ).fetchall()
            timeline = connection.execute(
                f"{SELECT_ENTRIES} WHERE t.application_id = ? ORDER BY t.id", by_id
            ).fetchall()
            parts = json_parts.fetch_now(connection, (e["details_json"] for e in timeline))
            return (
                application_from_row(row),
                [attachment_from_row(a) for a in attachments],
                [entry_from_row(e, parts) for e in timeline],
            )

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
        parts = await json_parts.fetch(self._db, (row["details_json"] for row in rows))
        return [entry_from_row(row, parts) for row in rows]
