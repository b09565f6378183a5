"""The gateway's group commit: the messages accepted together are stored in one transaction,
each sender told "accepted" once the transaction that holds its message has committed.

A sender inside the process may have its own writes committed with its message (`Alongside`):
the portal's P6 and P7 go in the transaction that accepts its REQUEST, so a submission costs one
write transaction, not three.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from egovsim.clock import as_utc
from egovsim.storage.database import Database, WorkConnection
from egovsim.storage.gateway_messages import (
    INSERT_MESSAGE,
    StoredMessage,
    message,
    message_row,
    packed_message,
    select_messages,
)
from egovsim.storage.gateway_replays import remember_accepted

#: Messages stored in one transaction at most.
BATCH = 500


@dataclass(slots=True)
class Alongside:
    """A sender's own writes, committed in the transaction that accepts its message: `before`
    (False withdraws the message, and nothing of either is stored), then `after` once the
    message is stored (or found stored with the same content: accepted again)."""

    before: Callable[[WorkConnection], bool]
    after: Callable[[WorkConnection], object]
    #: Set once `before`'s writes have committed (and `accepted` once `after`'s have).
    committed: bool = False
    accepted: bool = False


class Withdrawn(Exception):
    """The sender's `Alongside.before` withdrew its message: nothing of it was stored."""


_Waiting = tuple[dict[str, Any], Alongside | None, asyncio.Future[tuple[StoredMessage, bool]]]


class GroupCommit:
    """Stores accepted messages, those arriving together in one transaction."""

    def __init__(self, database: Database, machine_time: Callable[[], float]) -> None:
        self._db = database
        self._machine_time = machine_time
        self._pending: list[_Waiting] = []
        self._flusher: asyncio.Task[None] | None = None

    async def accept(
        self, fields: dict[str, Any], alongside: Alongside | None = None
    ) -> tuple[StoredMessage, bool]:
        """Store a message, or find the one with its messageId; (message, newly stored), once
        committed, with the sender's own writes `alongside` (`Withdrawn` when they withdrew
        it)."""
        future: asyncio.Future[tuple[StoredMessage, bool]] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending.append((fields, alongside, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
            try:
                # Deflated and digested beside the event loop, before the batch's transaction
                # (write transactions are one at a time), and in one hand-over for the whole
                # batch: handing each message to a thread on its own cost the event loop more
                # than the deflating.
                batch = await asyncio.to_thread(_packed, batch)
                results = await self._commit(batch)
            except Exception as error:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, alongside, future), result in zip(batch, results, strict=True):
                if alongside is not None and not isinstance(result, BaseException):
                    alongside.committed = True
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    async def _commit(
        self, batch: list[_Waiting]
    ) -> list[tuple[StoredMessage, bool] | BaseException]:
        ids = [fields["message_id"] for fields, _, _ in batch]
        marks = ", ".join("?" for _ in ids)
        withdrawn: dict[int, BaseException] = {}
        followed: set[int] = set()

        def store(connection: WorkConnection) -> list[StoredMessage]:
            withdrawn.clear()  # a transaction run again starts over
            followed.clear()
            # The senders' own writes first, each alone: one that withdraws its message (or
            # fails) leaves nothing of its own, and the others go on.
            for index, (_, alongside, _) in enumerate(batch):
                if alongside is not None:
                    refused = _before(connection, alongside)
                    if refused is not None:
                        withdrawn[index] = refused
            # The batch goes in where its messageIds are new; a request's own sessionId on the
            # stored answer says that its row is the one stored. Bodies are stored (deflated)
            # only for messages not already there.
            there = {
                row[0]
                for row in connection.execute(
                    f"SELECT message_id FROM gateway_messages WHERE message_id IN ({marks})", ids
                )
            }
            new: dict[str, dict[str, Any]] = {}
            for index, (fields, _, _) in enumerate(batch):
                if fields["message_id"] not in there and index not in withdrawn:
                    new.setdefault(fields["message_id"], fields)
            rows = [message_row(connection, fields) for fields in new.values()]
            connection.executemany(INSERT_MESSAGE, rows)
            # What was just stored is known: of its rows only the ids are read back, not the
            # bodies stored a moment ago (inflated again, for nothing). A messageId stored
            # before (sent again, or by another instance in between) is read whole.
            found = connection.execute(
                "SELECT id, message_id, content_hash, answer_json FROM gateway_messages"
                f" WHERE message_id IN ({marks})",
                ids,
            ).fetchall()
            if replays:
                remember_accepted(connection, [f for f, _, _ in batch], found, pruned_at)
            stored: list[StoredMessage] = []
            earlier: list[str] = []
            for row in found:
                ours = new.get(row["message_id"])
                session = json.loads(row["answer_json"])["sessionId"]
                if ours is not None and session == ours["answer"]["sessionId"]:
                    stored.append(_just_stored(row["id"], ours))
                else:
                    earlier.append(row["message_id"])
            if earlier:
                wanted = ", ".join("?" for _ in earlier)
                stored.extend(
                    message(row)
                    for row in connection.execute(
                        f"{select_messages()} WHERE m.message_id IN ({wanted})", earlier
                    ).fetchall()
                )
            # Accepted (stored now, or before with the same content): the senders' writes
            # that follow an acceptance go in with it.
            hashes = {m.message_id: m.content_hash for m in stored}
            for index, (fields, alongside, _) in enumerate(batch):
                accepted = hashes.get(fields["message_id"]) == fields["content_hash"]
                if alongside is not None and index not in withdrawn and accepted:
                    alongside.after(connection)
                    followed.add(index)
            return stored

        replays = any(fields.get("replay") for fields, _, _ in batch)
        pruned_at = self._machine_time()
        stored = {found.message_id: found for found in await self._db.transact(store)}
        for index in followed:
            alongside = batch[index][1]
            assert alongside is not None
            alongside.accepted = True
        return [
            withdrawn[index]
            if index in withdrawn
            else (
                stored[f["message_id"]],
                stored[f["message_id"]].answer["sessionId"] == f["answer"]["sessionId"],
            )
            for index, (f, _, _) in enumerate(batch)
        ]


def _before(connection: WorkConnection, alongside: Alongside) -> BaseException | None:
    """Run a sender's `before` in a savepoint of its own; why it withdrew its message (rolled
    back), or None when it goes on."""
    connection.execute("SAVEPOINT alongside")
    try:
        going_on = alongside.before(connection)
    except Exception as error:
        connection.execute("ROLLBACK TO alongside")
        connection.execute("RELEASE alongside")
        return error
    if not going_on:
        connection.execute("ROLLBACK TO alongside")
    connection.execute("RELEASE alongside")
    return None if going_on else Withdrawn()


def _packed(batch: list[_Waiting]) -> list[_Waiting]:
    """The batch with each message's bodies deflated and digested (`packed_message`)."""
    return [
        ({**fields, "packed": packed_message(fields)}, alongside, future)
        for fields, alongside, future in batch
    ]


def _just_stored(row_id: int, fields: dict[str, Any]) -> StoredMessage:
    """The message as `GroupCommit` has just stored it from `fields`, as reading it back would
    give it."""
    return StoredMessage(
        id=row_id,
        message_id=fields["message_id"],
        correlation_id=fields["correlation_id"],
        service_id=fields["service_id"],
        message_type=fields["message_type"],
        channel=fields["channel"],
        sender_id=fields["sender_id"],
        receiver=fields.get("receiver", "route"),
        content_hash=fields["content_hash"],
        envelope=bytes(fields["envelope"]),
        data_xml=bytes(fields["data_xml"]),
        security=fields["security"],
        state="ON_DELIVERY",
        attempts=0,
        next_attempt_at=None,
        accepted_at=as_utc(fields["accepted_at"]),
        delivered_at=None,
        answer=dict(fields["answer"]),
    )
