"""Who signed a CRL (RFC 5280 §6.3.3 (f), (g)): the certificate's issuer, the same CA after a key
rollover, or a separate CRL-signing certificate, each with cRLSign and a path to the same anchor.

A signer other than the issuer must itself be unrevoked at the validation time; that check asks
the revocation checker again, nested at most MAX_NESTING deep.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from cryptography.exceptions import UnsupportedAlgorithm

from egovsim.signatures.algorithms import digest_weakness, key_weakness
from egovsim.signatures.certs import CertInfo
from egovsim.signatures.crls import ParsedCrl, Problems
from egovsim.signatures.revocation_status import StatusOf

if TYPE_CHECKING:
    from egovsim.signatures.path import PathBuilder

#: How deep the checks of CRL signers' and OCSP responders' own status may go.
MAX_NESTING = 3
#: How deep the current check has gone into signers' and responders' own status, and which CRL
#: signers it is establishing: per task (context variables), so that concurrent checks on one
#: verifier never see each other's state.
NESTING: ContextVar[int] = ContextVar("egovsim_revocation_nesting", default=0)
CHECKING: ContextVar[frozenset[bytes]] = ContextVar(
    "egovsim_crl_signers_checking", default=frozenset()
)
#: Certificates of the CRL issuer's name tried as its signer, at most.
MAX_CANDIDATES = 32


class _Refusal(NamedTuple):
    """Why no certificate may have signed a CRL (kept: it does not depend on time)."""

    message: str
    weak: bool = False


class CrlSigners:
    """Finds and validates the signer of each CRL, remembering what does not depend on time."""

    def __init__(self, paths: PathBuilder | None, status_of: StatusOf) -> None:
        self._paths = paths
        self._status_of = status_of
        self._known: dict[tuple[bytes, bytes, bytes], CertInfo | _Refusal] = {}

    async def signer(
        self,
        crl: ParsedCrl,
        cert: CertInfo,
        issuer: CertInfo,
        at: datetime,
        anchor: CertInfo | None,
        problems: Problems,
    ) -> CertInfo | None:
        """§6.3.3 (f), (g): the certificate whose key signed the CRL, validated; or None."""
        key = (crl.fingerprint, issuer.fingerprint, anchor.fingerprint if anchor else b"")
        known = self._known.get(key)
        if isinstance(known, CertInfo):
            if known is issuer or await self._signer_in_good_standing(known, at, anchor, problems):
                return known
            return None
        if isinstance(known, _Refusal):
            problems.append(known.message)
            problems.weak = problems.weak or known.weak
            return None
        refusal = _Refusal(
            f"{crl.source}: no certificate of {crl.issuer_name.rfc4514_string()} signed it"
        )
        weak = weakness(crl)
        if weak is not None:
            # The algorithm policy refuses the CRL whoever signed it: one policy for all evidence.
            refusal = _Refusal(f"{crl.source} is signed with a {weak}", weak=True)
        for candidate in self._signer_candidates(crl, issuer) if weak is None else []:
            mismatch = signed_by(crl, candidate)
            if mismatch is not None:
                refusal = _Refusal(f"{crl.source}: {mismatch}")
                continue
            weak_key = key_weakness(candidate.public_key)
            if weak_key is not None:
                refusal = _Refusal(f"{crl.source} is signed with an {weak_key}", weak=True)
                break
            if candidate.key_usage is not None and not candidate.key_usage.crl_sign:
                refusal = _Refusal(
                    f"§6.3.3 (f) {crl.source} is signed by {candidate.label()}, whose keyUsage "
                    "lacks cRLSign"
                )
                continue
            if candidate is not issuer and not await self._same_anchor(candidate, anchor):
                refusal = _Refusal(
                    f"{crl.source}: its signer {candidate.label()} has no valid path"
                )
                continue
            self._known[key] = candidate
            if candidate is issuer or await self._signer_in_good_standing(
                candidate, at, anchor, problems
            ):
                return candidate
            return None
        self._known[key] = refusal
        problems.append(refusal.message)
        problems.weak = problems.weak or refusal.weak
        return None

    def _signer_candidates(self, crl: ParsedCrl, issuer: CertInfo) -> list[CertInfo]:
        found = [issuer] if issuer.subject_key == crl.issuer_key else []
        if self._paths is not None:
            for info in self._paths.certificates_named(crl.issuer_key):
                if info.fingerprint != issuer.fingerprint:
                    found.append(info)
        return found[:MAX_CANDIDATES]

    async def _same_anchor(self, signer: CertInfo, anchor: CertInfo | None) -> bool:
        if self._paths is None:
            return False
        path = await self._paths.build(signer, [])
        return path.code is None and (anchor is None or path.chain[-1] is anchor)

    async def _signer_in_good_standing(
        self, signer: CertInfo, at: datetime, anchor: CertInfo | None, problems: Problems
    ) -> bool:
        """A separate CRL signer's own path must be valid and unrevoked at `at` (§6.3.3 (f))."""
        if signer.fingerprint in CHECKING.get():
            # The signer's own status comes from a CRL it signed (an indirect CRL covering
            # its issuer's certificates): its path is being established just above.
            return True
        if self._paths is None or NESTING.get() >= MAX_NESTING:
            problems.append(f"the status of the CRL signer {signer.label()} cannot be established")
            return False
        path = await self._paths.build(signer, [])
        if path.code is not None:
            return False
        nesting = NESTING.set(NESTING.get() + 1)
        checking = CHECKING.set(CHECKING.get() | {signer.fingerprint})
        try:
            for position, link in enumerate(path.chain[:-1]):
                if not link.not_before <= at.replace(microsecond=0) <= link.not_after:
                    problems.append(f"the CRL signer's path has {link.label()} out of validity")
                    return False
                status = await self._status_of(link, path.chain[position + 1], at, anchor)
                if status.status != "good":
                    problems.append(f"the CRL signer {link.label()} is {status.status}")
                    return False
        finally:
            CHECKING.reset(checking)
            NESTING.reset(nesting)
        return True


def signed_by(crl: ParsedCrl, signer: CertInfo) -> str | None:
    """Why `signer`'s key did not sign the CRL, or None if it did."""
    try:
        valid = crl.crl.is_signature_valid(signer.public_key)  # type: ignore[arg-type]
    except (TypeError, ValueError, UnsupportedAlgorithm):
        valid = False
    return None if valid else f"the signature is not {signer.label()}'s"


def weakness(crl: ParsedCrl) -> str | None:
    """Why the algorithm policy refuses the CRL's signature, or None."""
    hash_algorithm = crl.crl.signature_hash_algorithm
    return digest_weakness(hash_algorithm.name if hash_algorithm else None)
