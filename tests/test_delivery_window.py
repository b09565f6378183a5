"""The delivery worker's window: several pushes under way at once, never more than the policy
allows, and the messages of one conversation delivered one after the other in their order."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from egovsim.gateway.delivery import Delivered, DeliveryPolicy, DeliveryWorker
from egovsim.storage.gateway import Route, StoredMessage
from tests.conftest import NOW

ROUTE = Route("svc", "external", "http://127.0.0.1:9/x", None, None)


def _message(number: int, correlation_id: str | None) -> StoredMessage:
    return StoredMessage(
        id=number,
        message_id=f"m-{number}",
        correlation_id=correlation_id,
        service_id="svc",
        message_type="REQUEST",
        channel="async",
        sender_id="s",
        receiver="route",
        content_hash="",
        envelope=b"",
        data_xml=b"<data/>",
        security={},
        state="ON_DELIVERY",
        attempts=0,
        next_attempt_at=None,
        accepted_at=NOW,
        delivered_at=None,
        answer={},
    )


class _Store:
    """What the worker asks of the gateway's store and of its queue, in memory."""

    lease = 15.0

    def __init__(self, messages: list[StoredMessage]) -> None:
        self.messages = messages
        self.recorded: list[tuple[Any, ...]] = []

    async def claim(self, now: datetime, limit: int = 50) -> list[StoredMessage]:
        return [m for m in self.messages if m.id not in {r[0].id for r in self.recorded}]

    async def renew(self) -> None:
        return None

    async def release(self) -> None:
        return None

    async def route(self, service_id: str) -> Route:
        return ROUTE

    async def record(self, outcomes: list[tuple[Any, ...]]) -> None:
        self.recorded.extend(outcomes)


async def _deliver(
    messages: list[StoredMessage], parallel: int
) -> tuple[_Store, list[tuple[str, str]], int]:
    """Deliver `messages` in one pass; the store, the receiver's (start|end, id) events, and the
    most pushes it had under way at once."""
    store = _Store(messages)
    events: list[tuple[str, str]] = []
    in_flight = most = 0

    async def receiver(message: StoredMessage, route: Route) -> Delivered:
        nonlocal in_flight, most
        events.append(("start", message.message_id))
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.01)  # the receiver's round trip
        in_flight -= 1
        events.append(("end", message.message_id))
        return Delivered("ok")

    worker = DeliveryWorker(
        store,  # type: ignore[arg-type]
        store,  # type: ignore[arg-type]
        {"external": receiver},
        DeliveryPolicy(parallel=parallel),
        clock=lambda: NOW,
    )
    assert await worker.deliver_due() == len(messages)
    return store, events, most


def _started(events: list[tuple[str, str]]) -> list[str]:
    return [message_id for kind, message_id in events if kind == "start"]


async def test_pushes_go_several_at_once_but_never_more_than_the_policy_allows() -> None:
    messages = [_message(number, None) for number in range(1, 21)]
    store, events, most = await _deliver(messages, parallel=4)
    assert most == 4
    assert sorted(_started(events)) == sorted(m.message_id for m in messages)
    assert [state for _, _, state, _, _ in store.recorded] == ["DELIVERED"] * 20


async def test_one_push_at_a_time_when_the_policy_says_so() -> None:
    messages = [_message(number, None) for number in range(1, 6)]
    _, events, most = await _deliver(messages, parallel=1)
    assert most == 1
    assert _started(events) == [m.message_id for m in messages]


async def test_a_conversations_messages_are_delivered_in_the_order_they_were_accepted() -> None:
    messages = [_message(number, "conversation" if number % 2 else None) for number in range(1, 11)]
    _, events, most = await _deliver(messages, parallel=4)
    in_conversation = [m.message_id for m in messages if m.correlation_id == "conversation"]
    # Each of the conversation's pushes starts only once the one before it has ended.
    expected = [(kind, m) for m in in_conversation for kind in ("start", "end")]
    assert [event for event in events if event[1] in in_conversation] == expected
    assert most > 1
