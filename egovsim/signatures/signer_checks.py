"""The checks of one SignerInfo of a CMS, in order: its certificate, its signed attributes
against the content, its signature, its timestamp, and its certificate's path, validity and
revocation at the time of signing where the timestamp proves it (the policy permitting)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from egovsim.signatures import checks as c2
from egovsim.signatures import cms, timestamps
from egovsim.signatures.certs import CertInfo
from egovsim.signatures.chain_checks import ChainChecker, labels
from egovsim.signatures.checks import Expectations
from egovsim.signatures.report import (
    Check,
    CheckTimes,
    Report,
    SignerIdentity,
    Status,
    conclude,
    decided,
    failed,
    passed,
)
from egovsim.signatures.timestamp_checks import TimestampChecker, TimestampPolicy

_MAX_KEPT = 10_000
_NO_SIGNER = failed(
    "signer-certificate",
    "SIGNER_CERT_MISSING",
    "no certificate in the signature matches the signer",
)


class SignerChecker:
    """Checks SignerInfos with one verifier's chain and timestamp checkers."""

    def __init__(self, chains: ChainChecker, timestamps: TimestampChecker) -> None:
        self._chains = chains
        self._timestamps = timestamps
        #: Who a certificate names, and its "signer-certificate" check, by its fingerprint.
        self._signers: dict[bytes, tuple[SignerIdentity, Check]] = {}

    def identity(self, leaf: CertInfo) -> SignerIdentity:
        """Who the certificate names, as a report gives it."""
        return self._signer(leaf)[0]

    def _signer(self, leaf: CertInfo) -> tuple[SignerIdentity, Check]:
        found = self._signers.get(leaf.fingerprint)
        if found is None:
            if len(self._signers) > _MAX_KEPT:
                self._signers.clear()
            found = (_identity(leaf), passed("signer-certificate", leaf.label()))
            self._signers[leaf.fingerprint] = found
        return found

    async def check(
        self,
        signer: cms.SignerInfo,
        content_type: str,
        data: bytes,
        pool: list[CertInfo],
        when: datetime,
        expect: Expectations,
        policy: TimestampPolicy,
    ) -> tuple[Report, dict[str, Any] | None, CheckTimes]:
        """One SignerInfo's verdict, its timestamp's description and the times each check
        used."""
        checks: list[Check] = []
        leaf = c2.signer_certificate(signer, pool)
        if leaf is None:
            checks.append(_NO_SIGNER)
            return conclude(checks, when), None, CheckTimes(when)
        identity, found = self._signer(leaf)
        checks.append(found)
        signing_time, attribute_check = c2.signed_attributes(signer, content_type, data)
        checks.append(attribute_check)
        if attribute_check.status is Status.FAILED:
            return conclude(checks, when, identity, signing_time), None, CheckTimes(when)
        checks.append(c2.signature(signer, leaf, data))
        if checks[-1].status is Status.FAILED:
            return conclude(checks, when, identity, signing_time), None, CheckTimes(when)
        if not policy.required and timestamps.ATTR_SIGNATURE_TIME_STAMP not in signer.unsigned:
            times = CheckTimes(when, checked=True)
            verdict = self._chains.kept(leaf, when, expect)
            if verdict is None:
                chain = await self._chains.anew(leaf, pool, when, expect, checks)
                checks.append(c2.algorithm_policy(signer, leaf, chain))
                return conclude(checks, when, identity, signing_time, labels(chain)), None, times
            # The warm path: every check before the path's passed (a failure returned above),
            # the path's are known, so the report is made without a scan or a coroutine.
            algorithms = c2.algorithm_policy(signer, leaf, verdict.chain)
            decisive = verdict.decisive
            if decisive is None and algorithms.status is Status.FAILED:
                decisive = algorithms
            made = (*checks, *verdict.checks, algorithms)
            report = decided(made, decisive, when, identity, signing_time, verdict.labels)
            return report, None, times
        stamp, stamp_json = await self._timestamps.check(signer, pool, when, checks, policy)
        if stamp is not None and policy.at_signing_time and stamp != when:
            times = CheckTimes(when, checked=True, stamp=stamp)
            # A certificate met before needs no coroutine: its verdict is a lookup.
            warm = self._chains.warm(leaf, stamp, expect, checks, when)
            chain = warm or await self._chains.anew(leaf, pool, stamp, expect, checks, when)
        else:
            times = CheckTimes(when, checked=True)
            warm = self._chains.warm(leaf, when, expect, checks)
            chain = warm or await self._chains.anew(leaf, pool, when, expect, checks)
        checks.append(c2.algorithm_policy(signer, leaf, chain))
        return conclude(checks, when, identity, signing_time, labels(chain)), stamp_json, times


def _identity(leaf: CertInfo) -> SignerIdentity:
    subject = leaf.subject
    return SignerIdentity(
        common_name=subject.common_name,
        iin=subject.iin,
        bin=subject.bin,
        organization=subject.organization,
        role=subject.role,
        usage=subject.usage,
        serial=f"{leaf.serial:X}",
        issuer=leaf.certificate.issuer.rfc4514_string(),
        not_before=leaf.not_before,
        not_after=leaf.not_after,
    )
