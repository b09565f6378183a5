"""The State Corporation's packages and their steps as the domain reads them, from their rows
(a package's result with its parts put back: `json_parts`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from egovsim.storage import json_parts
from egovsim.storage.database import Database, Row, WorkConnection
from egovsim.storage.rows import required_time, time_or_none


@dataclass(frozen=True, slots=True)
class Package:
    """A package of documents taken at the counter, and what became of it; or, of the kind
    "collection", a portal application's paper result the provider sent for collection."""

    id: int
    number: str | None
    centre_id: str
    operator_login: str
    regulation_id: str
    variant: str | None
    category: str
    applicant_iin: str
    applicant_name: str
    form: dict[str, Any]
    checklist: list[dict[str, Any]]
    status: str
    opened_at: datetime
    decided_at: datetime | None
    ready_by: date | None
    request_message_id: str | None
    provider_number: str | None
    result: dict[str, Any] | None
    arrived_at: datetime | None
    kept_until: datetime | None
    handout: dict[str, Any] | None
    kind: str = "counter"
    portal_request_id: str | None = None


@dataclass(frozen=True, slots=True)
class PackageStep:
    """One step of a package on the centre's side, with its deadline."""

    id: int
    package_id: int
    step: str
    started_at: datetime
    deadline: datetime
    finished_at: datetime | None
    outcome: str | None
    actor: str | None
    details: dict[str, Any]


def _json_or_none(value: str | None) -> Any:
    return json.loads(value) if value else None


async def packages_of(database: Database, rows: list[Row]) -> list[Package]:
    """Rows of `statecorp_packages` as packages, their results' parts read in one query."""
    parts = await json_parts.fetch(database, (row["result_json"] for row in rows))
    return [_package(row, parts) for row in rows]


def packages_now(connection: WorkConnection, rows: list[Row]) -> list[Package]:
    """`packages_of` inside `Database.transact` or `snapshot`."""
    parts = json_parts.fetch_now(connection, (row["result_json"] for row in rows))
    return [_package(row, parts) for row in rows]


def _package(row: Row, parts: dict[str, str]) -> Package:
    return Package(
        id=row["id"],
        number=row["number"],
        centre_id=row["centre_id"],
        operator_login=row["operator_login"],
        regulation_id=row["regulation_id"],
        variant=row["variant"],
        category=row["category"],
        applicant_iin=row["applicant_iin"],
        applicant_name=row["applicant_name"],
        form=json.loads(row["form_json"]),
        checklist=json.loads(row["checklist_json"]),
        status=row["status"],
        opened_at=required_time(row["opened_at"]),
        decided_at=time_or_none(row["decided_at"]),
        ready_by=date.fromisoformat(row["ready_by"]) if row["ready_by"] else None,
        request_message_id=row["request_message_id"],
        provider_number=row["provider_number"],
        result=json_parts.unpacked(row["result_json"], parts) if row["result_json"] else None,
        arrived_at=time_or_none(row["arrived_at"]),
        kept_until=time_or_none(row["kept_until"]),
        handout=_json_or_none(row["handout_json"]),
        kind=row["kind"],
        portal_request_id=row["portal_request_id"],
    )


def step_of(row: Row) -> PackageStep:
    """A `statecorp_steps` row as the dataclass."""
    return PackageStep(
        row["id"],
        row["package_id"],
        row["step"],
        required_time(row["started_at"]),
        required_time(row["deadline"]),
        time_or_none(row["finished_at"]),
        row["outcome"],
        row["actor"],
        json.loads(row["details_json"]),
    )
