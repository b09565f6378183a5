"""The gateway's group commit: the messages accepted together are stored in one transaction,
each sender told "accepted" once the transaction that holds its message has committed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
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
_Waiting = tuple[dict[str, Any], asyncio.Future[tuple[StoredMessage, bool]]]


class GroupCommit:
    """Stores accepted messages, those arriving together in one transaction."""

    def __init__(self, database: Database, machine_time: Callable[[], float]) -> None:
        self._db = database
        self._machine_time = machine_time
        self._pending: list[_Waiting] = []
        self._flusher: asyncio.Task[None] | None = None

    async def accept(self, fields: dict[str, Any]) -> tuple[StoredMessage, bool]:
        """Store a message, or find the one with its messageId; (message, newly stored), once
        committed."""
        # Deflated and digested beside the event loop, before the batch's transaction: write
        # transactions are one at a time, and zlib and hashlib let go of the GIL meanwhile.
        fields = {**fields, "packed": await asyncio.to_thread(packed_message, fields)}
        future: asyncio.Future[tuple[StoredMessage, bool]] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending.append((fields, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
            try:
                results = await self._commit(batch)
            except Exception as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _commit(self, batch: list[_Waiting]) -> list[tuple[StoredMessage, bool]]:
        ids = [fields["message_id"] for fields, _ in batch]
        marks = ", ".join("?" for _ in ids)

        def store(connection: WorkConnection) -> list[StoredMessage]:
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
            for fields, _ in batch:
                if fields["message_id"] not in there:
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
                remember_accepted(connection, [f for f, _ in batch], found, pruned_at)
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
            return stored

        replays = any(fields.get("replay") for fields, _ in batch)
        pruned_at = self._machine_time()
        stored = {found.message_id: found for found in await self._db.transact(store)}
        return [
            (
                stored[f["message_id"]],
                stored[f["message_id"]].answer["sessionId"] == f["answer"]["sessionId"],
            )
            for f, _ in batch
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
