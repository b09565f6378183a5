"""Serving the apps: `run_simulator` and `run_signer` until interrupted (`egovsim serve`,
`egovsim ncalayer`), and `serve` for a run that drives a simulator over HTTP from this process
(scenario runs, the testing kit), their `egovsim.simulator.served.Serve`."""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.test_utils import TestServer

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.ncalayer.keys import KeyRing
from egovsim.pki.authority import TestPki
from egovsim.scenarios.targets import socket_url
from egovsim.simulator.served import Served
from egovsim.web.app import create_app
from egovsim.web.common.keys import SIMULATOR
from egovsim.web.pki.publication import AccessLog, JsonAccessLog
from egovsim.web.portal.ncalayer_ws import standalone_app


def run_simulator(
    settings: Settings,
    json_logs: bool = False,
    *,
    reuse_port: bool = False,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the simulator made from `settings` on its host and port until interrupted (its
    access log as JSON lines with `json_logs`), calling `ready` once it listens; with
    `reuse_port` beside other processes on the same port (`serve --processes`). An OSError when
    it cannot listen there."""
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=ready,
        reuse_port=reuse_port or None,
        access_log_class=JsonAccessLog if json_logs else AccessLog,
    )


def run_signer(
    settings: Settings,
    clock: Clock,
    keyring: KeyRing,
    pki: TestPki,
    *,
    host: str,
    port: int,
    ssl_context: ssl.SSLContext | None,
    ready: Callable[[str], None],
) -> None:
    """Serve the NCALayer signer alone (its TSA from `pki`) on `host`:`port` until interrupted,
    calling `ready` once it listens; an OSError when it cannot listen there."""
    web.run_app(
        standalone_app(settings, clock, keyring, pki),
        host=host,
        port=port,
        ssl_context=ssl_context,
        print=ready,
        access_log=None,
    )


@asynccontextmanager
async def serve(
    settings: Settings, clock: Clock, listener: socket.socket | None = None
) -> AsyncIterator[Served]:
    """The app of a simulator made from `settings`, answering on `listener` (kept listening
    after) or on a free loopback port; stopped on the way out."""
    app = create_app(settings, clock)
    server = OnSocket(app, listener) if listener else TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield Served(str(server.make_url("/")).rstrip("/"), app[SIMULATOR])
    finally:
        await server.close()


class OnSocket:
    """An app served on a socket the run keeps listening (each scenario's app in turn): the
    server closes its own copy of the socket, never the run's."""

    def __init__(self, app: web.Application, listener: socket.socket) -> None:
        self._runner = web.AppRunner(app, handler_cancellation=True)
        self._listener = listener

    async def start_server(self) -> None:
        """Start answering on the socket."""
        await self._runner.setup()
        await web.SockSite(self._runner, self._listener.dup()).start()

    def make_url(self, path: str) -> str:
        """The address of `path` on this server."""
        return socket_url(self._listener) + path

    async def close(self) -> None:
        """Stop answering; the socket stays the run's."""
        await self._runner.cleanup()
