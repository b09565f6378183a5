"""The rows of the portal's requests as the domain reads them (applications, attachments, the
timeline), the queries that read them, and the timeline's appends and the application numbers
made inside a caller's transaction; `egovsim.storage.portal` and `portal_cabinet` use them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from egovsim.storage import bodies, json_parts
from egovsim.storage.database import Connection, Row
from egovsim.storage.dialect import Dialect, next_id
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


def application_from_row(row: Row, listed: bool = False) -> PortalApplication:
    """A `portal_applications` row as the dataclass: of `SELECT_APPLICATION`, or `listed` (of
    `SELECT_LISTED`: a list's brief row, without the e-document, CMS and report)."""
    if listed:
        edocument = signature = verification = None
    else:
        edocument = bodies.referred(row, "edocument")
        signature = bodies.referred(row, "signature")
        verification = bodies.referred_json(row, "verification")
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
        edocument=edocument,
        signature=signature,
        verification=verification,
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
#: An application as a list shows it: its row alone, none of its bodies read (a page of 50
#: would inflate 150 of them, and parse 50 reports, to show numbers and statuses).
SELECT_LISTED = "SELECT a.* FROM portal_applications a"
_REPORT = _joined_bodies("t", (("report_body", "report"),))
#: Timeline entries with their reports (kept in `message_bodies`); columns as `t.`.
SELECT_ENTRIES = f"SELECT t.*, {_REPORT[0]} FROM portal_timeline t{_REPORT[1]}"


def entry_from_row(row: Row, parts: Mapping[str, str]) -> TimelineEntry:
    """A `portal_timeline` row (of `SELECT_ENTRIES`) as the dataclass, with the parts its
    details refer to (`json_parts.fetch` of the rows' `details_json`)."""
    details = json_parts.unpacked(row["details_json"], parts)
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
    application_id: int,
    entries: Iterable[TimelineEntry],
    kept: tuple[dict[str, Any], tuple[Any, ...]] | None = None,
) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """The statements that append new entries, each with its rows for `executemany`: the
    entries' reports (a verifier's report is kept once, in `message_bodies`), then the entries.
    `kept` is a report already made into its body row (`bodies.body_row`), made once."""
    reports: list[tuple[Any, ...]] = []
    parts: list[tuple[str, str]] = []
    rows: list[tuple[Any, ...]] = []
    for e in entries:
        details, digest = e.details, None
        report = details.get("report")
        if isinstance(report, dict):
            details = {k: v for k, v in details.items() if k != "report"}
            made = kept[1] if kept is not None and kept[0] is report else None
            kept_row = made or bodies.body_row(bodies.json_bytes(report))
            reports.append(kept_row)
            digest = kept_row[0]
        stored, found = json_parts.packed(details)
        parts += found
        rows.append(
            (
                application_id,
                e.at.isoformat(),
                e.step,
                e.event,
                e.code,
                stored,
                digest,
            )
        )
    statements = [(bodies.INSERT_BODY, reports)] if reports else []
    if parts:
        statements.append((json_parts.INSERT_PART, parts))
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


async def next_number(connection: Connection, dialect: Dialect) -> tuple[int, str]:
    """The id and the portal's number of the next application, inside the caller's
    transaction (the number follows the id, so instances writing at once never share one)."""
    cursor = await connection.execute(next_id(dialect, "portal_applications"))
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0]), f"EGOV-{int(row[0]):06d}"
