"""The application factory: `create_app(settings)` builds the whole simulator on one port."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from egovsim import __version__
from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.pki.authority import Publication, TestPki
from egovsim.pki.ocsp import OcspResponder
from egovsim.pki.personas import create_personas
from egovsim.signatures.verifier import Verifier
from egovsim.web import pki_routes
from egovsim.web.errors import error_middleware
from egovsim.web.fetch import HttpFetcher
from egovsim.web.keys import CLOCK, FETCHER, OCSP, PKI, SETTINGS, VERIFIER

log = logging.getLogger("egovsim")


def publication(settings: Settings) -> Publication:
    """How long the test CA's CRLs and OCSP answers last, from the settings."""
    return Publication(settings.crl_validity, settings.delta_crl_validity, settings.ocsp_validity)


def open_pki(settings: Settings, clock: Clock) -> TestPki:
    """The test PKI in the certs directory, created with the demo personas if there is none."""
    if TestPki.exists(settings.certs_dir):
        pki = TestPki.open(settings.certs_dir, publication(settings))
        if pki.base_url != settings.base_url:
            log.warning(
                "the test PKI's certificates point at %s, not at %s; run 'egovsim pki init "
                "--force' to issue them for this address",
                pki.base_url,
                settings.base_url,
            )
        return pki
    now = clock.now()
    pki = TestPki.init(settings.certs_dir, settings.base_url, now, publication(settings))
    create_personas(pki, now, settings.persona_password)
    return pki


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    clock = app[CLOCK]
    loop = asyncio.get_running_loop()
    pki = await loop.run_in_executor(None, open_pki, settings, clock)
    app[PKI] = pki
    app[OCSP] = OcspResponder(pki, settings.ocsp_validity)
    async with HttpFetcher(settings.fetch_timeout) as fetcher:
        app[FETCHER] = fetcher
        app[VERIFIER] = Verifier(
            pki.trust_anchors,
            fetcher=fetcher if settings.online else None,
            prefer=settings.revocation_preference,
            policy=settings.revocation_policy,
            clock=clock.now,
        )
        yield


async def healthz(request: web.Request) -> web.Response:
    """Liveness and the simulator's time."""
    clock = request.app[CLOCK]
    return web.json_response(
        {
            "status": "ok",
            "version": __version__,
            "time": clock.now().isoformat(),
            "clock": clock.mode,
        }
    )


def create_app(settings: Settings, clock: Clock | None = None) -> web.Application:
    """The simulator as an aiohttp application; resources open on startup, close on cleanup."""
    app = web.Application(middlewares=[error_middleware], client_max_size=64 * 1024 * 1024)
    app[SETTINGS] = settings
    app[CLOCK] = clock or Clock(frozen_at=settings.clock_frozen_at)
    app.cleanup_ctx.append(_resources)
    app.router.add_get("/healthz", healthz)
    app.router.add_routes(pki_routes.routes)
    return app
