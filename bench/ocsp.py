"""OCSP responses per second over loopback HTTP, against `egovsim serve` in its own process.

Two kinds of request: without a nonce (answered from pre-produced responses, as RFC 5019
responders do) and with a fresh nonce each (signed one by one). The load generator runs in this
process, a bounded number of requests for a bounded time, on 127.0.0.1 only. It speaks HTTP/1.1
over asyncio streams with the requests encoded beforehand (as `wrk` does): on two shared cores a
general HTTP client costs as much CPU as the server it measures. Every answer is checked to be a
200 with a DER body, and samples are read in full as OCSP responses.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from bench.common import Figure, free_port, load_average, make_pki, report, start_server

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


def _http(port: int, request: bytes, method: str) -> bytes:
    """The whole HTTP/1.1 request (RFC 6960 Appendix A.1: GET with the base64 in the path, or
    POST with the DER as the body)."""
    host = f"Host: 127.0.0.1:{port}\r\n"
    if method == "GET":
        path = "/ocsp/" + urllib.parse.quote(base64.b64encode(request).decode(), safe="")
        return f"GET {path} HTTP/1.1\r\n{host}\r\n".encode()
    head = (
        f"POST /ocsp HTTP/1.1\r\n{host}Content-Type: application/ocsp-request\r\n"
        f"Content-Length: {len(request)}\r\n\r\n"
    )
    return head.encode() + request


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, message: bytes
) -> tuple[int, bytes]:
    """Send one request on a kept-alive connection; (status, body) of the answer."""
    writer.write(message)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lowered = head.lower()
    at = lowered.find(b"\r\ncontent-length:")
    if at < 0:
        raise RuntimeError("an answer without Content-Length")
    length = int(lowered[at + 17 : lowered.index(b"\r\n", at + 2)])
    return status, await reader.readexactly(length)


async def _load(port: int, requests: list[bytes], method: str) -> tuple[float, int, int]:
    """(responses per second, successful, failed) for DURATION seconds of load."""
    done = 0
    failed = 0
    messages = [_http(port, request, method) for request in requests]
    deadline = time.perf_counter() + DURATION

    async def worker(offset: int) -> None:
        nonlocal done, failed
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            index = offset
            while time.perf_counter() < deadline and done + failed < MAX_REQUESTS:
                index = (index + 1) % len(messages)
                status, body = await _exchange(reader, writer, messages[index])
                if status == 200 and body[:1] == b"\x30":
                    done += 1
                else:
                    failed += 1
        finally:
            writer.close()
            await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    return done / elapsed, done, failed


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux's /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as source:
            fields = source.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _checked(body: bytes, certificate: x509.Certificate, nonce: bytes | None) -> None:
    """A sample answer read in full: successful, about the certificate asked, nonce echoed."""
    answer = ocsp.load_der_ocsp_response(body)
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.serial_number == certificate.serial_number
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    if nonce is not None:
        assert answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce


async def _sample(port: int, request: bytes, method: str) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        status, body = await _exchange(reader, writer, _http(port, request, method))
    finally:
        writer.close()
        await writer.wait_closed()
    assert status == 200, status
    return body


def run() -> dict[str, object]:
    """Start a server, load it, stop it; print and return the figures."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    pki = make_pki(base)
    records = [r for r in pki.records() if r.issuer == "nca_rsa" and r.revocation is None]
    certificates = [pki.certificate(r) for r in records]
    issuer = pki.authority("nca_rsa").certificate
    process = start_server(pki, port)
    try:
        plain = _requests(certificates, issuer, nonce=False)
        with_nonce = _requests(certificates * 40, issuer, nonce=True)
        for method, requests in (("GET", plain), ("POST", with_nonce)):
            nonce = ocsp.load_der_ocsp_request(requests[0]).extensions
            echoed = nonce.get_extension_for_class(x509.OCSPNonce).value.nonce if nonce else None
            _checked(asyncio.run(_sample(port, requests[0], method)), certificates[0], echoed)
        cpu = _cpu_seconds(process.pid)
        cached_rate, cached_ok, cached_failed = asyncio.run(_load(port, plain, "GET"))
        cached_cpu = _cpu_seconds(process.pid) - cpu
        nonce_rate, nonce_ok, nonce_failed = asyncio.run(_load(port, with_nonce, "POST"))
    finally:
        process.terminate()
        process.wait(timeout=10)
    if cached_failed or nonce_failed:
        raise RuntimeError(f"unanswered requests: {cached_failed} + {nonce_failed}")
    figures = [
        Figure("responses/s, no nonce (pre-produced, GET)", cached_rate, "/s", ">= 5000"),
        Figure("responses/s, fresh nonce each (signed, POST)", nonce_rate, "/s"),
        Figure("requests answered, no nonce", cached_ok, ""),
        Figure("requests answered, nonce", nonce_ok, ""),
    ]
    if cached_cpu > 0:
        # What a busy machine changes least: the server's own CPU time per answer.
        figures.append(
            Figure("server CPU per answer, no nonce", cached_cpu / cached_ok * 1e6, " µs")
        )
    return report(
        f"OCSP over loopback HTTP ({CONCURRENCY} connections, {DURATION:.0f} s each, "
        f"server and load generator share the 2 cores; load average {load_average()})",
        figures,
    )
