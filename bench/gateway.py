"""Gateway throughput: async messages accepted per second (durably committed, WS-Security
verified) by `egovsim serve` in its own process, and their delivery to a loopback receiver in a
third process, with p50/p99 from acceptance to delivery."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import aiohttp

from bench.common import (
    PASSWORD,
    Figure,
    data_directory,
    free_port,
    load_average,
    make_pki,
    report,
    server_cpu_seconds,
    start_server,
    wait_until_delivered,
)
from egovsim.clock import as_utc, utcnow
from egovsim.gateway.wssecurity import sign_envelope
from egovsim.pki.keystore import load_keystore
from egovsim.pki.personas import load_personas

#: Messages sent (EGOVSIM_BENCH_GATEWAY_MESSAGES for a shorter or longer run).
MESSAGES = int(os.environ.get("EGOVSIM_BENCH_GATEWAY_MESSAGES", "8000"))
CONCURRENCY = 16
SERVICE = "bench-service"
ASYNC = "http://bip.bee.kz/AsyncChannel/v10/Types"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"

# The loopback receiver answers every push with a valid sendMessageResponse. It speaks
# HTTP/1.1 on raw asyncio streams, like the load generator, so that the two cores go to the
# gateway being measured rather than to a web framework on the other end.
RECEIVER = """
import asyncio, sys
BODY = (b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        b'<soapenv:Body><ns:sendMessageResponse xmlns:ns="http://bip.bee.kz/AsyncChannel/v10/Types">'
        b'<response><messageId>x</messageId><correlationId>x</correlationId>'
        b'<responseDate>2030-01-01T00:00:00Z</responseDate></response>'
        b'</ns:sendMessageResponse></soapenv:Body></soapenv:Envelope>')
ANSWER = (b'HTTP/1.1 200 OK\\r\\nContent-Type: text/xml; charset=utf-8\\r\\n'
          b'Content-Length: %d\\r\\n\\r\\n' % len(BODY)) + BODY
async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b'\\r\\n\\r\\n')
            length = 0
            for line in head.split(b'\\r\\n'):
                name, _, value = line.partition(b':')
                if name.strip().lower() == b'content-length':
                    length = int(value)
            await reader.readexactly(length)
            writer.write(ANSWER)
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(serve, '127.0.0.1', int(sys.argv[1]))
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""


def _envelope(message_id: str) -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Header/><soapenv:Body>'
        f'<ns:sendMessage xmlns:ns="{ASYNC}"><request><messageInfo>'
        f"<messageId>{message_id}</messageId><serviceId>{SERVICE}</serviceId>"
        f"<messageType>REQUEST</messageType><messageDate>2030-01-01T00:00:00Z</messageDate>"
        f"<sender><senderId>bench-is</senderId><password>bench</password></sender>"
        f"</messageInfo><messageData><data>{'x' * 1024}</data></messageData></request>"
        f"</ns:sendMessage></soapenv:Body></soapenv:Envelope>"
    ).encode()


async def _send_all(url: str, envelopes: list[bytes]) -> tuple[float, int]:
    """Send every envelope over CONCURRENCY keep-alive connections; (seconds, failures).

    The load generator speaks HTTP/1.1 on raw asyncio streams: an HTTP client library would
    spend more of the shared two cores than the server it measures.
    """
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    path = "/" + url.split("//", 1)[1].split("/", 1)[1]
    queue = list(reversed(envelopes))
    failed = 0

    async def worker() -> None:
        nonlocal failed
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while queue:
                body = queue.pop()
                writer.write(
                    f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                    f"Content-Type: text/xml; charset=utf-8\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                if b" 200 " not in status_line:
                    failed += 1
        finally:
            writer.close()
            await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - started, failed


async def _setup(base: str, receiver: str) -> None:
    async with aiohttp.ClientSession() as http:
        for path, body in (
            (
                "/api/v1/gateway/senders",
                {"sender_id": "bench-is", "password": "bench", "signature": "required"},
            ),
            ("/api/v1/gateway/routes", {"service_id": SERVICE, "url": receiver}),
        ):
            async with http.post(base + path, json=body) as reply:
                if reply.status != 201:
                    raise RuntimeError(f"{path}: {reply.status} {await reply.text()}")


def _delivery_latencies(database: Path, deadline: float) -> tuple[list[float], float]:
    """Each delivered message's milliseconds from acceptance to delivery, and the seconds from
    the first acceptance to the last delivery."""
    wait_until_delivered(database, deadline)
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT accepted_at, delivered_at FROM gateway_messages WHERE state = 'DELIVERED'"
        ).fetchall()
    from datetime import datetime

    pairs = [
        (as_utc(datetime.fromisoformat(a)), as_utc(datetime.fromisoformat(b))) for a, b in rows
    ]
    if not pairs:
        return [], 0.0
    span = (max(b for _, b in pairs) - min(a for a, _ in pairs)).total_seconds()
    return [(b - a).total_seconds() * 1000 for a, b in pairs], span


def run(deliveries: str = "inline", processes: int = 1) -> dict[str, object]:
    """Measure and print; return the figures. `deliveries` "inline": the serving processes
    deliver too (`serve`, its deliveries giving way to its requests); "apart": they only serve
    (`serve --workers none`) and an `egovsim work` process on the same database delivers.
    `processes`: how many accept (`serve --processes`), their CPU summed."""
    port, receiver_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    pki = make_pki(base)
    persona = next(p for p in load_personas(pki.directory) if p["id"] == "shymkent-energy-head")
    keystore = load_keystore(pki.directory / persona["keystores"]["sign"]["file"], PASSWORD)
    apart = deliveries == "apart"
    server = start_server(
        pki, port, arguments=["--workers", "none"] if apart else [], processes=processes
    )
    data_dir = data_directory(server)
    started = [server]
    if apart:
        started.append(_worker(pki.directory, data_dir, base))
    started.append(
        subprocess.Popen(
            [sys.executable, "-c", RECEIVER, str(receiver_port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    delivering = started[:2] if apart else started[:1]
    try:
        # Signed once the server is up, each Timestamp good for the gateway's whole window (15
        # minutes): on a loaded machine the server's start and the signing take minutes, and
        # envelopes signed before them expired (WSS_TIMESTAMP_STALE) in the middle of the run.
        now = utcnow()
        envelopes = [
            sign_envelope(
                _envelope(str(uuid.uuid4())),
                keystore.key,
                keystore.certificate,
                created=now,
                ttl=timedelta(minutes=15),
            )
            for _ in range(MESSAGES)
        ]
        asyncio.run(_setup(base, f"http://127.0.0.1:{receiver_port}/receive"))
        cpu_before = server_cpu_seconds(server)
        all_before = sum(server_cpu_seconds(process) for process in delivering)
        elapsed, failed = asyncio.run(_send_all(base + "/shep/async", envelopes))
        # The server's CPU per message holds still on a busy machine where the rate does not:
        # the figure to compare two versions by when other work shares the cores.
        cpu_accepting = server_cpu_seconds(server) - cpu_before
        latencies, span = _delivery_latencies(data_dir / "egovsim.sqlite3", time.monotonic() + 300)
        cpu_through_delivery = (
            sum(server_cpu_seconds(process) for process in delivering) - all_before
        )
    finally:
        for process in started:
            process.terminate()
            process.wait(timeout=30)
    if failed:
        raise RuntimeError(f"{failed} messages were not accepted")
    latencies.sort()
    delivered = len(latencies)
    where = (
        "deliveries in a second process (serve --workers none, egovsim work)"
        if apart
        else "deliveries in the serving processes"
    )
    serving = f"serve --processes {processes}" if processes > 1 else "one serving process"
    return report(
        f"gateway: {MESSAGES} signed async messages, {CONCURRENCY} connections, {serving}, "
        f"{where}; "
        f"server, receiver and load generator on the same 2 cores (load average "
        f"{load_average()})",
        [
            Figure(
                "accepted per second (committed, WS-Security verified)",
                MESSAGES / elapsed,
                "/s",
                ">= 1000",
            ),
            Figure(
                "server CPU per message while accepting (all its processes)",
                cpu_accepting / MESSAGES * 1000,
                "ms",
            ),
            Figure(
                "CPU per message with delivery (server and worker)"
                if apart
                else "CPU per message, acceptance and delivery",
                cpu_through_delivery / MESSAGES * 1000,
                "ms",
            ),
            Figure("delivered to the loopback receiver", delivered, ""),
            # What the delay below comes to: deliveries give way to a flood of requests (or are
            # another process's, which looks for work every half second when idle), so a
            # message accepted in a flood waits for the flood's end behind the backlog.
            Figure(
                "delivered per second, first acceptance to last delivery",
                delivered / span if span else 0.0,
                "/s",
            ),
            Figure("acceptance to delivery, p50", statistics.median(latencies), "ms"),
            Figure(
                "acceptance to delivery, p99",
                latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
                "ms",
            ),
        ],
    ) | {
        "raw": json.dumps(
            {"messages": MESSAGES, "seconds": round(elapsed, 3), "processes": processes}
        )
    }


def _worker(certs: Path, data_dir: Path, base: str) -> subprocess.Popen[bytes]:
    """`egovsim work` on the server's data directory: the deliveries, apart from the server."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "egovsim",
            "work",
            "--certs",
            str(certs),
            "--data-dir",
            str(data_dir),
            "--public-url",
            base,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
