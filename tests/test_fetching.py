"""The verifier's fetchers: over HTTP (one session, a timeout and a size limit per fetch), and
the simulator's own PKI answered in process when nothing listens at its address. Loopback only."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from egovsim.pki.authority import TestPki
from egovsim.pki.hierarchy import NCA, ROOT
from egovsim.signatures.fetching import FetchError, Unreachable
from egovsim.signatures.fetching_http import HttpFetcher
from egovsim.signatures.fetching_local import LocalPkiFetcher, served_crl
from egovsim.storage.faults import CRL_STALE, OCSP_DOWN, OCSP_UNKNOWN, PkiFault, PkiFaults
from tests.conftest import BASE_URL, NOW


async def echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.Response(body=request.content_type.encode() + b":" + body)


async def ok(request: web.Request) -> web.Response:
    return web.Response(body=b"the body")


async def big(request: web.Request) -> web.Response:
    return web.Response(body=b"x" * 4096)


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return web.Response(body=b"late")


@pytest.fixture
async def loopback() -> AsyncIterator[str]:
    """A small HTTP server on a loopback port: /ok, /echo, /big, /slow, and 404 elsewhere."""
    app = web.Application()
    app.router.add_get("/ok", ok)
    app.router.add_post("/echo", echo)
    app.router.add_get("/big", big)
    app.router.add_get("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def nothing_listens() -> str:
    """A loopback address where nothing listens (a port just freed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/crl/x.crl"


async def test_http_fetches_a_get_and_a_post_through_one_session(loopback: str) -> None:
    async with HttpFetcher(timeout=5) as http:
        assert await http.get(loopback + "/ok") == b"the body"
        session = http.session
        answer = await http.post(loopback + "/echo", b"asked", "application/ocsp-request")
        assert answer == b"application/ocsp-request:asked"
        assert http.session is session
    assert session.closed


async def test_http_refuses_an_answer_other_than_200(loopback: str) -> None:
    async with HttpFetcher(timeout=5) as http:
        with pytest.raises(FetchError, match="HTTP 404") as refused:
            await http.get(loopback + "/nowhere")
    assert not isinstance(refused.value, Unreachable)


async def test_http_refuses_a_body_over_its_limit(loopback: str) -> None:
    async with HttpFetcher(timeout=5, max_body=1024) as http:
        with pytest.raises(FetchError, match="more than 1024 bytes"):
            await http.get(loopback + "/big")


async def test_http_gives_up_after_its_timeout(loopback: str) -> None:
    async with HttpFetcher(timeout=0.3) as http:
        with pytest.raises(FetchError, match="Timeout") as refused:
            await http.get(loopback + "/slow")
    assert not isinstance(refused.value, Unreachable)


async def test_http_says_unreachable_when_nothing_listens() -> None:
    async with HttpFetcher(timeout=5) as http:
        with pytest.raises(Unreachable, match="cannot connect"):
            await http.get(nothing_listens())


async def test_http_fetches_nothing_but_http_addresses() -> None:
    async with HttpFetcher(timeout=5) as http:
        with pytest.raises(FetchError, match="not an HTTP address"):
            await http.get("file:///etc/passwd")


def ocsp_request_for(pki: TestPki) -> bytes:
    """An OCSP request about the NCA's certificate (issued by the root)."""
    nca, root = pki.authority(NCA).certificate, pki.authority(ROOT).certificate
    request = ocsp.OCSPRequestBuilder().add_certificate(nca, root, hashes.SHA1()).build()
    return request.public_bytes(serialization.Encoding.DER)


def faults_with(*names: str, frozen: dict[str, bytes] | None = None) -> PkiFaults:
    return PkiFaults({name: PkiFault(name, NOW) for name in names}, frozen or {})


async def test_local_answers_the_pki_s_addresses_when_its_server_is_not_running(
    pki: TestPki,
) -> None:
    assert pki.base_url == BASE_URL  # nothing listens there
    async with HttpFetcher(timeout=5) as http:
        local = LocalPkiFetcher(http, pki, lambda: NOW)
        crl_url = f"{BASE_URL}/crl/{NCA}.crl"
        crl = x509.load_der_x509_crl(await local.get(crl_url))
        assert crl.issuer == pki.authority(NCA).certificate.subject
        certificate = x509.load_der_x509_certificate(await local.get(f"{BASE_URL}/cert/{NCA}.cer"))
        assert certificate == pki.authority(NCA).certificate
        answer = ocsp.load_der_ocsp_response(
            await local.post(f"{BASE_URL}/ocsp", ocsp_request_for(pki), "application/ocsp-request")
        )
        assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
        assert local.answered_locally == [crl_url, f"{BASE_URL}/cert/{NCA}.cer", f"{BASE_URL}/ocsp"]


async def test_local_refuses_what_the_pki_does_not_serve(pki: TestPki) -> None:
    async with HttpFetcher(timeout=5) as http:
        local = LocalPkiFetcher(http, pki, lambda: NOW)
        with pytest.raises(FetchError, match="the local PKI has nothing"):
            await local.get(f"{BASE_URL}/cert/nobody.cer")
        with pytest.raises(FetchError):
            await local.get(f"{BASE_URL}/crl/nobody.crl")


async def test_local_leaves_other_addresses_to_http(pki: TestPki, loopback: str) -> None:
    async with HttpFetcher(timeout=5) as http:
        local = LocalPkiFetcher(http, pki, lambda: NOW)
        assert await local.get(loopback + "/ok") == b"the body"
        with pytest.raises(Unreachable):
            await local.get(nothing_listens())
        with pytest.raises(Unreachable):
            await local.post(nothing_listens(), b"", "application/ocsp-request")
        assert local.answered_locally == []


async def test_local_answers_with_the_trainer_s_switches(pki: TestPki) -> None:
    request = ocsp_request_for(pki)
    stale = b"the CRL frozen by crl-stale"
    switches = faults_with(OCSP_UNKNOWN)
    async with HttpFetcher(timeout=5) as http:
        local = LocalPkiFetcher(http, pki, lambda: NOW, lambda: switches)
        answer = ocsp.load_der_ocsp_response(
            await local.post(f"{BASE_URL}/ocsp", request, "application/ocsp-request")
        )
        assert answer.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
        switches = faults_with(OCSP_DOWN, CRL_STALE, frozen={NCA: stale})
        with pytest.raises(FetchError, match="HTTP 503"):
            await local.post(f"{BASE_URL}/ocsp", request, "application/ocsp-request")
        assert await local.get(f"{BASE_URL}/crl/{NCA}.crl") == stale


async def test_local_gives_up_on_a_responder_slower_than_the_timeout(pki: TestPki) -> None:
    slow_switch = PkiFaults({"ocsp-slow": PkiFault("ocsp-slow", NOW, seconds=30)})
    async with HttpFetcher(timeout=0.2) as http:
        local = LocalPkiFetcher(http, pki, lambda: NOW, lambda: slow_switch)
        with pytest.raises(FetchError, match=r"no answer within 0\.2 s"):
            await local.post(f"{BASE_URL}/ocsp", ocsp_request_for(pki), "application/ocsp-request")


def test_the_served_crl_is_the_frozen_one_only_while_crl_stale_is_on(pki: TestPki) -> None:
    now: datetime = NOW
    fresh = served_crl(pki, PkiFaults(), NCA, now)
    assert x509.load_der_x509_crl(fresh).issuer == pki.authority(NCA).certificate.subject
    frozen = PkiFaults({}, {NCA: b"old"})  # kept, but the switch is off
    assert served_crl(pki, frozen, NCA, now) == fresh
    assert served_crl(pki, faults_with(CRL_STALE, frozen={NCA: b"old"}), NCA, now) == b"old"
