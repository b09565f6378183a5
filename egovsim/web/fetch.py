"""Fetching CRLs, OCSP answers and CA certificates over HTTP for the verifier."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from types import TracebackType

import aiohttp
from cryptography.hazmat.primitives import serialization

from egovsim.pki.authority import PkiError, TestPki
from egovsim.pki.ocsp import OcspResponder
from egovsim.pki.tsa import TimeStampAuthority, tsa_key
from egovsim.signatures.revocation import FetchError
from egovsim.storage.faults import (
    OCSP_DOWN,
    OCSP_UNKNOWN,
    TSA_DOWN,
    TSA_UNTRUSTED_SWITCH,
    TSA_WRONG_IMPRINT,
    PkiFaults,
)


class Unreachable(FetchError):
    """Nothing listens at the address (as opposed to a server that answered badly)."""


MAX_BODY = 16 * 1024 * 1024


class HttpFetcher:
    """The verifier's `Fetcher` over aiohttp, with a timeout and a size limit per fetch."""

    def __init__(self, timeout: float = 5.0, max_body: int = MAX_BODY) -> None:
        self.timeout = timeout
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_body = max_body
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> HttpFetcher:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The shared connection pool (for other outgoing HTTP, such as gateway pushes)."""
        return self._client()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def get(self, url: str) -> bytes:
        """The body of a GET; FetchError for anything but a 200 within the limits."""
        return await self._request("GET", url, None, None)

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        """The body of a POST; FetchError for anything but a 200 within the limits."""
        return await self._request("POST", url, body, content_type)

    async def _request(
        self, method: str, url: str, body: bytes | None, content_type: str | None
    ) -> bytes:
        if not url.startswith(("http://", "https://")):
            raise FetchError(f"not an HTTP address: {url}")
        headers = {"Content-Type": content_type} if content_type else None
        try:
            async with self._client().request(method, url, data=body, headers=headers) as reply:
                if reply.status != 200:
                    raise FetchError(f"HTTP {reply.status}")
                return await read_limited(reply.content, self._max_body)
        except aiohttp.ClientConnectorError as error:
            raise Unreachable(f"cannot connect: {error.os_error}") from None
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as error:
            raise FetchError(f"{type(error).__name__}: {error}".rstrip(": ")) from None


async def read_limited(stream: aiohttp.StreamReader, limit: int) -> bytes:
    """Read a body to its end; FetchError when it is longer than `limit` bytes."""
    chunks = []
    total = 0
    while chunk := await stream.read(65536):
        total += len(chunk)
        if total > limit:
            raise FetchError(f"more than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def served_crl(pki: TestPki, faults: PkiFaults, name: str, now: datetime) -> bytes:
    """The CRL `name` as the PKI serves it: the one frozen by `crl-stale` while that is on, else
    the current one (published anew when stale); PkiError when there is no such CRL."""
    frozen = faults.frozen_crl(name)
    return frozen if frozen is not None else pki.crl(name, now)


def _no_faults() -> PkiFaults:
    return PkiFaults()


class LocalPkiFetcher:
    """Fetches over HTTP, and answers for the local test PKI when its server is not running.

    A CLI call shares the certs directory with `egovsim serve`; when nothing listens at the
    PKI's address, the same CRLs, certificates and OCSP answers are made from that directory,
    with the PKI's fault switches (`faults`) doing what they do to the served ones.
    """

    def __init__(
        self,
        http: HttpFetcher,
        pki: TestPki,
        now: Callable[[], datetime],
        faults: Callable[[], PkiFaults] = _no_faults,
    ) -> None:
        self._http = http
        self._pki = pki
        self._now = now
        self._faults = faults
        self._responder = OcspResponder(pki)
        self._tsa = TimeStampAuthority()
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
        if faults.is_on(OCSP_DOWN):
            raise FetchError("HTTP 503")  # what the responder's address answers when down
        delay = faults.ocsp_delay()
        if delay:
            # As over HTTP: the answer comes after the delay, or the fetch gives up first.
            if delay >= self._http.timeout:
                await asyncio.sleep(self._http.timeout)
                raise FetchError(f"TimeoutError: no answer within {self._http.timeout} s")
            await asyncio.sleep(delay)
        return self._responder.respond(body, self._now(), all_unknown=faults.is_on(OCSP_UNKNOWN))

    async def _time_stamp(self, body: bytes, faults: PkiFaults) -> bytes:
        """The local TSA's answer, with its fault switches doing what they do at /tsp."""
        if faults.is_on(TSA_DOWN):
            raise FetchError("HTTP 503")
        delay = faults.tsa_delay()
        if delay:
            if delay >= self._http.timeout:
                await asyncio.sleep(self._http.timeout)
                raise FetchError(f"TimeoutError: no answer within {self._http.timeout} s")
            await asyncio.sleep(delay)
        now = self._now()
        signer = tsa_key(self._pki, now, untrusted=faults.is_on(TSA_UNTRUSTED_SWITCH))
        return self._tsa.respond(body, now, signer, wrong_imprint=faults.is_on(TSA_WRONG_IMPRINT))
