"""The application factory: `create_app(settings)` builds the whole simulator on one port."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import aiohttp
from aiohttp import web
from cryptography import x509

from egovsim import __version__
from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.gateway.attachments import AttachmentFetcher
from egovsim.gateway.delivery import DeliveryPolicy, DeliveryWorker
from egovsim.gateway.parties import Parties
from egovsim.gateway.seed import PORTAL_SENDER, WORKSTATION_SENDER, seed_gateway
from egovsim.gateway.sending import GatewaySender, Handle
from egovsim.gateway.service import Answer, Gateway
from egovsim.gateway.wsfresh import Freshness
from egovsim.pki.authority import Publication, TestPki
from egovsim.pki.keystore import Keystore
from egovsim.pki.ocsp import OcspResponder
from egovsim.pki.personas import create_personas, load_personas
from egovsim.portal.accounts import Accounts
from egovsim.portal.applications import ApplicantLimits, Portal
from egovsim.portal.gateway_party import join_gateway as join_portal
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.loader import load_regulations
from egovsim.signatures.fetching_http import HttpFetcher
from egovsim.signatures.fetching_local import LocalPkiFetcher
from egovsim.signatures.verifier import Verifier
from egovsim.statecorp.centres import STATECORP_SENDER
from egovsim.statecorp.gateway_party import join_gateway as join_statecorp
from egovsim.statecorp.service import StateCorp
from egovsim.storage.accounts import AccountStore
from egovsim.storage.application_lists import ApplicationLists
from egovsim.storage.applications import ApplicationStore
from egovsim.storage.clock_state import ClockStore
from egovsim.storage.database import Database, database_location
from egovsim.storage.faults import FaultStore
from egovsim.storage.gateway import GatewayStore
from egovsim.storage.portal import PortalStore
from egovsim.storage.portal_cabinet import CabinetStore
from egovsim.storage.staff import StaffStore
from egovsim.storage.statecorp import StateCorpStore
from egovsim.web.common import openapi
from egovsim.web.common.errors import error_middleware
from egovsim.web.common.headers import secure_headers
from egovsim.web.common.keys import (
    ACCOUNTS,
    CALENDAR,
    CLOCK,
    CLOCK_STORE,
    DATABASE,
    DELIVERY,
    FETCHER,
    GATEWAY,
    GATEWAY_CATCH_UP,
    GATEWAY_STORE,
    OCSP,
    PKI,
    PKI_FAULTS,
    PORTAL,
    REGULATIONS,
    SETTINGS,
    SOAP_OBSERVERS,
    STAFF,
    STARTUP_CATCH_UP,
    STATECORP,
    VERIFIER,
    WORKSTATION,
)
from egovsim.web.common.operator import operator_middleware
from egovsim.web.common.render import STATIC
from egovsim.web.gateway import routing as gateway_routing
from egovsim.web.gateway.push import (
    external_receiver,
    gateway_keystore,
    reply_signer,
    status_notifier,
)
from egovsim.web.offices import routing as offices_routing
from egovsim.web.pki import routing as pki_routing
from egovsim.web.portal import ncalayer_ws
from egovsim.web.portal import routing as portal_routing
from egovsim.web.trainer import clock as clock_routes
from egovsim.web.trainer import console_routes
from egovsim.web.trainer import routing as trainer_routing
from egovsim.workstation.answers import ProviderAnswers
from egovsim.workstation.gateway_party import join_gateway as join_workstation
from egovsim.workstation.seed import seed_providers
from egovsim.workstation.service import Workstation

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
    database = await Database.open(database_location(settings))
    try:
        app[DATABASE] = database
        app[CLOCK_STORE] = ClockStore(database)
        await clock_routes.restore_clock(app[CLOCK_STORE], clock, settings)
        faults = app[PKI_FAULTS] = FaultStore(database)
        await faults.load()  # a restart keeps the PKI's fault switches
        app[STAFF] = StaffStore(database)
        await seed_providers(
            app[STAFF], load_personas(settings.certs_dir), settings.persona_password
        )
        app[REGULATIONS] = load_regulations(settings.regulations_dir)
        app[CALENDAR] = WorkingCalendar.kazakhstan(settings.moved_days_file)
        async with HttpFetcher(settings.fetch_timeout) as http:
            app[FETCHER] = http
            # The simulator answers its own PKI's CRLs and OCSP itself when its address is
            # not reachable from here (behind a proxy, or before it listens).
            fetcher = LocalPkiFetcher(http, pki, clock.now, lambda: faults.current)
            verifier = Verifier(
                pki.trust_anchors,
                fetcher=fetcher if settings.online else None,
                prefer=settings.revocation_preference,
                policy=settings.revocation_policy,
                clock=clock.now,
            )
            app[VERIFIER] = verifier
            app[ACCOUNTS] = Accounts(
                AccountStore(database), verifier, clock.now, settings.persona_password
            )
            await app[ACCOUNTS].seed_from_personas(load_personas(settings.certs_dir))
            app[WORKSTATION] = Workstation(
                ApplicationStore(database),
                app[STAFF],
                app[REGULATIONS],
                app[CALENDAR],
                clock.now,
                verifier,
                settings.certs_dir,
                _enforces_period(app),
                key_missing=lambda: faults.current.signer_key_missing,
                lists=ApplicationLists(database),
            )
            async with _gateway(app, verifier, http.session):
                yield
    finally:
        await database.close()


@contextlib.asynccontextmanager
async def _gateway(
    app: web.Application, verifier: Verifier, session: aiohttp.ClientSession
) -> AsyncIterator[None]:
    """The gateway and its delivery worker, which runs until the app stops."""
    settings = app[SETTINGS]
    store = GatewayStore(app[DATABASE])
    app[GATEWAY_STORE] = store
    keystore = gateway_keystore(settings)
    policy = DeliveryPolicy(
        max_attempts=settings.gateway_max_attempts, first_backoff=settings.gateway_first_backoff
    )
    parties = Parties(store)
    worker = DeliveryWorker(store, parties.receivers, policy, notify=parties.settled)
    app[DELIVERY] = worker
    faults = app[PKI_FAULTS]
    app[GATEWAY] = Gateway(
        store,
        verifier,
        app[CLOCK].now,
        worker.wake,
        parties,
        is_down=lambda: faults.current.gateway_down,
        freshness=Freshness(settings.wss_future_skew, settings.wss_max_age),
        reply_signer=reply_signer(keystore),
    )
    await app[GATEWAY].load_replays()
    # The parties join the bus; the order is that of their catch-ups: the workstation's
    # answers before the portal's requests, as the portal's requests may be answered already.
    answers = ProviderAnswers(
        ApplicationLists(app[DATABASE]),
        store,
        GatewaySender(
            _in_process(app),
            WORKSTATION_SENDER,
            settings.persona_password,
            app[CLOCK].now,
            keystore,
        ),
        app[REGULATIONS],
        app[CALENDAR],
    )
    join_workstation(parties, app[WORKSTATION], answers)
    join_portal(parties, _portal(app, keystore).exchange, verifier, app[CLOCK].now)
    statecorp = await _statecorp(app, keystore)
    join_statecorp(parties, statecorp.arrivals, verifier, app[CLOCK].now)
    parties.register(
        "external", external_receiver(session, keystore, policy, settings.allows_receiver)
    )
    parties.on_settled(status_notifier(session, store, keystore, policy, settings.allows_receiver))
    await seed_gateway(
        store,
        parties,
        settings.persona_password,
        app[CLOCK].now(),
        signed=keystore is not None,
        optional=settings.wss_optional_senders,
    )
    app[WORKSTATION].fetch_attachment = AttachmentFetcher(
        _in_process(app), settings.persona_password, app[CLOCK].now, keystore
    ).fetch

    async def catch_up() -> None:
        await parties.catch_up()

    app[GATEWAY_CATCH_UP] = catch_up  # when the trainer switches the gateway on again
    # What a stop left owing is durable work: done after the server listens, so a start does
    # not wait for it, however long the history.
    catching_up = asyncio.create_task(catch_up(), name="gateway-catch-up")
    app[STARTUP_CATCH_UP] = catching_up
    try:
        if not settings.gateway_worker:
            yield
            return
        task = asyncio.create_task(worker.run(), name="gateway-delivery")
        try:
            yield
        finally:
            worker.stop()
            await task
    finally:
        catching_up.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await catching_up


def _enforces_period(app: web.Application) -> Callable[[], bool]:
    """Whether the regulations' effective periods are enforced now: by the settings, or by the
    trainer's `effective-period` switch."""
    settings, faults = app[SETTINGS], app[PKI_FAULTS]
    return lambda: settings.enforce_effective_period or faults.current.enforces_effective_period


def _in_process(app: web.Application) -> Handle:
    """`Gateway.handle` of the app, looked up when called (the gateway is made after those
    who send through it)."""

    async def handle(
        channel: str, envelope: bytes, *, signed_by: x509.Certificate | None = None
    ) -> Answer:
        return await app[GATEWAY].handle(channel, envelope, signed_by=signed_by)

    return handle


def _portal(app: web.Application, keystore: Keystore | None) -> Portal:
    """The portal, sending its signed requests as `egov-portal` through the gateway, each
    envelope WS-Security signed with egovsim's own key."""
    settings = app[SETTINGS]
    sender = GatewaySender(
        _in_process(app), PORTAL_SENDER, settings.persona_password, app[CLOCK].now, keystore
    )
    app[PORTAL] = Portal(
        PortalStore(app[DATABASE]),
        CabinetStore(app[DATABASE]),
        app[REGULATIONS],
        app[CALENDAR],
        app[VERIFIER],
        app[CLOCK].now,
        settings.data_dir / "attachments",
        _enforces_period(app),
        sender.send_request,
        ApplicantLimits(settings.max_open_drafts, settings.max_draft_attachment_bytes),
    )
    return app[PORTAL]


async def _statecorp(app: web.Application, keystore: Keystore | None) -> StateCorp:
    """The State Corporation, sending as its centres' sender through the gateway."""
    settings = app[SETTINGS]
    sender = GatewaySender(
        _in_process(app), STATECORP_SENDER, settings.persona_password, app[CLOCK].now, keystore
    )
    app[STATECORP] = StateCorp(
        StateCorpStore(app[DATABASE]),
        app[REGULATIONS],
        app[CALENDAR],
        app[CLOCK].now,
        sender.send,
        _enforces_period(app),
    )
    await app[STATECORP].seed(settings.persona_password)
    return app[STATECORP]


async def favicon(request: web.Request) -> web.Response:
    """Browsers and tools that ask for /favicon.ico before reading a page get the site's icon."""
    raise web.HTTPMovedPermanently("/static/favicon.svg")


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
    app = web.Application(
        middlewares=[error_middleware, operator_middleware], client_max_size=64 * 1024 * 1024
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock or Clock(frozen_at=settings.clock_frozen_at)
    app[SOAP_OBSERVERS] = []
    app.on_response_prepare.append(secure_headers)
    app.cleanup_ctx.append(_resources)
    app.cleanup_ctx.append(ncalayer_ws.open_key_ring)  # needs the PKI opened above
    app.cleanup_ctx.append(ncalayer_ws.open_stamper)  # and the fetcher
    app.cleanup_ctx.append(console_routes.console_state)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/favicon.ico", favicon)
    pki_routing.add_routes(app)
    portal_routing.add_routes(app)
    offices_routing.add_routes(app)
    gateway_routing.add_routes(app)
    trainer_routing.add_routes(app)
    app.router.add_routes(openapi.routes)
    app.router.add_static("/static/", STATIC, follow_symlinks=False)
    return app
