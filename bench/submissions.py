"""Signed submissions through the portal's JSON API: 32 applicants, each on its own keep-alive
connection, POST their CMS to `/api/v1/portal/applications/{id}/signature` (C2, P6, the
in-process gateway hop, P7) on `egovsim serve` in its own process; accepted per second and the
p50/p99 of each answer, on a server just started and on the same server warm.

The drafts, their attachments and the CMS over each e-document are made before the clock
starts; the raw `cryptography` RSA-2048 verification rate of the same run is printed beside the
figures, since a busy machine lowers both alike.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from bench.common import (
    Figure,
    free_port,
    make_pki,
    percentile,
    postgresql_cpu_seconds,
    postgresql_database,
    raw_rsa_verify_rate,
    report,
    scratch_directory,
    server_cpu_seconds,
    start_server,
    stop_server,
    wait_until_delivered,
)
from egovsim.clock import utcnow
from egovsim.identity import generate_iin
from egovsim.pki.authority import TestPki
from egovsim.pki.profiles import Holder
from egovsim.scenarios.steps.base import CONTENT_BYTES
from egovsim.signatures import cms

CLIENTS = 32
#: Submissions per burst (one burst on a fresh server, one on the warm one); the environment's
#: EGOVSIM_BENCH_SUBMISSIONS makes a quicker or a longer run.
SUBMISSIONS = int(os.environ.get("EGOVSIM_BENCH_SUBMISSIONS", "1600"))
SERVICE = "almaty-small-vessel-licence"
VARIANT = "duplicate"
FORM = {"request-kind": "duplicate"}
ATTACHMENTS = {"application": "pdf", "identity-document": "jpeg", "photo": "png"}
ACCOUNT_PASSWORD = "Bench-load-2026"
API = "/api/v1/portal/applications"
#: The issue's targets: the final one, and the first one on the way there.
TARGET_RATE, TARGET_P99 = ">= 1000; first >= 500", "<= 50; first <= 100"
#: How long the gateway may take to deliver the first burst's backlog before the warm one.
DRAIN_SECONDS = 180.0


@dataclass
class Applicant:
    """A generated citizen: its keys, and its portal session once signed in."""

    iin: str
    auth: tuple[PrivateKeyTypes, x509.Certificate, list[x509.Certificate]]
    sign: tuple[PrivateKeyTypes, x509.Certificate, list[x509.Certificate]]
    cookie: str = ""
    csrf: str = ""
    #: (application id, CMS over its e-document), made before the clock starts.
    signed: list[tuple[int, bytes]] = field(default_factory=list)


def _applicants(pki: TestPki) -> list[Applicant]:
    """CLIENTS citizens with valid AUTH and signing certificates from the test PKI's NCA."""
    now, day = utcnow(), timedelta(days=1)
    chain = [pki.authority("nca_rsa").certificate]
    made = []
    for number in range(CLIENTS):
        iin = generate_iin(date(1980, 1, 1) + timedelta(days=number * 37), "female", number)
        holder = Holder(iin, "Нагрузкина", f"Тестер{number}", "Бенчевна")
        keys = {
            usage: pki.issue(holder, usage, not_before=now - day, not_after=now + 30 * day)
            for usage in ("auth", "sign")
        }
        made.append(
            Applicant(
                iin,
                (keys["auth"].key, keys["auth"].certificate, chain),
                (keys["sign"].key, keys["sign"].certificate, chain),
            )
        )
    return made


async def _check(reply: aiohttp.ClientResponse, expected: int = 200) -> Any:
    if reply.status != expected:
        raise RuntimeError(f"{reply.method} {reply.url}: {reply.status} {await reply.text()}")
    return await reply.json()


async def _proof(http: aiohttp.ClientSession, base: str, applicant: Applicant) -> dict[str, str]:
    """The body of a registration or login: a fresh challenge signed with the AUTH key."""
    challenge = await _check(await http.post(base + "/api/v1/auth/challenge"))
    assert isinstance(challenge, dict)
    key, certificate, chain = applicant.auth
    signed = cms.sign(base64.b64decode(challenge["nonce"]), key, certificate, chain, utcnow())
    return {
        "login": applicant.iin,
        "password": ACCOUNT_PASSWORD,
        "challenge_id": challenge["challenge_id"],
        "signature": base64.b64encode(signed).decode(),
    }


async def _prepare(base: str, applicant: Applicant, drafts: int) -> None:
    """Register and sign in; open `drafts` drafts with their copies attached; sign each one's
    e-document (the signatures are made here, before any clock starts)."""
    # An unsafe jar keeps the cookies of an IP address such as 127.0.0.1.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        register = await _proof(http, base, applicant)
        await _check(await http.post(base + "/api/v1/auth/register", json=register), 201)
        login = await _check(
            await http.post(base + "/api/v1/auth/login", json=await _proof(http, base, applicant))
        )
        assert isinstance(login, dict)
        applicant.csrf = login["csrf_token"]
        applicant.cookie = next(c.value for c in http.cookie_jar if c.key == "egovsim_session")
        headers = {"X-CSRF-Token": applicant.csrf}
        body = {"service": SERVICE, "variant": VARIANT, "form": FORM}
        key, certificate, chain = applicant.sign
        for _ in range(drafts):
            draft = await _check(await http.post(base + API, json=body, headers=headers), 201)
            assert isinstance(draft, dict)
            number = draft["id"]
            for document, kind in ATTACHMENTS.items():
                await _check(
                    await http.post(
                        f"{base}{API}/{number}/attachments/{document}",
                        data=CONTENT_BYTES[kind],
                        headers={
                            **headers,
                            "Content-Type": f"application/{kind}"
                            if kind == "pdf"
                            else f"image/{kind}",
                            "X-File-Name": f"{document}.{kind}",
                        },
                    )
                )
            reply = await http.get(f"{base}{API}/{number}/document")
            await _check(reply)
            edocument = await reply.read()  # the exact bytes to sign, not their JSON
            signature = cms.sign(edocument, key, certificate, chain, utcnow())
            applicant.signed.append((number, signature))


async def _burst(
    host: str, ports: list[int], applicants: list[Applicant]
) -> tuple[float, list[float]]:
    """Each applicant POSTs its next signed request over its own connection until it has none
    left, the applicants spread over the instances on `ports` in turn (the harness's
    round-robin); (seconds, latencies in ms). The load generator speaks HTTP/1.1 on raw asyncio
    streams: a client library would take more of the two cores than the server it measures."""
    latencies: list[float] = []

    async def client(applicant: Applicant, count: int, port: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for _ in range(count):
                number, signature = applicant.signed.pop(0)
                head = (
                    f"POST {API}/{number}/signature HTTP/1.1\r\nHost: {host}:{port}\r\n"
                    f"Cookie: egovsim_session={applicant.cookie}\r\n"
                    f"X-CSRF-Token: {applicant.csrf}\r\n"
                    "Content-Type: application/pkcs7-signature\r\n"
                    f"Content-Length: {len(signature)}\r\n\r\n"
                )
                started = time.perf_counter()
                writer.write(head.encode() + signature)
                status = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                answer = await reader.readexactly(length)
                latencies.append((time.perf_counter() - started) * 1000)
                if b" 200 " not in status:
                    raise RuntimeError(f"application {number}: {status!r} {answer[:400]!r}")
        finally:
            writer.close()
            await writer.wait_closed()

    share = SUBMISSIONS // len(applicants)
    started = time.perf_counter()
    await asyncio.gather(
        *(client(a, share, ports[n % len(ports)]) for n, a in enumerate(applicants))
    )
    return time.perf_counter() - started, latencies


@contextlib.contextmanager
def _profiled(server: subprocess.Popen[bytes], label: str) -> Iterator[None]:
    """With EGOVSIM_BENCH_PYSPY naming a directory, py-spy samples the server during the burst
    into `submissions-<label>.txt` there (collapsed stacks: one line per stack and its count)."""
    directory = os.environ.get("EGOVSIM_BENCH_PYSPY")
    if not directory:
        yield
        return
    output = Path(directory) / f"submissions-{label}.txt"
    spy = subprocess.Popen(
        [
            *(str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(server.pid)),
            *("--format", "raw", "--rate", "200", "--subprocesses", "-o", str(output)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)  # py-spy attaches before the burst starts
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
        spy.wait(timeout=60)


@dataclass
class Burst:
    """One burst's outcome: its wall time, each answer's latency, the servers' CPU time (and
    PostgreSQL's, on PostgreSQL)."""

    elapsed: float
    latencies: list[float]
    cpu: float
    database_cpu: float | None = None


def _measured(
    servers: list[subprocess.Popen[bytes]],
    ports: list[int],
    applicants: list[Applicant],
    database_url: str | None = None,
) -> Burst:
    """One burst, with the servers' CPU time over it (and PostgreSQL's): on a machine shared
    with other work the CPU per accepted submission says more than the wall rate."""
    before = sum(server_cpu_seconds(server) for server in servers)
    database_before = postgresql_cpu_seconds(database_url) if database_url else 0.0
    elapsed, latencies = asyncio.run(_burst("127.0.0.1", ports, applicants))
    cpu = sum(server_cpu_seconds(server) for server in servers) - before
    if database_url is None:
        return Burst(elapsed, latencies, cpu)
    return Burst(elapsed, latencies, cpu, postgresql_cpu_seconds(database_url) - database_before)


def _figures(label: str, burst: Burst) -> list[Figure]:
    accepted = len(burst.latencies)
    return [
        Figure(f"{label}: accepted per second", accepted / burst.elapsed, "/s", TARGET_RATE),
        Figure(f"{label}: p50", percentile(burst.latencies, 0.5), "ms"),
        Figure(f"{label}: p99", percentile(burst.latencies, 0.99), "ms", TARGET_P99),
        Figure(f"{label}: server CPU per accepted", burst.cpu * 1000 / accepted, "ms"),
        *(
            [
                Figure(
                    f"{label}: PostgreSQL CPU per accepted",
                    burst.database_cpu * 1000 / accepted,
                    "ms",
                )
            ]
            if burst.database_cpu is not None
            else []
        ),
    ]


def run(database: str = "sqlite", instances: int = 1, processes: int = 1) -> dict[str, object]:
    """Measure and print on the SQLite file (or, with "postgresql", on a database of a
    throwaway PostgreSQL cluster), served by `instances` `egovsim serve` on one database, the
    clients spread over them, each serve with `processes` accepting on its port (`serve
    --processes`, the kernel spreading the clients' connections); return the figures."""
    if database == "postgresql":
        with postgresql_database() as url:
            return _run(url, instances, processes)
    return _run(None, instances, processes)


def _run(database_url: str | None, instances: int = 1, processes: int = 1) -> dict[str, object]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The other instances share the first one's data directory, database and certificates.
    others = [free_port() for _ in range(instances - 1)]
    pki = make_pki(base)
    applicants = _applicants(pki)
    data_dir = scratch_directory()
    # Each applicant keeps both bursts' drafts open at once.
    environment = {"EGOVSIM_MAX_OPEN_DRAFTS": str(2 * SUBMISSIONS // CLIENTS + 1)}
    if database_url:
        environment["EGOVSIM_DATABASE_URL"] = database_url
    server: subprocess.Popen[bytes] | None = start_server(pki, port, data_dir, environment)
    servers: list[subprocess.Popen[bytes]] = []
    try:
        drafts = 2 * (SUBMISSIONS // CLIENTS)

        async def prepare_all() -> None:
            await asyncio.gather(*(_prepare(base, a, drafts) for a in applicants))

        asyncio.run(prepare_all())
        # A fresh server: the same data directory, started anew, nothing in its caches.
        stop_server(server)
        server = start_server(pki, port, data_dir, environment, processes=processes)
        servers += [
            start_server(pki, other, data_dir, environment, processes=processes) for other in others
        ]
        ports = [port, *others]
        with _profiled(server, "fresh"):
            fresh = _measured([server, *servers], ports, applicants, database_url)
        database = database_url or data_dir / "egovsim.sqlite3"
        drained = wait_until_delivered(database, time.monotonic() + DRAIN_SECONDS)
        with _profiled(server, "warm"):
            warm = _measured([server, *servers], ports, applicants, database_url)
        wait_until_delivered(database, time.monotonic() + DRAIN_SECONDS)
    finally:
        if server is not None:
            stop_server(server)
        for other_server in servers:
            stop_server(other_server)
    raw = raw_rsa_verify_rate()
    return report(
        f"submissions on {'PostgreSQL' if database_url else 'SQLite'}"
        f"{f', {instances} instances on one database' if instances > 1 else ''}"
        f"{f', serve --processes {processes}' if processes > 1 else ''}: "
        f"{SUBMISSIONS} signed requests per burst through the portal's JSON API, "
        f"{CLIENTS} clients, servers and load generator on the same cores",
        [
            *_figures("warm server", warm),
            *_figures("fresh server", fresh),
            Figure("first burst delivered by the gateway within", drained, "s"),
            Figure("raw cryptography RSA-2048 verify, this run, one core", raw, "/s"),
        ],
    )
