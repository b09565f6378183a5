"""The gateway's messages waiting for delivery, claimed by the worker that delivers them: with
several instances on one database each message is with one worker at a time.

A claim is a lease on the row (`claimed_by`, `claimed_until` in seconds on the machine's clock)
taken in one write transaction: `UPDATE … RETURNING` of the due rows that no live lease holds
(on PostgreSQL the rows are also locked, `FOR UPDATE SKIP LOCKED`). The worker renews its leases
while it delivers and clears them when it records the outcome; a worker that dies leaves leases
that end by themselves, and the rows are claimed again by whoever looks next.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime

from egovsim.storage.database import Database, WorkConnection
from egovsim.storage.dialect import named_lock, skip_locked
from egovsim.storage.gateway_messages import (
    INSERT_ATTEMPT,
    Attempt,
    StoredMessage,
    attempt_row,
    message,
    select_messages,
)
from egovsim.storage.run_locks import instance_id
from egovsim.telemetry import metrics

#: What an attempt came to: (message, attempt, new state, next attempt, delivered at).
Outcome = tuple[StoredMessage, Attempt, str, datetime | None, datetime | None]

# A message is claimable when it is due and no live lease holds it, and when no earlier message
# of its conversation (the same correlationId, or the request it answers) is leased to someone:
# the conversation's order holds across instances as it does within one worker's pass.
_CLAIM = (
    "UPDATE gateway_messages SET claimed_by = ?, claimed_until = ? WHERE id IN ("
    " SELECT m.id FROM gateway_messages m WHERE m.state = 'ON_DELIVERY'"
    " AND (m.next_attempt_at IS NULL OR m.next_attempt_at <= ?)"
    " AND (m.claimed_until IS NULL OR m.claimed_until <= ?)"
    " AND NOT EXISTS (SELECT 1 FROM gateway_messages o WHERE o.state = 'ON_DELIVERY'"
    " AND o.id < m.id AND o.claimed_until > ?"
    " AND (o.correlation_id = COALESCE(m.correlation_id, m.message_id)"
    " OR o.message_id = m.correlation_id))"
    " ORDER BY m.id LIMIT ?{lock}) RETURNING id"
)
# What an idle worker reads every half second before it claims: a claim is a write, and writes
# are one at a time on the whole database.
_ANY_DUE = (
    "SELECT 1 FROM gateway_messages WHERE state = 'ON_DELIVERY'"
    " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
    " AND (claimed_until IS NULL OR claimed_until <= ?) LIMIT 1"
)
_RECORD = (
    "UPDATE gateway_messages SET state = ?, attempts = attempts + 1, next_attempt_at = ?,"
    " delivered_at = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ?"
)


class DeliveryQueue:
    """One worker's claims on the gateway's messages: `claim`, `renew`, `record`, `release`."""

    def __init__(
        self,
        database: Database,
        lease: float = 15.0,
        holder: str | None = None,
        machine_time: Callable[[], float] = time.time,
    ) -> None:
        self._db = database
        #: Seconds a claim lasts unless renewed.
        self.lease = lease
        #: Whose claims these are (`claimed_by`).
        self.holder = holder or instance_id()
        self._machine_time = machine_time
        self._claim = _CLAIM.format(lock=skip_locked(database.dialect))
        self._claims_lock = named_lock(database.dialect, "gateway-claims")

    async def claim(self, now: datetime, limit: int = 50) -> list[StoredMessage]:
        """Lease the messages whose attempt is due (`now` on delivery's clock) to this worker,
        oldest first, at most `limit`; the messages, read with their bodies."""
        machine_now = self._machine_time()
        if await self._db.fetch_one(_ANY_DUE, (now.isoformat(), machine_now)) is None:
            return []
        claim = (
            self.holder,
            machine_now + self.lease,
            now.isoformat(),
            machine_now,
            machine_now,
            limit,
        )
        # Claims are taken one at a time (a transaction of their own, so the lock is held no
        # longer than the claim): a claim that ran beside another would not see the other's
        # leases on the earlier messages of a conversation, and would take a later one.
        async with self._db.write() as connection:
            if self._claims_lock is not None:
                await connection.execute(*self._claims_lock)
            cursor = await connection.execute(self._claim, claim)
            ids = [row[0] for row in await cursor.fetchall()]
            if not ids:
                return []
            marks = ", ".join("?" for _ in ids)
            cursor = await connection.execute(
                f"{select_messages()} WHERE m.id IN ({marks}) ORDER BY m.id", ids
            )
            rows = await cursor.fetchall()
        return [message(row) for row in rows]

    async def renew(self) -> None:
        """Move the end of every lease this worker holds to a full lease from now."""
        async with self._db.write() as connection:
            await connection.execute(
                "UPDATE gateway_messages SET claimed_until = ? WHERE claimed_by = ?",
                (self._machine_time() + self.lease, self.holder),
            )

    async def release(self) -> None:
        """Give back every message this worker still holds (left untried: a stop)."""
        async with self._db.write() as connection:
            await connection.execute(
                "UPDATE gateway_messages SET claimed_by = NULL, claimed_until = NULL"
                " WHERE claimed_by = ?",
                (self.holder,),
            )

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Log the attempts and move the messages this worker still holds to their new states,
        their leases ended, in one transaction. An attempt on a message whose lease ended and
        was taken over is logged, and its state left to the new holder."""
        await record_attempts(self._db, outcomes, self.holder)

    async def postpone(self, message: StoredMessage, until: datetime) -> None:
        """Hold a message back until a later moment (a delay switched on for its receiver),
        its lease ended."""
        async with self._db.write() as connection:
            await connection.execute(
                "UPDATE gateway_messages SET next_attempt_at = ?, claimed_by = NULL,"
                " claimed_until = NULL WHERE id = ? AND claimed_by = ?",
                (until.isoformat(), message.id, self.holder),
            )


async def record_attempts(
    database: Database, outcomes: Sequence[Outcome], holder: str | None = None
) -> None:
    """Log attempts and move their messages to their new states, in one transaction; with a
    `holder`, only the messages it still holds change state."""
    states = [
        (
            state,
            next_at.isoformat() if next_at else None,
            delivered.isoformat() if delivered else None,
            m.id,
        )
        for m, _, state, next_at, delivered in outcomes
    ]

    def record(connection: WorkConnection) -> None:
        connection.executemany(
            INSERT_ATTEMPT, [attempt_row(connection, m.id, a) for m, a, _, _, _ in outcomes]
        )
        if holder is None:
            connection.executemany(_RECORD, states)
        else:
            connection.executemany(
                f"{_RECORD} AND claimed_by = ?", [(*row, holder) for row in states]
            )

    await database.transact(record)
    metrics.delivery_recorded([state for _, _, state, _, _ in outcomes])
