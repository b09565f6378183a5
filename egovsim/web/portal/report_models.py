"""The verifier's report as the API gives it (C2): the check-document answer, and the signer and
the signers' lines an application shows.

The report's JSON is the verifier's own (`Report.to_json`, which the command line prints too);
these models are the API's promise about it, in the OpenAPI document, held against real
answers by the tests.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from egovsim.signatures.report import VERDICTS, Indication, Status
from egovsim.web.common.models import ResponseModel, Time, Words


class PortalSigner(ResponseModel):
    """Whom a certificate names, as the NCA's profile carries it."""

    name: str | None
    iin: str | None
    bin: str | None
    organization: str | None
    role: str | None
    usage: str | None = Field(examples=["sign", "auth"])
    serial: str = Field(description="The certificate's serial number, in hex.")
    issuer: str
    not_before: Time
    not_after: Time


class PortalCheck(ResponseModel):
    """One check the verifier made; the first failed one decides."""

    name: str
    status: Status
    detail: str = ""
    code: str | None = None
    data: dict[str, Any] | None = None

    # The verifier leaves out what a check has not (no detail, code or data).
    model_config = ConfigDict(frozen=True, json_schema_serialization_defaults_required=False)


class PortalSignerReport(ResponseModel):
    """One signer of a CMS with its own verdict, checks and timestamp."""

    index: int = Field(description="1 for the first signer, in the CMS's order.")
    indication: Indication
    subindication: str | None
    code: str | None
    signer: PortalSigner | None
    signing_time: Time | None
    timestamp: dict[str, Any] | None = Field(
        description="The signature-time-stamp (CAdES-T) of this signer, if any."
    )
    times: dict[str, str] | None
    chain: list[str]
    checks: list[PortalCheck]


class PortalVerificationReport(ResponseModel):
    """The verifier's report (C2): an indication and subindication in the words of ETSI EN 319
    102-1, the refusal code, the signer, and every check made."""

    indication: Indication
    subindication: str | None = Field(examples=sorted({sub for _, sub in VERDICTS.values()}))
    code: str | None = Field(json_schema_extra={"enum": [*sorted(VERDICTS), None]})
    step: str | None = Field(json_schema_extra={"enum": ["C2", None]})
    message: Words | None
    validation_time: Time
    signing_time: Time | None
    signer: PortalSigner | None
    chain: list[str] = Field(description="The subjects from the signer to the trust anchor.")
    checks: list[PortalCheck] = Field(
        description="Every check made, in order; the first failed one decides."
    )
    signers: list[PortalSignerReport] = Field(
        description="Every signer of the CMS, in its order (one for a CMS of one signer)."
    )


class PortalSignerLine(ResponseModel):
    """One signer of a verified CMS as an application shows it."""

    index: int | None = Field(description="1 for the first signer, in the CMS's order.")
    indication: Indication | None
    code: str | None = Field(description="The refusal of this signer, if any.")
    signer: PortalSigner | None
    timestamp: Time | None = Field(
        description="The time the signer's signature-time-stamp proves (CAdES-T)."
    )


def signer_lines(verification: dict[str, Any]) -> list[dict[str, Any]]:
    """Each signer of a verified CMS, in its order, as `PortalSignerLine` takes it (a report
    made before several signers were reported names its one signer)."""
    found = verification.get("signers")
    if not found:
        only = verification.get("signer")
        if only is None:
            return []
        return [
            {
                "index": 1,
                "indication": verification.get("indication"),
                "code": verification.get("code"),
                "signer": only,
                "timestamp": None,
            }
        ]
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
