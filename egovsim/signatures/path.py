"""Certification path building (RFC 4158's depth-first search) with RFC 5280 §6.1 validation.

A path runs from the certificate to a configured trust anchor through the certificates at hand
(the CMS's, the caller's, and those fetched from the AIA caIssuers address). When a candidate
issuer fails (wrong key after a rollover, a cross-certificate into constraints that refuse the
leaf), the next is tried, within a work budget so that a hostile bundle costs milliseconds.
Validity periods and revocation are checked by the verifier at the validation time.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from egovsim.signatures.certs import CertCache, CertInfo, WeakKey
from egovsim.signatures.encoding import to_der
from egovsim.signatures.fetching import Fetcher, FetchError
from egovsim.signatures.names import NameKey, WorkBudget
from egovsim.signatures.signing_keys import (
    SignatureMismatch,
    is_verified,
    verify_certificate_signature,
)
from egovsim.signatures.validation import DEFAULT_INPUTS, PathInputs, PathRefused, validate_path
from egovsim.telemetry import metrics

MAX_DEPTH = 16
#: Issuer candidates looked at per path built, and signatures checked among them: beyond either
#: the search stops with a refusal, so a hostile bundle costs milliseconds.
WORK_BUDGET = 2_000
SIGNATURE_BUDGET = 100
#: A CA certificate address that failed is asked again after this long, not on every check.
AIA_RETRY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class PathResult:
    """A validated path (leaf first, anchor last), or the reason there is none."""

    chain: tuple[CertInfo, ...]
    policies: frozenset[str] = frozenset()
    code: str | None = None
    detail: str = ""
    subindication: str | None = None


class _Search:
    """The state of one path search: what was tried, what failed, and the work left."""

    def __init__(
        self,
        local: dict[NameKey, list[CertInfo]],
        when: datetime | None,
        rejected: set[tuple[bytes, ...]] | None = None,
    ) -> None:
        self.local = local
        self.when = when
        self.rejected = rejected or set()
        self.work = WORK_BUDGET
        self.signatures = SIGNATURE_BUDGET
        self.signature_problems: list[str] = []
        self.refusals: list[PathRefused] = []
        self.exhausted = False
        #: Name and policy comparisons, shared by every candidate path this search validates.
        self.comparisons = WorkBudget()


class PathBuilder:
    """Builds and validates paths to a fixed set of trust anchors; caches validated paths."""

    def __init__(
        self,
        anchors: Sequence[x509.Certificate | bytes],
        certs: CertCache,
        fetcher: Fetcher | None,
        extra: Sequence[x509.Certificate | bytes] | None = None,
        inputs: PathInputs = DEFAULT_INPUTS,
    ) -> None:
        self._certs = certs
        self._fetcher = fetcher
        self.inputs = inputs
        #: Evidence given up front that cannot be read: every check reports it (FORMAT_FAILURE),
        #: or refused by the algorithm policy before it could be read (WEAK_ALGORITHM).
        self.unreadable: list[str] = []
        self.weak: list[str] = []
        self._anchors = self._readable(anchors, "trust anchor")
        self._anchor_prints = {anchor.fingerprint for anchor in self._anchors}
        self._known: dict[NameKey, list[CertInfo]] = {}
        for info in [*self._anchors, *self._readable(extra or [], "CA certificate")]:
            self._remember(info)
        self._fetched: set[str] = set()  # AIA addresses that gave a certificate
        self._failed: dict[str, float] = {}  # ... and those that did not, with when
        self._paths: dict[bytes, PathResult] = {}

    @property
    def anchors(self) -> list[CertInfo]:
        """The trust anchors, parsed."""
        return self._anchors

    def _readable(
        self, certificates: Sequence[x509.Certificate | bytes], role: str
    ) -> list[CertInfo]:
        found = []
        for certificate in certificates:
            try:
                if isinstance(certificate, bytes):
                    found.append(self._certs.get(to_der(certificate)))
                else:
                    found.append(self._certs.add(certificate))
            except WeakKey as error:
                self.weak.append(f"a {role} given has {error}")
            except ValueError as error:
                self.unreadable.append(f"a {role} given cannot be read: {error}")
        return found

    def _remember(self, info: CertInfo) -> None:
        bucket = self._known.setdefault(info.subject_key, [])
        if all(existing.fingerprint != info.fingerprint for existing in bucket):
            bucket.append(info)

    def certificates_named(self, subject: NameKey) -> list[CertInfo]:
        """The certificates at hand whose subject is `subject` (CRL signers are looked up here)."""
        return list(self._known.get(subject, []))

    def is_anchor(self, info: CertInfo) -> bool:
        """Whether the certificate is one of the trust anchors."""
        return info.fingerprint in self._anchor_prints

    def cached(self, leaf: CertInfo) -> PathResult | None:
        """A path validated before, without building anything."""
        found = self._paths.get(leaf.fingerprint)
        if found is not None:
            metrics.PATH_HIT.inc()  # a miss is counted by `build`, which follows one
        return found

    async def build(
        self, leaf: CertInfo, pool: list[CertInfo], when: datetime | None = None
    ) -> PathResult:
        """A validated path from `leaf` to an anchor, using `pool` and AIA fetches.

        `when` only orders the candidates (those valid then first): validity itself is checked
        by the verifier, so the path found is kept whatever the time.
        """
        cached = self.cached(leaf)
        if cached is not None:
            return cached
        metrics.PATH_MISS.inc()
        local: dict[NameKey, list[CertInfo]] = {}
        for info in pool:
            local.setdefault(info.subject_key, []).append(info)
        search = _Search(local, when)
        result = await self._extend(leaf, (), search)
        if result is None:
            result = _failure(leaf, search)
        if result.code is None:
            # Only paths found are kept: a failure may have lacked a certificate the next
            # signature carries.
            if len(self._paths) > 10_000:
                self._paths.clear()
            self._paths[leaf.fingerprint] = result
        return result

    async def alternative(
        self,
        leaf: CertInfo,
        pool: list[CertInfo],
        when: datetime,
        rejected: set[tuple[bytes, ...]],
    ) -> PathResult | None:
        """Another valid path than the `rejected` ones (out of validity or revoked at `when`).

        RFC 4158 §3: the first path found may fail where another would not (a cross-certificate
        that expired, an intermediate revoked and certified anew); not cached.
        """
        local: dict[NameKey, list[CertInfo]] = {}
        for info in pool:
            local.setdefault(info.subject_key, []).append(info)
        return await self._extend(leaf, (), _Search(local, when, rejected))

    async def _extend(
        self, cert: CertInfo, below: tuple[CertInfo, ...], search: _Search
    ) -> PathResult | None:
        path = (*below, cert)
        if self.is_anchor(cert):
            if tuple(info.fingerprint for info in path) in search.rejected:
                return None  # valid, but already found out of validity or revoked
            try:
                policies = validate_path(path, self.inputs, search.comparisons)
            except PathRefused as refused:
                search.refusals.append(refused)
                return None
            return PathResult(path, frozenset(policies))
        if len(path) > MAX_DEPTH:
            search.signature_problems.append(f"the path is longer than {MAX_DEPTH} certificates")
            return None
        for issuer in await self._issuers_of(cert, search):
            search.work -= 1
            if search.work < 0:
                search.exhausted = True
                return None
            if any(
                issuer.fingerprint == seen.fingerprint
                or (issuer.key_id == seen.key_id and issuer.subject_key == seen.subject_key)
                for seen in path
            ):
                continue  # a loop through cross-certificates: the same CA and key again
            if not is_verified(cert, issuer):
                search.signatures -= 1
                if search.signatures < 0:
                    search.exhausted = True
                    return None
            try:
                verify_certificate_signature(cert, issuer)
            except SignatureMismatch as error:
                search.signature_problems.append(str(error))
                continue
            found = await self._extend(issuer, path, search)
            if found is not None or search.exhausted:
                return found
        return None

    async def _issuers_of(self, cert: CertInfo, search: _Search) -> list[CertInfo]:
        local = search.local
        if cert.self_issued and cert.authority_key_id in (None, cert.subject_key_id):
            return []  # a self-signed certificate that is not an anchor ends the search
        found = list(self._known.get(cert.issuer_key, []))
        seen = {info.fingerprint for info in found}
        found += [c for c in local.get(cert.issuer_key, []) if c.fingerprint not in seen]
        if not found and self._fetcher is not None:
            await self._fetch_issuers(cert)
            found = list(self._known.get(cert.issuer_key, []))

        # The authority key identifier is a hint (RFC 5280 §4.2.1.1): matching keys first,
        # unmarked next, the others last; within each, those valid at the validation time first.
        when = search.when

        def rank(info: CertInfo) -> tuple[int, int]:
            if cert.authority_key_id is None or info.subject_key_id is None:
                by_key = 1
            else:
                by_key = 0 if info.subject_key_id == cert.authority_key_id else 2
            valid = when is None or info.not_before <= when <= info.not_after
            return by_key, 0 if valid else 1

        return sorted(found, key=rank)

    async def _fetch_issuers(self, cert: CertInfo) -> None:
        assert self._fetcher is not None
        for url in cert.issuer_urls:
            failed_at = self._failed.get(url)
            if url in self._fetched or (
                failed_at is not None and time.monotonic() - failed_at < AIA_RETRY_SECONDS
            ):
                continue
            try:
                info = self._certs.get(to_der(await self._fetcher.get(url)))
            except (FetchError, ValueError):
                self._failed[url] = time.monotonic()
                continue
            self._fetched.add(url)
            self._remember(info)


def _failure(leaf: CertInfo, search: _Search) -> PathResult:
    """The result of a search that found no valid path: the most telling reason."""
    if search.refusals:
        refused = search.refusals[0]
        return PathResult(
            (), frozenset(), "CHAIN_INVALID", str(refused), "CHAIN_CONSTRAINTS_FAILURE"
        )
    if search.exhausted:
        return PathResult(
            (),
            frozenset(),
            "CHAIN_INVALID",
            f"no path from {leaf.label()} found within the work budget ({WORK_BUDGET} "
            f"candidate issuers, {SIGNATURE_BUDGET} signature checks)",
            "CERTIFICATE_CHAIN_GENERAL_FAILURE",
        )
    if search.signature_problems:
        return PathResult(
            (),
            frozenset(),
            "CHAIN_INVALID",
            "; ".join(dict.fromkeys(search.signature_problems[:5])),
            "CERTIFICATE_CHAIN_GENERAL_FAILURE",
        )
    return PathResult(
        (),
        frozenset(),
        "CERT_UNTRUSTED",
        f"no path from {leaf.label()} to a trusted certification authority",
    )
