"""Where the verifier gets CRLs, OCSP answers and CA certificates: an interface, never a socket.

Two implementations keep to it: `fetching_http.HttpFetcher` (one aiohttp client session, a
timeout and a size limit per fetch) and `fetching_local.LocalPkiFetcher` (the simulator's own
PKI answered in process from its certs directory when nothing listens at its address).
"""

from __future__ import annotations

from typing import Protocol


class FetchError(Exception):
    """A fetch that gave no usable answer (connection refused, timeout, HTTP error, too big)."""


class Unreachable(FetchError):
    """Nothing listens at the address (as opposed to a server that answered badly)."""


class Fetcher(Protocol):
    """Where the verifier gets CRLs, OCSP answers and CA certificates from."""

    async def get(self, url: str) -> bytes:
        """The body of a GET, or FetchError."""

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        """The body of a POST, or FetchError."""


class TimedFetcher(Fetcher, Protocol):
    """A fetcher that gives up after `timeout` seconds."""

    @property
    def timeout(self) -> float:
        """Seconds a fetch may take before it fails."""
