"""What the telemetry adds to each request: the request id, the counter and the latency
histogram of `egovsim.web.common.telemetry`'s middleware, timed in a loop around a handler that
does nothing (the route resolved as aiohttp resolves it), against the handler alone; and the
cost of one bound counter increment, what the gateway, the verifier and the OCSP responder pay
per event."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bench.common import Figure, load_average, report
from egovsim.telemetry import metrics
from egovsim.web.common.telemetry import telemetry_middleware

#: A thousandth of a signed submission's p50 on a quiet machine (about 20 ms).
TARGET_REQUEST = "<= 20 µs per request"
TARGET_EVENT = "<= 2 µs per event"
ROUNDS = 20_000


async def _nothing(request: web.Request) -> web.StreamResponse:
    return web.Response(status=204)


async def _per_request() -> tuple[float, float]:
    """Microseconds per request: the handler alone, and with the middleware around it."""
    app = web.Application()
    app.router.add_get("/api/v1/portal/applications/{id}", _nothing)
    request = make_mocked_request("GET", "/api/v1/portal/applications/7", app=app)
    request._match_info = await app.router.resolve(request)  # as aiohttp's server does

    async def plain() -> None:
        await _nothing(request)

    async def counted() -> None:
        await telemetry_middleware(request, _nothing)

    timings = []
    for call in (plain, counted):
        for _ in range(1000):  # warm: the label children made once
            await call()
        started = time.perf_counter()
        for _ in range(ROUNDS):
            await call()
        timings.append((time.perf_counter() - started) / ROUNDS * 1e6)
    return timings[0], timings[1]


def _per_event() -> float:
    """Microseconds per bound counter increment."""
    counter = metrics.MESSAGE_ACCEPTED
    started = time.perf_counter()
    for _ in range(ROUNDS):
        counter.inc()
    return (time.perf_counter() - started) / ROUNDS * 1e6


def run() -> dict[str, object]:
    """Measure and print."""
    plain, counted = asyncio.run(_per_request())
    event = _per_event()
    return report(
        f"telemetry: per request and per event (load average {load_average()})",
        [
            Figure("handler alone", plain, "µs"),
            Figure("handler with the telemetry middleware", counted, "µs"),
            Figure("added by the middleware", counted - plain, "µs", TARGET_REQUEST),
            Figure("one bound counter increment", event, "µs", TARGET_EVENT),
        ],
    )


if __name__ == "__main__":
    run()
