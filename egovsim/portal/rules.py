"""The portal's P3 rules on a request, before any of it is stored: the form's IIN/BIN fields are
the applicant's own, the applicant category fits the applicant's kind, and the request reads as
the provider's intake reads it (`workstation.intake.check_submission` holds the rest)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from egovsim.errors import EgovsimError
from egovsim.portal.model import Applicant
from egovsim.regulations.model import Regulation, RequiredDocument
from egovsim.workstation.intake import Submission


def own_ids(
    regulation: Regulation, applicant: Applicant, form: Mapping[str, Any]
) -> dict[str, Any]:
    """The form with its IIN (individual) or BIN (legal entity) fields set to the applicant's
    own; a different one is refused."""
    if not isinstance(form, Mapping):
        raise EgovsimError("FORM_INVALID", {"reason": "the form must be an object"})
    filled = dict(form)
    for field in regulation.form:
        own = (
            applicant.iin
            if field.type == "iin" and applicant.kind == "individual"
            else applicant.bin
            if field.type == "bin" and applicant.kind == "legal_entity"
            else None
        )
        if own is None:
            continue
        given = filled.get(field.id)
        if given is None or given == "":
            filled[field.id] = own
        elif str(given) != own:
            raise EgovsimError(
                "REQUEST_ID_NOT_APPLICANTS", {"field": field.id, "given": str(given), "own": own}
            )
    return filled


def applicant_category(
    regulation: Regulation, applicant: Applicant, category: str | None, form: Mapping[str, Any]
) -> str:
    """The applicant category: the one asked for, the form's, or the only one of the
    applicant's kind; a category of the other kind is not eligible."""
    own_kind = [c.id for c in regulation.applicants if c.kind == applicant.kind]
    if not own_kind:
        raise EgovsimError(
            "APPLICANT_NOT_ELIGIBLE",
            {"kind": applicant.kind, "eligible": [c.id for c in regulation.applicants]},
        )
    chosen = category or form.get("applicant-category")
    if chosen is None or chosen == "":
        if len(own_kind) != 1:
            raise EgovsimError("FORM_INVALID", {"missing": ["category"], "categories": own_kind})
        return own_kind[0]
    if not isinstance(chosen, str):
        raise EgovsimError("FORM_INVALID", {"reason": "the category must be text"})
    known = next((c for c in regulation.applicants if c.id == chosen), None)
    if known is not None and known.kind != applicant.kind:
        raise EgovsimError(
            "APPLICANT_NOT_ELIGIBLE",
            {"category": chosen, "kind": applicant.kind, "eligible": own_kind},
        )
    return chosen


def portal_submission(
    regulation: Regulation,
    applicant: Applicant,
    category: str,
    variant: str | None,
    form: Mapping[str, Any],
    documents: tuple[str, ...] = (),
) -> Submission:
    """The request as the provider's intake checks it (the same P3 rules as at its office)."""
    individual = applicant.kind == "individual"
    return Submission(
        regulation_id=regulation.id,
        category=category,
        applicant_name=applicant.name,
        applicant_iin=applicant.iin if individual else None,
        applicant_bin=None if individual else applicant.bin,
        variant=variant,
        form=form,
        documents=documents,
        channel="portal",
    )


def is_required(document: RequiredDocument, variant: str | None) -> bool:
    """Whether the document is required of the variant (or of every variant)."""
    return "*" in document.required_in or (variant is not None and variant in document.required_in)
