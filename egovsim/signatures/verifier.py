"""The one verifier of egovsim (SPEC §4): CMS signatures and certificates, checked in order,
answered with a report. Used by the portal (C2), the gateway and the command line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from cryptography import x509

from egovsim.clock import as_utc, utcnow
from egovsim.signatures import checks as c2
from egovsim.signatures import cms, der, timestamps
from egovsim.signatures.certs import CertCache, CertInfo, WeakKey
from egovsim.signatures.checks import Expectations
from egovsim.signatures.encoding import to_der
from egovsim.signatures.path import PathBuilder, PathResult
from egovsim.signatures.report import (
    Check,
    Report,
    SignerIdentity,
    SignerReport,
    Status,
    conclude,
    failed,
    passed,
    skipped,
    warning,
)
from egovsim.signatures.revocation import Fetcher, RevocationChecker
from egovsim.signatures.several import combine
from egovsim.signatures.validation import DEFAULT_INPUTS, PathInputs

__all__ = ["Expectations", "PathInputs", "TimestampPolicy", "Verifier"]

MAX_INPUT = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TimestampPolicy:
    """What the verifier asks of signature-time-stamps: `required` refuses a signer without
    one (TIMESTAMP_MISSING); `at_signing_time` validates the signer's certificate at the time a
    valid timestamp proves (on by default, as CAdES-T means it), else at the validation time."""

    required: bool = False
    at_signing_time: bool = True


class Verifier:
    """Checks CMS signatures and certificates against trust anchors at a validation time.

    One instance serves many checks: parsed certificates, validated paths, CRLs and OCSP
    answers are cached (answers until their nextUpdate).
    """

    def __init__(
        self,
        anchors: Sequence[x509.Certificate | bytes],
        *,
        fetcher: Fetcher | None = None,
        intermediates: Sequence[x509.Certificate | bytes] | None = None,
        crls: list[x509.CertificateRevocationList] | None = None,
        prefer: str = "ocsp",
        policy: str = "hard-fail",
        clock: Callable[[], datetime] = utcnow,
        inputs: PathInputs = DEFAULT_INPUTS,
        timestamp_policy: TimestampPolicy | None = None,
    ) -> None:
        self._certs = CertCache()
        self._paths = PathBuilder(anchors, self._certs, fetcher, intermediates, inputs)
        self.revocation = RevocationChecker(
            fetcher,
            prefer="crl" if prefer == "crl" else "ocsp",
            offline_crls=crls,
            certs=self._certs,
            paths=self._paths,
        )
        self._soft_fail = policy == "soft-fail"
        self._identities: dict[bytes, SignerIdentity] = {}
        self._leaf_checks: dict[tuple[bytes, Expectations], tuple[Check, Check, Check]] = {}
        self._clock = clock
        self.timestamp_policy = timestamp_policy or TimestampPolicy()

    def clear_revocation_caches(self) -> None:
        """Forget the CRLs and OCSP answers kept so far: the next check asks the PKI again, so a
        fault switched on or off (the trainer's console) takes effect at once."""
        self.revocation.forget()

    # -- CMS --------------------------------------------------------------------------------

    async def verify_cms(
        self,
        signature: bytes,
        *,
        content: bytes | None = None,
        at: datetime | None = None,
        expect: Expectations = c2.EXPECT_SIGNING,
        policy: TimestampPolicy | None = None,
    ) -> Report:
        """Check a CMS SignedData (attached, or detached with `content`) and every one of its
        signers, and report."""
        policy = policy or self.timestamp_policy
        when = as_utc(at) if at is not None else self._clock()
        checks: list[Check] = []
        if len(signature) > MAX_INPUT:
            checks.append(
                failed(
                    "format",
                    "SIGNATURE_MALFORMED",
                    f"{len(signature)} bytes is more than the {MAX_INPUT} accepted",
                )
            )
            return conclude(checks, when)
        try:
            signed = cms.parse(to_der(signature))
        except der.DerError as error:
            checks.append(failed("format", "SIGNATURE_MALFORMED", f"not a CMS SignedData: {error}"))
            return conclude(checks, when)
        checks.append(c2.FORMAT_DETACHED if signed.content is None else c2.FORMAT_ATTACHED)
        data = signed.content if content is None else content
        if data is None:
            checks.append(
                failed(
                    "signed-data",
                    "SIGNED_DATA_MISSING",
                    "the signature is detached and no data was given",
                )
            )
            return conclude(checks, when)
        if content is not None and signed.content is not None and content != signed.content:
            checks.append(
                failed(
                    "signed-data",
                    "SIGNATURE_BROKEN",
                    "the data given differs from the data inside the signature",
                    "HASH_FAILURE",
                )
            )
            return conclude(checks, when)
        checks.append(passed("signed-data", f"{len(data)} bytes"))

        try:
            pool = [self._certs.get(encoded) for encoded in signed.certificates]
        except WeakKey as error:
            checks.append(
                failed("signer-certificate", "WEAK_ALGORITHM", f"a certificate has {error}")
            )
            return conclude(checks, when)
        except ValueError as error:
            checks.append(
                failed(
                    "signer-certificate",
                    "SIGNATURE_MALFORMED",
                    f"a certificate in the signature cannot be read: {error}",
                )
            )
            return conclude(checks, when)
        reports = []
        for index, signer in enumerate(signed.signers, 1):
            signer_checks: list[Check] = []
            verdict, stamp, times = await self._signer(
                signer, signed.content_type, data, pool, when, expect, signer_checks, policy
            )
            reports.append(SignerReport(index, verdict, stamp, times))
        if len(reports) == 1:
            only = reports[0].verdict
            return replace(only, checks=(*checks, *only.checks), signers=tuple(reports))
        return combine(checks, reports, when)

    async def _signer(
        self,
        signer: cms.SignerInfo,
        content_type: str,
        data: bytes,
        pool: list[CertInfo],
        when: datetime,
        expect: Expectations,
        checks: list[Check],
        policy: TimestampPolicy,
    ) -> tuple[Report, dict[str, Any] | None, dict[str, str]]:
        """One SignerInfo: its certificate, attributes, signature, timestamp, and its
        certificate's path, validity and revocation at the time of signing where the timestamp
        proves it (the policy permitting), else at `when`."""
        times = {"signature": when.isoformat()}
        leaf = _find_signer(signer, pool)
        if leaf is None:
            checks.append(
                failed(
                    "signer-certificate",
                    "SIGNER_CERT_MISSING",
                    "no certificate in the signature matches the signer",
                )
            )
            return conclude(checks, when), None, times
        checks.append(passed("signer-certificate", leaf.label()))
        identity = self._identity(leaf)
        signing_time, attribute_check = c2.signed_attributes(signer, content_type, data)
        checks.append(attribute_check)
        if attribute_check.status is Status.FAILED:
            return conclude(checks, when, identity, signing_time), None, times
        checks.append(c2.signature(signer, leaf, data))
        if checks[-1].status is Status.FAILED:
            return conclude(checks, when, identity, signing_time), None, times
        stamp, stamp_json = await self._timestamp(signer, pool, when, checks, policy)
        at = stamp if stamp is not None and policy.at_signing_time else when
        times.update(validity=at.isoformat(), revocation=when.isoformat())
        if at != when:
            times["revocation_judged_at"] = at.isoformat()
        chain = await self._certificate_checks(
            leaf, pool, at, expect, checks, revocation_at=when if at != when else None
        )
        checks.append(c2.algorithm_policy(signer, leaf, chain))
        return conclude(checks, when, identity, signing_time, _labels(chain)), stamp_json, times

    async def _timestamp(
        self,
        signer: cms.SignerInfo,
        pool: list[CertInfo],
        when: datetime,
        checks: list[Check],
        policy: TimestampPolicy,
    ) -> tuple[datetime | None, dict[str, Any] | None]:
        """Check the signer's signature-time-stamp; its time when it holds."""
        try:
            token = timestamps.token_of(signer)
        except der.DerError as error:
            checks.append(failed("timestamp", "SIGNATURE_MALFORMED", f"the token: {error}"))
            return None, None
        if token is None:
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
        described = {
            "time": token.gen_time.isoformat(),
            "accuracy_ms": token.accuracy.total_seconds() * 1000,
            "policy": token.policy,
            "serial": f"{token.serial:X}",
        }
        problem = timestamps.imprint_check(token, signer)
        if problem is not None:
            checks.append(problem)
            return None, described
        try:
            token_pool = [self._certs.get(c) for c in token.signed.certificates] + pool
        except ValueError as error:
            checks.append(failed("timestamp", "SIGNATURE_MALFORMED", f"the token: {error}"))
            return None, described
        tsa = _find_signer(token.signed.signers[0], token_pool)
        problem = timestamps.token_signature_check(token, tsa)
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
        revocation = await self._revocation(path.chain, when)
        for check in (validity, revocation):
            if check.status is Status.FAILED:
                code = "REVOCATION_UNAVAILABLE" if check.code == "REVOCATION_UNAVAILABLE" else None
                checks.append(
                    failed("timestamp", code or "TSA_UNTRUSTED", f"the TSA: {check.detail}")
                )
                return None, described
        checks.append(
            passed(
                "timestamp",
                f"{token.gen_time.isoformat()} by {tsa.label()}, policy {token.policy}",
                **described,
            )
        )
        return token.gen_time, described

    # -- certificates -----------------------------------------------------------------------

    async def verify_certificate(
        self,
        certificate: bytes,
        *,
        at: datetime | None = None,
        expect: Expectations = c2.EXPECT_NOTHING,
    ) -> Report:
        """Check a certificate: path, validity, revocation, usage, role and binding."""
        when = as_utc(at) if at is not None else self._clock()
        checks: list[Check] = []
        try:
            leaf = self._certs.get(to_der(certificate))
        except WeakKey as error:
            checks.append(failed("format", "WEAK_ALGORITHM", f"the certificate has {error}"))
            return conclude(checks, when)
        except ValueError as error:
            checks.append(
                failed("format", "SIGNATURE_MALFORMED", f"not an X.509 certificate: {error}")
            )
            return conclude(checks, when)
        checks.append(passed("format", f"X.509 certificate {leaf.label()}"))
        chain = await self._certificate_checks(leaf, [], when, expect, checks)
        policy = c2.certificate_algorithms(chain or (leaf,))
        checks.append(policy)
        return conclude(checks, when, self._identity(leaf), None, _labels(chain))

    def _identity(self, leaf: CertInfo) -> SignerIdentity:
        identity = self._identities.get(leaf.fingerprint)
        if identity is None:
            if len(self._identities) > 10_000:
                self._identities.clear()
            identity = self._identities[leaf.fingerprint] = _identity(leaf)
        return identity

    async def _certificate_checks(
        self,
        leaf: CertInfo,
        pool: list[CertInfo],
        when: datetime,
        expect: Expectations,
        checks: list[Check],
        revocation_at: datetime | None = None,
    ) -> tuple[CertInfo, ...]:
        """Path, validity and revocation at `when`; with `revocation_at` (validation at the time
        of signing), the revocation status is asked as of then and judged at `when`."""
        path = self._paths.cached(leaf) or await self._paths.build(leaf, pool, when)
        if self._paths.unreadable or self._paths.weak:
            code = "SIGNATURE_MALFORMED" if self._paths.unreadable else "WEAK_ALGORITHM"
            detail = "; ".join([*self._paths.unreadable, *self._paths.weak])
            checks.append(failed("chain", code, detail))
            for name in ("validity", "revocation"):
                checks.append(skipped(name, "the evidence given cannot be read"))
        elif path.code is not None:
            checks.append(failed("chain", path.code, path.detail, path.subindication))
            for name in ("validity", "revocation"):
                checks.append(skipped(name, "no valid certification path"))
        else:
            path = await self._time_checks(leaf, pool, path, when, checks, revocation_at)
        key = (leaf.fingerprint, expect)
        facts = self._leaf_checks.get(key)
        if facts is None:
            if len(self._leaf_checks) > 10_000:
                self._leaf_checks.clear()
            # Usage, role and binding depend only on the certificate and what is expected.
            facts = self._leaf_checks[key] = (
                c2.purpose(leaf, expect.purpose),
                c2.role(leaf, expect.purpose),
                c2.binding(leaf, expect),
            )
        checks.extend(facts)
        return path.chain

    async def _time_checks(
        self,
        leaf: CertInfo,
        pool: list[CertInfo],
        path: PathResult,
        when: datetime,
        checks: list[Check],
        revocation_at: datetime | None = None,
    ) -> PathResult:
        """Validity and revocation at `when`; when they fail, the next valid paths are tried."""
        validity = c2.validity(path.chain, when)
        revocation = await self._revocation(path.chain, revocation_at or when, poe=when)
        rejected: set[tuple[bytes, ...]] = set()
        tried = path
        while Status.FAILED in (validity.status, revocation.status) and len(rejected) < 4:
            rejected.add(tuple(info.fingerprint for info in tried.chain))
            other = await self._paths.alternative(leaf, pool, when, rejected)
            if other is None:
                break
            other_validity = c2.validity(other.chain, when)
            other_revocation = await self._revocation(other.chain, revocation_at or when, poe=when)
            if Status.FAILED not in (other_validity.status, other_revocation.status):
                path, validity, revocation = other, other_validity, other_revocation
            tried = other
        checks.append(passed("chain", " → ".join(_labels(path.chain))))
        if revocation_at is not None and validity.status is Status.PASSED:
            validity = passed(
                "validity",
                f"every certificate is valid at {when.isoformat()}, the time of the timestamp",
                at=when.isoformat(),
            )
        checks.append(validity)
        checks.append(revocation)
        return path

    async def _revocation(
        self, chain: tuple[CertInfo, ...], when: datetime, poe: datetime | None = None
    ) -> Check:
        """The chain's revocation status as of `when`. A revocation after `poe` (the time a
        timestamp proves the signature existed) does not refuse: ETSI EN 319 102-1's
        past-signature validation compares the proof of existence with the revocation time
        whatever the reason, keyCompromise included, so it is noted instead."""
        notes = []
        after: list[str] = []
        unavailable: list[str] = []
        weak: list[str] = []
        for position, cert in enumerate(chain[:-1]):
            issuer = chain[position + 1]
            status = self.revocation.cached(cert, issuer, when) or await self.revocation.status(
                cert, issuer, when, chain[-1]
            )
            if (
                status.status == "revoked"
                and poe is not None
                and status.revoked_at is not None
                and status.revoked_at > poe
            ):
                after.append(
                    f"{cert.label()} revoked at {status.revoked_at.isoformat()}, reason "
                    f"{status.reason}, after the timestamp {poe.isoformat()}: the signature was "
                    "made while it was valid"
                )
                continue
            if status.status == "revoked":
                hold = status.reason == "certificateHold"
                code = "CERT_ON_HOLD" if hold else "CERT_REVOKED"
                subindication = "REVOKED_CA_NO_POE" if position > 0 else None
                assert status.revoked_at is not None
                return failed(
                    "revocation",
                    code,
                    f"{cert.label()} {'put on hold' if hold else 'revoked'} at "
                    f"{status.revoked_at.isoformat()}, reason {status.reason} ({status.detail})",
                    subindication,
                    revoked_at=status.revoked_at.isoformat(),
                    reason=status.reason,
                    source=status.source,
                    serial=f"{cert.serial:X}",
                )
            if status.weak:
                weak.append(f"revocation of {cert.label()}: {status.detail}")
            elif status.status in ("unknown", "unavailable"):
                unavailable.append(f"{cert.label()}: {status.detail}")
            else:
                notes.append(f"{cert.label()}: good by {status.detail}")
        if weak:
            return failed("revocation", "WEAK_ALGORITHM", "; ".join(weak))
        if unavailable:
            detail = "revocation status not established for " + "; ".join(unavailable)
            if self._soft_fail:
                return warning("revocation", detail + " (soft-fail policy)")
            return failed("revocation", "REVOCATION_UNAVAILABLE", detail)
        if after:
            return warning("revocation", "; ".join([*after, *notes]), revoked_after_timestamp=True)
        return passed("revocation", "; ".join(notes))


_LABELS: dict[tuple[CertInfo, ...], tuple[str, ...]] = {}


def _labels(chain: tuple[CertInfo, ...]) -> tuple[str, ...]:
    labels = _LABELS.get(chain)
    if labels is None:
        if len(_LABELS) > 10_000:
            _LABELS.clear()
        labels = _LABELS[chain] = tuple(cert.label() for cert in chain)
    return labels


def _find_signer(signer: cms.SignerInfo, pool: list[CertInfo]) -> CertInfo | None:
    for info in pool:
        if signer.subject_key_id is not None:
            if info.subject_key_id == signer.subject_key_id:
                return info
        elif info.serial == signer.serial and info.issuer_der == signer.issuer:
            return info
    return None


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
