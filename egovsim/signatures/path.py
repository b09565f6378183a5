"""Certification path building and validation (RFC 5280 §6, the parts the NCA's PKI uses).

A path runs from the certificate to a configured trust anchor through the certificates at hand
(the CMS's, the caller's, and those fetched from the AIA caIssuers address). Signatures, name
chaining, CA basic constraints, path length, CA key usage and unknown critical extensions are
checked here; validity periods and revocation are checked by the verifier at the validation time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from cryptography import x509

from egovsim.signatures.certs import CertCache, CertInfo
from egovsim.signatures.encoding import to_der
from egovsim.signatures.revocation import Fetcher, FetchError
from egovsim.signatures.signing_keys import SignatureMismatch, verify_certificate_signature

MAX_DEPTH = 8
#: A CA certificate address that failed is asked again after this long, not on every check.
AIA_RETRY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class PathResult:
    """A validated path (leaf first, anchor last), or the reason there is none."""

    chain: tuple[CertInfo, ...]
    code: str | None = None
    detail: str = ""
    subindication: str | None = None


class PathBuilder:
    """Builds and validates paths to a fixed set of trust anchors; caches validated paths."""

    def __init__(
        self,
        anchors: list[x509.Certificate],
        certs: CertCache,
        fetcher: Fetcher | None,
        extra: list[x509.Certificate] | None = None,
    ) -> None:
        self._certs = certs
        self._fetcher = fetcher
        self._anchors = [certs.add(anchor) for anchor in anchors]
        self._anchor_prints = {anchor.fingerprint for anchor in self._anchors}
        self._known: dict[bytes, list[CertInfo]] = {}
        for info in [*self._anchors, *(certs.add(c) for c in extra or [])]:
            self._remember(info)
        self._fetched: set[str] = set()  # AIA addresses that gave a certificate
        self._failed: dict[str, float] = {}  # ... and those that did not, with when
        self._paths: dict[bytes, tuple[CertInfo, ...]] = {}

    def _remember(self, info: CertInfo) -> None:
        bucket = self._known.setdefault(info.subject_der, [])
        if all(existing.fingerprint != info.fingerprint for existing in bucket):
            bucket.append(info)

    def cached(self, leaf: CertInfo) -> PathResult | None:
        """A path validated before, without building anything."""
        chain = self._paths.get(leaf.fingerprint)
        return PathResult(chain) if chain is not None else None

    async def build(self, leaf: CertInfo, pool: list[CertInfo]) -> PathResult:
        """A validated path from `leaf` to an anchor, using `pool` and AIA fetches."""
        cached = self.cached(leaf)
        if cached is not None:
            return cached
        local: dict[bytes, list[CertInfo]] = {}
        for info in pool:
            local.setdefault(info.subject_der, []).append(info)
        problems: list[str] = []
        chain = await self._extend(leaf, local, (), problems)
        if chain is None:
            if problems:
                return PathResult(
                    (), "CHAIN_INVALID", "; ".join(problems), "CERTIFICATE_CHAIN_GENERAL_FAILURE"
                )
            return PathResult(
                (),
                "CERT_UNTRUSTED",
                f"no path from {leaf.label()} to a trusted certification authority",
            )
        failure = _constraints(chain)
        if failure is not None:
            return PathResult(chain, "CHAIN_INVALID", failure, "CHAIN_CONSTRAINTS_FAILURE")
        if len(self._paths) > 10_000:
            self._paths.clear()
        self._paths[leaf.fingerprint] = chain
        return PathResult(chain)

    async def _extend(
        self,
        cert: CertInfo,
        local: dict[bytes, list[CertInfo]],
        below: tuple[CertInfo, ...],
        problems: list[str],
    ) -> tuple[CertInfo, ...] | None:
        path = (*below, cert)
        if cert.fingerprint in self._anchor_prints:
            return path
        if len(path) > MAX_DEPTH:
            problems.append(f"the path is longer than {MAX_DEPTH} certificates")
            return None
        candidates = await self._issuers_of(cert, local)
        for issuer in candidates:
            if any(issuer.fingerprint == seen.fingerprint for seen in path):
                continue
            try:
                verify_certificate_signature(cert, issuer)
            except SignatureMismatch as error:
                problems.append(str(error))
                continue
            found = await self._extend(issuer, local, path, problems)
            if found is not None:
                return found
        return None

    async def _issuers_of(
        self, cert: CertInfo, local: dict[bytes, list[CertInfo]]
    ) -> list[CertInfo]:
        def matching(infos: list[CertInfo]) -> list[CertInfo]:
            return [
                info
                for info in infos
                if cert.authority_key_id is None
                or info.subject_key_id is None
                or info.subject_key_id == cert.authority_key_id
            ]

        if cert.self_issued and cert.authority_key_id in (None, cert.subject_key_id):
            return []  # a self-signed certificate that is not an anchor ends the search
        found = matching(self._known.get(cert.issuer_der, []))
        found += [c for c in matching(local.get(cert.issuer_der, [])) if c not in found]
        if found or self._fetcher is None:
            return found
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
        return matching(self._known.get(cert.issuer_der, []))


def _constraints(chain: tuple[CertInfo, ...]) -> str | None:
    """The first CA constraint the path breaks (RFC 5280 §6.1.4), or None."""
    for cert in chain[:-1]:
        if cert.unknown_critical:
            return (
                f"{cert.label()} has unknown critical extensions {', '.join(cert.unknown_critical)}"
            )
    below = 0  # non-self-issued intermediate certificates between a CA and the leaf
    for position, ca in enumerate(chain[1:-1], start=1):
        if not ca.is_ca:
            return f"{ca.label()} issued a certificate but is not a CA (basicConstraints)"
        if ca.key_usage is not None and not ca.key_usage.key_cert_sign:
            return f"{ca.label()} may not sign certificates (keyUsage lacks keyCertSign)"
        if ca.path_length is not None and below > ca.path_length:
            return f"{ca.label()} allows {ca.path_length} CAs below it, the path has {below}"
        if position >= 1 and not ca.self_issued:
            below += 1
    return None
