"""What the centre tells a portal applicant's cabinet through the gateway: that the paper result
was handed out, when, where and on which document (never the document's number)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from egovsim.statecorp.centres import CentreSpec

#: The kind of the NOTIFICATION; the portal's timeline knows it.
HANDED_OUT = "handed-out"


def handed_out_notice(
    number: str, spec: CentreSpec, at: datetime, record: Mapping[str, Any]
) -> dict[str, Any]:
    """The data of the hand-out NOTIFICATION: `at` in the centre's local time, `record` the
    hand-out as the counter recorded it (an identity document or a power of attorney)."""
    by_representative = record.get("document") == "power-of-attorney"
    moment = at.strftime("%d.%m.%Y %H:%M")
    if by_representative:
        how = {
            "kk": "нотариат куәландырған сенімхат бойынша өкілге",
            "ru": "представителю по нотариально удостоверенной доверенности",
            "en": "to a representative on a notarized power of attorney",
        }
    else:
        how = {
            "kk": "жеке басын куәландыратын құжат бойынша",
            "ru": "по документу, удостоверяющему личность",
            "en": "on an identity document",
        }
    return {
        "kind": HANDED_OUT,
        "number": number,
        "centre": spec.id,
        "place": dict(spec.name),
        "at": at.isoformat(),
        "document": record.get("document"),
        "by_representative": by_representative,
        "text": {
            "kk": f"{number} өтініші бойынша қағаз нәтиже {moment} {spec.name['kk']} "
            f"орталығында {how['kk']} берілді.",
            "ru": f"Результат на бумажном носителе по заявлению {number} выдан {moment} "
            f"{how['ru']}: {spec.name['ru']}.",
            "en": f"The paper result of application {number} was handed out {how['en']} on "
            f"{moment} at {spec.name['en']}.",
        },
    }
