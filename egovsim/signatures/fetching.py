"""Where the verifier gets CRLs, OCSP answers and CA certificates: an interface, never a socket."""

from __future__ import annotations

from typing import Protocol


class FetchError(Exception):
    """A fetch that gave no usable answer (connection refused, timeout, HTTP error, too big)."""


class Fetcher(Protocol):
    """Where the verifier gets CRLs, OCSP answers and CA certificates from."""

    async def get(self, url: str) -> bytes:
        """The body of a GET, or FetchError."""

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        """The body of a POST, or FetchError."""
