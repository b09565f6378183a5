"""Magic inputs: documented IINs whose outcome is fixed, so a team reaches a rejection path by
the number it types rather than by switching faults (test numbers in the manner of GOV.UK Notify).

This table is the one list every layer reads: the test PKI revokes the signing certificates of
the `revoked` number from their notBefore, the OCSP responder answers `tryLater` for those of the
`revocation-unavailable` number (whose CRL addresses answer nothing), and the gateway never
reaches the receiver of a REQUEST whose applicant is the `delivery-unreachable` number. The
numbers are valid IINs of men born on 1–3 January 1900 with the serial 0000: no persona has them,
and nobody real will.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

MagicOutcome = Literal["revoked", "revocation-unavailable", "delivery-unreachable"]

REVOKED: MagicOutcome = "revoked"
REVOCATION_UNAVAILABLE: MagicOutcome = "revocation-unavailable"
DELIVERY_UNREACHABLE: MagicOutcome = "delivery-unreachable"

#: Where the certificates of the `revocation-unavailable` number have their CRLs (full and
#: delta): an address on egovsim's server that is down on purpose.
UNAVAILABLE_CRL_PATH = "/magic/revocation-unavailable"


@dataclass(frozen=True, slots=True)
class MagicNumber:
    """One magic input: the number, what always happens to it, and where that is decided."""

    number: str
    kind: Literal["iin", "bin"]
    outcome: MagicOutcome
    step: str  # the step id where the outcome shows (C2, P7)
    code: str  # the refusal code (or gateway state) it ends in
    layer: str  # which part of egovsim fixes the outcome
    summary: str
    how: str


MAGIC_NUMBERS: tuple[MagicNumber, ...] = (
    MagicNumber(
        "000101300009",
        "iin",
        REVOKED,
        "C2",
        "CERT_REVOKED",
        "test PKI: OCSP responder and CRLs",
        "Every signing certificate of this IIN is revoked (keyCompromise) from its notBefore: "
        "OCSP answers revoked and the full and delta CRLs list it, so C2 says CERT_REVOKED "
        "whichever source the verifier asks.",
        "egovsim pki issue --iin 000101300009 --usage sign (and --usage auth to register and "
        "sign in: the authentication certificate stays good), then sign the request with it.",
    ),
    MagicNumber(
        "000102300004",
        "iin",
        REVOCATION_UNAVAILABLE,
        "C2",
        "REVOCATION_UNAVAILABLE",
        "test PKI: OCSP responder and the certificate's CRL addresses",
        "The OCSP responder answers tryLater for every signing certificate of this IIN, and "
        "such a certificate names CRL addresses that answer HTTP 503: with either revocation "
        "preference and the hard-fail policy, C2 says REVOCATION_UNAVAILABLE (soft-fail passes "
        "with a warning).",
        "egovsim pki issue --iin 000102300004 --usage sign (and --usage auth to register and "
        "sign in), then sign the request with it.",
    ),
    MagicNumber(
        "000103300002",
        "iin",
        DELIVERY_UNREACHABLE,
        "P7",
        "RECEIVER_UNREACHABLE",
        "gateway: delivery worker",
        "The gateway accepts a REQUEST whose applicant is this IIN, then every delivery attempt "
        "fails as unreachable (the workstation or an external system never gets it) until the "
        "configured attempts end in DELIVERY_STOPPED; the portal shows P7 not delivered.",
        "egovsim pki issue --iin 000103300002 for sign and auth, register the IIN on the portal, "
        "and sign and send any request.",
    ),
)

_BY_NUMBER: Mapping[str, MagicNumber] = {magic.number: magic for magic in MAGIC_NUMBERS}


def magic_number(number: str | None) -> MagicNumber | None:
    """The magic entry of an IIN or BIN, or None for an ordinary number."""
    if number is None:
        return None
    return _BY_NUMBER.get(number)


def magic_outcome(number: str | None) -> MagicOutcome | None:
    """What always happens to `number` (None for an ordinary number)."""
    magic = magic_number(number)
    return magic.outcome if magic is not None else None


def numbers_with(outcome: MagicOutcome) -> tuple[str, ...]:
    """The magic numbers whose outcome is `outcome`."""
    return tuple(magic.number for magic in MAGIC_NUMBERS if magic.outcome == outcome)
