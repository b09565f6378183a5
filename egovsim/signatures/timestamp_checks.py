"""The check of a signer's signature-time-stamp (CAdES-T): the token read, bound to the
signature value, signed by a TSA whose certificate has a path to the anchors, was valid when it
stamped and is not revoked now.

A token's own signature and reading are facts of its bytes and its TSA certificate: they are
kept by the token's bytes, so that a document with several stamped signers costs one RSA check
per signature and per token once, not again on every verification. The imprint (which binds the
token to this signature value), the TSA's path and its revocation at the validation time are
checked every time, the last two from the path and revocation caches while they hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from egovsim.signatures import checks as c2
from egovsim.signatures import cms, der, timestamps
from egovsim.signatures.certs import CertCache, CertInfo
from egovsim.signatures.chain_checks import ChainChecker
from egovsim.signatures.path import PathBuilder
from egovsim.signatures.report import Check, Status, failed, passed

_MAX_KEPT = 10_000


@dataclass(frozen=True, slots=True)
class TimestampPolicy:
    """What the verifier asks of signature-time-stamps: `required` refuses a signer without
    one (TIMESTAMP_MISSING); `at_signing_time` validates the signer's certificate at the time a
    valid timestamp proves (on by default, as CAdES-T means it), else at the validation time."""

    required: bool = False
    at_signing_time: bool = True


class TimestampChecker:
    """Checks signature-time-stamps against one verifier's anchors and revocation sources."""

    def __init__(self, certs: CertCache, paths: PathBuilder, chains: ChainChecker) -> None:
        self._certs = certs
        self._paths = paths
        self._chains = chains
        #: Tokens read, and their signatures' outcomes, by the bytes of the attribute value.
        self._tokens: dict[bytes, tuple[timestamps.Token, dict[str, Any]]] = {}
        self._signatures: dict[bytes, tuple[CertInfo | None, Check | None]] = {}
        #: The check a token that held gives (its wording depends on the token and TSA alone).
        self._held: dict[bytes, tuple[CertInfo, Check]] = {}

    async def check(
        self,
        signer: cms.SignerInfo,
        pool: list[CertInfo],
        when: datetime,
        checks: list[Check],
        policy: TimestampPolicy,
    ) -> tuple[datetime | None, dict[str, Any] | None]:
        """Check the signer's signature-time-stamp; its time when it holds, and its description
        for the report."""
        node = signer.unsigned.get(timestamps.ATTR_SIGNATURE_TIME_STAMP)
        if node is None:
            # No check is listed for a CAdES-BES signature nobody asked a timestamp of: the
            # report keeps the shape it had before timestamps existed.
            if policy.required:
                checks.append(
                    failed(
                        "timestamp",
                        "TIMESTAMP_MISSING",
                        "the policy asks for a signature-time-stamp (CAdES-T) and there is none",
                    )
                )
            return None, None
        encoded = node.encoded
        read = self._tokens.get(encoded)
        if read is None:
            try:
                token = timestamps.token_of(signer)
            except der.DerError as error:
                checks.append(failed("timestamp", "SIGNATURE_MALFORMED", f"the token: {error}"))
                return None, None
            assert token is not None
            if len(self._tokens) > _MAX_KEPT:
                self._tokens.clear()
            read = self._tokens[encoded] = (token, _describe(token))
        token, described = read[0], dict(read[1])
        problem = timestamps.imprint_check(token, signer)
        if problem is not None:
            checks.append(problem)
            return None, described
        try:
            token_pool = [self._certs.get(c) for c in token.signed.certificates] + pool
        except ValueError as error:
            checks.append(failed("timestamp", "SIGNATURE_MALFORMED", f"the token: {error}"))
            return None, described
        tsa = c2.signer_certificate(token.signed.signers[0], token_pool)
        problem = self._token_signature(encoded, token, tsa)
        if problem is not None or tsa is None:
            checks.append(problem or failed("timestamp", "TSA_UNTRUSTED", "no TSA certificate"))
            return None, described
        described["tsa"] = tsa.label()
        path = self._paths.cached(tsa) or await self._paths.build(tsa, token_pool, when)
        if path.code is not None:
            checks.append(failed("timestamp", "TSA_UNTRUSTED", f"{tsa.label()}: {path.detail}"))
            return None, described
        # The TSA's certificate must have been valid when it stamped, and not be revoked now.
        validity = c2.validity(path.chain, token.gen_time)
        revocation = await self._chains.revocation_check(path.chain, when)
        for check in (validity, revocation):
            if check.status is Status.FAILED:
                code = "REVOCATION_UNAVAILABLE" if check.code == "REVOCATION_UNAVAILABLE" else None
                checks.append(
                    failed("timestamp", code or "TSA_UNTRUSTED", f"the TSA: {check.detail}")
                )
                return None, described
        held = self._held.get(encoded)
        if held is None or held[0] is not tsa:
            if len(self._held) > _MAX_KEPT:
                self._held.clear()
            held = self._held[encoded] = (
                tsa,
                passed(
                    "timestamp",
                    f"{token.gen_time.isoformat()} by {tsa.label()}, policy {token.policy}",
                    **described,
                ),
            )
        checks.append(held[1])
        return token.gen_time, described

    def _token_signature(
        self, encoded: bytes, token: timestamps.Token, tsa: CertInfo | None
    ) -> Check | None:
        """The refusal of the token's own signature or its signer's EKU, if any: kept by the
        token's bytes for the TSA certificate found (another one found is checked anew)."""
        kept = self._signatures.get(encoded)
        if kept is not None and kept[0] is tsa:
            return kept[1]
        problem = timestamps.token_signature_check(token, tsa)
        if len(self._signatures) > _MAX_KEPT:
            self._signatures.clear()
        self._signatures[encoded] = (tsa, problem)
        return problem


def _describe(token: timestamps.Token) -> dict[str, Any]:
    return {
        "time": token.gen_time.isoformat(),
        "accuracy_ms": token.accuracy.total_seconds() * 1000,
        "policy": token.policy,
        "serial": f"{token.serial:X}",
    }
