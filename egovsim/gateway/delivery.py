"""Durable delivery: a worker hands accepted messages to their receivers, at least once.

Every message waits in the database as ON_DELIVERY until a receiver takes it: the built-in
workstation, or an external system's IAsyncChannelClient endpoint. A failure is retried with
exponential backoff; after the last attempt the message is DELIVERY_STOPPED; a receiver that
refuses a message for good makes it NOT_DELIVERED. Delivery runs on real time, not on the
simulator's clock: a frozen clock must not freeze the retries.

The worker claims what it delivers (`DeliveryQueue`: a lease on each row, renewed while it
works), so the workers of several instances on one database share the messages, each delivered
by one of them; a worker that dies leaves leases that end by themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from lxml import etree

from egovsim.clock import utcnow
from egovsim.magic import DELIVERY_UNREACHABLE, magic_outcome, numbers_with
from egovsim.storage.gateway import Attempt, GatewayStore, Route, StoredMessage
from egovsim.storage.run_locks import kept_renewed

log = logging.getLogger("egovsim.gateway")


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How hard the gateway tries."""

    max_attempts: int = 5
    first_backoff: float = 1.0  # seconds before the second attempt
    factor: float = 2.0
    max_backoff: float = 300.0
    timeout: float = 10.0  # seconds an external receiver may take to answer
    # Deliveries under way at once: a push waits on its receiver's round trip, during which
    # others can be signed and sent; more than a few take the event loop from acceptance.
    parallel: int = 4
    # Messages one pass claims: the rest are left to the other instances' workers meanwhile.
    batch: int = 50

    def backoff(self, attempts_made: int) -> timedelta:
        """The wait before the next attempt, after `attempts_made` failed ones."""
        seconds = self.first_backoff * self.factor ** max(0, attempts_made - 1)
        return timedelta(seconds=min(seconds, self.max_backoff))


class Refused(Exception):
    """The receiver refused the message for good (it will not accept it on a retry)."""


class Unavailable(Exception):
    """The receiver could not take the message now (a retry may succeed)."""


@dataclass(frozen=True, slots=True)
class Delivered:
    """What a receiver said when it took a message."""

    detail: str
    request: bytes | None = None
    response: bytes | None = None


Receiver = Callable[[StoredMessage, Route], Awaitable[Delivered]]
#: What an attempt came to, as recorded: (message, attempt, new state, next attempt, delivered).
Recorded = tuple[StoredMessage, Attempt, str, datetime | None, datetime | None]


class Queue(Protocol):
    """The messages a worker claims and records (`egovsim.storage.delivery_queue`)."""

    #: Seconds a claim lasts unless renewed.
    lease: float

    async def claim(self, now: datetime, limit: int = ...) -> list[StoredMessage]:
        """Lease the due messages to this worker; the messages."""

    async def renew(self) -> None:
        """Renew every lease this worker holds."""

    async def release(self) -> None:
        """Give back what this worker still holds."""

    async def record(self, outcomes: Sequence[Recorded]) -> None:
        """Log the attempts and end their leases with the messages' new states."""

    async def postpone(self, message: StoredMessage, until: datetime) -> None:
        """Hold a message back until `until`, its lease ended."""


#: Told of a message's final state (to tell its sender: changeMassageStatusNotification).
Notifier = Callable[[StoredMessage, str, str], Awaitable[None]]


class DeliveryWorker:
    """Delivers due messages until stopped; `wake()` makes it look at once."""

    def __init__(
        self,
        store: GatewayStore,
        queue: Queue,
        receivers: dict[str, Receiver],
        policy: DeliveryPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
        notify: Notifier | None = None,
        give_way: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._notify = notify
        #: Waited on before each attempt of a pass: the gateway's requests go first (`priority`).
        self._give_way = give_way
        self._store = store
        self._queue = queue
        self._receivers = receivers
        self._policy = policy or DeliveryPolicy()
        self._clock = clock
        self._event = asyncio.Event()
        self._stopping = False
        self.delivered = 0

    def wake(self) -> None:
        """A new message was accepted: look now rather than at the next tick."""
        self._event.set()

    async def run(self) -> None:
        """Deliver until `stop()`; what was pending at start (a restart) goes first. Another
        instance's acceptances are seen at the next look, half a second at most."""
        while not self._stopping:
            try:
                worked = await self.deliver_due()
            except Exception:  # the database away for a moment: what is claimed waits its lease
                log.exception("a delivery pass failed")
                worked = 0
            if not worked:
                self._event.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._event.wait(), timeout=0.5)

    def stop(self) -> None:
        """Finish the current message and end `run()`."""
        self._stopping = True
        self._event.set()

    async def deliver_due(self) -> int:
        """One pass over the messages whose attempt is due and that this worker claimed; how
        many were claimed. The pass's outcomes are recorded in one transaction: a crash before
        it means those messages are delivered again once their leases end, which at-least-once
        allows and messageIds make harmless."""
        due = await self._queue.claim(self._clock(), self._policy.batch)
        if not due:
            return 0
        async with kept_renewed(self._queue.renew, self._queue.lease / 3):
            await self._deliver(due)
        if self._stopping:  # what the stop left untried goes to whoever looks next
            await self._queue.release()
        return len(due)

    async def _deliver(self, due: list[StoredMessage]) -> None:
        # At most `parallel` attempts in flight, the next starting as soon as one ends (a slow
        # receiver holds one slot, not the whole pass); the messages of one conversation (one
        # correlation id) go one after the other, in the order they were accepted.
        slots = asyncio.Semaphore(self._policy.parallel)
        conversations: dict[str, list[StoredMessage]] = {}
        for message in due:
            conversations.setdefault(message.correlation_id or message.message_id, []).append(
                message
            )

        async def in_order(messages: list[StoredMessage]) -> list[Outcome]:
            done: list[Outcome] = []
            for message in messages:
                async with slots:
                    if self._give_way is not None:
                        # In the slot: a pass's many messages wait in turn, not all at once.
                        await self._give_way()
                    if self._stopping:
                        break
                    outcome = await self._attempt(message)
                if outcome is not None:
                    done.append(outcome)
            return done

        tried = await asyncio.gather(*(in_order(group) for group in conversations.values()))
        await self._record([outcome for group in tried for outcome in group])

    async def _record(self, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        await self._queue.record(
            [(o.message, o.attempt, o.state, o.next_at, o.delivered_at) for o in outcomes]
        )
        if self._notify is None:
            return
        for outcome in outcomes:
            if outcome.state == "ON_DELIVERY":
                continue
            try:
                await self._notify(outcome.message, outcome.state, outcome.attempt.detail)
            except Exception:  # telling the sender is best effort; the state is recorded
                log.warning(
                    "status notification of %s failed", outcome.message.message_id, exc_info=True
                )

    async def _attempt(self, message: StoredMessage) -> Outcome | None:
        """Try one message; its outcome, or None when a delay fault postponed it."""
        route = await self._store.route(message.service_id)
        started = time.perf_counter()
        now = self._clock()
        # Fault switches act on a receiver; an answer on its way back to the portal has none.
        fault = (route.fault or {}) if route is not None and message.receiver == "route" else {}
        kind = fault.get("kind")
        if kind == "delay" and message.attempts == 0 and message.next_attempt_at is None:
            later = now + timedelta(seconds=float(fault.get("seconds", 60)))
            await self._queue.postpone(message, later)
            return None
        state, next_at, delivered_at = "ON_DELIVERY", None, None
        request = response = None
        try:
            if route is None:
                raise Refused(f"no route for {message.service_id} any more")
            kind_of_receiver = "portal" if message.receiver == "portal" else route.receiver
            receiver = self._receivers.get(kind_of_receiver)
            if receiver is None:
                raise Refused(f"no receiver of kind {kind_of_receiver}")
            if kind == "unreachable":
                raise Unavailable(
                    "RECEIVER_UNREACHABLE: unreachable: the fault switch of this receiver is on"
                )
            magic = magic_unreachable(message)
            if magic is not None:
                raise Unavailable(magic)
            if kind == "drop":
                outcome, detail = "dropped", "dropped by the fault switch: the receiver got nothing"
            else:
                result = await receiver(message, route)
                if kind == "duplicate":
                    await receiver(message, route)
                outcome, detail = "delivered", result.detail
                if kind == "duplicate":
                    detail += " (delivered twice by the fault switch)"
                request, response = result.request, result.response
            state, delivered_at = "DELIVERED", now
            self.delivered += 1
        except Refused as refused:
            outcome, detail, state = "refused", str(refused), "NOT_DELIVERED"
        except Unavailable as unavailable:
            outcome, detail = "unavailable", str(unavailable)
        except Exception as error:  # a receiver's bug must not stop the worker
            log.exception("delivery of %s failed", message.message_id)
            outcome, detail = "error", f"{type(error).__name__}: {error}"
        if state == "ON_DELIVERY":
            if message.attempts + 1 >= self._policy.max_attempts:
                state = "DELIVERY_STOPPED"
            else:
                next_at = now + self._policy.backoff(message.attempts + 1)
        attempt = Attempt(
            now, (time.perf_counter() - started) * 1000, outcome, detail, request, response
        )
        return Outcome(message, attempt, state, next_at, delivered_at)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to, before it is recorded."""

    message: StoredMessage
    attempt: Attempt
    state: str
    next_at: datetime | None
    delivered_at: datetime | None


def application_payload(message: StoredMessage) -> dict[str, object]:
    """The application a REQUEST for a workstation service carries: JSON in `data`."""
    data = etree.fromstring(message.data_xml)
    text = "".join(data.itertext()).strip()
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise Refused(f"the data is not the JSON of an application: {error}") from None
    if not isinstance(payload, dict):
        raise Refused("the data must be a JSON object")
    return payload


_UNREACHABLE_NUMBERS = tuple(number.encode() for number in numbers_with(DELIVERY_UNREACHABLE))


def magic_unreachable(message: StoredMessage) -> str | None:
    """Why a REQUEST for a receiver can never be delivered when its application's applicant is
    a magic IIN or BIN whose deliveries fail (`egovsim.magic`); None for any other message. The
    reason starts with RECEIVER_UNREACHABLE, the code the portal's timeline shows."""
    if message.receiver != "route" or message.message_type != "REQUEST":
        return None
    if not any(number in message.data_xml for number in _UNREACHABLE_NUMBERS):
        return None  # the common case, without parsing the data
    try:
        payload = application_payload(message)
    except (Refused, etree.XMLSyntaxError):
        return None
    applicant = payload.get("applicant")
    if not isinstance(applicant, dict):
        return None
    for field in ("iin", "bin"):
        number = applicant.get(field)
        if isinstance(number, str) and magic_outcome(number) == DELIVERY_UNREACHABLE:
            return (
                f"RECEIVER_UNREACHABLE: unreachable: the applicant's {field.upper()} {number} is "
                "the magic number whose deliveries always fail"
            )
    return None
