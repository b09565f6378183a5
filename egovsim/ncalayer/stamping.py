"""The timestamps the NCALayer-compatible signer adds when a page's `tsaProfile` asks for them:
a CAdES-T token from the simulator's own TSA (`/tsp`) on each signer of the CMS it made.

The protocol answers from a worker thread; the TSA is asked on the event loop that serves the
socket, so one HTTP client (and its fallback to the local TSA) serves both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from egovsim.signatures import cades

#: The members a `tsaProfile` may have; `{}` asks for no timestamp, as NCALayer's captures do.
PROFILE_MEMBERS = ("policy", "url")


class ProfileRefused(ValueError):
    """A `tsaProfile` the signer cannot honour (an unknown member, another TSA's address)."""


@dataclass(frozen=True, slots=True)
class TsaRequest:
    """What a non-empty `tsaProfile` asks of the TSA: a policy (None: the TSA's default)."""

    policy: str | None


def read_profile(profile: Mapping[str, Any], own_url: str | None) -> TsaRequest | None:
    """The TSA request a `tsaProfile` makes: None for `{}`; ProfileRefused for a member the
    signer does not know, or a `url` other than the simulator's TSA (the signer asks no one
    else, so a page cannot make it post anywhere)."""
    if not profile:
        return None
    unknown = sorted(set(profile) - set(PROFILE_MEMBERS))
    if unknown:
        raise ProfileRefused(
            f"tsaProfile has no member {', '.join(unknown)}: give {{}} for no timestamp, or "
            f'{{"policy": OID}} and optionally "url" for the simulator\'s TSA'
        )
    policy, url = profile.get("policy"), profile.get("url")
    if policy is not None and not isinstance(policy, str):
        raise ProfileRefused("tsaProfile policy is an OID as a string")
    if url is not None and (not isinstance(url, str) or url.rstrip("/") != own_url):
        raise ProfileRefused(f"tsaProfile url: this signer stamps with {own_url} only")
    return TsaRequest(policy or None)


class Stamper:
    """Adds a signature-time-stamp token to each signer of a CMS, from the TSA at `url`."""

    def __init__(
        self,
        post: cades.Post,
        url: str,
        loop: asyncio.AbstractEventLoop,
        timeout: float,
    ) -> None:
        self.url = url
        self._post = post
        self._loop = loop
        self._timeout = timeout

    def stamp(self, signature: bytes, request: TsaRequest) -> bytes:
        """The CMS with its tokens (called from a worker thread, never the loop's own);
        `cades.TimestampError` when the TSA gives none."""
        future = asyncio.run_coroutine_threadsafe(
            cades.stamp_every_signer(self._post, self.url, signature, request.policy), self._loop
        )
        try:
            return future.result(self._timeout)
        except TimeoutError:
            future.cancel()
            raise cades.TimestampError(
                "TSA_UNAVAILABLE", f"the TSA at {self.url} did not answer in {self._timeout} s"
            ) from None
