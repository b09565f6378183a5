"""The OCSP routes are lean (`egovsim.web.common.lean`): answered straight from their handler,
yet counted and timed in `/metrics`, open with an operator's secret set, with the caller's
request id given back, and a handler's mistake still an INTERNAL_ERROR rather than a traceback."""

from __future__ import annotations

import base64
import urllib.parse

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from egovsim.telemetry.metrics import REGISTRY
from egovsim.web.app import create_app
from egovsim.web.common.lean import lean
from egovsim.web.common.telemetry import telemetry_middleware
from tests.test_telemetry import moved, scrape

REQUESTS = "egovsim_http_requests_total"
LATENCY = "egovsim_http_request_duration_seconds_count"


def _request(pki, persona) -> bytes:
    certificate = persona("citizen-valid").sign.certificate
    issuer = pki.authority("nca_rsa").certificate
    built = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1()).build()
    return built.public_bytes(serialization.Encoding.DER)


def _path(request: bytes) -> str:
    return "/ocsp/" + urllib.parse.quote(base64.b64encode(request).decode(), safe="")


async def test_ocsp_answers_are_counted_and_timed_by_route_and_status(client, pki, persona) -> None:
    request = _request(pki, persona)
    before = await scrape(client)
    for _ in range(2):
        reply = await client.get(_path(request))
        assert reply.status == 200
        assert ocsp.load_der_ocsp_response(await reply.read()).certificate_status.name == "GOOD"
    posted = await client.post(
        "/ocsp", data=request, headers={"Content-Type": "application/ocsp-request"}
    )
    assert posted.status == 200
    # Garbage is an OCSP answer too (malformedRequest), with HTTP 200 as RFC 6960 has it.
    garbage = await client.get("/ocsp/bm90IGFuIE9DU1AgcmVxdWVzdA==")
    assert garbage.status == 200
    assert ocsp.load_der_ocsp_response(await garbage.read()).response_status.name == (
        "MALFORMED_REQUEST"
    )
    after = await scrape(client)
    get_route = "/ocsp/{encoded}"
    assert moved(before, after, REQUESTS, method="GET", route=get_route, status="200") == 3
    assert moved(before, after, REQUESTS, method="POST", route="/ocsp", status="200") == 1
    assert moved(before, after, LATENCY, method="GET", route=get_route) == 3
    assert moved(before, after, "egovsim_ocsp_answers_total", status="good") == 3
    assert moved(before, after, "egovsim_ocsp_answers_total", status="malformed_request") == 1


async def test_an_ocsp_answer_gives_back_the_callers_request_id_and_makes_none(
    client, pki, persona
) -> None:
    path = _path(_request(pki, persona))
    sent = await client.get(path, headers={"X-Request-Id": "trace-42"})
    assert sent.headers["X-Request-Id"] == "trace-42"
    # An OCSP client sends none and reads none: none is made for it.
    assert "X-Request-Id" not in (await client.get(path)).headers
    # The routes that are not lean still make one.
    assert len((await client.get("/healthz")).headers["X-Request-Id"]) == 32


async def test_ocsp_stays_open_when_an_operator_secret_is_set(
    settings, clock, pki, persona
) -> None:
    app = create_app(settings.with_overrides(operator_token="s3cret"), clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as guarded:
        reply = await guarded.get(_path(_request(pki, persona)))
        assert reply.status == 200
        assert reply.content_type == "application/ocsp-response"
        # The operator's routes stay guarded beside it.
        refused = await guarded.post("/api/v1/clock", json={"frozen": True})
        assert refused.status == 401


@lean
async def _mistaken(request: web.Request) -> web.Response:
    raise RuntimeError("a bug in a lean handler")


async def test_a_lean_handlers_mistake_is_an_internal_error_counted_as_500(caplog) -> None:
    app = web.Application(middlewares=[telemetry_middleware])
    app.router.add_get("/lean-mistake", _mistaken)
    async with TestClient(TestServer(app, host="127.0.0.1")) as lone:
        before = scrape_of()
        reply = await lone.get("/lean-mistake")
        assert reply.status == 500
        assert (await reply.json())["error"]["code"] == "INTERNAL_ERROR"
        after = scrape_of()
    assert moved(before, after, REQUESTS, method="GET", route="/lean-mistake", status="500") == 1
    assert "a bug in a lean handler" in caplog.text


def scrape_of() -> dict:
    """The process's counters as `/metrics` gives them (this bare app has no route for it)."""
    samples = {}
    for family in text_string_to_metric_families(generate_latest(REGISTRY).decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples
