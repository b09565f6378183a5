"""What the aiohttp application shares with its handlers, under typed keys in one place: the
`Simulator` it serves (handlers reach every part through it, `simulator_of(request)`) and the
trainer's console state, which is the web's own."""

from __future__ import annotations

from aiohttp import web

from egovsim.console.state import ConsoleState
from egovsim.simulator import Simulator

#: The simulator the app serves.
SIMULATOR = web.AppKey("simulator", Simulator)
#: The trainer's console: the one run under way (try-it, tour step, reset) and the tour.
CONSOLE = web.AppKey("console", ConsoleState)


def simulator_of(request: web.Request) -> Simulator:
    """The simulator the request's app serves (the one way handlers reach its parts)."""
    return request.app[SIMULATOR]
