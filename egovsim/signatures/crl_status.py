"""Revocation status from CRLs with delta CRLs (RFC 5280 §6.3).

CRLs come from the caller (given up front) and from the certificate's distribution points; a CRL
counts when its scope covers the certificate, its signer is the CA (the issuer's key, a key after
a rollover, or a separate CRL-signing certificate whose own path ends at the same anchor) with
cRLSign, and it is fresh. Verdicts are kept until the CRLs they rest on may change.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from cryptography import x509

from egovsim.signatures.certs import CertInfo
from egovsim.signatures.crl_signers import CrlSigners, signed_by
from egovsim.signatures.crls import (
    ALL_REASONS,
    UNREADABLE,
    CrlUnusable,
    ParsedCrl,
    Problems,
    delta_matches,
    distribution_points,
    entry_for,
    load_crl,
    read_crl,
    scope_of,
)
from egovsim.signatures.fetching import Fetcher, FetchError
from egovsim.signatures.revocation_status import RevocationStatus, StatusOf
from egovsim.telemetry import metrics

if TYPE_CHECKING:
    from egovsim.signatures.path import PathBuilder

#: Verdicts kept at most (one per certificate and issuer).
_MAX_KEPT = 10_000


class _Memo(NamedTuple):
    """A CRL verdict computed once, with the times it holds for."""

    status: RevocationStatus
    until: datetime | None  # the earliest nextUpdate of the CRLs used
    entry_at: datetime | None  # when the certificate's entry takes effect, if it has one


class CrlSource:
    """The CRL side of a revocation checker: the CRLs given, those fetched, and the verdicts
    made from them."""

    def __init__(
        self,
        fetcher: Fetcher | None,
        offline_crls: list[x509.CertificateRevocationList] | None,
        paths: PathBuilder | None,
        status: StatusOf,
    ) -> None:
        self._fetcher = fetcher
        self._given: list[ParsedCrl] = []
        self._given_problems: list[str] = []
        for index, crl in enumerate(offline_crls or [], start=1):
            try:
                self._given.append(read_crl(crl, f"the CRL given #{index}"))
            except (CrlUnusable, *UNREADABLE) as error:
                self._given_problems.append(str(error))
        self._fetched: dict[str, ParsedCrl] = {}
        self._memo: dict[tuple[bytes, bytes], _Memo] = {}
        # A CRL signer other than the issuer is itself checked with the whole checker's status.
        self._signers = CrlSigners(paths, status)

    def forget(self) -> None:
        """Drop the CRLs fetched and the verdicts kept (those given up front stay)."""
        self._fetched.clear()
        self._memo.clear()

    def kept(self, cert: CertInfo, issuer: CertInfo, at: datetime) -> RevocationStatus | None:
        """The verdict made before, while the CRLs it rests on still hold at `at`."""
        memo = self._memo.get((cert.fingerprint, issuer.fingerprint))
        if memo is None or (memo.until is not None and at > memo.until):
            return None
        revoked = memo.entry_at is not None and memo.entry_at <= at
        if revoked != (memo.status.status == "revoked"):
            return None
        return memo.status

    async def status(
        self, cert: CertInfo, issuer: CertInfo, at: datetime, anchor: CertInfo | None
    ) -> RevocationStatus:
        """The status of `cert` at `at` from the CRLs given and those its distribution points
        name; 'unavailable' when none covers every reason."""
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
            metrics.REVOCATION_HIT.inc()
            return cached
        metrics.REVOCATION_MISS.inc()
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
        if len(self._memo) > _MAX_KEPT:
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
