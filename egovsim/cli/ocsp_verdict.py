"""`egovsim verify ocsp`: what the verifier would make of an OCSP response file, as a dict."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from egovsim.signatures.certs import CertCache, CertInfo
from egovsim.signatures.encoding import to_der
from egovsim.signatures.ocsp_check import OcspRefused, load_response, needs_no_check, read_answer


def _verdict(acceptable: bool, code: str | None, reason: str, **fields: Any) -> dict[str, Any]:
    return {
        "acceptable": acceptable,
        "status": None,
        "code": code,
        "reason": reason,
        **fields,
    }


def ocsp_verdict(response: bytes, cert: bytes, issuer: bytes, at: datetime) -> dict[str, Any]:
    """The status the response gives the certificate at `at`, and whether it may be used."""
    certs = CertCache()
    try:
        subject: CertInfo = certs.get(to_der(cert))
        authority: CertInfo = certs.get(to_der(issuer))
    except ValueError as error:
        return _verdict(False, "SIGNATURE_MALFORMED", f"a certificate cannot be read: {error}")
    if subject.issuer_key != authority.subject_key:
        return _verdict(
            False, "CHAIN_INVALID", f"{authority.label()} is not the issuer of {subject.label()}"
        )
    try:
        answer, responder = read_answer(load_response(response), subject, authority, certs, at)
    except OcspRefused as error:
        refusal = "WEAK_ALGORITHM" if error.weak else "REVOCATION_UNAVAILABLE"
        return _verdict(False, refusal, str(error))
    reason = "signed by the CA itself"
    if responder is not authority:
        reason = f"signed by {responder.label()}, delegated by the CA for OCSP signing"
        if not needs_no_check(responder):
            reason += " (without id-pkix-ocsp-nocheck: the verifier also checks its revocation)"
    code: str | None = {"revoked": "CERT_REVOKED", "unknown": "REVOCATION_UNAVAILABLE"}.get(
        answer.status
    )
    if answer.status == "revoked" and answer.reason == "certificateHold":
        code = "CERT_ON_HOLD"
    return {
        "acceptable": True,
        "status": answer.status,
        "code": code,
        "reason": reason,
        "responder": responder.label(),
        "this_update": answer.this_update.isoformat(),
        "next_update": answer.next_update.isoformat() if answer.next_update else None,
        "revoked_at": answer.revoked_at.isoformat() if answer.revoked_at else None,
        "revocation_reason": answer.reason,
        "validation_time": at.isoformat(),
    }
