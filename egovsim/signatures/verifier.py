"""The one verifier of egovsim (SPEC §4): CMS signatures and certificates, checked in order,
answered with a report. Used by the portal (C2), the gateway and the command line."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from egovsim.clock import as_utc, utcnow
from egovsim.pki.oids import SIGNING_ROLES
from egovsim.signatures import cms, der
from egovsim.signatures.algorithms import (
    DIGESTS,
    SIGNATURES,
    describe_unsupported,
    digest_weakness,
    hash_algorithm,
    key_weakness,
)
from egovsim.signatures.certs import CertCache, CertInfo
from egovsim.signatures.encoding import to_der
from egovsim.signatures.path import PathBuilder
from egovsim.signatures.report import (
    Check,
    Report,
    SignerIdentity,
    Status,
    conclude,
    failed,
    passed,
    skipped,
    warning,
)
from egovsim.signatures.revocation import Fetcher, RevocationChecker
from egovsim.signatures.signing_keys import SignatureMismatch, verify_signature_by

Purpose = str  # "sign" | "auth"
MAX_INPUT = 64 * 1024 * 1024
EMAIL_PROTECTION = "1.3.6.1.5.5.7.3.4"
CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"
ANY_EKU = "2.5.29.37.0"


@dataclass(frozen=True, slots=True)
class Expectations:
    """What the request says of its signer, and what the key is used for."""

    iin: str | None = None
    bin: str | None = None
    purpose: Purpose | None = "sign"


class Verifier:
    """Checks CMS signatures and certificates against trust anchors at a validation time.

    One instance serves many checks: parsed certificates, validated paths, CRLs and OCSP
    answers are cached (answers until their nextUpdate).
    """

    def __init__(
        self,
        anchors: list[x509.Certificate],
        *,
        fetcher: Fetcher | None = None,
        intermediates: list[x509.Certificate] | None = None,
        crls: list[x509.CertificateRevocationList] | None = None,
        prefer: str = "ocsp",
        policy: str = "hard-fail",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._certs = CertCache()
        self._paths = PathBuilder(anchors, self._certs, fetcher, intermediates)
        self.revocation = RevocationChecker(
            fetcher,
            prefer="crl" if prefer == "crl" else "ocsp",
            offline_crls=crls,
            certs=self._certs,
        )
        self._soft_fail = policy == "soft-fail"
        self._identities: dict[bytes, SignerIdentity] = {}
        self._leaf_checks: dict[tuple[bytes, Expectations], tuple[Check, Check, Check]] = {}
        self._clock = clock

    # -- CMS --------------------------------------------------------------------------------

    async def verify_cms(
        self,
        signature: bytes,
        *,
        content: bytes | None = None,
        at: datetime | None = None,
        expect: Expectations = Expectations(),
    ) -> Report:
        """Check a CMS SignedData (attached, or detached with `content`) and report."""
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
        signer = signed.signers[0]
        format_detail = f"CMS SignedData, {'detached' if signed.content is None else 'attached'}"
        if len(signed.signers) > 1:
            checks.append(
                warning(
                    "format",
                    f"{format_detail}; {len(signed.signers)} signers, only the first is checked",
                )
            )
        else:
            checks.append(_FORMAT_DETACHED if signed.content is None else _FORMAT_ATTACHED)

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
        except ValueError as error:
            checks.append(
                failed(
                    "signer-certificate",
                    "SIGNATURE_MALFORMED",
                    f"a certificate in the signature cannot be read: {error}",
                )
            )
            return conclude(checks, when)
        leaf = _find_signer(signer, pool)
        if leaf is None:
            checks.append(
                failed(
                    "signer-certificate",
                    "SIGNER_CERT_MISSING",
                    "no certificate in the signature matches the signer",
                )
            )
            return conclude(checks, when)
        checks.append(passed("signer-certificate", leaf.label()))
        identity = self._identity(leaf)

        signing_time, attribute_check = _signed_attributes(signer, signed.content_type, data)
        checks.append(attribute_check)
        if attribute_check.status is Status.FAILED:
            return conclude(checks, when, identity, signing_time)
        checks.append(_signature(signer, leaf, data))
        if checks[-1].status is Status.FAILED:
            return conclude(checks, when, identity, signing_time)

        chain = await self._certificate_checks(leaf, pool, when, expect, checks)
        checks.append(_algorithm_policy(signer, leaf, chain))
        return conclude(checks, when, identity, signing_time, _labels(chain))

    # -- certificates -----------------------------------------------------------------------

    async def verify_certificate(
        self,
        certificate: bytes,
        *,
        at: datetime | None = None,
        expect: Expectations = Expectations(purpose=None),
    ) -> Report:
        """Check a certificate: path, validity, revocation, usage, role and binding."""
        when = as_utc(at) if at is not None else self._clock()
        checks: list[Check] = []
        try:
            leaf = self._certs.get(to_der(certificate))
        except ValueError as error:
            checks.append(
                failed("format", "SIGNATURE_MALFORMED", f"not an X.509 certificate: {error}")
            )
            return conclude(checks, when)
        checks.append(passed("format", f"X.509 certificate {leaf.label()}"))
        chain = await self._certificate_checks(leaf, [], when, expect, checks)
        policy = _certificate_algorithms(chain or (leaf,))
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
    ) -> tuple[CertInfo, ...]:
        path = self._paths.cached(leaf) or await self._paths.build(leaf, pool)
        if path.code is not None:
            checks.append(failed("chain", path.code, path.detail, path.subindication))
            for name in ("validity", "revocation"):
                checks.append(skipped(name, "no valid certification path"))
        else:
            checks.append(passed("chain", " → ".join(_labels(path.chain))))
            checks.append(_validity(path.chain, when))
            checks.append(await self._revocation(path.chain, when))
        key = (leaf.fingerprint, expect)
        facts = self._leaf_checks.get(key)
        if facts is None:
            if len(self._leaf_checks) > 10_000:
                self._leaf_checks.clear()
            # Usage, role and binding depend only on the certificate and what is expected.
            facts = self._leaf_checks[key] = (
                _purpose(leaf, expect.purpose),
                _role(leaf, expect.purpose),
                _binding(leaf, expect),
            )
        checks.extend(facts)
        return path.chain

    async def _revocation(self, chain: tuple[CertInfo, ...], when: datetime) -> Check:
        notes = []
        unavailable = []
        for position, cert in enumerate(chain[:-1]):
            issuer = chain[position + 1]
            status = self.revocation.cached(cert, issuer, when) or await self.revocation.status(
                cert, issuer, when
            )
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
            if status.status in ("unknown", "unavailable"):
                unavailable.append(f"{cert.label()}: {status.detail}")
            else:
                notes.append(f"{cert.label()}: good by {status.detail}")
        if unavailable:
            detail = "revocation status not established for " + "; ".join(unavailable)
            if self._soft_fail:
                return warning("revocation", detail + " (soft-fail policy)")
            return failed("revocation", "REVOCATION_UNAVAILABLE", detail)
        return passed("revocation", "; ".join(notes))


_FORMAT_ATTACHED = passed("format", "CMS SignedData, attached")
_FORMAT_DETACHED = passed("format", "CMS SignedData, detached")
_ATTRIBUTES_PASSED = {
    name: passed("signed-attributes", f"content type, {name} message digest")
    for name in DIGESTS.values()
}
_DIGEST_FUNCTIONS = {name: getattr(hashlib, name) for name in DIGESTS.values()}
_SIGNATURE_PASSED: dict[tuple[str, str], Check] = {}
_VALIDITY_PASSED = passed("validity", "every certificate is valid at the validation time")
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


def _signed_attributes(
    signer: cms.SignerInfo, content_type: str, data: bytes
) -> tuple[datetime | None, Check]:
    name = DIGESTS.get(signer.digest_oid)
    if name is None:
        return None, failed(
            "signed-attributes", "SIGNATURE_MALFORMED", describe_unsupported(signer.digest_oid)
        )
    if signer.signed_attributes is None:
        return None, passed("signed-attributes", "none: the signature covers the data itself")
    try:
        types = signer.values(cms.ATTR_CONTENT_TYPE)
        digests = signer.values(cms.ATTR_MESSAGE_DIGEST)
        if len(types) != 1 or der.oid(types[0]) != content_type:
            return None, failed(
                "signed-attributes",
                "SIGNATURE_MALFORMED",
                "the content-type attribute is missing or differs",
            )
        if len(digests) != 1:
            return None, failed(
                "signed-attributes",
                "SIGNATURE_MALFORMED",
                "the message-digest attribute is missing",
            )
        times = signer.values(cms.ATTR_SIGNING_TIME)
        signing_time = cms.parse_time(times[0]) if times else None
        expected = der.octets(digests[0])
    except (der.DerError, ValueError) as error:
        return None, failed(
            "signed-attributes", "SIGNATURE_MALFORMED", f"unreadable signed attributes: {error}"
        )
    if not hmac.compare_digest(_DIGEST_FUNCTIONS[name](data).digest(), expected):
        return signing_time, failed(
            "signed-attributes",
            "SIGNATURE_BROKEN",
            "the message digest does not match the data: it was changed after signing",
            "HASH_FAILURE",
        )
    return signing_time, _ATTRIBUTES_PASSED[name]


def _signature(signer: cms.SignerInfo, leaf: CertInfo, data: bytes) -> Check:
    family_digest = SIGNATURES.get(signer.signature_oid)
    if family_digest is None:
        return failed(
            "signature", "SIGNATURE_MALFORMED", describe_unsupported(signer.signature_oid)
        )
    digest_name = family_digest[1] or DIGESTS[signer.digest_oid]
    signed = signer.signed_attributes if signer.signed_attributes is not None else data
    try:
        verify_signature_by(leaf.public_key, signer.signature, signed, hash_algorithm(digest_name))
    except SignatureMismatch as error:
        return failed("signature", "SIGNATURE_BROKEN", str(error))
    found = _SIGNATURE_PASSED.get((leaf.key_text, digest_name))
    if found is None:
        found = passed("signature", f"{leaf.key_text} with {digest_name}")
        _SIGNATURE_PASSED[leaf.key_text, digest_name] = found
    return found


def _validity(chain: tuple[CertInfo, ...], when: datetime) -> Check:
    for cert in chain[:-1]:  # the anchor is trusted as configured, whatever its dates
        if when < cert.not_before:
            return failed(
                "validity",
                "CERT_NOT_YET_VALID",
                f"{cert.label()} is valid from {cert.not_before.isoformat()}",
                not_before=cert.not_before.isoformat(),
            )
        if when > cert.not_after:
            return failed(
                "validity",
                "CERT_EXPIRED",
                f"{cert.label()} expired at {cert.not_after.isoformat()}",
                not_after=cert.not_after.isoformat(),
            )
    return _VALIDITY_PASSED


def _purpose(leaf: CertInfo, purpose: Purpose | None) -> Check:
    if purpose is None:
        return skipped("key-usage", "no purpose asked")
    usage = leaf.key_usage
    eku = leaf.eku
    if purpose == "sign":
        usage_ok = usage is None or usage.digital_signature or usage.content_commitment
        eku_ok = eku is None or bool(eku & {EMAIL_PROTECTION, ANY_EKU})
        wanted = "digitalSignature/nonRepudiation with the emailProtection EKU"
    else:
        usage_ok = usage is None or usage.digital_signature
        eku_ok = eku is None or bool(eku & {CLIENT_AUTH, ANY_EKU})
        wanted = "digitalSignature with the clientAuth EKU"
    if usage_ok and eku_ok:
        return passed("key-usage", f"the key is for {purpose}")
    actual = leaf.subject.usage or "another purpose"
    return failed(
        "key-usage",
        "CERT_WRONG_KEY_USAGE",
        f"a key for {actual} used to {purpose}: {wanted} is required",
        purpose=purpose,
        certificate_usage=actual,
    )


def _role(leaf: CertInfo, purpose: Purpose | None) -> Check:
    subject = leaf.subject
    if subject.bin is None:
        return passed("role", "an individual's certificate")
    if purpose != "sign":
        return passed("role", f"{subject.role or 'no role'} of BIN {subject.bin}")
    if subject.role in SIGNING_ROLES:
        return passed("role", f"{subject.role} of BIN {subject.bin} may sign for it")
    return failed(
        "role",
        "NO_SIGNING_RIGHT",
        f"{subject.role or 'no role'} of BIN {subject.bin}: only the first head or a "
        "person with signing right may sign for the organization",
        role=subject.role,
    )


def _binding(leaf: CertInfo, expect: Expectations) -> Check:
    subject = leaf.subject
    if expect.iin is not None and subject.iin != expect.iin:
        return failed(
            "binding",
            "IIN_MISMATCH",
            f"the request's IIN is {expect.iin}, the certificate's is {subject.iin}",
            expected=expect.iin,
            certificate=subject.iin,
        )
    if expect.bin is not None and subject.bin != expect.bin:
        return failed(
            "binding",
            "BIN_MISMATCH",
            f"the request's BIN is {expect.bin}, the certificate's is {subject.bin}",
            expected=expect.bin,
            certificate=subject.bin,
        )
    if expect.iin is None and expect.bin is None:
        return skipped("binding", "no IIN or BIN to compare with")
    return passed("binding", "the request's IIN/BIN is the certificate's")


_POLICY: dict[tuple[str, str, bytes, tuple[CertInfo, ...]], Check] = {}


def _algorithm_policy(signer: cms.SignerInfo, leaf: CertInfo, chain: tuple[CertInfo, ...]) -> Check:
    # A pure function of the algorithms and certificates: memoized for the hot path.
    key = (signer.digest_oid, signer.signature_oid, leaf.fingerprint, chain)
    found = _POLICY.get(key)
    if found is None:
        if len(_POLICY) > 10_000:
            _POLICY.clear()
        found = _POLICY[key] = _algorithm_policy_of(signer, leaf, chain)
    return found


def _algorithm_policy_of(
    signer: cms.SignerInfo, leaf: CertInfo, chain: tuple[CertInfo, ...]
) -> Check:
    family_digest = SIGNATURES.get(signer.signature_oid)
    problems = []
    weak = digest_weakness(DIGESTS.get(signer.digest_oid))
    if weak is None and family_digest is not None:
        weak = digest_weakness(family_digest[1])
    if weak:
        problems.append(f"the signature uses a {weak}")
    if (key := key_weakness(leaf.public_key)) is not None:
        problems.append(f"the signer has an {key}")
    certificates = _certificate_algorithms(chain or (leaf,))
    if certificates.status is Status.FAILED:
        problems.append(certificates.detail)
    if problems:
        return failed("algorithms", "WEAK_ALGORITHM", "; ".join(problems))
    return passed("algorithms", "SHA-2 digests, keys of policy strength")


def _certificate_algorithms(chain: tuple[CertInfo, ...]) -> Check:
    key = tuple(cert.fingerprint for cert in chain)
    found = _CHAIN_ALGORITHMS.get(key)
    if found is None:
        found = _CHAIN_ALGORITHMS[key] = _chain_algorithms(chain)
    return found


_CHAIN_ALGORITHMS: dict[tuple[bytes, ...], Check] = {}


def _chain_algorithms(chain: tuple[CertInfo, ...]) -> Check:
    if len(_CHAIN_ALGORITHMS) > 10_000:
        _CHAIN_ALGORITHMS.clear()
    problems = []
    for cert in chain[:-1] if len(chain) > 1 else chain:
        if (weak := digest_weakness(cert.signature_hash)) is not None:
            problems.append(f"{cert.label()} is signed with a {weak}")
        if (key := key_weakness(cert.public_key)) is not None:
            problems.append(f"{cert.label()} has an {key}")
    if problems:
        return failed("algorithms", "WEAK_ALGORITHM", "; ".join(problems))
    return passed("algorithms", "SHA-2 signatures, keys of policy strength")
