"""What an applicant presents at P1, checked for C1: the login's form (an IIN or a BIN), the
password policy, the signed challenge, and the certificate naming the account. Every refusal
is step C1 and says in its details that the portal answers it with P2 (`egovsim.portal.accounts`
runs these checks in their order)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any

from egovsim.errors import EgovsimError
from egovsim.identity import classify, explain_bin, explain_iin
from egovsim.portal.model import ApplicantKind
from egovsim.signatures import cms, der
from egovsim.signatures.encoding import to_der
from egovsim.signatures.report import Report, SignerIdentity

LOCK_DURATION = timedelta(minutes=30)
MIN_PASSWORD_LENGTH = 8
REFUSAL_STEP = "P2"


def refused(code: str, **details: Any) -> EgovsimError:
    """A C1 refusal; the portal answers it with P2, which the details say."""
    return EgovsimError(code, {**details, "refusal_step": REFUSAL_STEP})


def check_login_id(login: str) -> str:
    """The login as an IIN or BIN (whitespace stripped); LOGIN_ID_INVALID with every problem."""
    number = login.strip()
    if classify(number) is not None:
        return number
    # Digit 5 is a day's tens digit (0-3) in an IIN and the entity type (4-6) in a BIN.
    as_bin = len(number) == 12 and number[4:5] in ("4", "5", "6")
    problems = explain_bin(number) if as_bin else explain_iin(number)
    raise refused(
        "LOGIN_ID_INVALID",
        login=login,
        kind="bin" if as_bin else "iin",
        problems=[
            {"code": p.code, "position": list(p.position), "message": p.message} for p in problems
        ],
    )


def password_problems(password: str) -> list[str]:
    """What the password policy finds wrong with `password` (empty when it passes)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"shorter than {MIN_PASSWORD_LENGTH} characters")
    if not any(c.isalpha() for c in password):
        problems.append("no letter")
    if not any(c.isdigit() for c in password):
        problems.append("no digit")
    return problems


def decode_signature(signature: str) -> bytes:
    """The CMS a client sent: base64 (as NCALayer gives it) or PEM; undecodable text is handed
    to the verifier as it is, which reports it as malformed."""
    try:
        return base64.b64decode("".join(signature.split()), validate=True)
    except (binascii.Error, ValueError):
        return signature.encode("utf-8", "replace")


def signed_content(signature: bytes) -> bytes | None:
    """The content an attached CMS carries (None when detached or unreadable)."""
    try:
        return cms.parse(to_der(signature)).content
    except (der.DerError, ValueError):
        return None


def is_locked(locked_until: datetime, now: datetime) -> bool:
    """Whether a lock holds at `now`: it began `LOCK_DURATION` before its end. A lock that
    begins after `now` does not hold: the trainer set the clock back before the failures (or a
    scenario tried on the live simulator ran in its future and the clock was put back)."""
    return locked_until - LOCK_DURATION <= now < locked_until


def check_certificate_names(kind: ApplicantKind, login: str, signer: SignerIdentity) -> None:
    """The certificate names the account: an individual's IIN (and is an individual's), or a
    legal entity's BIN; AUTH_CERT_ID_MISMATCH otherwise."""
    if kind == "individual":
        if signer.iin != login or signer.bin is not None:
            raise refused(
                "AUTH_CERT_ID_MISMATCH",
                login=login,
                certificate_iin=signer.iin,
                certificate_bin=signer.bin,
                reason="the certificate's IIN is not the login"
                if signer.iin != login
                else "a legal entity's certificate cannot open an individual's account",
            )
    elif signer.bin != login:
        raise refused(
            "AUTH_CERT_ID_MISMATCH",
            login=login,
            certificate_iin=signer.iin,
            certificate_bin=signer.bin,
            reason="the certificate's BIN is not the login",
        )


def signature_refused(report: Report, code: str | None, **extra: Any) -> EgovsimError:
    """AUTH_SIGNATURE_REFUSED with the verifier's code and report."""
    return refused(
        "AUTH_SIGNATURE_REFUSED",
        verifier_code=code,
        report=report.to_json(),
        **extra,
    )
