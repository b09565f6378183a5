"""The portal's records as the JSON API and the pages show them: the catalogue's services, the
applications with their documents, timeline and result, the cabinet's notices."""

from __future__ import annotations

from datetime import date
from typing import Any

from egovsim.errors import Language
from egovsim.portal.applications import ApplicationDetail
from egovsim.portal.model import Applicant
from egovsim.regulations.model import Regulation
from egovsim.regulations.sequence import PortalSequence
from egovsim.regulations.terms import required_in
from egovsim.storage.portal import Attachment, PortalApplication, TimelineEntry
from egovsim.storage.portal_cabinet import Notification
from egovsim.web.portal.services import duration_json
from egovsim.workstation.intake import acceptance_window

#: Where an application's own addresses start.
BASE = "/api/v1/portal/applications"


def service_json(
    regulation: Regulation, lang: Language, today: date, applicant: Applicant | None
) -> dict[str, Any]:
    """One service as the portal's catalogue shows it, in one language."""

    def documents(variant: str | None) -> list[dict[str, Any]]:
        return [
            {
                "id": d.id,
                "name": d.name[lang],
                "required": "*" in d.required_in
                or (variant is not None and variant in d.required_in),
            }
            for d in regulation.documents_for(variant)
        ]

    def window_open(category: str) -> bool:
        window = acceptance_window(regulation, category)
        if window is None:
            return True
        key = (today.month, today.day)
        start, end = window
        return start <= key <= end if start <= end else key >= start or key <= end

    variants: list[str | None] = [v.id for v in regulation.variants] or [None]
    return {
        "id": regulation.id,
        "name": regulation.name[lang],
        "provider": regulation.provider[lang],
        "basis": {
            "authority": regulation.basis.authority[lang],
            "resolution": regulation.basis.resolution_number,
            "date": regulation.basis.resolution_date.isoformat(),
            "registration": regulation.basis.registration,
            "standard": regulation.basis.standard[lang],
        },
        "effective": {
            "from": regulation.period.start.isoformat(),
            "to": regulation.period.end.isoformat() if regulation.period.end else None,
            "repealed_by": regulation.period.repealed_by[lang]
            if regulation.period.repealed_by
            else None,
            "in_force_today": regulation.is_effective(today),
        },
        "channels": sorted(regulation.channels),
        "on_portal": "portal" in regulation.channels,
        "eligibility": [
            {
                "id": c.id,
                "kind": c.kind,
                "name": c.name[lang],
                "accepting_today": window_open(c.id),
            }
            for c in regulation.applicants
        ],
        "eligible": None
        if applicant is None
        else any(c.kind == applicant.kind for c in regulation.applicants),
        "acceptance_windows": [
            {
                "from": f"{w.start[0]:02d}-{w.start[1]:02d}",
                "to": f"{w.end[0]:02d}-{w.end[1]:02d}",
                "categories": sorted(w.categories),
            }
            for w in regulation.windows
        ],
        "form": [
            {
                "id": f.id,
                "label": f.label[lang],
                "type": f.type,
                "required": f.required,
                "required_in": required_in(regulation, f.id),
                "choices": list(f.choices),
            }
            for f in regulation.form
        ],
        "variants": [
            {"id": v.id, "name": v.name[lang], "documents": documents(v.id)}
            for v in regulation.variants
        ],
        "documents": {variant or "*": documents(variant) for variant in variants},
        "terms": [
            {
                "id": s.id,
                "role": s.role,
                "name": s.name[lang],
                "duration": duration_json(s.duration),
                "by_variant": {k: duration_json(v) for k, v in s.by_variant.items()},
            }
            for s in regulation.steps
        ],
        "refusal_term": duration_json(regulation.refusal.duration),
        "results": [
            {"id": r.id, "name": r.name[lang], "refusal": r.refusal} for r in regulation.results
        ],
        "result_forms": sorted(regulation.result_forms),
        "fee": {
            "amount_kzt": regulation.fee.amount_kzt,
            "note": regulation.fee.note[lang] if regulation.fee.note else None,
        },
    }


def summary_json(application: PortalApplication, regulation: Regulation) -> dict[str, Any]:
    """An application as the cabinet's list shows it."""
    return {
        "id": application.id,
        "number": application.number,
        "service": {"id": regulation.id, "name": dict(regulation.name)},
        "variant": application.variant,
        "status": application.status,
        "created_at": application.created_at.isoformat(),
        "updated_at": application.updated_at.isoformat(),
        "provider_number": application.provider_number,
        "provider_status": application.provider_status,
    }


def entry_json(entry: TimelineEntry, sequence: PortalSequence) -> dict[str, Any]:
    """A timeline entry: the step id as the service's regulation numbers it, the time, what
    happened, and its details."""
    return {
        "step": sequence.show(entry.step, entry.event),
        "at": entry.at.isoformat(),
        "event": entry.event,
        "code": entry.code,
        "details": entry.details,
    }


def application_json(detail: ApplicationDetail) -> dict[str, Any]:
    """An application with its documents, signature, timeline and result."""
    application = detail.application
    regulation = detail.regulation
    attached = {a.document_id: a for a in detail.attachments}
    verification = application.verification
    result = detail.result
    base = f"{BASE}/{application.id}"
    return {
        **summary_json(application, regulation),
        "category": application.category,
        "applicant": {
            "kind": application.applicant_kind,
            "iin": application.applicant_iin,
            "bin": application.applicant_bin,
            "name": application.applicant_name,
        },
        "person": {"iin": application.person_iin, "name": application.person_name},
        "form": application.form,
        "documents": [
            {
                "id": d.id,
                "name": dict(d.name),
                "required": "*" in d.required_in
                or (application.variant is not None and application.variant in d.required_in),
                "attachment": _attachment_json(attached[d.id], base) if d.id in attached else None,
            }
            for d in regulation.documents_for(application.variant)
        ],
        "signature": None
        if verification is None
        else {
            "signed_at": application.signed_at.isoformat() if application.signed_at else None,
            "indication": verification.get("indication"),
            "signer": verification.get("signer"),
            "signers": signers_json(verification),
        },
        "message_id": application.message_id,
        "sent_at": application.sent_at.isoformat() if application.sent_at else None,
        "timeline": [entry_json(e, regulation.portal) for e in detail.timeline],
        "result": None
        if result is None
        else {
            "kind": result.kind,
            "refusal": result.refusal,
            "grounds": result.grounds,
            "number": result.provider_number,
            "received_at": result.received_at.isoformat(),
            "indication": result.verification.get("indication"),
            "signer": result.verification.get("signer"),
            "signers": signers_json(result.verification),
            "cms": f"{base}/result",
            "document": f"{base}/result/document",
        },
        "links": {"document": f"{base}/document", "signature": f"{base}/signature"},
    }


def signers_json(verification: dict[str, Any]) -> list[dict[str, Any]]:
    """Each signer of a verified CMS, in its order: who, the verdict, the timestamp's time (a
    report made before several signers were reported names its one signer)."""
    found = verification.get("signers")
    if not found:
        only = verification.get("signer")
        return (
            []
            if only is None
            else [
                {
                    "index": 1,
                    "indication": verification.get("indication"),
                    "code": verification.get("code"),
                    "signer": only,
                    "timestamp": None,
                }
            ]
        )
    return [
        {
            "index": s.get("index"),
            "indication": s.get("indication"),
            "code": s.get("code"),
            "signer": s.get("signer"),
            "timestamp": (s.get("timestamp") or {}).get("time"),
        }
        for s in found
    ]


def _attachment_json(found: Attachment, base: str) -> dict[str, Any]:
    return {
        "file_name": found.file_name,
        "content_type": found.content_type,
        "size": found.size,
        "sha256": found.sha256,
        "attached_at": found.attached_at.isoformat(),
        "href": f"{base}/attachments/{found.document_id}",
    }


def notification_json(notice: Notification) -> dict[str, Any]:
    """A notice of the cabinet."""
    return {
        "id": notice.id,
        "application_id": notice.application_id,
        "at": notice.at.isoformat(),
        "kind": notice.kind,
        "text": notice.text,
        "details": notice.details,
    }
