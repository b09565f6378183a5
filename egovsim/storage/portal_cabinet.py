"""What comes back to the portal's cabinet: the provider's answers (each landed once, with its
timeline entries and status), the notices they bring and the signed results (P9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from egovsim.storage import bodies, json_parts
from egovsim.storage.database import Database, Row, WorkConnection
from egovsim.storage.portal_rows import (
    SELECT_APPLICATION,
    SELECT_ENTRIES,
    SELECT_LISTED,
    Attachment,
    PortalApplication,
    TimelineEntry,
    append_timeline,
    application_from_row,
    attachment_from_row,
    entry_from_row,
    next_number,
)
from egovsim.storage.rows import required_time

#: Where an application may be when a status arrives, per status: the status only moves forward.
_FORWARD: dict[str, tuple[str, ...]] = {
    "sent": ("signed",),
    "delivered": ("signed", "sent"),
    "not_delivered": ("signed", "sent"),
    "in_progress": ("signed", "sent", "delivered"),
    "completed": ("signed", "sent", "delivered", "in_progress"),
    "refused": ("signed", "sent", "delivered", "in_progress"),
}


@dataclass(frozen=True, slots=True)
class CabinetDetail:
    """An application with its attachments, timeline and landed result, as read together."""

    application: PortalApplication
    attachments: list[Attachment]
    timeline: list[TimelineEntry]
    result: PortalResult | None


@dataclass(frozen=True, slots=True)
class Notification:
    """A notice in the personal cabinet."""

    id: int
    account_id: int
    application_id: int | None
    at: datetime
    kind: str
    text: dict[str, str]
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewNotification:
    """A notice to put into the cabinet."""

    at: datetime
    kind: str
    text: dict[str, str]
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PortalResult:
    """The provider's signed result (or reasoned refusal) as it landed in the cabinet (P9)."""

    application_id: int
    message_id: str
    kind: str
    refusal: bool
    grounds: str | None
    provider_number: str | None
    cms: bytes
    document: bytes
    verification: dict[str, Any]
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Landing:
    """What an answer of the provider changes, applied once per answer."""

    key: str  # the answer's messageId (or another key that names it once)
    message_type: str
    at: datetime
    entries: tuple[TimelineEntry, ...] = ()
    status: str | None = None
    provider_number: str | None = None
    provider_status: str | None = None
    notification: NewNotification | None = None
    result: PortalResult | None = None


class CabinetStore:
    """The answers landed on the portal's applications, and the notices and results they left."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def land(self, application: PortalApplication, landing: Landing) -> bool:
        """Apply an answer once: its timeline entries, status, notice and result, atomically.
        False when this answer had landed before."""
        async with self._db.write() as connection:
            cursor = await connection.execute(
                "INSERT INTO portal_answers (message_id, application_id, message_type, landed_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING",
                (landing.key, application.id, landing.message_type, landing.at.isoformat()),
            )
            if cursor.rowcount != 1:
                return False
            await append_timeline(connection, application.id, landing.entries)
            if landing.provider_number or landing.provider_status:
                await connection.execute(
                    "UPDATE portal_applications SET"
                    " provider_number = COALESCE(?, provider_number),"
                    " provider_status = COALESCE(?, provider_status), updated_at = ?"
                    " WHERE id = ?",
                    (
                        landing.provider_number,
                        landing.provider_status,
                        landing.at.isoformat(),
                        application.id,
                    ),
                )
            if landing.status is not None:
                allowed = _FORWARD[landing.status]
                await connection.execute(
                    "UPDATE portal_applications SET status = ?, updated_at = ?"
                    f" WHERE id = ? AND status IN ({', '.join('?' for _ in allowed)})",
                    (landing.status, landing.at.isoformat(), application.id, *allowed),
                )
            if landing.notification is not None:
                notice = landing.notification
                # Its text and the places, names and signers in it are parts kept once.
                text, text_parts = json_parts.packed(notice.text)
                details, details_parts = json_parts.packed(notice.details)
                if text_parts or details_parts:
                    await connection.executemany(
                        json_parts.INSERT_PART, [*text_parts, *details_parts]
                    )
                await connection.execute(
                    "INSERT INTO portal_notifications (account_id, application_id, at, kind,"
                    " text_json, details_json) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        application.account_id,
                        application.id,
                        notice.at.isoformat(),
                        notice.kind,
                        text,
                        details,
                    ),
                )
            if landing.result is not None:
                result = landing.result
                # The CMS, the document and the report are kept in `message_bodies` (the
                # provider's own copy of this CMS is already there: one body for both).
                kept = [
                    bodies.body_row(result.cms),
                    bodies.body_row(result.document),
                    bodies.body_row(bodies.json_bytes(result.verification)),
                ]
                await connection.executemany(bodies.INSERT_BODY, kept)
                await connection.execute(
                    "INSERT INTO portal_results (application_id, message_id, kind, refusal,"
                    " grounds, provider_number, cms, cms_body, document, document_body,"
                    f" verification_json, verification_body, received_at) VALUES (?, ?, ?, ?,"
                    f" ?, ?, ?, {bodies.BODY_ID}, ?, {bodies.BODY_ID}, '', {bodies.BODY_ID}, ?)"
                    " ON CONFLICT (application_id) DO NOTHING",
                    (
                        application.id,
                        result.message_id,
                        result.kind,
                        int(result.refusal),
                        result.grounds,
                        result.provider_number,
                        b"",
                        kept[0][0],
                        b"",
                        kept[1][0],
                        kept[2][0],
                        result.received_at.isoformat(),
                    ),
                )
            return True

    async def open_for_office_result(
        self, login: str, fields: dict[str, Any], entries: tuple[TimelineEntry, ...]
    ) -> PortalApplication | None:
        """The cabinet's entry for an application registered at the provider's office, in the
        account whose login (IIN or BIN) is the applicant's: made once per gateway messageId
        (`fields["message_id"]`), in progress until its result lands; None without an account."""
        async with self._db.write() as connection:
            cursor = await connection.execute(
                f"{SELECT_APPLICATION} WHERE a.message_id = ?", (fields["message_id"],)
            )
            row = await cursor.fetchone()
            if row is not None:
                return application_from_row(row)
            cursor = await connection.execute(
                "SELECT id, kind FROM portal_accounts WHERE login = ?", (login,)
            )
            account = await cursor.fetchone()
            if account is None:
                return None
            at = fields["at"].isoformat()
            # Made once per messageId even when two instances take its result at once: the
            # later insert finds the earlier's row (committed while it waited) and reads it.
            cursor = await connection.execute(
                "INSERT INTO portal_applications (id, number, account_id, applicant_kind,"
                " applicant_iin, applicant_bin, applicant_name, person_iin, person_name,"
                " regulation_id, variant, category, form_json, status, message_id,"
                " provider_number, provider_status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', 'in_progress', ?, ?,"
                " 'in_progress', ?, ?) ON CONFLICT (message_id) DO NOTHING RETURNING id",
                (
                    *await next_number(connection, self._db.dialect),
                    account["id"],
                    account["kind"],
                    fields["applicant_iin"],
                    fields["applicant_bin"],
                    fields["applicant_name"],
                    fields["applicant_iin"] or "",
                    fields["applicant_name"],
                    fields["regulation_id"],
                    fields["variant"],
                    fields["category"],
                    fields["message_id"],
                    fields["provider_number"],
                    at,
                    at,
                ),
            )
            made = await cursor.fetchone()
            if made is None:
                cursor = await connection.execute(
                    f"{SELECT_APPLICATION} WHERE a.message_id = ?", (fields["message_id"],)
                )
                row = await cursor.fetchone()
                assert row is not None
                return application_from_row(row)
            await append_timeline(connection, int(made["id"]), entries)
            cursor = await connection.execute(f"{SELECT_APPLICATION} WHERE a.id = ?", (made["id"],))
            row = await cursor.fetchone()
            assert row is not None
            return application_from_row(row)

    async def applications(
        self, account_id: int, limit: int, before: int | None = None, status: str | None = None
    ) -> list[PortalApplication]:
        """Up to `limit` of an account's applications, newest first, older than the one
        `before` (a page's cursor), of one `status` when it is given; brief rows (no
        e-document, CMS or report: `application` reads one whole)."""
        clauses: list[str] = ["a.account_id = ?"]
        values: list[Any] = [account_id]
        if status is not None:
            clauses.append("a.status = ?")
            values.append(status)
        if before is not None:
            clauses.append("a.id < ?")
            values.append(before)
        rows = await self._db.fetch_all(
            f"{SELECT_LISTED} WHERE {' AND '.join(clauses)} ORDER BY a.id DESC LIMIT ?",
            (*values, limit),
        )
        return [application_from_row(row, listed=True) for row in rows]

    async def drafts(self, account_id: int) -> int:
        """How many drafts an account has open."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM portal_applications WHERE account_id = ? AND status = 'draft'",
            (account_id,),
        )
        return int(row[0]) if row else 0

    async def notifications(self, account_id: int, limit: int = 50) -> list[Notification]:
        """An account's newest `limit` notices, newest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM portal_notifications WHERE account_id = ? ORDER BY id DESC LIMIT ?",
            (account_id, limit),
        )
        texts = [text for row in rows for text in (row["text_json"], row["details_json"])]
        parts = await json_parts.fetch(self._db, texts)
        return [
            Notification(
                row["id"],
                row["account_id"],
                row["application_id"],
                required_time(row["at"]),
                row["kind"],
                json_parts.unpacked(row["text_json"], parts),
                json_parts.unpacked(row["details_json"], parts),
            )
            for row in rows
        ]

    async def result(self, application_id: int) -> PortalResult | None:
        """The signed result that landed for an application, if one did."""
        row = await self._db.fetch_one(
            f"{_SELECT_RESULT} WHERE r.application_id = ?", (application_id,)
        )
        return _result(row) if row is not None else None

    async def detail(self, application_id: int) -> CabinetDetail | None:
        """An application as the cabinet shows it, read in one trip from one snapshot."""

        def read(connection: WorkConnection) -> CabinetDetail | None:
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
            result = connection.execute(
                f"{_SELECT_RESULT} WHERE r.application_id = ?", by_id
            ).fetchone()
            parts = json_parts.fetch_now(connection, (e["details_json"] for e in timeline))
            return CabinetDetail(
                application_from_row(row),
                [attachment_from_row(a) for a in attachments],
                [entry_from_row(e, parts) for e in timeline],
                _result(result) if result is not None else None,
            )

        return await self._db.snapshot(read)


_RESULT_BODIES = [
    bodies.joined("r", column, name)
    for column, name in (
        ("cms_body", "cms"),
        ("document_body", "document"),
        ("verification_body", "verification"),
    )
]
#: A landed result with its CMS, document and report (kept in `message_bodies`).
_SELECT_RESULT = (
    f"SELECT r.*, {', '.join(selected for selected, _ in _RESULT_BODIES)}"
    f" FROM portal_results r{''.join(join for _, join in _RESULT_BODIES)}"
)


def _result(row: Row) -> PortalResult:
    return PortalResult(
        row["application_id"],
        row["message_id"],
        row["kind"],
        bool(row["refusal"]),
        row["grounds"],
        row["provider_number"],
        bodies.referred(row, "cms") or b"",
        bodies.referred(row, "document") or b"",
        bodies.referred_json(row, "verification"),
        required_time(row["received_at"]),
    )
