"""The NCALayer socket is guarded as the real one: it answers this machine only (a room's
machines when the trainer opens it) and, from a browser, the pages of the simulator's own origin
and of the origins the operator names; anything else is NCALAYER_CLIENT_REFUSED before the
handshake."""

from __future__ import annotations

from unittest import mock

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request

from egovsim.config import Settings, settings_from_env
from egovsim.errors import EgovsimError
from egovsim.ncalayer import protocol
from egovsim.simulator import Simulator
from egovsim.web.app import create_app
from egovsim.web.common.keys import SIMULATOR
from egovsim.web.portal.ncalayer_guard import check_client, origin_of


async def _handshake(client: TestClient, origin: str | None) -> str:
    """NCALayer's greeting, or the refusal's code."""
    headers = {"Origin": origin} if origin is not None else {}
    try:
        ws = await client.ws_connect("/ncalayer", headers=headers)
    except aiohttp.WSServerHandshakeError as refused:
        status = refused.status
    else:
        try:
            return await ws.receive_str()
        finally:
            await ws.close()
    reply = await client.get("/ncalayer", headers=headers)
    assert (status, reply.status) == (403, 403)
    return str((await reply.json())["error"]["code"])


async def test_the_simulators_own_pages_and_clients_without_a_page_are_answered(client) -> None:
    own = str(client.make_url("")).rstrip("/")
    assert await _handshake(client, own) == protocol.INIT_MESSAGE
    assert await _handshake(client, None) == protocol.INIT_MESSAGE


@pytest.mark.parametrize(
    "origin",
    ["https://elsewhere.example", "http://127.0.0.1:1", "null", "http://localhost.evil.example"],
)
async def test_a_page_of_another_origin_is_refused_before_the_handshake(client, origin) -> None:
    assert await _handshake(client, origin) == "NCALAYER_CLIENT_REFUSED"


async def test_an_origin_the_operator_named_is_answered(settings: Settings, clock) -> None:
    named = settings.with_overrides(ncalayer_origins=("https://portal.provider.example",))
    async with TestClient(TestServer(create_app(named, clock), host="127.0.0.1")) as client:
        greeting = await _handshake(client, "https://PORTAL.provider.example:443")
        assert greeting == protocol.INIT_MESSAGE
        assert await _handshake(client, "https://other.example") == "NCALAYER_CLIENT_REFUSED"


def _request(peer: str, origin: str | None = None):
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        (peer, 50000) if name == "peername" else default
    )
    headers = {"Host": "sim.example:8080"} | ({"Origin": origin} if origin else {})
    return make_mocked_request("GET", "/ncalayer", headers=headers, transport=transport)


def test_another_machine_is_refused_unless_the_socket_is_opened_to_the_room() -> None:
    closed, room = Settings(), Settings(ncalayer_remote=True)
    with pytest.raises(EgovsimError) as refused:
        check_client(_request("192.0.2.7", "http://sim.example:8080"), closed)
    assert refused.value.code == "NCALAYER_CLIENT_REFUSED"
    assert refused.value.details["peer"] == "192.0.2.7"
    check_client(_request("192.0.2.7", "http://sim.example:8080"), room)
    check_client(_request("::1"), closed)
    with pytest.raises(EgovsimError):  # opened to the room, still only the simulator's pages
        check_client(_request("192.0.2.7", "https://elsewhere.example"), room)


def test_the_operators_secret_lets_another_machine_in() -> None:
    guarded = Settings(operator_token="s3cret")
    request = make_mocked_request(
        "GET",
        "/ncalayer",
        headers={"Authorization": "Bearer s3cret"},
        transport=_request("192.0.2.7").transport,
        app=_app(guarded),
    )
    check_client(request, guarded)
    wrong = make_mocked_request(
        "GET",
        "/ncalayer",
        headers={"Authorization": "Bearer guess"},
        transport=_request("192.0.2.7").transport,
        app=_app(guarded),
    )
    with pytest.raises(EgovsimError):
        check_client(wrong, guarded)


def _app(settings: Settings) -> web.Application:
    app = web.Application()
    app[SIMULATOR] = Simulator(settings)  # not started: its settings are there at once
    return app


def test_the_standalone_signer_answers_any_page_unless_origins_are_named() -> None:
    check_client(_request("127.0.0.1", "https://any.example"), Settings(), any_origin=True)
    named = Settings(ncalayer_origins=("https://mine.example",))
    check_client(_request("127.0.0.1", "https://mine.example"), named, any_origin=True)
    with pytest.raises(EgovsimError):
        check_client(_request("127.0.0.1", "https://any.example"), named, any_origin=True)


def test_origins_compare_as_browsers_write_them() -> None:
    assert origin_of("HTTPS://Portal.Example:443/path") == "https://portal.example"
    assert origin_of("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert origin_of("http://[::1]:80/") == "http://[::1]"


def test_the_room_and_the_origins_come_from_the_environment() -> None:
    settings = settings_from_env(
        {"EGOVSIM_NCALAYER_REMOTE": "1", "EGOVSIM_NCALAYER_ORIGINS": "https://a.example, b"}
    )
    assert settings.ncalayer_remote is True
    assert settings.ncalayer_origins == ("https://a.example", "b")
    assert settings_from_env({}).ncalayer_remote is False
