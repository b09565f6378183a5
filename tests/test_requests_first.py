"""Requests first: while the gateway answers requests, a background delivery waits for a pause
in them (at most its longest wait), so that a flood is accepted with the whole event loop."""

from __future__ import annotations

import asyncio
import time

from egovsim.gateway.delivery import Delivered, DeliveryPolicy, DeliveryWorker
from egovsim.gateway.priority import RequestsFirst
from egovsim.storage.gateway import Route, StoredMessage
from tests.conftest import NOW
from tests.test_delivery_window import _message, _Store


async def test_a_delivery_goes_at_once_when_no_request_is_being_answered() -> None:
    first = RequestsFirst(longest=30)
    await asyncio.wait_for(first.give_way(), 5)  # not the 30 s of its longest wait


async def test_a_delivery_waits_until_the_last_request_is_answered() -> None:
    first = RequestsFirst(longest=30)
    order: list[str] = []

    async def request(seconds: float, name: str) -> None:
        with first.answer():
            await asyncio.sleep(seconds)
            order.append(name)

    async def delivery() -> None:
        await first.give_way()
        order.append("delivery")

    await asyncio.gather(request(0.05, "short"), request(0.2, "long"), delivery())
    assert order == ["short", "long", "delivery"]
    assert first.answering == 0


async def test_a_flood_that_never_pauses_holds_a_delivery_no_longer_than_its_longest_wait() -> None:
    first = RequestsFirst(longest=0.05)
    with first.answer():
        started = time.monotonic()
        await first.give_way()
        waited = time.monotonic() - started
    assert 0.04 <= waited < 5
    assert first.answering == 0


async def test_a_request_that_fails_still_ends_its_turn() -> None:
    first = RequestsFirst(longest=30)
    try:
        with first.answer():
            raise ValueError("the handler's own failure")
    except ValueError:
        pass
    assert first.answering == 0
    await asyncio.wait_for(first.give_way(), 5)


async def test_the_worker_gives_way_before_each_attempt_of_a_pass() -> None:
    first = RequestsFirst(longest=30)
    store = _Store([_message(number, None) for number in range(1, 4)])
    pushed: list[str] = []

    async def receiver(message: StoredMessage, route: Route) -> Delivered:
        pushed.append(message.message_id)
        return Delivered("ok")

    worker = DeliveryWorker(
        store,  # type: ignore[arg-type]
        store,  # type: ignore[arg-type]
        {"external": receiver},
        DeliveryPolicy(parallel=4),
        clock=lambda: NOW,
        give_way=first.give_way,
    )
    answered = asyncio.Event()

    async def request() -> None:
        with first.answer():
            await asyncio.sleep(0.1)
            assert pushed == []  # nothing was pushed while the request was being answered
        answered.set()

    await asyncio.gather(request(), worker.deliver_due())
    assert answered.is_set()
    assert sorted(pushed) == ["m-1", "m-2", "m-3"]


async def test_a_pass_gives_way_in_its_slots_so_no_more_wait_at_once_than_push_at_once() -> None:
    store = _Store([_message(number, None) for number in range(1, 21)])
    waiting = most_waiting = turns = 0

    async def give_way() -> None:
        nonlocal waiting, most_waiting, turns
        waiting += 1
        turns += 1
        most_waiting = max(most_waiting, waiting)
        await asyncio.sleep(0.01)  # a request being answered
        waiting -= 1

    async def receiver(message: StoredMessage, route: Route) -> Delivered:
        return Delivered("ok")

    worker = DeliveryWorker(
        store,  # type: ignore[arg-type]
        store,  # type: ignore[arg-type]
        {"external": receiver},
        DeliveryPolicy(parallel=3),
        clock=lambda: NOW,
        give_way=give_way,
    )
    assert await worker.deliver_due() == 20
    assert turns == 20
    assert most_waiting == 3
