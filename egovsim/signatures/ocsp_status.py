"""Revocation status from OCSP (RFC 6960): the request made, the answer read and matched
(`ocsp_check`), a delegated responder's own status established, answers kept until their
nextUpdate, and a responder that cannot be reached left alone for a while."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from egovsim.signatures.certs import CertCache, CertInfo
from egovsim.signatures.crl_signers import MAX_NESTING, NESTING
from egovsim.signatures.fetching import Fetcher, FetchError
from egovsim.signatures.ocsp_check import OcspRefused, load_response, needs_no_check, read_answer
from egovsim.signatures.revocation_status import RevocationStatus, StatusOf
from egovsim.telemetry import metrics

#: Seconds (of real time) an OCSP responder that could not be reached is not asked again: the
#: CRLs answer meanwhile, so a responder down costs one failed request per interval, not one per
#: certificate checked. The trainer's switches (`clear_revocation_caches`) end it at once.
OCSP_RETRY_AFTER = 30.0
_MAX_DOWN = 1_000


class OcspSource:
    """The OCSP side of a revocation checker: asks the responders, keeps their answers."""

    def __init__(
        self,
        fetcher: Fetcher | None,
        certs: CertCache,
        by_crl: StatusOf,
        *,
        use_nonce: bool,
        retry_after: float,
        timer: Callable[[], float],
    ) -> None:
        self._fetcher = fetcher
        self._certs = certs
        # A delegated responder's own status comes from its CA's CRLs (RFC 6960 §4.2.2.2.1).
        self._by_crl = by_crl
        self._use_nonce = use_nonce
        self._answers: dict[tuple[bytes, int], RevocationStatus] = {}
        #: Responders that could not be reached: until when (of `timer`) they are not asked,
        #: and why they failed.
        self._down: dict[str, tuple[float, str]] = {}
        self._retry_after = retry_after
        self._timer = timer

    def forget(self) -> None:
        """Drop the answers kept and ask every responder again."""
        self._answers.clear()
        self._down.clear()

    def forget_unreachable(self) -> None:
        """Ask every responder again at the next check, those that failed too."""
        self._down.clear()

    def kept(self, cert: CertInfo, issuer: CertInfo, at: datetime) -> RevocationStatus | None:
        """The answer kept for `cert`, while it is fresh at `at`."""
        cached = self._answers.get((issuer.fingerprint, cert.serial))
        if (
            cached is not None
            and (cached.next_update is None or at <= cached.next_update)
            and (cached.this_update is None or at >= cached.this_update)
        ):
            return cached
        return None

    async def status(
        self, cert: CertInfo, issuer: CertInfo, at: datetime, anchor: CertInfo | None
    ) -> RevocationStatus:
        """The status of `cert` at `at` from the responder it names (or the answer kept);
        'unavailable' with the reason when there is none to be had."""
        key = (issuer.fingerprint, cert.serial)
        cached = self.kept(cert, issuer, at)
        if cached is not None:
            metrics.REVOCATION_HIT.inc()
            return cached
        metrics.REVOCATION_MISS.inc()
        if not cert.ocsp_urls:
            return RevocationStatus("unavailable", "", "the certificate names no OCSP responder")
        if self._fetcher is None:
            return RevocationStatus("unavailable", "", "OCSP not asked (offline)")
        url = cert.ocsp_urls[0]
        down = self.down_because(url)
        if down is not None:
            return RevocationStatus("unavailable", "", down)
        builder = ocsp.OCSPRequestBuilder().add_certificate(
            cert.certificate, issuer.certificate, hashes.SHA1()
        )
        nonce = os.urandom(16) if self._use_nonce else None
        if nonce is not None:
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        request = builder.build().public_bytes(serialization.Encoding.DER)
        try:
            try:
                body = await self._fetcher.post(url, request, "application/ocsp-request")
            except FetchError as error:
                self._mark_down(url, str(error))
                raise
            self._down.pop(url, None)
            response = load_response(body)
            answer, responder = read_answer(response, cert, issuer, self._certs, at, nonce)
            if responder is not issuer:
                await self._check_responder(responder, issuer, at, anchor)
        except FetchError as error:
            return RevocationStatus("unavailable", "", f"OCSP {url}: {error}")
        except OcspRefused as error:
            return RevocationStatus("unavailable", "", f"OCSP {url}: {error}", weak=error.weak)
        detail = f"OCSP {url}"
        if answer.status == "unknown":
            detail += ": the responder does not know this certificate"
        result = RevocationStatus(
            answer.status,  # type: ignore[arg-type]
            "ocsp",
            detail,
            answer.revoked_at,
            answer.reason,
            answer.this_update,
            answer.next_update,
        )
        if answer.status in ("good", "revoked"):
            self._answers[key] = result
        return result

    def down_because(self, url: str) -> str | None:
        """Why the responder at `url` is not asked now (it failed within the interval)."""
        down = self._down.get(url)
        if down is None:
            return None
        if self._timer() >= down[0]:
            del self._down[url]
            return None
        return down[1]

    def _mark_down(self, url: str, reason: str) -> None:
        # Only a failure to reach the responder counts: an answer refused for one certificate
        # (tryLater for a magic IIN, a bad signature) says nothing about the others.
        if len(self._down) >= _MAX_DOWN:
            self._down.clear()
        detail = (
            f"OCSP {url}: {reason}; not asked again for {self._retry_after:g} s (the CRLs answer)"
        )
        self._down[url] = (self._timer() + self._retry_after, detail)

    async def _check_responder(
        self, responder: CertInfo, issuer: CertInfo, at: datetime, anchor: CertInfo | None
    ) -> None:
        """A delegated responder must be unrevoked, unless it carries id-pkix-ocsp-nocheck."""
        if needs_no_check(responder):
            return
        if NESTING.get() >= MAX_NESTING:
            raise OcspRefused(
                f"the status of the responder {responder.label()} cannot be established"
            )
        nesting = NESTING.set(NESTING.get() + 1)
        try:
            status = await self._by_crl(responder, issuer, at, anchor)
        finally:
            NESTING.reset(nesting)
        if status.status != "good":
            raise OcspRefused(
                f"the responder's certificate {responder.label()} is {status.status}: "
                f"{status.detail}"
            )
