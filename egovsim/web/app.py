"""The application factory: `create_app(settings)` serves a `Simulator` on one port."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

from aiohttp import web

from egovsim import __version__
from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.simulator import Simulator
from egovsim.web.common import openapi, telemetry
from egovsim.web.common.errors import error_middleware
from egovsim.web.common.headers import secure_headers
from egovsim.web.common.keys import SIMULATOR, simulator_of
from egovsim.web.common.operator import operator_middleware
from egovsim.web.common.render import STATIC
from egovsim.web.common.telemetry import telemetry_middleware
from egovsim.web.gateway import routing as gateway_routing
from egovsim.web.network import NETWORK, HttpNetwork
from egovsim.web.offices import routing as offices_routing
from egovsim.web.pki import routing as pki_routing
from egovsim.web.portal import routing as portal_routing
from egovsim.web.trainer import console_routes
from egovsim.web.trainer import routing as trainer_routing


async def _simulator(app: web.Application) -> AsyncIterator[None]:
    """The simulator runs for the app's life (its network closed after it)."""
    async with app[NETWORK], app[SIMULATOR]:
        yield


async def favicon(request: web.Request) -> web.Response:
    """Browsers and tools that ask for /favicon.ico before reading a page get the site's icon."""
    raise web.HTTPMovedPermanently("/static/favicon.svg")


async def healthz(request: web.Request) -> web.Response:
    """Liveness, the simulator's time, and which process answered (with `serve --processes`
    each answers for itself)."""
    clock = simulator_of(request).clock
    return web.json_response(
        {
            "status": "ok",
            "version": __version__,
            "time": clock.now().isoformat(),
            "clock": clock.mode,
            "pid": os.getpid(),
        }
    )


def create_app(settings: Settings, clock: Clock | None = None) -> web.Application:
    """The simulator as an aiohttp application: its `Simulator` starts on startup and stops
    on cleanup."""
    app = web.Application(
        middlewares=[telemetry_middleware, error_middleware, operator_middleware],
        client_max_size=64 * 1024 * 1024,
    )
    network = app[NETWORK] = HttpNetwork(settings.fetch_timeout)
    app[SIMULATOR] = Simulator(settings, clock, network)
    app.on_response_prepare.append(secure_headers)
    app.cleanup_ctx.append(_simulator)
    app.cleanup_ctx.append(console_routes.console_state)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/favicon.ico", favicon)
    telemetry.add_routes(app)
    pki_routing.add_routes(app)
    portal_routing.add_routes(app)
    offices_routing.add_routes(app)
    gateway_routing.add_routes(app)
    trainer_routing.add_routes(app)
    app.router.add_routes(openapi.routes)
    app.router.add_static("/static/", STATIC, follow_symlinks=False)
    return app
