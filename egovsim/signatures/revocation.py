"""Revocation status of a certificate from OCSP (RFC 6960) or CRLs with delta CRLs (RFC 5280 §6.3).

CRLs come from the caller (given up front) and from the certificate's distribution points; a CRL
counts when its scope covers the certificate, its signer is the CA (the issuer's key, a key after
a rollover, or a separate CRL-signing certificate whose own path ends at the same anchor) with
cRLSign, and it is fresh. Answers are cached until their nextUpdate. Fetching goes through a
`Fetcher` the caller provides: this package never opens a connection itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Literal, NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from egovsim.signatures.certs import CertCache, CertInfo
from egovsim.signatures.crl_signers import MAX_NESTING, NESTING, CrlSigners, signed_by
from egovsim.signatures.crls import (
    ALL_REASONS,
    UNREADABLE,
    CrlUnusable,
    ParsedCrl,
    Problems,
    delta_matches,
    distribution_points,
    entry_for,
    read_crl,
    reason_name,
    scope_of,
)
from egovsim.signatures.fetching import Fetcher, FetchError
from egovsim.signatures.ocsp_check import OcspRefused, load_response, needs_no_check, read_answer

if TYPE_CHECKING:
    from egovsim.signatures.path import PathBuilder

__all__ = [
    "FetchError",
    "Fetcher",
    "RevocationChecker",
    "RevocationStatus",
    "load_crl",
    "reason_name",
]

StatusName = Literal["good", "revoked", "unknown", "unavailable"]

#: Seconds (of real time) an OCSP responder that could not be reached is not asked again: the
#: CRLs answer meanwhile, so a responder down costs one failed request per interval, not one per
#: certificate checked. The trainer's switches (`clear_revocation_caches`) end it at once.
OCSP_RETRY_AFTER = 30.0
_MAX_DOWN = 1_000


class RevocationStatus(NamedTuple):
    """The status of one certificate, with where it came from (a tuple: made per check)."""

    status: StatusName
    source: str  # "ocsp", "crl", "crl+delta", or "" when unavailable
    detail: str
    revoked_at: datetime | None = None
    reason: str | None = None
    this_update: datetime | None = None
    next_update: datetime | None = None
    weak: bool = False  # unavailable because the algorithm policy refused the evidence


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL from DER or PEM; ValueError when it is neither or cannot be read whole."""
    try:
        if b"-----BEGIN" in data[:4096]:
            crl = x509.load_pem_x509_crl(data[data.index(b"-----BEGIN") :])
        else:
            crl = x509.load_der_x509_crl(data)
        crl.issuer.rfc4514_string()  # parsed lazily: a broken one must fail here, not later
        crl.last_update_utc  # noqa: B018
    except UNREADABLE as error:
        raise ValueError(f"{type(error).__name__}: {error}") from None
    return crl


class _Memo(NamedTuple):
    """A CRL verdict computed once, with the times it holds for."""

    status: RevocationStatus
    until: datetime | None  # the earliest nextUpdate of the CRLs used
    entry_at: datetime | None  # when the certificate's entry takes effect, if it has one


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
        self._certs = certs or CertCache()
        self._use_nonce = use_nonce
        self._paths = paths
        self._given: list[ParsedCrl] = []
        self._given_problems: list[str] = []
        for index, crl in enumerate(offline_crls or [], start=1):
            try:
                self._given.append(read_crl(crl, f"the CRL given #{index}"))
            except (CrlUnusable, *UNREADABLE) as error:
                self._given_problems.append(str(error))
        self._fetched: dict[str, ParsedCrl] = {}
        self._memo: dict[tuple[bytes, bytes], _Memo] = {}
        self._ocsp: dict[tuple[bytes, int], RevocationStatus] = {}
        #: Responders that could not be reached: until when (of `timer`) they are not asked,
        #: and why they failed.
        self._down: dict[str, tuple[float, str]] = {}
        self._retry_after = retry_after
        self._timer = timer
        self._signers = CrlSigners(paths, self.status)

    async def status(
        self, cert: CertInfo, issuer: CertInfo, at: datetime, anchor: CertInfo | None = None
    ) -> RevocationStatus:
        """The status of `cert` at `at`; 'unavailable' when no source gave a usable answer."""
        sources = [self._by_ocsp, self._by_crl]
        if self._prefer == "crl":
            sources.reverse()
        reasons, weak = [], False
        for source in sources:
            result = await source(cert, issuer, at, anchor)
            if result.status != "unavailable":
                return result
            reasons.append(result.detail)
            weak = weak or result.weak
        return RevocationStatus("unavailable", "", "; ".join(r for r in reasons if r), weak=weak)

    def forget(self) -> None:
        """Drop every fetched CRL and OCSP answer kept until its nextUpdate, so the next check
        asks the sources again (CRLs given up front stay)."""
        self._fetched.clear()
        self._memo.clear()
        self._ocsp.clear()
        self._down.clear()

    def forget_unreachable(self) -> None:
        """Ask every OCSP responder again at the next check, those that failed too (a fault
        switched off, a responder brought back)."""
        self._down.clear()

    def cached(self, cert: CertInfo, issuer: CertInfo, at: datetime) -> RevocationStatus | None:
        """The status from the preferred source's cache alone, or None when it must be asked.

        The verifier's hot path: a warm check needs no coroutine and no fetch.
        """
        if self._prefer == "ocsp" and cert.ocsp_urls and self._fetcher is not None:
            answer = self._ocsp_cached(cert, issuer, at)
            if answer is not None or self._down_because(cert.ocsp_urls[0]) is None:
                return answer
        # CRLs first, or OCSP that cannot be asked (a CA's certificate names no responder, the
        # verifier is offline, the responder is down): `status` would answer with the CRLs'
        # verdict, kept here.
        memo = self._memo.get((cert.fingerprint, issuer.fingerprint))
        if memo is None or (memo.until is not None and at > memo.until):
            return None
        revoked = memo.entry_at is not None and memo.entry_at <= at
        if revoked != (memo.status.status == "revoked"):
            return None
        return memo.status

    # -- CRLs -------------------------------------------------------------------------------

    async def _by_crl(
        self, cert: CertInfo, issuer: CertInfo, at: datetime, anchor: CertInfo | None
    ) -> RevocationStatus:
        problems = Problems(self._given_problems)
        crls = [*self._given, *await self._deltas(cert, self._given, at, problems)]
        found = await self._crl_status(cert, issuer, at, anchor, crls, problems)
        # A second round when the first found the complete CRL kept superseded by a newer base.
        for _ in range(2):
            if found is not None or self._fetcher is None or not cert.crl_urls:
                break
            fetched = [
                crl for url in cert.crl_urls if (crl := await self._fetch(url, at, problems))
            ]
            fetched += await self._deltas(cert, fetched, at, problems)
            kept = len(self._fetched)
            found = await self._crl_status(cert, issuer, at, anchor, [*crls, *fetched], problems)
            if len(self._fetched) == kept:
                break  # nothing superseded was dropped: fetching again would give the same
        if found is None and cert.crl_urls and self._fetcher is None:
            problems.extend(f"{url} not fetched (offline)" for url in cert.crl_urls)
        if found is None:
            detail = "; ".join(dict.fromkeys(problems)) or "the certificate names none"
            return RevocationStatus(
                "unavailable", "", f"no usable CRL: {detail}", weak=problems.weak
            )
        return found

    async def _deltas(
        self, cert: CertInfo, complete: list[ParsedCrl], at: datetime, problems: Problems
    ) -> list[ParsedCrl]:
        """The delta CRLs the certificate or its issuer's complete CRLs point to (fetched)."""
        if self._fetcher is None:
            return []
        urls = list(cert.delta_crl_urls)
        for crl in complete:
            if crl.delta_base is None and crl.issuer_key == cert.issuer_key:
                urls.extend(crl.delta_urls)
        found = []
        for url in dict.fromkeys(urls):
            delta = await self._fetch(url, at, Problems())  # a missing delta: the full CRL alone
            if delta is not None and delta.delta_base is not None:
                found.append(delta)
        return found

    async def _fetch(self, url: str, at: datetime, problems: Problems) -> ParsedCrl | None:
        cached = self._fetched.get(url)
        if cached is not None and (cached.next_update is None or at <= cached.next_update):
            return cached
        assert self._fetcher is not None
        try:
            parsed = read_crl(load_crl(await self._fetcher.get(url)), url)
        except (FetchError, CrlUnusable, ValueError) as error:
            problems.append(f"{url}: {error}")
            return None
        self._fetched[url] = parsed
        return parsed

    async def _crl_status(
        self,
        cert: CertInfo,
        issuer: CertInfo,
        at: datetime,
        anchor: CertInfo | None,
        crls: list[ParsedCrl],
        problems: Problems,
    ) -> RevocationStatus | None:
        """§6.3.3 over the CRLs at hand: the verdict, or None while some reasons stay uncovered."""
        complete = [crl for crl in crls if crl.delta_base is None]
        deltas = [crl for crl in crls if crl.delta_base is not None]
        superseded = {
            crl.fingerprint
            for crl in complete
            for delta in deltas
            if delta.issuer_key == crl.issuer_key
            and delta.idp == crl.idp
            and delta.delta_base is not None
            and delta.delta_base > crl.number
        }
        covered: frozenset[x509.ReasonFlags] = frozenset()
        used: list[str] = []
        until: datetime | None = None
        memoizable = True  # the verdict may be kept for the hot path
        source = "crl"
        later_entry: datetime | None = None
        for point in distribution_points(cert):
            for crl in complete:
                if covered >= ALL_REASONS:
                    break
                if crl.next_update is not None and at > crl.next_update:
                    problems.append(
                        f"§6.3.3 (a) the CRL is stale: {crl.source} has its nextUpdate "
                        f"{crl.next_update.isoformat()} before the validation time"
                    )
                    continue
                if crl.fingerprint in superseded:
                    # §5.2.4: the delta extends a newer complete CRL than this one, which can no
                    # longer be completed; a fetched one is dropped so that the newer comes.
                    problems.append(f"{crl.source} #{crl.number} is superseded by a newer base")
                    if self._fetched.get(crl.source) is crl:
                        del self._fetched[crl.source]
                    continue
                reasons = scope_of(crl, cert, point)
                if isinstance(reasons, str):
                    problems.append(f"§6.3.3 (b) {crl.source}: {reasons}")
                    continue
                if not reasons - covered:
                    continue
                signer = await self._signers.signer(crl, cert, issuer, at, anchor, problems)
                if signer is None:
                    continue
                memoizable = memoizable and signer is issuer
                delta = self._delta_for(crl, deltas, signer, at)
                entry = entry_for(crl, cert)
                detail = f"full CRL #{crl.number}"
                if delta is not None:
                    detail += f" + delta CRL #{delta.number}"
                    change = entry_for(delta, cert)
                    if change is not None:
                        entry = None if change[1] == "removeFromCRL" else change
                next_update = crl.next_update
                if delta is not None and delta.next_update is not None:
                    # The verdict holds until the delta, published more often, may say more.
                    next_update = min(next_update or delta.next_update, delta.next_update)
                elif self._fetcher is not None and (cert.delta_crl_urls or crl.delta_urls):
                    memoizable = False  # a delta may come: ask again next time, not the memo
                if entry is not None and entry[0] <= at:
                    status = RevocationStatus(
                        "revoked",
                        "crl+delta" if delta else "crl",
                        detail,
                        entry[0],
                        entry[1],
                        crl.this_update,
                        crl.next_update,
                    )
                    if memoizable:
                        self._remember(cert, issuer, status, next_update, entry[0])
                    return status
                if entry is not None:
                    later_entry = entry[0]
                covered |= reasons
                used.append(detail)
                source = "crl+delta" if delta else "crl"
                if next_update is not None and (until is None or next_update < until):
                    until = next_update
        if covered < ALL_REASONS:
            if used:
                problems.append(f"{', '.join(used)} do not cover every revocation reason")
            return None
        status = RevocationStatus("good", source, "; ".join(used), None, None, None, until)
        if memoizable:
            self._remember(cert, issuer, status, until, later_entry)
        return status

    def _remember(
        self,
        cert: CertInfo,
        issuer: CertInfo,
        status: RevocationStatus,
        until: datetime | None,
        entry_at: datetime | None,
    ) -> None:
        if len(self._memo) > 10_000:
            self._memo.clear()
        self._memo[cert.fingerprint, issuer.fingerprint] = _Memo(status, until, entry_at)

    def _delta_for(
        self, complete: ParsedCrl, deltas: list[ParsedCrl], signer: CertInfo, at: datetime
    ) -> ParsedCrl | None:
        """The newest fresh delta CRL that extends `complete`, signed by the same key."""
        usable = [
            delta
            for delta in deltas
            if delta_matches(complete, delta)
            and (delta.next_update is None or at <= delta.next_update)
            and signed_by(delta, signer) is None
        ]
        return max(usable, key=lambda delta: delta.number, default=None)

    # -- OCSP -------------------------------------------------------------------------------

    def _ocsp_cached(
        self, cert: CertInfo, issuer: CertInfo, at: datetime
    ) -> RevocationStatus | None:
        cached = self._ocsp.get((issuer.fingerprint, cert.serial))
        if (
            cached is not None
            and (cached.next_update is None or at <= cached.next_update)
            and (cached.this_update is None or at >= cached.this_update)
        ):
            return cached
        return None

    async def _by_ocsp(
        self, cert: CertInfo, issuer: CertInfo, at: datetime, anchor: CertInfo | None
    ) -> RevocationStatus:
        key = (issuer.fingerprint, cert.serial)
        cached = self._ocsp_cached(cert, issuer, at)
        if cached is not None:
            return cached
        if not cert.ocsp_urls:
            return RevocationStatus("unavailable", "", "the certificate names no OCSP responder")
        if self._fetcher is None:
            return RevocationStatus("unavailable", "", "OCSP not asked (offline)")
        url = cert.ocsp_urls[0]
        down = self._down_because(url)
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
            self._ocsp[key] = result
        return result

    def _down_because(self, url: str) -> str | None:
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
