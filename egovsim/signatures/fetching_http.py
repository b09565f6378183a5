"""Fetching CRLs, OCSP answers and CA certificates over HTTP: one aiohttp client session, a
timeout and a size limit per fetch."""

from __future__ import annotations

from types import TracebackType

import aiohttp

from egovsim.signatures.fetching import FetchError, Unreachable

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
