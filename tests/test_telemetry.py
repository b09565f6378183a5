"""What operators watch: `/metrics` scraped and parsed with prometheus-client's own parser while
the test drives the simulator, the request id in answers, logs and the gateway's message log, and
the JSON log lines of `serve --log-format json`."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from egovsim.cli import build_parser
from egovsim.signatures import cms
from egovsim.telemetry.context import REQUEST_ID
from egovsim.telemetry.logs import JsonFormatter
from egovsim.web.app import create_app
from egovsim.web.common.keys import SIMULATOR
from egovsim.web.pki.publication import JsonAccessLog
from tests.conftest import NOW
from tests.test_gateway import deliver, first, post, send_message, status_request

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client) -> Samples:
    """Every sample of `/metrics`, by name and labels, as prometheus-client's parser reads it."""
    reply = await client.get("/metrics")
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/plain; version=")
    samples: Samples = {}
    for family in text_string_to_metric_families(await reply.text()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


async def test_requests_are_counted_and_timed_by_route_pattern_and_status(client) -> None:
    before = await scrape(client)
    for _ in range(3):
        assert (await client.get("/healthz")).status == 200
    assert (await client.get("/cert/no-such-ca.cer")).status == 404
    assert (await client.get("/no/such/page/12345")).status == 404
    after = await scrape(client)

    requests = "egovsim_http_requests_total"
    assert moved(before, after, requests, method="GET", route="/healthz", status="200") == 3
    # The route's pattern, never the path asked: a scanner makes no new series.
    assert moved(before, after, requests, method="GET", route="/cert/{name}.cer", status="404") == 1
    assert moved(before, after, requests, method="GET", route="(unmatched)", status="404") == 1
    assert not any("12345" in str(labels) for _, labels in after)
    latency = "egovsim_http_request_duration_seconds"
    assert moved(before, after, f"{latency}_count", method="GET", route="/healthz") == 3
    assert moved(before, after, f"{latency}_bucket", method="GET", route="/healthz", le="+Inf") == 3
    # The scrape that came before is counted too (the next scrape shows it).
    assert moved(before, after, requests, method="GET", route="/metrics", status="200") == 1
    # The process's own, and the database's use read at the scrape.
    assert value(after, "process_cpu_seconds_total") > 0
    assert value(after, "egovsim_database_writers_waiting") == 0
    assert ("egovsim_gateway_backlog", frozenset()) in after


async def test_the_request_id_sent_comes_back_and_one_is_made_when_none_is_usable(client) -> None:
    sent = "trace-" + uuid.uuid4().hex
    reply = await client.get("/healthz", headers={"X-Request-Id": sent})
    assert reply.headers["X-Request-Id"] == sent
    made = (await client.get("/healthz")).headers["X-Request-Id"]
    assert len(made) == 32 and int(made, 16) >= 0
    # Spaces, control characters or a kilobyte are not kept: a new id instead.
    for unusable in ("two words", "x" * 1000):
        answer = await client.get("/healthz", headers={"X-Request-Id": unusable})
        assert answer.headers["X-Request-Id"] not in (unusable, made)
    # Errors and refusals carry it too.
    refused = await client.get("/no/such/page", headers={"X-Request-Id": sent})
    assert refused.status == 404 and refused.headers["X-Request-Id"] == sent


async def test_gateway_messages_are_counted_and_logged_with_their_request_id(shep) -> None:
    before = await scrape(shep)
    message_id = str(uuid.uuid4())
    request_id = "provider-" + uuid.uuid4().hex
    reply = await shep.post(
        "/shep/async",
        data=send_message(message_id=message_id),
        headers={"Content-Type": "text/xml", "X-Request-Id": request_id},
    )
    assert reply.status == 200 and reply.headers["X-Request-Id"] == request_id
    waiting = await scrape(shep)
    assert moved(before, waiting, "egovsim_gateway_messages_total", event="accepted") == 1
    assert value(waiting, "egovsim_gateway_backlog") == 1

    # The same message again is answered from the log, not accepted twice.
    await post(shep, "/shep/async", send_message(message_id=message_id))
    again = await scrape(shep)
    assert moved(before, again, "egovsim_gateway_messages_total", event="accepted") == 1
    assert await deliver(shep) == 1
    after = await scrape(shep)
    assert moved(before, after, "egovsim_gateway_messages_total", event="delivered") == 1
    # The workstation's answers to the portal are messages the gateway accepts in turn.
    answers = moved(again, after, "egovsim_gateway_messages_total", event="accepted")
    assert answers >= 1
    assert value(after, "egovsim_gateway_backlog") == answers

    log = await (await shep.get(f"/api/v1/gateway/messages/{message_id}")).json()
    assert log["http_request_id"] == request_id
    _, state = await post(shep, "/shep/async", status_request(message_id))
    assert first(state, "messageState") == "DELIVERED"


async def test_the_message_log_is_filtered_by_the_request_that_brought_the_messages(
    shep,
) -> None:
    ours, theirs = "provider-" + uuid.uuid4().hex, "provider-" + uuid.uuid4().hex
    sent = {ours: [str(uuid.uuid4()), str(uuid.uuid4())], theirs: [str(uuid.uuid4())]}
    for request_id, message_ids in sent.items():
        for message_id in message_ids:
            reply = await shep.post(
                "/shep/async",
                data=send_message(message_id=message_id),
                headers={"Content-Type": "text/xml", "X-Request-Id": request_id},
            )
            assert reply.status == 200

    page = await (await shep.get("/api/v1/gateway/messages", params={"request_id": ours})).json()
    assert sorted(m["message_id"] for m in page["messages"]) == sorted(sent[ours])
    assert {m["http_request_id"] for m in page["messages"]} == {ours}
    none = await shep.get("/api/v1/gateway/messages", params={"request_id": "nobody"})
    assert (await none.json())["messages"] == []

    html = await (await shep.get("/gateway", params={"request_id": theirs})).text()
    assert sent[theirs][0] in html and not any(m in html for m in sent[ours])
    detail = await (await shep.get(f"/gateway/messages/{sent[ours][0]}")).text()
    assert f"/gateway?request_id={ours}" in detail


async def test_the_message_log_by_request_id_reads_its_index(shep) -> None:
    database = shep.app[SIMULATOR].database
    if database.dialect == "sqlite":
        plan = await database.fetch_all(
            "EXPLAIN QUERY PLAN SELECT id FROM gateway_messages WHERE http_request_id = ?"
            " ORDER BY id DESC LIMIT 101",
            ("x",),
        )
        assert any("gateway_messages_by_request_id" in str(row["detail"]) for row in plan)
    else:
        found = await database.fetch_one(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'gateway_messages_by_request_id'"
        )
        assert found is not None and "http_request_id" in found["indexdef"]


async def test_failed_deliveries_count_as_retried_then_stopped(shep) -> None:
    await shep.post(
        "/api/v1/gateway/routes",
        json={"service_id": "shymkent-energy-readiness-passport", "url": "http://127.0.0.1:9/x"},
    )
    before = await scrape(shep)
    await post(shep, "/shep/async", send_message(message_id=str(uuid.uuid4())))
    for _ in range(3):  # the gateway's settings here: three attempts
        await deliver(shep)
    after = await scrape(shep)
    assert moved(before, after, "egovsim_gateway_messages_total", event="retried") == 2
    assert moved(before, after, "egovsim_gateway_messages_total", event="stopped") == 1
    assert value(after, "egovsim_gateway_backlog") == 0


async def test_verifications_ocsp_answers_and_cache_lookups_move(client, persona) -> None:
    before = await scrape(client)
    signer = persona("citizen-valid").sign
    signature = cms.sign(b"{}", signer.key, signer.certificate, signer.chain, NOW)
    verifier = client.app[SIMULATOR].verifier
    once = await verifier.verify_cms(signature)
    again = await verifier.verify_cms(signature)
    assert once.code is None and again.code is None
    refused = await verifier.verify_cms(b"not a signature")
    assert refused.code == "SIGNATURE_MALFORMED"
    after = await scrape(client)
    cms_checks = "egovsim_verifications_total"
    assert moved(before, after, cms_checks, kind="cms", code="TOTAL_PASSED") == 2
    assert moved(before, after, cms_checks, kind="cms", code="SIGNATURE_MALFORMED") == 1
    assert moved(before, after, "egovsim_ocsp_answers_total", status="good") >= 1
    lookups = "egovsim_verifier_cache_lookups_total"
    assert moved(before, after, lookups, cache="verdicts", result="miss") >= 1
    assert moved(before, after, lookups, cache="verdicts", result="hit") >= 1
    assert moved(before, after, lookups, cache="revocation", result="miss") >= 1


def test_a_json_log_line_has_the_request_id_and_the_extra_fields() -> None:
    record = logging.LogRecord(
        "egovsim.gateway", logging.WARNING, __file__, 1, "late %s", ("x",), None
    )
    record.message_id = "m-1"
    token = REQUEST_ID.set("abc123")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        REQUEST_ID.reset(token)
    assert line["message"] == "late x" and line["level"] == "warning"
    assert line["logger"] == "egovsim.gateway"
    assert line["request_id"] == "abc123" and line["message_id"] == "m-1"
    assert line["time"].endswith("+00:00")


async def test_the_json_access_log_writes_one_line_per_request(
    settings, clock, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings, clock)
    server = TestServer(app, host="127.0.0.1")
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        await server.start_server(access_log_class=JsonAccessLog)
        async with TestClient(server) as client:
            await client.get("/healthz", headers={"X-Request-Id": "r-42"})
            await client.get("/cert/nobody.cer")
    lines = [
        json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "aiohttp.access"
    ]
    health: Mapping[str, object] = next(line for line in lines if line["path"] == "/healthz")
    assert health["request_id"] == "r-42" and health["status"] == 200
    assert health["route"] == "/healthz" and health["method"] == "GET"
    assert isinstance(health["duration_ms"], float)
    refused = next(line for line in lines if line["path"] == "/cert/nobody.cer")
    assert refused["status"] == 404 and refused["route"] == "/cert/{name}.cer"
    assert isinstance(refused["request_id"], str) and len(refused["request_id"]) == 32


def test_serve_takes_text_or_json_logs_and_nothing_else(capsys) -> None:
    parser = build_parser()
    assert parser.parse_args(["serve"]).log_format == "text"
    assert parser.parse_args(["serve", "--log-format", "json"]).log_format == "json"
    with pytest.raises(SystemExit) as exit_code:
        parser.parse_args(["serve", "--log-format", "xml"])
    assert exit_code.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err
