"""The NCALayer-compatible WebSocket (`/ncalayer`, or `/` of `egovsim ncalayer`) and
`/api/v1/ncalayer/persona`, where the trainer's console sees and sets the current key set."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import WSMsgType, web

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.errors import EgovsimError
from egovsim.ncalayer import protocol
from egovsim.ncalayer.keys import KeyRing, UnknownPersona, WrongPassword
from egovsim.ncalayer.stamping import Stamper
from egovsim.pki.authority import TestPki
from egovsim.signatures.fetching_http import HttpFetcher
from egovsim.signatures.fetching_local import LocalPkiFetcher
from egovsim.simulator import Simulator
from egovsim.storage.database import database_location
from egovsim.storage.faults import saved_pki_faults
from egovsim.web.common.errors import error_middleware
from egovsim.web.common.keys import SIMULATOR
from egovsim.web.common.models import answer, read_body
from egovsim.web.common.openapi import api
from egovsim.web.common.operator import operator_only
from egovsim.web.portal.ncalayer_guard import check_client
from egovsim.web.portal.ncalayer_models import NcalayerChoice, NcalayerPersona

log = logging.getLogger("egovsim.ncalayer")

routes = web.RouteTableDef()

#: The largest message a client may send: documents travel inside it as base64.
MAX_MESSAGE = 64 * 1024 * 1024


@dataclass
class StandaloneSigner:
    """What `egovsim ncalayer` serves without a simulator: the key sets, the clock, and the
    PKI whose TSA stamps (its stamper there once the app starts)."""

    settings: Settings
    clock: Clock
    keyring: KeyRing
    pki: TestPki | None = None
    stamper: Stamper | None = None


#: The standalone signer's parts (the simulator's app has them in its `Simulator`).
STANDALONE = web.AppKey("ncalayer_standalone", StandaloneSigner)


def signer_of(request: web.Request) -> Simulator | StandaloneSigner:
    """The simulator the socket signs for, or the standalone signer's parts."""
    app = request.app
    return app[SIMULATOR] if SIMULATOR in app else app[STANDALONE]


async def open_stamper(app: web.Application) -> AsyncIterator[None]:
    """The standalone signer's TSA: the simulator's `/tsp` at the PKI's address, answered from
    the certs directory with the TSA's fault switches when nothing listens there (as `sign cms
    --tsp`). The simulator's own signer uses the simulator's stamper."""
    signer = app[STANDALONE]
    settings, pki = signer.settings, signer.pki
    assert pki is not None, "open_stamper runs only for a signer with its PKI"
    saved = database_location(settings)
    async with HttpFetcher(settings.fetch_timeout) as http:
        fetcher = LocalPkiFetcher(http, pki, signer.clock.now, lambda: saved_pki_faults(saved))
        signer.stamper = Stamper(
            fetcher.post,
            pki.base_url + "/tsp",
            asyncio.get_running_loop(),
            http.timeout + 5.0,
        )
        yield


@routes.get("/ncalayer")
async def socket(request: web.Request) -> web.StreamResponse:
    """NCALayer's JSON protocol over a WebSocket, for this machine and the simulator's own
    pages (`egovsim.web.portal.ncalayer_guard`)."""
    check_client(request, signer_of(request).settings)
    return await serve_socket(request)


async def serve_socket(request: web.Request) -> web.WebSocketResponse:
    """Greet the client as NCALayer does, then answer its requests one after another."""
    ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE, heartbeat=None)
    await ws.prepare(request)
    await ws.send_str(protocol.INIT_MESSAGE)
    signer = signer_of(request)
    session = protocol.Session(signer.keyring, signer.clock.now, stamper=signer.stamper)
    async for message in ws:
        if message.type == WSMsgType.TEXT:
            # Opening a keystore and signing take CPU time: off the event loop, in order.
            reply = await asyncio.to_thread(protocol.answer, session, message.data)
            await ws.send_str(reply)
        elif message.type == WSMsgType.BINARY:
            await ws.send_str(protocol.answer(session, ""))
    return ws


@routes.get("/api/v1/ncalayer/persona")
@api(response=NcalayerPersona)
async def show_persona(request: web.Request) -> web.Response:
    """The key set clients sign with unless they choose one, and every key set there is."""
    return answer(NcalayerPersona.of(signer_of(request).keyring))


@routes.put("/api/v1/ncalayer/persona")
@operator_only
@api(request=NcalayerChoice, response=NcalayerPersona)
async def choose_persona(request: web.Request) -> web.Response:
    """`{"persona": ID}` makes that persona the current key set for every connection that has
    not chosen its own; with `"password"` the keystores must open with it, as in NCALayer."""
    body = await read_body(request, NcalayerChoice)
    persona_id, password = body.persona, body.password
    signer = signer_of(request)
    keyring = signer.keyring
    try:
        persona = keyring.persona(persona_id)
    except UnknownPersona:
        known = [p.id for p in keyring.personas]
        raise EgovsimError(
            "NCALAYER_PERSONA_UNKNOWN", {"persona": persona_id, "known": known}
        ) from None
    if password is not None:
        try:
            await asyncio.to_thread(keyring.unlock, persona, password)
        except WrongPassword:
            raise EgovsimError("NCALAYER_PASSWORD_WRONG", {"persona": persona_id}) from None
    if isinstance(signer, Simulator):  # kept across restarts; the standalone signer keeps none
        await signer.choose_key_set(persona.id)
    else:
        keyring.make_current(persona.id)
    log.info("NCALayer key set is now %s", persona.id)
    return answer(NcalayerPersona.of(keyring))


async def _root(request: web.Request) -> web.StreamResponse:
    """The standalone signer's `/`: the socket for WebSocket clients, a line of text otherwise
    (clients probe the address with a plain request before they connect)."""
    if web.WebSocketResponse().can_prepare(request).ok:
        # Any page on this machine, as the standalone signer exists for pages under test,
        # unless the operator named the origins.
        check_client(request, signer_of(request).settings, any_origin=True)
        return await serve_socket(request)
    return web.Response(text="egovsim NCALayer: connect with a WebSocket\n")


def standalone_app(
    settings: Settings, clock: Clock, keyring: KeyRing, pki: TestPki | None = None
) -> web.Application:
    """The signer alone, as `egovsim ncalayer` serves it: the socket at `/` (where NCALayer
    listens) and at `/ncalayer`, and the persona API; with `pki`, its TSA for tsaProfile."""
    app = web.Application(middlewares=[error_middleware], client_max_size=1024 * 1024)
    app[STANDALONE] = StandaloneSigner(settings, clock, keyring, pki)
    if pki is not None:
        app.cleanup_ctx.append(open_stamper)
    app.router.add_get("/", _root)
    app.router.add_routes(routes)
    return app
