"""Workers of several instances on one database share the gateway's messages: each message is
claimed by one worker at a time (a lease), so it reaches its receiver once; a conversation's
messages keep their order across workers; a lease renewed holds, and one whose holder died
ends by itself and is taken over. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from egovsim.gateway.delivery import Delivered, DeliveryPolicy, DeliveryWorker
from egovsim.storage.database import Database
from egovsim.storage.delivery_queue import DeliveryQueue
from egovsim.storage.gateway import Attempt, GatewayStore, Route, StoredMessage
from tests.conftest import BOTH_DATABASES

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUTE = Route("svc", "external", "http://127.0.0.1:9/x", None, None)


def _fields(message_id: str, correlation_id: str | None = None) -> dict[str, Any]:
    data = f'<data xmlns="urn:x">{message_id}</data>'.encode()
    return {
        "message_id": message_id,
        "correlation_id": correlation_id,
        "service_id": "svc",
        "message_type": "UPDATE" if correlation_id else "REQUEST",
        "channel": "async",
        "sender_id": "egov-portal",
        "content_hash": "0" * 64,
        "envelope": b"<Envelope>" + data + b"</Envelope>",
        "data_xml": data,
        "security": {},
        "accepted_at": NOW,
        "answer": {"messageId": message_id, "sessionId": f"s-{message_id}"},
    }


class Clock:
    """The machine's clock as the leases read it, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def _accepted(database: Database, messages: list[dict[str, Any]]) -> GatewayStore:
    store = GatewayStore(database)
    await store.save_route(ROUTE, NOW)
    for fields in messages:
        await store.accept(fields)
    return store


def _states(rows: list[Any]) -> dict[str, str]:
    return {row["message_id"]: row["state"] for row in rows}


@pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)
async def test_two_instances_workers_deliver_each_message_once_and_a_conversation_in_order(
    database_location,
) -> None:
    # Each worker on a database connection of its own, as two instances are.
    first, second = await Database.open(database_location), await Database.open(database_location)
    try:
        messages = [_fields(f"m-{n:02}") for n in range(24)]
        conversation = [_fields("c-request")] + [
            _fields(f"c-answer-{n}", "c-request") for n in range(5)
        ]
        for position, fields in enumerate(conversation):
            messages.insert(position * 4, fields)
        await _accepted(first, messages)
        received: list[tuple[str, str, str]] = []

        def receiver(name: str) -> Any:
            async def deliver(message: StoredMessage, route: Route) -> Delivered:
                received.append(("start", message.message_id, name))
                await asyncio.sleep(0.02)  # the receiver's round trip
                received.append(("end", message.message_id, name))
                return Delivered("ok")

            return deliver

        # Small passes, so that each worker claims while the other's claims are live.
        policy = DeliveryPolicy(batch=4)
        workers = [
            DeliveryWorker(
                GatewayStore(database),
                DeliveryQueue(database),
                {"external": receiver(name)},
                policy,
                clock=lambda: NOW,
            )
            for name, database in (("a", first), ("b", second))
        ]

        async def drain(worker: DeliveryWorker) -> None:
            for _ in range(500):  # bounded: a few dozen passes deliver everything
                if await worker.deliver_due():
                    continue
                left = await first.fetch_one(
                    "SELECT COUNT(*) FROM gateway_messages WHERE state = 'ON_DELIVERY'"
                )
                if left is not None and left[0] == 0:
                    return
                await asyncio.sleep(0.01)

        await asyncio.gather(*(drain(worker) for worker in workers))
        rows = await first.fetch_all("SELECT message_id, state, claimed_by FROM gateway_messages")
    finally:
        await first.close()
        await second.close()
    starts = Counter(message_id for kind, message_id, _ in received if kind == "start")
    assert starts == Counter(f["message_id"] for f in messages), "each message received once"
    assert set(_states(rows).values()) == {"DELIVERED"}
    assert all(row["claimed_by"] is None for row in rows)
    assert {name for _, _, name in received} == {"a", "b"}, "both workers took a share"
    in_conversation = {f["message_id"] for f in conversation}
    events = [
        (kind, message_id) for kind, message_id, _ in received if message_id in in_conversation
    ]
    # Each of the conversation's messages starts once the one before it has ended, whichever
    # worker holds it.
    expected = [(kind, f["message_id"]) for f in conversation for kind in ("start", "end")]
    assert events == expected


@pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)
async def test_a_lease_renewed_holds_and_one_whose_holder_died_is_taken_over(
    database_location,
) -> None:
    database = await Database.open(database_location)
    clock = Clock()
    try:
        await _accepted(database, [_fields("m-1"), _fields("m-2")])
        died = DeliveryQueue(database, lease=10, holder="died", machine_time=clock)
        other = DeliveryQueue(database, lease=10, holder="other", machine_time=clock)
        claimed = await died.claim(NOW)
        assert [m.message_id for m in claimed] == ["m-1", "m-2"]
        clock.now += 8
        assert await other.claim(NOW) == [], "a live lease is not taken"
        await died.renew()  # its holder still works: ten seconds more from now
        clock.now += 8
        assert await other.claim(NOW) == []
        clock.now += 3  # the holder died after its renewal: its lease ends by itself
        taken = await other.claim(NOW)
        assert [m.message_id for m in taken] == ["m-1", "m-2"]
        attempt = Attempt(NOW, 1.0, "delivered", "ok", None, None)
        # The late holder's outcome is logged, and the message's state left to the new holder.
        await died.record([(claimed[0], attempt, "DELIVERY_STOPPED", None, None)])
        row = await database.fetch_one(
            "SELECT state, claimed_by FROM gateway_messages WHERE message_id = 'm-1'"
        )
        assert row is not None
        assert (row["state"], row["claimed_by"]) == ("ON_DELIVERY", "other")
        await other.record([(m, attempt, "DELIVERED", None, NOW) for m in taken])
        rows = await database.fetch_all(
            "SELECT message_id, state, attempts, claimed_by FROM gateway_messages"
        )
        logged = await database.fetch_one("SELECT COUNT(*) FROM gateway_attempts")
    finally:
        await database.close()
    assert _states(rows) == {"m-1": "DELIVERED", "m-2": "DELIVERED"}
    assert [(row["attempts"], row["claimed_by"]) for row in rows] == [(1, None), (1, None)]
    assert logged is not None and logged[0] == 3


@pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)
async def test_a_stopped_worker_gives_back_what_it_did_not_try(database_location) -> None:
    database = await Database.open(database_location)
    clock = Clock()
    try:
        await _accepted(database, [_fields("m-1"), _fields("m-2")])
        stopping = DeliveryQueue(database, holder="stopping", machine_time=clock)
        await stopping.claim(NOW)
        await stopping.release()
        taken = await DeliveryQueue(database, holder="next", machine_time=clock).claim(NOW)
    finally:
        await database.close()
    assert [m.message_id for m in taken] == ["m-1", "m-2"], "taken at once, not after a lease"
