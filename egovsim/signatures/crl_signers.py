"""Who signed a CRL (RFC 5280 §6.3.3 (f), (g)): the certificate's issuer, the same CA after a key
rollover, or a separate CRL-signing certificate, each with cRLSign and a path to the same anchor.

A signer other than the issuer must itself be unrevoked at the validation time; that check asks
the revocation checker again, nested at most MAX_NESTING deep.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from cryptography.exceptions import UnsupportedAlgorithm

from egovsim.signatures.algorithms import digest_weakness
from egovsim.signatures.certs import CertInfo
from egovsim.signatures.crls import ParsedCrl

if TYPE_CHECKING:
    from egovsim.signatures.path import PathBuilder
    from egovsim.signatures.revocation import RevocationStatus

#: How deep the checks of CRL signers' and OCSP responders' own status may go.
MAX_NESTING = 3
#: Certificates of the CRL issuer's name tried as its signer, at most.
MAX_CANDIDATES = 32

StatusOf = Callable[
    [CertInfo, CertInfo, datetime, "CertInfo | None"], Awaitable["RevocationStatus"]
]


class CrlSigners:
    """Finds and validates the signer of each CRL, remembering what does not depend on time."""

    def __init__(self, paths: PathBuilder | None, status_of: StatusOf) -> None:
        self._paths = paths
        self._status_of = status_of
        self._known: dict[tuple[bytes, bytes, bytes], CertInfo | str] = {}
        self._nesting = 0
        self._checking: set[bytes] = set()

    async def signer(
        self,
        crl: ParsedCrl,
        cert: CertInfo,
        issuer: CertInfo,
        at: datetime,
        anchor: CertInfo | None,
        problems: list[str],
    ) -> CertInfo | None:
        """§6.3.3 (f), (g): the certificate whose key signed the CRL, validated; or None."""
        key = (crl.fingerprint, issuer.fingerprint, anchor.fingerprint if anchor else b"")
        known = self._known.get(key)
        if isinstance(known, CertInfo):
            if known is issuer or await self._signer_in_good_standing(known, at, anchor, problems):
                return known
            return None
        if isinstance(known, str):
            problems.append(known)
            return None
        refusal = f"{crl.source}: no certificate of {crl.issuer_name.rfc4514_string()} signed it"
        for candidate in self._signer_candidates(crl, issuer):
            mismatch = signed_by(crl, candidate)
            if mismatch is not None:
                refusal = f"{crl.source}: {mismatch}"
                continue
            if candidate.key_usage is not None and not candidate.key_usage.crl_sign:
                refusal = (
                    f"{crl.source} is signed by {candidate.label()}, whose keyUsage lacks cRLSign"
                )
                continue
            if candidate is not issuer and not await self._same_anchor(candidate, anchor):
                refusal = f"{crl.source}: its signer {candidate.label()} has no valid path"
                continue
            self._known[key] = candidate
            if candidate is issuer or await self._signer_in_good_standing(
                candidate, at, anchor, problems
            ):
                return candidate
            return None
        self._known[key] = refusal
        problems.append(refusal)
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
        self, signer: CertInfo, at: datetime, anchor: CertInfo | None, problems: list[str]
    ) -> bool:
        """A separate CRL signer's own path must be valid and unrevoked at `at` (§6.3.3 (f))."""
        if signer.fingerprint in self._checking:
            # The signer's own status comes from a CRL it signed (an indirect CRL covering
            # its issuer's certificates): its path is being established just above.
            return True
        if self._paths is None or self._nesting >= MAX_NESTING:
            problems.append(f"the status of the CRL signer {signer.label()} cannot be established")
            return False
        path = await self._paths.build(signer, [])
        if path.code is not None:
            return False
        self._nesting += 1
        self._checking.add(signer.fingerprint)
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
            self._nesting -= 1
            self._checking.discard(signer.fingerprint)
        return True


def signed_by(crl: ParsedCrl, signer: CertInfo) -> str | None:
    """Why `signer`'s key did not sign the CRL under the algorithm policy, or None if it did."""
    hash_algorithm = crl.crl.signature_hash_algorithm
    weak = digest_weakness(hash_algorithm.name if hash_algorithm else None)
    try:
        valid = crl.crl.is_signature_valid(signer.public_key)  # type: ignore[arg-type]
    except (TypeError, ValueError, UnsupportedAlgorithm):
        valid = False
    if not valid:
        return f"the signature is not {signer.label()}'s"
    if weak is not None:
        return f"{crl.source} is signed with a {weak}"
    return None
