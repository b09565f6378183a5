"""The checks of a signer's certificate at a time: its certification path, validity and
revocation, and its own facts (usage, role, binding), with the verdict kept for the warm path.

What is kept is a certificate-level fact, as validators keep validated paths: for a certificate,
the path found to the verifier's trust anchors, the window in which every certificate of it is
valid, and the revocation answers it was judged with. It is used again only while the time falls
in that window and the revocation checker still holds those very answers as fresh; the signature
itself is checked anew every time by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from egovsim.signatures import checks as c2
from egovsim.signatures.certs import CertInfo
from egovsim.signatures.checks import Expectations
from egovsim.signatures.path import PathBuilder, PathResult
from egovsim.signatures.report import Check, Status, failed, passed, skipped, warning
from egovsim.signatures.revocation import RevocationChecker, RevocationStatus
from egovsim.telemetry import metrics

_MAX_KEPT = 10_000
_SECOND = timedelta(seconds=1)
_Answers = tuple[RevocationStatus | None, ...]


@dataclass(frozen=True, slots=True)
class _Verdict:
    """A certificate's path and the checks it passed, with what they hold for."""

    chain: tuple[CertInfo, ...]
    checks: tuple[Check, ...]  # chain, validity, revocation, key usage, role, binding
    valid_from: datetime  # the latest notBefore of the path (the anchor's dates aside)
    valid_until: datetime  # a second after the earliest notAfter (see `_keep`)
    links: tuple[tuple[CertInfo, CertInfo, RevocationStatus], ...]
    #: The first failed check of `checks` (usage, role or binding; the others passed), if any,
    #: and the path as a report names it: the warm path's report needs no scan and no lookup.
    decisive: Check | None
    labels: tuple[str, ...]


class ChainChecker:
    """Path, validity, revocation and the certificate's own facts, for one verifier's anchors
    and RFC 5280 §6.1.1 inputs (held by its `PathBuilder`)."""

    def __init__(
        self, paths: PathBuilder, revocation: RevocationChecker, *, soft_fail: bool
    ) -> None:
        self._paths = paths
        self.revocation = revocation
        self._soft_fail = soft_fail
        self._facts: dict[tuple[bytes, Expectations], tuple[Check, Check, Check]] = {}
        #: By certificate, expectations, and whether validity is judged at a timestamp's time.
        self._verdicts: dict[tuple[bytes, Expectations, bool], _Verdict] = {}
        self._chains: dict[tuple[CertInfo, ...], Check] = {}
        #: A chain's "revocation passed" check, with the cached answers it was made from.
        self._good: dict[tuple[CertInfo, ...], tuple[_Answers, Check]] = {}

    def forget(self) -> None:
        """Drop the verdicts kept (the revocation answers they rest on are being dropped)."""
        self._verdicts.clear()
        self._good.clear()

    def kept(
        self,
        leaf: CertInfo,
        when: datetime,
        expect: Expectations,
        revocation_at: datetime | None = None,
    ) -> _Verdict | None:
        """The verdict of a certificate checked before, if it still holds: `when` inside the
        validity window, and the same revocation answers still the cache's fresh ones at
        `revocation_at` (default `when`). Counted as a hit or a miss of the verdicts kept."""
        verdict = self._verdicts.get((leaf.fingerprint, expect, revocation_at is not None))
        if (
            verdict is not None
            and verdict.valid_from <= when < verdict.valid_until
            and self.revocation.still(verdict.links, revocation_at or when)
        ):
            metrics.VERDICT_HIT.inc()
            return verdict
        metrics.VERDICT_MISS.inc()
        return None

    def warm(
        self,
        leaf: CertInfo,
        when: datetime,
        expect: Expectations,
        checks: list[Check],
        revocation_at: datetime | None = None,
    ) -> tuple[CertInfo, ...] | None:
        """`check` answered from a verdict that still holds (see `kept`), without a coroutine:
        the checks appended and the path; None when the certificate must be checked anew."""
        verdict = self.kept(leaf, when, expect, revocation_at)
        if verdict is None:
            return None
        if revocation_at is None:
            checks.extend(verdict.checks)
        else:
            chain, _, *others = verdict.checks
            checks.extend((chain, _valid_at_timestamp(when), *others))
        return verdict.chain

    async def check(
        self,
        leaf: CertInfo,
        pool: list[CertInfo],
        when: datetime,
        expect: Expectations,
        checks: list[Check],
        revocation_at: datetime | None = None,
    ) -> tuple[CertInfo, ...]:
        """Path, validity and revocation at `when`; with `revocation_at` (validation at the time
        of signing), the revocation status is asked as of then and judged at `when`. Appends the
        checks and returns the path."""
        kept = self.warm(leaf, when, expect, checks, revocation_at)
        if kept is not None:
            return kept
        return await self.anew(leaf, pool, when, expect, checks, revocation_at)

    async def anew(
        self,
        leaf: CertInfo,
        pool: list[CertInfo],
        when: datetime,
        expect: Expectations,
        checks: list[Check],
        revocation_at: datetime | None = None,
    ) -> tuple[CertInfo, ...]:
        """`check` with no verdict kept to answer from (the caller looked already)."""
        paths = self._paths
        path = paths.cached(leaf) or await paths.build(leaf, pool, when)
        start = len(checks)
        if paths.unreadable or paths.weak:
            code = "SIGNATURE_MALFORMED" if paths.unreadable else "WEAK_ALGORITHM"
            detail = "; ".join([*paths.unreadable, *paths.weak])
            checks.append(failed("chain", code, detail))
            for name in ("validity", "revocation"):
                checks.append(skipped(name, "the evidence given cannot be read"))
        elif path.code is not None:
            checks.append(failed("chain", path.code, path.detail, path.subindication))
            for name in ("validity", "revocation"):
                checks.append(skipped(name, "no valid certification path"))
        else:
            path = await self._time_checks(leaf, pool, path, when, checks, revocation_at)
        checks.extend(self._leaf_facts(leaf, expect))
        if path.chain:
            self._keep(leaf, expect, path.chain, tuple(checks[start:]), when, revocation_at)
        return path.chain

    def _leaf_facts(self, leaf: CertInfo, expect: Expectations) -> tuple[Check, Check, Check]:
        """Usage, role and binding: they depend only on the certificate and what is expected."""
        key = (leaf.fingerprint, expect)
        facts = self._facts.get(key)
        if facts is None:
            if len(self._facts) > _MAX_KEPT:
                self._facts.clear()
            facts = self._facts[key] = (
                c2.purpose(leaf, expect.purpose),
                c2.role(leaf, expect.purpose, expect.role_required),
                c2.binding(leaf, expect),
            )
        return facts

    def _keep(
        self,
        leaf: CertInfo,
        expect: Expectations,
        chain: tuple[CertInfo, ...],
        made: tuple[Check, ...],
        when: datetime,
        revocation_at: datetime | None,
    ) -> None:
        """Keep a verdict whose path, validity and revocation all passed (every link "good":
        then the time of a timestamp changes nothing but the validity check's wording), with
        every link's revocation answer as the cache gives it now (a first answer just fetched
        waits for the next check, so that what is compared later is what the cache returns)."""
        if any(check.status is not Status.PASSED for check in made[:3]):
            return
        links = []
        for position, cert in enumerate(chain[:-1]):
            issuer = chain[position + 1]
            status = self.revocation.cached(cert, issuer, revocation_at or when)
            if status is None or status.status != "good":
                return
            links.append((cert, issuer, status))
        certificates = chain[:-1]  # the anchor is trusted as configured, whatever its dates
        if len(self._verdicts) > _MAX_KEPT:
            self._verdicts.clear()
        self._verdicts[leaf.fingerprint, expect, revocation_at is not None] = _Verdict(
            chain,
            made,
            max(cert.not_before for cert in certificates),
            # Certificate times are whole seconds (RFC 5280 §4.1.2.5) and `checks.validity`
            # counts the last one whole: valid while `when` is before the next second.
            min(cert.not_after for cert in certificates) + _SECOND,
            tuple(links),
            next((check for check in made if check.status is Status.FAILED), None),
            labels(chain),
        )

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
        revocation = await self.revocation_check(path.chain, revocation_at or when, poe=when)
        rejected: set[tuple[bytes, ...]] = set()
        tried = path
        while Status.FAILED in (validity.status, revocation.status) and len(rejected) < 4:
            rejected.add(tuple(info.fingerprint for info in tried.chain))
            other = await self._paths.alternative(leaf, pool, when, rejected)
            if other is None:
                break
            other_validity = c2.validity(other.chain, when)
            other_revocation = await self.revocation_check(
                other.chain, revocation_at or when, poe=when
            )
            if Status.FAILED not in (other_validity.status, other_revocation.status):
                path, validity, revocation = other, other_validity, other_revocation
            tried = other
        checks.append(self._chain_check(path.chain))
        if revocation_at is not None and validity.status is Status.PASSED:
            validity = _valid_at_timestamp(when)
        checks.append(validity)
        checks.append(revocation)
        return path

    def _chain_check(self, chain: tuple[CertInfo, ...]) -> Check:
        found = self._chains.get(chain)
        if found is None:
            if len(self._chains) > _MAX_KEPT:
                self._chains.clear()
            found = self._chains[chain] = passed("chain", " → ".join(labels(chain)))
        return found

    async def revocation_check(
        self, chain: tuple[CertInfo, ...], when: datetime, poe: datetime | None = None
    ) -> Check:
        """The chain's revocation status as of `when`. A revocation after `poe` (the time a
        timestamp proves the signature existed) does not refuse: ETSI EN 319 102-1's
        past-signature validation compares the proof of existence with the revocation time
        whatever the reason, keyCompromise included, so it is noted instead."""
        answers = tuple(
            self.revocation.cached(cert, chain[position + 1], when)
            for position, cert in enumerate(chain[:-1])
        )
        kept = self._good.get(chain)
        if kept is not None and kept[0] == answers:
            return kept[1]
        notes = []
        after: list[str] = []
        unavailable: list[str] = []
        weak: list[str] = []
        for position, cert in enumerate(chain[:-1]):
            issuer = chain[position + 1]
            status = answers[position] or await self.revocation.status(
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
                return _revoked(cert, status, position)
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
        good = passed("revocation", "; ".join(notes))
        if all(answers):
            # Every answer came from the cache: the same answers, still fresh, give this again.
            if len(self._good) > _MAX_KEPT:
                self._good.clear()
            self._good[chain] = (answers, good)
        return good


def _valid_at_timestamp(when: datetime) -> Check:
    at = when.isoformat()
    detail = f"every certificate is valid at {at}, the time of the timestamp"
    return passed("validity", detail, at=at)


def _revoked(cert: CertInfo, status: RevocationStatus, position: int) -> Check:
    hold = status.reason == "certificateHold"
    assert status.revoked_at is not None
    return failed(
        "revocation",
        "CERT_ON_HOLD" if hold else "CERT_REVOKED",
        f"{cert.label()} {'put on hold' if hold else 'revoked'} at "
        f"{status.revoked_at.isoformat()}, reason {status.reason} ({status.detail})",
        "REVOKED_CA_NO_POE" if position > 0 else None,
        revoked_at=status.revoked_at.isoformat(),
        reason=status.reason,
        source=status.source,
        serial=f"{cert.serial:X}",
    )


_LABELS: dict[tuple[CertInfo, ...], tuple[str, ...]] = {}


def labels(chain: tuple[CertInfo, ...]) -> tuple[str, ...]:
    """The path's certificates as a report names them."""
    found = _LABELS.get(chain)
    if found is None:
        if len(_LABELS) > _MAX_KEPT:
            _LABELS.clear()
        found = _LABELS[chain] = tuple(cert.label() for cert in chain)
    return found
