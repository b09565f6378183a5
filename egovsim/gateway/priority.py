"""Requests first: the gateway's answers to its callers go before its background deliveries.

A sender waits on the line for "accepted"; an accepted message waits in the database and loses
nothing by being delivered a moment later. So while the gateway is answering requests, each
background delivery first waits for a pause in them, at most `longest` seconds: a flood is
accepted with the whole event loop, and delivery still moves on under a flood that never pauses.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

#: How long a delivery waits at most for a pause in the requests (seconds).
LONGEST_WAIT = 0.25


class RequestsFirst:
    """Counts the requests being answered; background work gives way to them (`give_way`)."""

    def __init__(self, longest: float = LONGEST_WAIT) -> None:
        self._longest = longest
        self._answering = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    @property
    def answering(self) -> int:
        """How many requests are being answered now."""
        return self._answering

    @contextlib.contextmanager
    def answer(self) -> Iterator[None]:
        """Hold while one request is answered."""
        self._answering += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._answering -= 1
            if self._answering == 0:
                self._quiet.set()

    async def give_way(self) -> None:
        """Return at once when no request is being answered; else when none is, or after
        `longest` seconds, whichever comes first."""
        if self._answering == 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._quiet.wait(), self._longest)
