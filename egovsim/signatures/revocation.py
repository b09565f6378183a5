"""Revocation status of a certificate from OCSP (RFC 6960) or CRLs with delta CRLs (RFC 5280 §6.3),
whichever the verifier prefers first, the other when the first gives no usable answer.

The CRL side is `crl_status`, the OCSP side `ocsp_status`; this module chooses between them and
answers the verifier's hot path from their caches. Fetching goes through a `Fetcher` the caller
provides: this package never opens a connection itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from cryptography import x509

from egovsim.signatures.certs import CertCache, CertInfo
from egovsim.signatures.crl_status import CrlSource
from egovsim.signatures.crls import load_crl, reason_name
from egovsim.signatures.fetching import Fetcher, FetchError
from egovsim.signatures.ocsp_status import OCSP_RETRY_AFTER, OcspSource
from egovsim.signatures.revocation_status import RevocationStatus, StatusName

if TYPE_CHECKING:
    from egovsim.signatures.path import PathBuilder

__all__ = [
    "OCSP_RETRY_AFTER",
    "FetchError",
    "Fetcher",
    "RevocationChecker",
    "RevocationStatus",
    "StatusName",
    "load_crl",
    "reason_name",
]


class RevocationChecker:
    """Finds the revocation status of a certificate, preferring OCSP or CRLs as configured."""

    def __init__(
        self,
        fetcher: Fetcher | None,
        *,
        prefer: Literal["ocsp", "crl"] = "ocsp",
        offline_crls: list[x509.CertificateRevocationList] | None = None,
        certs: CertCache | None = None,
        use_nonce: bool = True,
        paths: PathBuilder | None = None,
        retry_after: float = OCSP_RETRY_AFTER,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetcher = fetcher
        self._prefer = prefer
        self._crls = CrlSource(fetcher, offline_crls, paths, self.status)
        self._ocsp = OcspSource(
            fetcher,
            certs or CertCache(),
            self._crls.status,
            use_nonce=use_nonce,
            retry_after=retry_after,
            timer=timer,
        )
        sources = [self._ocsp.status, self._crls.status]
        if prefer == "crl":
            sources.reverse()
        self._sources = tuple(sources)

    async def status(
        self, cert: CertInfo, issuer: CertInfo, at: datetime, anchor: CertInfo | None = None
    ) -> RevocationStatus:
        """The status of `cert` at `at`; 'unavailable' when no source gave a usable answer."""
        reasons, weak = [], False
        for source in self._sources:
            result = await source(cert, issuer, at, anchor)
            if result.status != "unavailable":
                return result
            reasons.append(result.detail)
            weak = weak or result.weak
        return RevocationStatus("unavailable", "", "; ".join(r for r in reasons if r), weak=weak)

    def forget(self) -> None:
        """Drop every fetched CRL and OCSP answer kept until its nextUpdate, so the next check
        asks the sources again (CRLs given up front stay)."""
        self._crls.forget()
        self._ocsp.forget()

    def forget_unreachable(self) -> None:
        """Ask every OCSP responder again at the next check, those that failed too (a fault
        switched off, a responder brought back)."""
        self._ocsp.forget_unreachable()

    def cached(self, cert: CertInfo, issuer: CertInfo, at: datetime) -> RevocationStatus | None:
        """The status from the preferred source's cache alone, or None when it must be asked.

        The verifier's hot path: a warm check needs no coroutine and no fetch.
        """
        if self._prefer == "ocsp" and cert.ocsp_urls and self._fetcher is not None:
            answer = self._ocsp.kept(cert, issuer, at)
            if answer is not None or self._ocsp.down_because(cert.ocsp_urls[0]) is None:
                return answer
        # CRLs first, or OCSP that cannot be asked (a CA's certificate names no responder, the
        # verifier is offline, the responder is down): `status` would answer with the CRLs'
        # verdict, kept there.
        return self._crls.kept(cert, issuer, at)

    def still(
        self, links: tuple[tuple[CertInfo, CertInfo, RevocationStatus], ...], at: datetime
    ) -> bool:
        """Whether the cache still gives each (certificate, issuer) the very answer it gave
        when a verdict was kept: `cached` for every link, with the CRL-only case (the choice
        made once) looked up directly, one call a link."""
        # A plain loop rather than all() over a generator: this runs on every warm check.
        ocsp = self._prefer == "ocsp" and self._fetcher is not None
        kept = self.cached if ocsp else self._crls.kept
        for cert, issuer, status in links:  # noqa: SIM110
            if kept(cert, issuer, at) is not status:
                return False
        return True
