"""OCSP responses per second over loopback HTTP, against `egovsim serve` in its own process.

Two kinds of request: without a nonce (answered from pre-produced responses, as RFC 5019
responders do) and with a fresh nonce each (signed one by one). The load generator runs in this
process, a bounded number of requests for a bounded time, on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
import urllib.parse

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from bench.common import Figure, free_port, make_pki, report, start_server

DURATION = 5.0
CONCURRENCY = 32
MAX_REQUESTS = 200_000


def _requests(
    certificates: list[x509.Certificate], issuer: x509.Certificate, nonce: bool
) -> list[bytes]:
    built = []
    for certificate in certificates:
        builder = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1())
        if nonce:
            builder = builder.add_extension(x509.OCSPNonce(os.urandom(16)), critical=False)
        built.append(builder.build().public_bytes(serialization.Encoding.DER))
    return built


async def _load(url: str, requests: list[bytes], method: str) -> tuple[float, int, int]:
    """(responses per second, successful, failed) for DURATION seconds of load."""
    done = 0
    failed = 0
    deadline = time.perf_counter() + DURATION
    paths = [
        url + "/" + urllib.parse.quote(base64.b64encode(r).decode(), safe="") for r in requests
    ]
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(offset: int) -> None:
            nonlocal done, failed
            index = offset
            while time.perf_counter() < deadline and done + failed < MAX_REQUESTS:
                index = (index + 1) % len(requests)
                if method == "GET":
                    call = session.get(paths[index])
                else:
                    call = session.post(
                        url,
                        data=requests[index],
                        headers={"Content-Type": "application/ocsp-request"},
                    )
                async with call as reply:
                    body = await reply.read()
                if reply.status == 200 and body[:1] == b"\x30":
                    done += 1
                else:
                    failed += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    return done / elapsed, done, failed


def run() -> dict[str, object]:
    """Start a server, load it, stop it; print and return the figures."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    pki = make_pki(base)
    records = [r for r in pki.records() if r.issuer == "nca_rsa"]
    certificates = [pki.certificate(r) for r in records]
    issuer = pki.authority("nca_rsa").certificate
    process = start_server(pki, port)
    try:
        plain = _requests(certificates, issuer, nonce=False)
        with_nonce = _requests(certificates * 40, issuer, nonce=True)
        sample = ocsp.load_der_ocsp_response(asyncio.run(_one(base + "/ocsp", plain[0])))
        assert sample.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        cached_rate, cached_ok, cached_failed = asyncio.run(_load(base + "/ocsp", plain, "GET"))
        nonce_rate, nonce_ok, nonce_failed = asyncio.run(_load(base + "/ocsp", with_nonce, "POST"))
    finally:
        process.terminate()
        process.wait(timeout=10)
    if cached_failed or nonce_failed:
        raise RuntimeError(f"unanswered requests: {cached_failed} + {nonce_failed}")
    return report(
        f"OCSP over loopback HTTP ({CONCURRENCY} connections, {DURATION:.0f} s each, "
        "server and load generator share the 2 cores)",
        [
            Figure("responses/s, no nonce (pre-produced, GET)", cached_rate, "/s", ">= 2000"),
            Figure("responses/s, fresh nonce each (signed, POST)", nonce_rate, "/s"),
            Figure("requests answered, no nonce", cached_ok, ""),
            Figure("requests answered, nonce", nonce_ok, ""),
        ],
    )


async def _one(url: str, request: bytes) -> bytes:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            url, data=request, headers={"Content-Type": "application/ocsp-request"}
        ) as reply,
    ):
        return await reply.read()
