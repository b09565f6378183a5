"""Magic inputs: documented IINs and BINs whose outcome is fixed, so a team reaches a rejection
path by the number it types rather than by switching faults (test numbers in the manner of GOV.UK
Notify).

This table is the one list every layer reads: the test PKI revokes the signing certificates of
the `revoked` numbers from their notBefore, the OCSP responder answers `tryLater` for those of the
`revocation-unavailable` numbers (whose CRL addresses answer nothing), and the gateway never
reaches the receiver of a REQUEST whose applicant is a `delivery-unreachable` number. A legal
entity's certificate carries its employee's IIN and the company's BIN: a magic BIN decides its
outcome, whoever the employee (`holder_outcome`).

The IINs are valid IINs of men born on 1–3 January 1900 with the serial 0000: no persona has
them, and nobody real will. The BINs follow the same pattern: head offices of resident legal
entities registered in January–March 2000 with the serial 00000, every digit zero but the month,
the entity type (4) and the check digit, so they read as test numbers at a glance. No persona,
provider or demo company has them (tests/test_magic.py holds it), and even a real entity with one
would meet its outcome nowhere but here: only certificates of egovsim's own test PKI and messages
in egovsim's gateway are affected.
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
    MagicNumber(
        "000140000002",
        "bin",
        REVOKED,
        "C2",
        "CERT_REVOKED",
        "test PKI: OCSP responder and CRLs",
        "Every signing certificate issued for this BIN is revoked (keyCompromise) from its "
        "notBefore, whichever employee's IIN it carries: OCSP answers revoked and the full and "
        "delta CRLs list it, so C2 says CERT_REVOKED whichever source the verifier asks.",
        "egovsim pki issue --iin <an employee's IIN> --bin 000140000002 --usage sign (first-head "
        "by default; and --usage auth to register the BIN and sign in: the authentication "
        "certificate stays good), then sign the company's request with it.",
    ),
    MagicNumber(
        "000240000006",
        "bin",
        REVOCATION_UNAVAILABLE,
        "C2",
        "REVOCATION_UNAVAILABLE",
        "test PKI: OCSP responder and the certificate's CRL addresses",
        "The OCSP responder answers tryLater for every signing certificate issued for this BIN, "
        "and such a certificate names CRL addresses that answer HTTP 503: with either "
        "revocation preference and the hard-fail policy, C2 says REVOCATION_UNAVAILABLE "
        "(soft-fail passes with a warning).",
        "egovsim pki issue --iin <an employee's IIN> --bin 000240000006 --usage sign (and "
        "--usage auth to register the BIN and sign in), then sign the company's request with it.",
    ),
    MagicNumber(
        "000340000002",
        "bin",
        DELIVERY_UNREACHABLE,
        "P7",
        "RECEIVER_UNREACHABLE",
        "gateway: delivery worker",
        "The gateway accepts a REQUEST whose applicant is this BIN, then every delivery attempt "
        "fails as unreachable until the configured attempts end in DELIVERY_STOPPED; the portal "
        "shows P7 not delivered.",
        "egovsim pki issue --iin <an employee's IIN> --bin 000340000002 for sign and auth, "
        "register the BIN on the portal, and sign and send any request of the company.",
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


def holder_outcome(iin: str | None, bin_: str | None) -> MagicOutcome | None:
    """What always happens to a certificate holder's signatures: its BIN's outcome when the BIN
    is magic (the company's number decides for every employee), else its IIN's (None when
    neither is magic)."""
    return magic_outcome(bin_) or magic_outcome(iin)


def numbers_with(
    outcome: MagicOutcome, kind: Literal["iin", "bin"] | None = None
) -> tuple[str, ...]:
    """The magic numbers whose outcome is `outcome` (only the IINs or the BINs if `kind` says)."""
    return tuple(
        magic.number
        for magic in MAGIC_NUMBERS
        if magic.outcome == outcome and kind in (None, magic.kind)
    )
