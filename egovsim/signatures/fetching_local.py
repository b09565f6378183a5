"""The simulator's own PKI answered in process: its CRLs, CA certificates, OCSP answers and
time-stamps made from the certs directory when nothing listens at its address (a command-line
call beside `egovsim serve`, or a simulator behind a proxy), with the trainer's fault switches
doing what they do to the served ones."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from cryptography.hazmat.primitives import serialization

from egovsim.pki.authority import PkiError, TestPki
from egovsim.pki.ocsp import OcspResponder
from egovsim.pki.tsa import TimeStampAuthority, tsa_key
from egovsim.signatures.fetching import FetchError, TimedFetcher, Unreachable


class ServingFaults(Protocol):
    """What the trainer's switches do to what the PKI serves (`storage.faults.PkiFaults`)."""

    @property
    def ocsp_down(self) -> bool:
        """The responder answers 503."""

    @property
    def ocsp_unknown(self) -> bool:
        """The responder answers "unknown" for every certificate."""

    @property
    def tsa_down(self) -> bool:
        """The TSA answers 503."""

    @property
    def tsa_untrusted(self) -> bool:
        """The TSA stamps with a key no trust anchor vouches for."""

    @property
    def tsa_wrong_imprint(self) -> bool:
        """The TSA stamps another digest than the one asked."""

    def ocsp_delay(self) -> float | None:
        """Seconds the responder waits before answering, or None."""

    def tsa_delay(self) -> float | None:
        """Seconds the TSA waits before answering, or None."""

    def frozen_crl(self, name: str) -> bytes | None:
        """The CRL served instead of a fresh one, or None."""


class NoFaults:
    """Every switch off."""

    ocsp_down = ocsp_unknown = tsa_down = tsa_untrusted = tsa_wrong_imprint = False

    def ocsp_delay(self) -> float | None:
        """No delay."""
        return None

    def tsa_delay(self) -> float | None:
        """No delay."""
        return None

    def frozen_crl(self, name: str) -> bytes | None:
        """No frozen CRL."""
        return None


def served_crl(pki: TestPki, faults: ServingFaults, name: str, now: datetime) -> bytes:
    """The CRL `name` as the PKI serves it: the one frozen by `crl-stale` while that is on, else
    the current one (published anew when stale); PkiError when there is no such CRL."""
    frozen = faults.frozen_crl(name)
    return frozen if frozen is not None else pki.crl(name, now)


class LocalPkiFetcher:
    """Fetches through `http`, and answers for the local test PKI when its server is not
    running (`http` says Unreachable for an address of the PKI): the same CRLs, certificates,
    OCSP answers and time-stamps, made from the PKI's directory with its switches (`faults`)."""

    def __init__(
        self,
        http: TimedFetcher,
        pki: TestPki,
        now: Callable[[], datetime],
        faults: Callable[[], ServingFaults] = NoFaults,
    ) -> None:
        self._http = http
        self._pki = pki
        self._now = now
        self._faults = faults
        self._responder = OcspResponder(pki)
        self._tsa = TimeStampAuthority()
        #: The addresses answered in process rather than over HTTP, in order.
        self.answered_locally: list[str] = []

    def _local(self, url: str) -> str | None:
        base = self._pki.base_url + "/"
        return url[len(base) :] if url.startswith(base) else None

    async def get(self, url: str) -> bytes:
        """GET over HTTP, or from the local PKI when its server is unreachable."""
        try:
            return await self._http.get(url)
        except Unreachable:
            path = self._local(url)
            if path is None:
                raise
        self.answered_locally.append(url)
        try:
            if path.startswith("crl/") and path.endswith(".crl"):
                return served_crl(self._pki, self._faults(), path[4:-4], self._now())
            if path.startswith("cert/") and path.endswith(".cer"):
                certificate = self._pki.published_certificates().get(path[5:-4])
                if certificate is not None:
                    return certificate.public_bytes(serialization.Encoding.DER)
        except PkiError as error:
            raise FetchError(str(error)) from None
        raise FetchError(f"the local PKI has nothing at {url}")

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        """POST over HTTP, or to the local OCSP responder or TSA when the server is
        unreachable."""
        try:
            return await self._http.post(url, body, content_type)
        except Unreachable:
            if self._local(url) not in ("ocsp", "tsp"):
                raise
        self.answered_locally.append(url)
        faults = self._faults()
        if self._local(url) == "tsp":
            return await self._time_stamp(body, faults)
        if faults.ocsp_down:
            raise FetchError("HTTP 503")  # what the responder's address answers when down
        await self._wait(faults.ocsp_delay())
        return self._responder.respond(body, self._now(), all_unknown=faults.ocsp_unknown)

    async def _time_stamp(self, body: bytes, faults: ServingFaults) -> bytes:
        """The local TSA's answer, with its fault switches doing what they do at /tsp."""
        if faults.tsa_down:
            raise FetchError("HTTP 503")
        await self._wait(faults.tsa_delay())
        now = self._now()
        signer = tsa_key(self._pki, now, untrusted=faults.tsa_untrusted)
        return self._tsa.respond(body, now, signer, wrong_imprint=faults.tsa_wrong_imprint)

    async def _wait(self, delay: float | None) -> None:
        """As over HTTP: the answer comes after a slow switch's delay, or the fetch gives up
        first."""
        if not delay:
            return
        if delay >= self._http.timeout:
            await asyncio.sleep(self._http.timeout)
            raise FetchError(f"TimeoutError: no answer within {self._http.timeout} s")
        await asyncio.sleep(delay)
