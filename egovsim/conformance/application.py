"""The application a conformance REQUEST carries: the shape the portal sends through the gateway
(the category, variant, applicant, form, documents, the signed e-document and its CMS), made for
the service under test from its regulation when egovsim knows it."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from functools import cache
from typing import Any

from egovsim.conformance.signers import Signers
from egovsim.regulations.loader import load_regulations
from egovsim.regulations.model import Regulation
from egovsim.signatures import cms

#: Who applies: a citizen, or the first head of a company for a legal entity's service.
INDIVIDUAL, LEGAL_ENTITY = "citizen-valid", "company-first-head"


@cache
def _shipped_regulations() -> dict[str, Regulation]:
    return load_regulations()


def sample_application(service_id: str, signers: Signers, now: datetime, number: int) -> str:
    """The REQUEST's data (JSON text) for application `number` of the run, signed at `now` by
    the applicant persona."""
    regulation = _shipped_regulations().get(service_id)
    category, kind, variant, documents = "individual", "individual", None, []
    if regulation is not None:
        first = regulation.applicants[0]
        category, kind = first.id, first.kind
        variant = regulation.variants[0].id if regulation.variants else None
        documents = [
            d.id
            for d in regulation.documents
            if "*" in d.required_in or (variant is not None and variant in d.required_in)
        ]
    persona = signers.personas.get(LEGAL_ENTITY if kind == "legal_entity" else INDIVIDUAL, {})
    applicant: dict[str, Any] = {
        "name": persona.get("organization") or persona.get("name"),
        "iin": None if kind == "legal_entity" else persona.get("iin"),
        "bin": persona.get("bin") if kind == "legal_entity" else None,
    }
    form = {"bin": applicant["bin"]} if kind == "legal_entity" else {"iin": applicant["iin"]}
    edocument = json.dumps(
        {
            "service": service_id,
            "category": category,
            "variant": variant,
            "form": form,
            "applicant": applicant,
            "documents": documents,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    key = signers.persona_key(str(persona.get("id", INDIVIDUAL)))
    signature = cms.sign(edocument, key.key, key.certificate, key.chain, now)
    return json.dumps(
        {
            "category": category,
            "variant": variant,
            "applicant": applicant,
            "person": {"iin": persona.get("iin"), "name": persona.get("name")},
            "form": form,
            "documents": documents,
            "attachments": [],
            "portal_number": f"CONF-{number:03d}",
            "edocument": base64.b64encode(edocument).decode(),
            "signature": base64.b64encode(signature).decode(),
        },
        ensure_ascii=False,
    )
