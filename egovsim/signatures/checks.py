"""The checks of C2 that need no I/O, each a function from what is checked to a `Check`.

Most depend only on the certificate and the algorithms, so their outcomes are memoized: the
verifier's hot path then builds no new strings for them.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import NamedTuple

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
from egovsim.signatures.certs import CertInfo
from egovsim.signatures.report import Check, Status, failed, passed, skipped
from egovsim.signatures.signing_keys import SignatureMismatch, verify_signature_by

Purpose = str  # "sign" | "auth"
EMAIL_PROTECTION = "1.3.6.1.5.5.7.3.4"
CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"
ANY_EKU = "2.5.29.37.0"


class Expectations(NamedTuple):
    """What the request says of its signer, and what the key is used for (a tuple: it keys the
    verdicts kept, and a tuple hashes without a Python call)."""

    iin: str | None = None
    bin: str | None = None
    purpose: Purpose | None = "sign"
    #: A company's document may be co-signed: a signer after the first (the chief accountant
    #: after the first head) needs the BIN and a signing key, not the right to sign alone.
    cosigners: bool = False
    #: Whether the signer must hold the right to sign for the organization (the first does).
    role_required: bool = True

    def for_signer(self, index: int) -> Expectations:
        """What is expected of the `index`-th signer (1-based, in the order of the CMS)."""
        if index == 1 or not self.cosigners:
            return self
        return Expectations(self.iin, self.bin, self.purpose, cosigners=True, role_required=False)


#: A signature with no IIN/BIN to compare; a certificate checked for no particular purpose.
EXPECT_SIGNING = Expectations()
EXPECT_NOTHING = Expectations(purpose=None)


FORMAT_ATTACHED = passed("format", "CMS SignedData, attached")
FORMAT_DETACHED = passed("format", "CMS SignedData, detached")
_ATTRIBUTES_PASSED = {
    name: passed("signed-attributes", f"content type, {name} message digest")
    for name in DIGESTS.values()
}
_DIGEST_FUNCTIONS = {name: getattr(hashlib, name) for name in DIGESTS.values()}
_SIGNATURE_PASSED: dict[tuple[str, str], Check] = {}
_VALIDITY_PASSED = passed("validity", "every certificate is valid at the validation time")


def signer_certificate(signer: cms.SignerInfo, pool: list[CertInfo]) -> CertInfo | None:
    """The certificate of the pool the SignerInfo names (its subject key identifier, or its
    issuer and serial number)."""
    for info in pool:
        if signer.subject_key_id is not None:
            if info.subject_key_id == signer.subject_key_id:
                return info
        elif info.serial == signer.serial and info.issuer_der == signer.issuer:
            return info
    return None


def signed_attributes(
    signer: cms.SignerInfo, content_type: str, data: bytes
) -> tuple[datetime | None, Check]:
    name = DIGESTS.get(signer.digest_oid)
    if name is None:
        return None, failed(
            "signed-attributes", "SIGNATURE_MALFORMED", describe_unsupported(signer.digest_oid)
        )
    if signer.signed_attributes is None:
        return None, passed("signed-attributes", "none: the signature covers the data itself")
    attributes = signer.attributes
    kind = _only_value(attributes.get(cms.ATTR_CONTENT_TYPE))
    digest = _only_value(attributes.get(cms.ATTR_MESSAGE_DIGEST))
    stamp = attributes.get(cms.ATTR_SIGNING_TIME)
    moment = _only_value(stamp) if stamp is not None else (0x17, b"")
    if (
        kind is not None
        and kind[0] == 0x06
        and digest is not None
        and digest[0] == 0x04
        and moment is not None
        and moment[0] in (0x17, 0x18)
    ):
        # The shape nearly every signature has, read without building nodes; the reading below
        # gives the same outcome for it, and is the one for every other shape.
        signing_time = None
        try:
            same_type = der.oid_from_content(kind[1]) == content_type
            if same_type and stamp is not None:
                signing_time = cms.time_of(*moment)
        except (der.DerError, ValueError) as error:
            return None, failed(
                "signed-attributes", "SIGNATURE_MALFORMED", f"unreadable signed attributes: {error}"
            )
        if not same_type:
            return None, failed(
                "signed-attributes",
                "SIGNATURE_MALFORMED",
                "the content-type attribute is missing or differs",
            )
        return _digest_check(name, data, digest[1], signing_time)
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
    return _digest_check(name, data, expected, signing_time)


def _only_value(node: der.Node | None) -> tuple[int, bytes] | None:
    """The tag and content of an attribute's one value, when its SET holds exactly one with a
    short length; None otherwise (absent, several values, long or odd encodings)."""
    if node is None:
        return None
    data = node.data
    start = node.content_start
    if (
        start + 2 <= node.content_end
        and data[start + 1] < 0x80
        and data[start] & 0x1F != 0x1F
        and start + 2 + data[start + 1] == node.content_end
    ):
        return data[start], data[start + 2 : node.content_end]
    return None


def _digest_check(
    name: str, data: bytes, expected: bytes, signing_time: datetime | None
) -> tuple[datetime | None, Check]:
    if not hmac.compare_digest(_DIGEST_FUNCTIONS[name](data).digest(), expected):
        return signing_time, failed(
            "signed-attributes",
            "SIGNATURE_BROKEN",
            "the message digest does not match the data: it was changed after signing",
            "HASH_FAILURE",
        )
    return signing_time, _ATTRIBUTES_PASSED[name]


def signature(signer: cms.SignerInfo, leaf: CertInfo, data: bytes) -> Check:
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


def validity(chain: tuple[CertInfo, ...], when: datetime) -> Check:
    # Certificates state their validity in whole seconds: the last second counts whole.
    when = when.replace(microsecond=0)
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


def purpose(leaf: CertInfo, purpose: Purpose | None) -> Check:
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


def role(leaf: CertInfo, purpose: Purpose | None, required: bool = True) -> Check:
    subject = leaf.subject
    if subject.bin is None:
        return passed("role", "an individual's certificate")
    if purpose != "sign":
        return passed("role", f"{subject.role or 'no role'} of BIN {subject.bin}")
    if subject.role in SIGNING_ROLES:
        return passed("role", f"{subject.role} of BIN {subject.bin} may sign for it")
    if not required:
        return passed(
            "role", f"{subject.role or 'no role'} of BIN {subject.bin} co-signs after its signer"
        )
    return failed(
        "role",
        "NO_SIGNING_RIGHT",
        f"{subject.role or 'no role'} of BIN {subject.bin}: only the first head or a "
        "person with signing right may sign for the organization",
        role=subject.role,
    )


def binding(leaf: CertInfo, expect: Expectations) -> Check:
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


def algorithm_policy(signer: cms.SignerInfo, leaf: CertInfo, chain: tuple[CertInfo, ...]) -> Check:
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
    certificates = certificate_algorithms(chain or (leaf,))
    if certificates.status is Status.FAILED:
        problems.append(certificates.detail)
    if problems:
        return failed("algorithms", "WEAK_ALGORITHM", "; ".join(problems))
    return passed("algorithms", "SHA-2 digests, keys of policy strength")


def certificate_algorithms(chain: tuple[CertInfo, ...]) -> Check:
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
