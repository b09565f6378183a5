"""The one verifier of egovsim (SPEC §4): CMS signatures and certificates, checked in order,
answered with a report. Used by the portal (C2), the gateway and the command line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial

from cryptography import x509

from egovsim.clock import as_utc
from egovsim.signatures import checks as c2
from egovsim.signatures import cms, der
from egovsim.signatures.certs import CertCache, CertInfo, WeakKey
from egovsim.signatures.chain_checks import ChainChecker, labels
from egovsim.signatures.checks import Expectations
from egovsim.signatures.encoding import to_der
from egovsim.signatures.path import PathBuilder
from egovsim.signatures.report import (
    Check,
    Report,
    SignerReport,
    Status,
    conclude,
    failed,
    passed,
)
from egovsim.signatures.revocation import Fetcher, RevocationChecker
from egovsim.signatures.several import combine
from egovsim.signatures.signer_checks import SignerChecker
from egovsim.signatures.timestamp_checks import TimestampChecker, TimestampPolicy
from egovsim.signatures.validation import DEFAULT_INPUTS, PathInputs
from egovsim.telemetry import metrics

__all__ = ["Expectations", "PathInputs", "TimestampPolicy", "Verifier"]

MAX_INPUT = 64 * 1024 * 1024
_MAX_POOLS = 1_000
_MAX_KEPT = 10_000
#: `clock.utcnow` without a Python frame: the default clock is read on every verification.
_MACHINE_TIME = partial(datetime.now, UTC)


def _parse(signature: bytes) -> cms.SignedData:
    """The SignedData of DER, PEM or bare base64 (`der.DerError` when it is none of them).

    DER, what nearly every caller sends, is read at once; the armour is looked for only when it
    does not read, which gives the same outcome: PEM and base64 text never read as DER.
    """
    try:
        return cms.parse(signature)
    except der.DerError:
        converted = to_der(signature)
        if converted is signature:
            raise
    return cms.parse(converted)


#: The "signed-data" check by the content's length (its wording depends on nothing else).
_SIGNED_DATA: dict[int, Check] = {}


def _signed_data_check(length: int) -> Check:
    found = _SIGNED_DATA.get(length)
    if found is None:
        if len(_SIGNED_DATA) >= _MAX_KEPT:
            _SIGNED_DATA.clear()
        found = _SIGNED_DATA[length] = Check("signed-data", Status.PASSED, f"{length} bytes")
    return found


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
        clock: Callable[[], datetime] = _MACHINE_TIME,
        inputs: PathInputs = DEFAULT_INPUTS,
        timestamp_policy: TimestampPolicy | None = None,
    ) -> None:
        self._certs = CertCache()
        self._paths = PathBuilder(anchors, self._certs, fetcher, intermediates, inputs)
        revocation = RevocationChecker(
            fetcher,
            prefer="crl" if prefer == "crl" else "ocsp",
            offline_crls=crls,
            certs=self._certs,
            paths=self._paths,
        )
        self._chains = ChainChecker(self._paths, revocation, soft_fail=policy == "soft-fail")
        self._signers = SignerChecker(
            self._chains, TimestampChecker(self._certs, self._paths, self._chains)
        )
        self._clock = clock
        self.timestamp_policy = timestamp_policy or TimestampPolicy()
        #: The certificates of a CMS read, by its certificates field (`cms.parse` gives the
        #: same tuple for the same field, so the lookup hashes nothing new).
        self._pools: dict[tuple[bytes, ...], list[CertInfo]] = {}

    def _pool(self, certificates: tuple[bytes, ...]) -> list[CertInfo]:
        """The certificates read (WeakKey or ValueError as `CertCache.get` raises them)."""
        pool = self._pools.get(certificates)
        if pool is None:
            pool = [self._certs.get(encoded) for encoded in certificates]
            if len(self._pools) >= _MAX_POOLS:
                self._pools.clear()
            self._pools[certificates] = pool
        return list(pool)

    @property
    def revocation(self) -> RevocationChecker:
        """Where revocation status comes from (CRLs, OCSP, their caches)."""
        return self._chains.revocation

    @revocation.setter
    def revocation(self, checker: RevocationChecker) -> None:
        # Replaced as a whole (a test cutting the PKI off): the verdicts kept rest on the
        # answers of the one before.
        self._chains.revocation = checker
        self._chains.forget()

    def clear_revocation_caches(self) -> None:
        """Forget the CRLs and OCSP answers kept so far: the next check asks the PKI again, so a
        fault switched on or off (the trainer's console) takes effect at once."""
        self.revocation.forget()
        self._chains.forget()

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
        report = await self._verify_cms(signature, content, at, expect, policy)
        metrics.verified("cms", report.code)
        return report

    async def _verify_cms(
        self,
        signature: bytes,
        content: bytes | None,
        at: datetime | None,
        expect: Expectations,
        policy: TimestampPolicy | None,
    ) -> Report:
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
            signed = _parse(signature)
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
        checks.append(_signed_data_check(len(data)))

        try:
            pool = self._pool(signed.certificates)
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
            verdict, stamp, times = await self._signers.check(
                signer, signed.content_type, data, pool, when, expect.for_signer(index), policy
            )
            reports.append(SignerReport(index, verdict, stamp, times))
        if len(reports) > 1:
            return combine(checks, reports, when)
        only = reports[0].verdict
        return Report(
            only.indication,
            only.subindication,
            only.code,
            only.validation_time,
            (*checks, *only.checks),
            only.signer,
            only.signing_time,
            only.chain,
            (reports[0],),
        )

    # -- certificates -----------------------------------------------------------------------

    async def verify_certificate(
        self,
        certificate: bytes,
        *,
        at: datetime | None = None,
        expect: Expectations = c2.EXPECT_NOTHING,
    ) -> Report:
        """Check a certificate: path, validity, revocation, usage, role and binding."""
        report = await self._verify_certificate(certificate, at, expect)
        metrics.verified("certificate", report.code)
        return report

    async def _verify_certificate(
        self, certificate: bytes, at: datetime | None, expect: Expectations
    ) -> Report:
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
        chain = await self._chains.check(leaf, [], when, expect, checks)
        policy = c2.certificate_algorithms(chain or (leaf,))
        checks.append(policy)
        return conclude(checks, when, self._signers.identity(leaf), None, labels(chain))
