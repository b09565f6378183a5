"""Every request's telemetry: its id (the caller's `X-Request-Id`, or a new one, returned in
the answer's header and carried by whatever the request does), its count and latency in the
Prometheus metrics by route pattern, and `/metrics`, where they are scraped.

`/metrics` is open like `/healthz`, also when an operator's secret is set: it gives counts and
timings by route pattern, never a path, a person or a message, and reading it changes nothing
(the operator's secret guards what changes the simulator or acts for someone; issue 14).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web, web_log
from aiohttp.web_request import BaseRequest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics import Counter as CounterChild
from prometheus_client.metrics import Histogram as HistogramChild
from prometheus_client.registry import Collector

from egovsim.telemetry.context import REQUEST_ID, request_id_for
from egovsim.telemetry.metrics import HTTP_DURATION, HTTP_REQUESTS, REGISTRY
from egovsim.web.common.errors import error_response, log
from egovsim.web.common.keys import SIMULATOR
from egovsim.web.common.lean import LEAN

#: The header a request's id comes in and goes back in.
REQUEST_ID_HEADER = "X-Request-Id"
#: Where a request keeps its id (for the access log, which runs after the handler's task).
REQUEST_ID_KEY = web.RequestKey("egovsim_request_id", str)
#: The route label of a request no route matched (404, 405): never its path, which a scanner
#: would turn into as many series as it tries paths.
UNMATCHED = "(unmatched)"
#: The status counted for a request whose client went away before the answer (nginx's).
CLIENT_GONE = "499"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def route_of(request: web.Request) -> str:
    """The pattern of the route that answers `request` (`/api/v1/portal/applications/{id}`)."""
    match_info = request.match_info
    if match_info.http_exception is not None:
        return UNMATCHED
    resource = match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


#: The methods counted by name; any other a client invents is counted as "other".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_Children = tuple[CounterChild, HistogramChild]
#: The metrics' children by (method, route, status), made once: `labels()` validates and locks
#: on each call, which would be most of what counting a request costs.
_children: dict[tuple[str, str, str], _Children] = {}


def _counted(method: str, route: str, status: str) -> _Children:
    key = (method, route, status)
    found = _children.get(key)
    if found is None:
        if method not in METHODS:
            method = "other"
        found = (
            HTTP_REQUESTS.labels(method, route, status),
            HTTP_DURATION.labels(method, route),
        )
        _children[key] = found
    return found


@web.middleware
async def telemetry_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request its id, then count and time its answer by route pattern and status
    (a lean route's straight from its handler: `egovsim.web.common.lean`)."""
    route_handler = request.match_info.handler
    if route_handler in LEAN:
        return await _lean(request, route_handler)
    request_id = request_id_for(request.headers.get(REQUEST_ID_HEADER))
    request[REQUEST_ID_KEY] = request_id
    token = REQUEST_ID.set(request_id)
    started = time.perf_counter()
    status = "500"
    try:
        response = await handler(request)
        status = str(response.status)
        return response
    except web.HTTPException as answer:
        status = str(answer.status)
        raise
    except asyncio.CancelledError:
        status = CLIENT_GONE
        raise
    finally:
        REQUEST_ID.reset(token)
        count, duration = _counted(request.method, route_of(request), status)
        count.inc()
        duration.observe(time.perf_counter() - started)


async def _lean(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A lean route's answer, counted and timed as any other. Its id is the caller's when one
    is sent, and none is made otherwise: the machines that call these routes at volume (OCSP
    clients) neither send nor read one, and the answer is the same without it."""
    sent = request.headers.get(REQUEST_ID_HEADER)
    if sent is not None:
        request[REQUEST_ID_KEY] = request_id_for(sent)
    started = time.perf_counter()
    status = "500"
    try:
        response = await handler(request)
        status = str(response.status)
        return response
    except asyncio.CancelledError:
        status = CLIENT_GONE
        raise
    except Exception:
        # A lean handler answers every input itself: this is a bug, hidden as elsewhere.
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response("INTERNAL_ERROR")
    finally:
        count, duration = _counted(request.method, route_of(request), status)
        count.inc()
        duration.observe(time.perf_counter() - started)


async def request_id_header(request: web.Request, response: web.StreamResponse) -> None:
    """Return the request's id in the answer (pages, the API, errors, static files)."""
    request_id = request.get(REQUEST_ID_KEY)
    if request_id is not None:
        response.headers[REQUEST_ID_HEADER] = request_id


class _Scrape(Collector):
    """What one scrape answers: the process's counters, and the families read for it."""

    def __init__(self, read: Iterable[Metric]) -> None:
        self._read = list(read)

    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()
        yield from self._read


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


async def _shared_state(app: web.Application) -> list[Metric]:
    """What is read when scraped: the gateway's backlog and the database's use."""
    simulator = app[SIMULATOR]
    families: list[Metric] = [
        _gauge(
            "egovsim_gateway_backlog",
            "Messages waiting for delivery (ON_DELIVERY) in the database, whoever accepted them",
            await simulator.gateway_store.backlog(),
        ),
        _gauge(
            "egovsim_gateway_delivered_by_worker",
            "Messages this instance's delivery worker delivered since it started",
            simulator.delivery.delivered,
        ),
    ]
    use = simulator.database.use()
    families.append(
        _gauge(
            "egovsim_database_writers_waiting",
            "Write transactions of this instance waiting for their turn (SQLite's writer"
            " queue; PostgreSQL's, for the next group commit)",
            use.writers_waiting,
        )
    )
    families.append(
        _gauge(
            "egovsim_database_writing",
            "Write transactions of this instance under way (a group commit is one; SQLite"
            " has at most one, PostgreSQL several side by side)",
            use.writing,
        )
    )
    if use.connections is not None:
        families += [
            _gauge(
                "egovsim_database_pool_connections",
                "PostgreSQL connections open in this instance's pool",
                use.connections,
            ),
            _gauge(
                "egovsim_database_pool_idle",
                "PostgreSQL connections of the pool not in use",
                use.connections_idle or 0,
            ),
            _gauge(
                "egovsim_database_pool_max",
                "The most connections the pool opens",
                use.connections_max or 0,
            ),
        ]
    return families


async def metrics(request: web.Request) -> web.Response:
    """The simulator's metrics in the format the scraper asks for by its Accept header:
    OpenMetrics, or Prometheus's text format (the default)."""
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    body = encode(_Scrape(await _shared_state(request.app)))
    return web.Response(body=body, headers={"Content-Type": content_type})


def add_routes(app: web.Application) -> None:
    """`/metrics`, and the request id in every answer."""
    app.router.add_get("/metrics", metrics)
    app.on_response_prepare.append(request_id_header)


class JsonAccessLine(web_log.AccessLogger):
    """An answered request as one log record whose fields make the JSON line of
    `serve --log-format json` (`egovsim.telemetry.logs.JsonFormatter`)."""

    def log(self, request: BaseRequest, response: web.StreamResponse, time: float) -> None:
        """The line of one answered request."""
        fields = {
            "request_id": request.get(REQUEST_ID_KEY),
            "method": request.method,
            "path": request.path,
            "route": route_of(request) if isinstance(request, web.Request) else UNMATCHED,
            "status": response.status,
            "bytes": response.body_length,
            "duration_ms": round(time * 1000, 3),
            "remote": request.remote,
            "user_agent": request.headers.get("User-Agent"),
        }
        self.logger.info("%s %s %s", request.method, request.path, response.status, extra=fields)
