"""The hand-out of a paper result (Regulation item 10): on the applicant's identity document or
a representative's notarized power of attorney, recorded as presented."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from egovsim.errors import EgovsimError
from egovsim.identity import is_valid_iin
from egovsim.storage.statecorp import Package

HANDOUT_DOCUMENTS = ("identity-document", "power-of-attorney")


def handout_record(package: Package, params: Mapping[str, Any]) -> dict[str, Any]:
    """The hand-out's document as recorded: the applicant's identity document, or a
    representative's notarized power of attorney."""

    def text(key: str) -> str:
        value = params.get(key)
        return value.strip()[:200] if isinstance(value, str) else ""

    document = text("document")
    if document not in HANDOUT_DOCUMENTS:
        raise EgovsimError(
            "HANDOUT_DOCUMENT_INVALID", {"document": document, "allowed": list(HANDOUT_DOCUMENTS)}
        )
    number = text("document_number")
    if not number:
        raise EgovsimError("HANDOUT_DOCUMENT_INVALID", {"missing": "document_number"})
    if document == "identity-document":
        holder = text("holder_iin") or package.applicant_iin
        if holder != package.applicant_iin:
            raise EgovsimError(
                "HANDOUT_DOCUMENT_INVALID",
                {"reason": "not the applicant's identity document: bring a power of attorney"},
            )
        return {"document": document, "document_number": number, "holder_iin": holder}
    representative = params.get("representative")
    if not isinstance(representative, Mapping):
        raise EgovsimError("HANDOUT_DOCUMENT_INVALID", {"missing": "representative"})
    name = str(representative.get("name") or "").strip()[:300]
    iin = str(representative.get("iin") or "").strip()
    if params.get("notarized") is not True:
        raise EgovsimError(
            "HANDOUT_DOCUMENT_INVALID", {"reason": "the power of attorney must be notarized"}
        )
    if not name or not is_valid_iin(iin):
        raise EgovsimError(
            "HANDOUT_DOCUMENT_INVALID", {"representative": {"name": name, "iin": iin}}
        )
    return {
        "document": document,
        "document_number": number,
        "notarized": True,
        "representative": {"name": name, "iin": iin},
        "notary": text("notary") or None,
    }
