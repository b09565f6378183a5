"""Rows of the provider's tables as the records the domain sees."""

from __future__ import annotations

import json
from collections.abc import Mapping

from egovsim.storage import bodies, json_parts
from egovsim.storage.database import Row
from egovsim.storage.records import (
    Application,
    DocumentCheck,
    ResultRecord,
    StepRecord,
    Transition,
)
from egovsim.storage.rows import required_time, time_or_none


def application_of(row: Row) -> Application:
    return Application(
        id=row["id"],
        number=row["number"],
        provider_id=row["provider_id"],
        regulation_id=row["regulation_id"],
        variant=row["variant"],
        channel=row["channel"],
        category=row["category"],
        applicant_iin=row["applicant_iin"],
        applicant_bin=row["applicant_bin"],
        applicant_name=row["applicant_name"],
        form=json.loads(row["form_json"]),
        documents=json.loads(row["documents_json"]),
        received_at=required_time(row["received_at"]),
        status=row["status"],
        current_seq=row["current_seq"],
        current_deadline=row["current_deadline"],
    )


def step_of(row: Row) -> StepRecord:
    return StepRecord(
        row["application_id"],
        row["seq"],
        row["step_id"],
        row["role"],
        row["action"],
        required_time(row["started_at"]),
        required_time(row["deadline"]),
        time_or_none(row["finished_at"]),
        row["finished_by"],
        row["outcome"],
    )


def transition_of(row: Row) -> Transition:
    return Transition(
        row["id"],
        row["application_id"],
        required_time(row["at"]),
        row["actor"],
        row["role"],
        row["action"],
        row["step_id"],
        row["channel"],
        json.loads(row["details_json"]),
    )


def check_of(row: Row) -> DocumentCheck:
    return DocumentCheck(
        row["document_id"],
        row["verdict"],
        row["note"],
        required_time(row["checked_at"]),
        row["checked_by"],
    )


_SIGNATURE = bodies.joined("r", "signature_body", "signature")
_VERIFICATION = bodies.joined("r", "verification_body", "verification")
#: A result with its CMS and the verifier's report (kept once, in `message_bodies`).
SELECT_RESULTS = (
    f"SELECT r.*, {_SIGNATURE[0]}, {_VERIFICATION[0]} FROM results r"
    f"{_SIGNATURE[1]}{_VERIFICATION[1]}"
)


def result_of(row: Row, parts: Mapping[str, str]) -> ResultRecord:
    """A row of `SELECT_RESULTS` as the dataclass, with the parts its document refers to
    (`json_parts.fetch` of the rows' `document_json`)."""
    return ResultRecord(
        row["application_id"],
        row["kind"],
        bool(row["refusal"]),
        row["grounds"],
        json_parts.unpacked(row["document_json"], parts),
        required_time(row["prepared_at"]),
        row["prepared_by"],
        bodies.referred(row, "signature"),
        time_or_none(row["signed_at"]),
        row["signed_by"],
        bodies.referred_json(row, "verification"),
    )
