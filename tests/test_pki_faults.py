"""The PKI's fault switches from the API, as the verifier and an OCSP client meet them."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.signatures import cms
from egovsim.signatures.fetching_http import HttpFetcher
from egovsim.signatures.verifier import Verifier
from egovsim.web.app import create_app
from tests.conftest import NOW, RoutedFetcher, later

CONTENT = b'{"service": "vessel-licence", "iin": "850715301233"}\n'


def _signed(persona) -> bytes:
    keystore = persona("citizen-valid").sign
    return cms.sign(CONTENT, keystore.key, keystore.certificate, list(keystore.chain), NOW)


async def _report(client, persona) -> dict:
    reply = await client.post(
        "/api/v1/portal/check-document",
        data=_signed(persona),
        headers={"Content-Type": "application/pkcs7-signature"},
    )
    assert reply.status == 200, await reply.text()
    return await reply.json()


def _revocation(report: dict) -> dict:
    return next(check for check in report["checks"] if check["name"] == "revocation")


async def _switch(client, name: str, **body) -> dict:
    reply = await client.put(f"/api/v1/faults/{name}", json={"on": True, **body})
    assert reply.status == 200, await reply.text()
    return await reply.json()


async def _clear(client, name: str) -> dict:
    reply = await client.delete(f"/api/v1/faults/{name}")
    assert reply.status == 200, await reply.text()
    return await reply.json()


async def _advance(client, **amount: float) -> None:
    reply = await client.post("/api/v1/clock", json={"advance": amount})
    assert reply.status == 200, await reply.text()


@pytest.fixture
async def soft_client(settings: Settings, clock: Clock) -> AsyncIterator[TestClient]:
    """The app with the soft-fail revocation policy."""
    app = create_app(settings.with_overrides(revocation_policy="soft-fail"), clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


@pytest.fixture
async def impatient_client(settings: Settings, clock: Clock) -> AsyncIterator[TestClient]:
    """The app whose verifier gives a fetch half a second."""
    app = create_app(settings.with_overrides(fetch_timeout=0.5), clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


# -- the switches ---------------------------------------------------------------------------------


async def test_every_switch_is_listed_off_then_on_then_off_again(client) -> None:
    listing = await (await client.get("/api/v1/faults")).json()
    assert [f["name"] for f in listing["faults"]] == [
        "ocsp-down",
        "ocsp-slow",
        "ocsp-unknown",
        "crl-stale",
        "gateway-down",
        "signer-key-missing",
        "effective-period",
        "tsa-down",
        "tsa-slow",
        "tsa-wrong-imprint",
        "tsa-untrusted",
    ]
    assert not any(f["on"] for f in listing["faults"])
    assert listing["gateway"] == []

    shown = await _switch(client, "ocsp-slow", seconds=3)
    assert (shown["on"], shown["seconds"], shown["since"]) == (True, 3.0, NOW.isoformat())
    listing = await (await client.get("/api/v1/faults")).json()
    assert [f["name"] for f in listing["faults"] if f["on"]] == ["ocsp-slow"]

    assert (await _clear(client, "ocsp-slow"))["on"] is False
    listing = await (await client.get("/api/v1/faults")).json()
    assert not any(f["on"] for f in listing["faults"])


async def test_a_switch_off_by_put_with_on_false(client) -> None:
    await _switch(client, "ocsp-down")
    reply = await client.put("/api/v1/faults/ocsp-down", json={"on": False})
    assert (await reply.json())["on"] is False


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/api/v1/faults/ocsp-sideways", {"on": True}, 404, "NOT_FOUND"),
        ("/api/v1/faults/ocsp-slow", {"on": True, "seconds": 61}, 400, "BAD_REQUEST"),
        ("/api/v1/faults/ocsp-slow", {"on": True, "seconds": 0}, 400, "BAD_REQUEST"),
        ("/api/v1/faults/ocsp-slow", {"on": True, "seconds": "ten"}, 400, "BAD_REQUEST"),
        ("/api/v1/faults/ocsp-down", {"on": "yes"}, 400, "BAD_REQUEST"),
    ],
)
async def test_a_bad_switch_is_refused_with_a_code(client, path, body, status, code) -> None:
    reply = await client.put(path, json=body)
    assert reply.status == status
    assert (await reply.json())["error"]["code"] == code


async def test_a_switch_survives_a_restart(settings: Settings, clock: Clock) -> None:
    async with TestClient(TestServer(create_app(settings, clock), host="127.0.0.1")) as first:
        await _switch(first, "crl-stale")
    async with TestClient(TestServer(create_app(settings, clock), host="127.0.0.1")) as second:
        listing = await (await second.get("/api/v1/faults")).json()
    stale = next(f for f in listing["faults"] if f["name"] == "crl-stale")
    assert stale["on"] is True
    assert {crl["name"] for crl in stale["crls"]} >= {"nca_rsa", "nca_d_rsa"}


async def test_the_gateways_receiver_faults_are_listed_too(client) -> None:
    routes = (await (await client.get("/api/v1/gateway/routes")).json())["routes"]
    service_id = routes[0]["service_id"]
    reply = await client.put(
        f"/api/v1/gateway/routes/{service_id}/fault", json={"kind": "drop", "seconds": 0}
    )
    assert reply.status == 200
    listing = await (await client.get("/api/v1/faults")).json()
    assert listing["gateway"] == [
        {"service_id": service_id, "fault": {"kind": "drop", "seconds": 0}}
    ]


# -- what the verifier makes of them --------------------------------------------------------------


async def test_with_the_responder_down_the_verifier_passes_by_the_crl(client, persona) -> None:
    await _switch(client, "ocsp-down")
    report = await _report(client, persona)
    assert report["indication"] == "TOTAL_PASSED", report
    detail = _revocation(report)["detail"]
    assert "good by full CRL" in detail
    assert "by OCSP" not in detail

    await _clear(client, "ocsp-down")
    report = await _report(client, persona)
    assert "good by OCSP" in _revocation(report)["detail"]


async def test_responder_down_and_crls_stale_leave_revocation_unavailable(client, persona) -> None:
    await _switch(client, "ocsp-down")
    stale = await _switch(client, "crl-stale")
    full = next(crl for crl in stale["crls"] if crl["name"] == "nca_rsa")
    assert full["this_update"] == NOW.isoformat()
    # Still current: the held CRLs answer.
    assert (await _report(client, persona))["indication"] == "TOTAL_PASSED"

    await _advance(client, days=2)  # past the full CRL's nextUpdate (crl_validity: a day)
    report = await _report(client, persona)
    assert report["code"] == "REVOCATION_UNAVAILABLE", report
    assert "the CRL is stale" in _revocation(report)["detail"]

    await _clear(client, "crl-stale")  # published anew at the simulator's time
    assert (await _report(client, persona))["indication"] == "TOTAL_PASSED"


async def test_stale_crls_are_a_warning_under_soft_fail(soft_client, persona) -> None:
    await _switch(soft_client, "ocsp-down")
    await _switch(soft_client, "crl-stale")
    await _advance(soft_client, days=2)
    report = await _report(soft_client, persona)
    assert report["indication"] == "TOTAL_PASSED", report
    revocation = _revocation(report)
    assert revocation["status"] == "warning"
    assert "soft-fail" in revocation["detail"]


async def test_without_stale_crls_a_later_check_gets_fresh_ones(client, persona) -> None:
    await _switch(client, "ocsp-down")
    await _advance(client, days=2)
    report = await _report(client, persona)
    assert report["indication"] == "TOTAL_PASSED", report


async def test_an_unknown_answer_is_not_taken_for_good(client, persona) -> None:
    # The verifier does not fall back to the CRL on a valid "unknown": the responder has
    # spoken, and hard-fail refuses what it cannot establish.
    await _switch(client, "ocsp-unknown")
    report = await _report(client, persona)
    assert report["code"] == "REVOCATION_UNAVAILABLE", report
    assert "does not know this certificate" in _revocation(report)["detail"]

    await _clear(client, "ocsp-unknown")
    assert (await _report(client, persona))["indication"] == "TOTAL_PASSED"


async def test_a_responder_slower_than_the_fetch_timeout_falls_back_to_the_crl(
    impatient_client, persona
) -> None:
    await _switch(impatient_client, "ocsp-slow", seconds=1)
    report = await _report(impatient_client, persona)
    assert report["indication"] == "TOTAL_PASSED", report
    assert "good by full CRL" in _revocation(report)["detail"]


async def test_a_responder_slower_but_within_the_timeout_still_answers(
    impatient_client, persona
) -> None:
    await _switch(impatient_client, "ocsp-slow", seconds=0.1)
    report = await _report(impatient_client, persona)
    assert "good by OCSP" in _revocation(report)["detail"]


# -- over HTTP ------------------------------------------------------------------------------------


def _ocsp_request(persona, pki) -> bytes:
    leaf = persona("citizen-valid").sign.certificate
    issuer = pki.authority("nca_rsa").certificate
    request = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hashes.SHA1()).build()
    return request.public_bytes(serialization.Encoding.DER)


async def test_the_responder_down_answers_503_over_http(client, persona, pki) -> None:
    await _switch(client, "ocsp-down")
    reply = await client.post(
        "/ocsp",
        data=_ocsp_request(persona, pki),
        headers={"Content-Type": "application/ocsp-request"},
    )
    assert reply.status == 503


async def test_stale_crls_are_served_unchanged_over_http(client) -> None:
    await _switch(client, "crl-stale")
    before = await (await client.get("/crl/nca_d_rsa.crl")).read()
    await _advance(client, days=2)
    after = await (await client.get("/crl/nca_d_rsa.crl")).read()
    assert after == before
    assert x509.load_der_x509_crl(after).next_update_utc < later(2)

    await _clear(client, "crl-stale")
    fresh = x509.load_der_x509_crl(await (await client.get("/crl/nca_d_rsa.crl")).read())
    assert fresh.last_update_utc > NOW


async def test_openssl_ocsp_hears_unknown_in_a_verified_answer(
    server, client, persona, pki, tmp_path: Path
) -> None:
    await _switch(client, "ocsp-unknown")
    root = tmp_path / "root.pem"
    nca = tmp_path / "nca.pem"
    leaf = tmp_path / "leaf.pem"
    for path, certificate in (
        (root, pki.authority("root_rsa").certificate),
        (nca, pki.authority("nca_rsa").certificate),
        (leaf, persona("citizen-valid").sign.certificate),
    ):
        path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    result = await asyncio.to_thread(
        subprocess.run,
        [
            "openssl", "ocsp", "-issuer", str(nca), "-cert", str(leaf), "-CAfile", str(root),
            "-url", str(server.make_url("/ocsp")), "-attime", str(int(NOW.timestamp())),
        ],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Response verify OK" in result.stdout + result.stderr
    assert f"{leaf}: unknown" in result.stdout


async def test_a_slow_responder_over_http_times_a_client_out(server, client, persona, pki) -> None:
    await _switch(client, "ocsp-slow", seconds=2)
    async with HttpFetcher(timeout=0.5) as http:
        verifier = Verifier(
            pki.trust_anchors,
            fetcher=RoutedFetcher(http, str(server.make_url("/"))),
            clock=lambda: NOW,
        )
        report = await verifier.verify_cms(_signed(persona), at=NOW)
    assert report.indication == "TOTAL_PASSED"
    revocation = report.check("revocation")
    assert revocation is not None
    assert "good by full CRL" in revocation.detail
