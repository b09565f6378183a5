"""The checks of the provider conformance suite, by stable id, and what a check's result holds:
each thing observed (passed or not, in words) and the SOAP exchanges that show it."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field

from egovsim.conformance.exchanges import Exchange
from egovsim.signatures.xmlsafe import XmlRefused, parse_xml


@dataclass(frozen=True, slots=True)
class Refusal:
    """The refusal a check pushes for: the catalogue's codes that name it, and words that say
    it for a system that writes its faults in its own words. A fault naming another code of
    the catalogue is a refusal for another reason (REVOCATION_UNAVAILABLE is not CERT_REVOKED)."""

    codes: tuple[str, ...]
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """One check: its stable id (the JUnit test case's name), what it holds, and for a check
    of a refusal, the refusal it must see."""

    id: str
    title: str
    refusal: Refusal | None = None


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(
        "request-acknowledged",
        "A REQUEST pushed with the gateway's WS-Security signature (IAsyncChannelClient "
        "sendMessage) is acknowledged with a sendMessageResponse.",
    ),
    CheckSpec(
        "updates-signed-and-correlated",
        "Status UPDATEs come back through the gateway's AsyncChannel as the system's sender, "
        "with the request's messageId as correlationId, WS-Security signed by the provider.",
    ),
    CheckSpec(
        "response-signed-by-authorized-person",
        "A RESPONSE comes back, WS-Security signed, carrying the result as a CMS that egovsim's "
        "verifier passes (TOTAL_PASSED), signed by a certificate entitled to sign for the "
        "provider: its first head or a person with signing right.",
    ),
    CheckSpec(
        "duplicate-handled-once",
        "The same REQUEST (one messageId) pushed twice is acknowledged twice and handled once: "
        "one RESPONSE.",
    ),
    CheckSpec(
        "redelivery-handled-once",
        "A push whose connection is cut before the acknowledgement is read (a failed attempt "
        "to the gateway) is delivered again, acknowledged, and handled once: one RESPONSE.",
    ),
    CheckSpec(
        "malformed-refused",
        "A message that is not a SOAP envelope (broken XML; well-formed XML without Envelope) "
        "is refused with a SOAP fault (HTTP 500) that says so (ENVELOPE_MALFORMED), not "
        "acknowledged, not answered.",
        Refusal(("ENVELOPE_MALFORMED",), ("malformed", "not xml", "not a soap", "parse")),
    ),
    CheckSpec(
        "unsigned-refused",
        "A push without a WS-Security signature is refused with a SOAP fault that says so "
        "(WSS_SIGNATURE_MISSING), not answered.",
        Refusal(
            ("WSS_SIGNATURE_MISSING",),
            ("signature missing", "no signature", "not signed", "unsigned", "no security"),
        ),
    ),
    CheckSpec(
        "revoked-signer-refused",
        "A push signed with a certificate of the gateway's identity revoked an hour ago is "
        "refused for that (CERT_REVOKED): the system checks revocation (OCSP or CRL) at the "
        "test PKI egovsim serves; a refusal because the status cannot be learnt "
        "(REVOCATION_UNAVAILABLE) fails the check.",
        Refusal(("CERT_REVOKED",), ("revoked",)),
    ),
    CheckSpec(
        "untrusted-signer-refused",
        "A push signed with a certificate of the gateway's identity from a CA that the NCA's "
        "root does not vouch for is refused for that (CERT_UNTRUSTED or CHAIN_INVALID).",
        Refusal(
            ("CERT_UNTRUSTED", "CHAIN_INVALID"),
            ("untrusted", "not trusted", "unknown ca", "unknown issuer", "chain"),
        ),
    ),
    CheckSpec(
        "tampered-body-refused",
        "A signed push whose Body was changed after signing is refused for that "
        "(WSS_DIGEST_MISMATCH or WSS_SIGNATURE_INVALID).",
        Refusal(
            ("WSS_DIGEST_MISMATCH", "WSS_SIGNATURE_INVALID"),
            ("digest", "signature invalid", "invalid signature", "tampered", "altered"),
        ),
    ),
    CheckSpec(
        "status-notification-acknowledged",
        "The gateway's changeMassageStatusNotification (IAsyncChannelClient) about a message "
        "the system sent is acknowledged.",
    ),
)
CHECK_IDS: tuple[str, ...] = tuple(spec.id for spec in CHECKS)


@dataclass(frozen=True, slots=True)
class Observation:
    """One thing a check looked at."""

    title: str
    passed: bool
    detail: str = ""


@dataclass
class CheckResult:
    """What a check came to."""

    spec: CheckSpec
    observations: list[Observation] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # more evidence: reports, attempts
    seconds: float = 0.0
    summary: str = ""  # what a pass says, when the last observation does not say it best

    def see(self, title: str, passed: bool, detail: str = "") -> bool:
        """Record an observation; whether it passed."""
        self.observations.append(Observation(title, passed, detail))
        return passed

    @property
    def passed(self) -> bool:
        """Something was observed, and all of it passed."""
        return bool(self.observations) and all(o.passed for o in self.observations)

    @property
    def message(self) -> str:
        """Why it failed (the first failed observation), or what passed (the last one)."""
        failed = next((o for o in self.observations if not o.passed), None)
        if failed is not None:
            return f"{failed.title}: {failed.detail}" if failed.detail else failed.title
        if not self.observations:
            return "nothing was observed"
        return self.summary or self.observations[-1].detail or "passed"

    def evidence(self) -> str:
        """The exchanges, request and answer, and the other evidence, as text."""
        parts = [exchange.evidence() for exchange in self.exchanges]
        return "\n\n".join(parts + self.notes)


def result_signature(data_xml: bytes) -> tuple[bytes, bytes | None] | str:
    """The CMS of a RESPONSE's data and the document it signs when detached, or why there is
    none: the data is a JSON object with "cms" (and "document") in base64, or the bare base64
    CMS, as the gateway's portal takes it."""
    try:
        text = "".join(parse_xml(data_xml).itertext()).strip()
    except XmlRefused as refused:
        return f"the data is not readable XML ({refused.reason})"
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    try:
        if not isinstance(payload, dict):
            return base64.b64decode("".join(text.split()), validate=True), None
        cms, document = payload.get("cms"), payload.get("document")
        if not isinstance(cms, str):
            return 'the data is a JSON object without a "cms" (the signed result)'
        if document is not None and not isinstance(document, str):
            return 'the "document" of the data is not base64 text'
        return (
            base64.b64decode(cms, validate=True),
            base64.b64decode(document, validate=True) if document is not None else None,
        )
    except (binascii.Error, ValueError):
        return "the data carries no base64 CMS"
