"""A simulator served to HTTP clients by a front end: what a scenario run or the testing kit
asks of whoever can serve one (the web front end's `egovsim.web.serving.serve`)."""

from __future__ import annotations

import socket
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.simulator.core import Simulator


@dataclass(frozen=True)
class Served:
    """A started simulator answering HTTP at `url`."""

    url: str
    simulator: Simulator


class Serve(Protocol):
    """Start a simulator from `settings` on `clock` and serve it on `listener` (a socket the
    caller keeps listening) or, without one, on a free loopback port; stopped on the way out."""

    def __call__(
        self, settings: Settings, clock: Clock, listener: socket.socket | None = None
    ) -> AbstractAsyncContextManager[Served]:
        """The served simulator, for the `async with` block."""
