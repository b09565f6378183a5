"""What an application must be to be taken in (P3): channel, applicant, variant, window, form.

Each refusal has its code; the checks are pure functions of the regulation and the day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from egovsim.errors import EgovsimError
from egovsim.identity import is_valid_bin, is_valid_iin
from egovsim.regulations.model import FormField, Regulation
from egovsim.regulations.terms import check_term_dates

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Submission:
    """An application as it reaches the provider (the office counter, later the gateway)."""

    regulation_id: str
    category: str
    applicant_name: str
    applicant_iin: str | None = None
    applicant_bin: str | None = None
    variant: str | None = None
    form: Mapping[str, Any] = field(default_factory=dict)
    documents: tuple[str, ...] = ()
    channel: str = "provider_office"
    #: The State Corporation's acceptance of the package, when it forwarded it (the terms that
    #: count "from the submission" start there); None: on arrival at the provider.
    submitted_at: datetime | None = None
    #: The electronic copies' metadata a portal REQUEST carries (document, file_name,
    #: content_type, size, sha256); their content is fetched when opened.
    attachments: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_json(cls, payload: Mapping[str, Any], service: str, channel: str) -> Submission:
        """An application as JSON (the API's body, a gateway REQUEST's data); FORM_INVALID
        when its shape is wrong. Identifiers may come as numbers: they are read as text."""
        applicant = payload.get("applicant") or {}
        form = payload.get("form") or {}
        documents = payload.get("documents") or []
        if not isinstance(applicant, Mapping) or not isinstance(form, Mapping):
            raise EgovsimError("FORM_INVALID", {"reason": "applicant and form must be objects"})
        if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
            raise EgovsimError("FORM_INVALID", {"reason": "documents must be a list of ids"})

        def text(value: Any) -> str | None:
            if value is None or value == "":
                return None
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise EgovsimError("FORM_INVALID", {"reason": f"{value!r} is not text"})
            return str(value)

        return cls(
            regulation_id=service,
            category=text(payload.get("category")) or "",
            applicant_name=text(applicant.get("name")) or "",
            applicant_iin=text(applicant.get("iin")),
            applicant_bin=text(applicant.get("bin")),
            variant=text(payload.get("variant")),
            form=dict(form),
            documents=tuple(documents),
            channel=channel,
            submitted_at=_accepted_at(payload) if channel == "state_corporation" else None,
            attachments=_attachments(payload.get("attachments"), documents),
        )


def _attachments(value: Any, documents: list[str]) -> tuple[Mapping[str, Any], ...]:
    """The attachments' metadata of a REQUEST; FORM_INVALID when it is not one object per
    attached document with its name, type, size and SHA-256."""
    if value is None:
        return ()
    kinds = {"document": str, "file_name": str, "content_type": str, "size": int, "sha256": str}
    found = []
    for item in value if isinstance(value, list) else [None]:
        if not isinstance(item, Mapping) or any(
            not isinstance(item.get(k), t) or isinstance(item.get(k), bool)
            for k, t in kinds.items()
        ):
            raise EgovsimError("FORM_INVALID", {"reason": f"attachments: {sorted(kinds)} each"})
        digest = str(item["sha256"])
        if item["document"] not in documents or not _SHA256.fullmatch(digest):
            raise EgovsimError(
                "FORM_INVALID",
                {
                    "reason": f"attachment of {item['document']!r}: no such document "
                    "in documents, or not a SHA-256"
                },
            )
        found.append({k: item[k] for k in kinds} | {"file_name": str(item["file_name"])[:200]})
    return tuple(found)


def _accepted_at(payload: Mapping[str, Any]) -> datetime | None:
    """When the State Corporation accepted the package it forwards (its REQUEST's data)."""
    centre = payload.get("state_corporation")
    stated = centre.get("accepted_at") if isinstance(centre, Mapping) else None
    if not isinstance(stated, str):
        return None
    try:
        moment = datetime.fromisoformat(stated)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def check_submission(
    regulation: Regulation, submission: Submission, day: date, enforce_period: bool
) -> None:
    """Every refusal a submission can meet at P3, in the order an office clerk would see them."""
    if enforce_period and not regulation.is_effective(day):
        raise EgovsimError(
            "SERVICE_NOT_EFFECTIVE", {"service": regulation.id, "date": day.isoformat()}
        )
    if submission.channel not in regulation.channels:
        raise EgovsimError(
            "CHANNEL_NOT_ALLOWED",
            {"channel": submission.channel, "allowed": sorted(regulation.channels)},
        )
    category = next((c for c in regulation.applicants if c.id == submission.category), None)
    if category is None:
        raise EgovsimError(
            "APPLICANT_NOT_ELIGIBLE",
            {
                "category": submission.category,
                "eligible": [c.id for c in regulation.applicants],
            },
        )
    if category.kind == "legal_entity" and not submission.applicant_bin:
        raise EgovsimError("APPLICANT_NOT_ELIGIBLE", {"reason": "a legal entity needs a BIN"})
    if submission.applicant_iin and not is_valid_iin(submission.applicant_iin):
        raise EgovsimError("APPLICANT_ID_INVALID", {"iin": submission.applicant_iin})
    if submission.applicant_bin and not is_valid_bin(submission.applicant_bin):
        raise EgovsimError("APPLICANT_ID_INVALID", {"bin": submission.applicant_bin})
    if not submission.applicant_iin and not submission.applicant_bin:
        raise EgovsimError("APPLICANT_ID_INVALID", {"reason": "an IIN or a BIN is required"})
    variants = {v.id for v in regulation.variants}
    if (variants and submission.variant not in variants) or (
        not variants and submission.variant is not None
    ):
        raise EgovsimError(
            "UNKNOWN_VARIANT", {"variant": submission.variant, "variants": sorted(variants)}
        )
    window = acceptance_window(regulation, submission.category)
    if window is not None and not _within(day, window[0], window[1]):
        raise EgovsimError(
            "OUTSIDE_ACCEPTANCE_WINDOW",
            {
                "date": day.isoformat(),
                "from": f"{window[0][0]:02d}-{window[0][1]:02d}",
                "to": f"{window[1][0]:02d}-{window[1][1]:02d}",
                "category": submission.category,
            },
        )
    missing = [f.id for f in regulation.form if f.required and not submission.form.get(f.id)]
    unknown = sorted(set(submission.form) - {f.id for f in regulation.form})
    wrong = [
        f.id
        for f in regulation.form
        if submission.form.get(f.id) not in (None, "") and not _fits(f, submission.form[f.id])
    ]
    if missing or unknown or wrong:
        raise EgovsimError(
            "FORM_INVALID", {"missing": missing, "unknown": unknown, "invalid": wrong}
        )
    check_term_dates(regulation, submission.variant, submission.form, day)
    known = {d.id for d in regulation.documents_for(submission.variant)}
    strangers = sorted(set(submission.documents) - known)
    if strangers:
        raise EgovsimError("UNKNOWN_DOCUMENT", {"documents": strangers})


def _fits(field: FormField, value: Any) -> bool:
    """Whether a form value has the field's type."""
    text = str(value)
    if field.type == "date":
        try:
            date.fromisoformat(text)
        except ValueError:
            return False
        return True
    if field.type == "number":
        return (isinstance(value, int | float) and not isinstance(value, bool)) or (
            isinstance(value, str) and text.strip().lstrip("-").replace(".", "", 1).isdigit()
        )
    if field.type == "iin":
        return is_valid_iin(text)
    if field.type == "bin":
        return is_valid_bin(text)
    if field.type == "choice":
        return not field.choices or text in field.choices
    if field.type == "boolean":
        return isinstance(value, bool)
    return isinstance(value, str) and len(value) <= 2000


def acceptance_window(
    regulation: Regulation, category: str
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The yearly window for a category: its own if it has one, else the general one."""
    own = next((w for w in regulation.windows if category in w.categories), None)
    general = next((w for w in regulation.windows if not w.categories), None)
    window = own or general
    return (window.start, window.end) if window else None


def _within(day: date, start: tuple[int, int], end: tuple[int, int]) -> bool:
    key = (day.month, day.day)
    if start <= end:
        return start <= key <= end
    return key >= start or key <= end  # a window across the new year
