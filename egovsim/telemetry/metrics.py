"""The simulator's Prometheus metrics: counted where the events happen, in this process.

Each instance counts its own (Prometheus scrapes every instance and sums them); what the
instances share, the gateway's backlog and the database's use, is read when `/metrics` is
scraped. The children the hot paths touch are bound once here, so that counting costs one
locked addition, not a label lookup.
"""

from __future__ import annotations

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
)

from egovsim.telemetry.tally import Tally, TallyChild

#: Every metric the simulator counts, with the process's own (CPU, memory, open files,
#: garbage collection), apart from any other library's in the default registry.
REGISTRY = CollectorRegistry(auto_describe=True)
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)

#: Latency buckets in seconds, from a cached page (a millisecond) to a slow signed request.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "egovsim_http_requests",
    "HTTP requests answered, by method, route pattern and status (499: the client went away)",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "egovsim_http_request_duration_seconds",
    "Time from a request's arrival to its answer, by method and route pattern",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)

GATEWAY_MESSAGES = Counter(
    "egovsim_gateway_messages",
    "The gateway's messages: accepted (newly stored), then per delivery attempt delivered,"
    " retried (failed, tried again later), stopped (the last attempt failed) or not_delivered"
    " (refused by the receiver for good)",
    ["event"],
    registry=REGISTRY,
)
MESSAGE_ACCEPTED = GATEWAY_MESSAGES.labels("accepted")
#: A delivery attempt's recorded state, and the event it counts as.
DELIVERY_EVENTS = {
    "DELIVERED": GATEWAY_MESSAGES.labels("delivered"),
    "ON_DELIVERY": GATEWAY_MESSAGES.labels("retried"),
    "DELIVERY_STOPPED": GATEWAY_MESSAGES.labels("stopped"),
    "NOT_DELIVERED": GATEWAY_MESSAGES.labels("not_delivered"),
}

VERIFICATIONS = Tally(
    "egovsim_verifications",
    "Signatures and certificates checked by the verifier, by what was checked (cms,"
    " certificate) and the result code (TOTAL_PASSED or the refusal's code)",
    ["kind", "code"],
    registry=REGISTRY,
)
VERIFIER_CACHE = Tally(
    "egovsim_verifier_cache_lookups",
    "The verifier's cache lookups, by cache (verdicts: a certificate's path, validity and"
    " revocation checked before and still holding; certificates: parsed certificates; paths:"
    " validated paths; revocation: OCSP answers and CRLs, a miss being a fetch) and result"
    " (hit, miss); the hit rate is rate(hit) / (rate(hit) + rate(miss))",
    ["cache", "result"],
    registry=REGISTRY,
)
VERDICT_HIT = VERIFIER_CACHE.labels("verdicts", "hit")
VERDICT_MISS = VERIFIER_CACHE.labels("verdicts", "miss")
CERTIFICATE_HIT = VERIFIER_CACHE.labels("certificates", "hit")
CERTIFICATE_MISS = VERIFIER_CACHE.labels("certificates", "miss")
PATH_HIT = VERIFIER_CACHE.labels("paths", "hit")
PATH_MISS = VERIFIER_CACHE.labels("paths", "miss")
REVOCATION_HIT = VERIFIER_CACHE.labels("revocation", "hit")
REVOCATION_MISS = VERIFIER_CACHE.labels("revocation", "miss")

OCSP_ANSWERS = Counter(
    "egovsim_ocsp_answers",
    "Answers of the test PKI's OCSP responder, by status: good, revoked or unknown (the"
    " certificate's status, pre-produced answers included), or the responseStatus of a"
    " request refused (malformed_request, unauthorized, try_later)",
    ["status"],
    registry=REGISTRY,
)
#: By the name of cryptography's OCSPCertStatus or OCSPResponseStatus member.
OCSP_STATUS = {
    name: OCSP_ANSWERS.labels(name.lower())
    for name in ("GOOD", "REVOKED", "UNKNOWN", "MALFORMED_REQUEST", "UNAUTHORIZED", "TRY_LATER")
}


#: The verifications' children by (kind, code), bound at first use: the label lookup costs
#: more than the count itself on the verifier's warm path.
_VERIFIED: dict[tuple[str, str | None], TallyChild] = {}


def verified(kind: str, code: str | None) -> None:
    """Count one verifier's answer (`code` None when it passed)."""
    child = _VERIFIED.get((kind, code))
    if child is None:
        child = _VERIFIED[kind, code] = VERIFICATIONS.labels(kind, code or "TOTAL_PASSED")
    child.inc()


def delivery_recorded(states: list[str]) -> None:
    """Count the delivery attempts whose new states were just recorded."""
    for state in states:
        event = DELIVERY_EVENTS.get(state)
        if event is not None:
            event.inc()
