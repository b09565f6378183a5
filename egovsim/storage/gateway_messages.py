"""The message log's rows: a stored message and a delivery attempt, read with their bodies
(`message_bodies`, each kept once) and written with references to them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from egovsim.storage import bodies
from egovsim.storage.database import Row, WorkConnection
from egovsim.storage.rows import required_time, time_or_none


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message the gateway accepted."""

    id: int
    message_id: str
    correlation_id: str | None
    service_id: str
    message_type: str
    channel: str
    sender_id: str
    receiver: str  # "route" (the serviceId's route) or "portal" (an answer to the portal)
    content_hash: str
    envelope: bytes
    data_xml: bytes
    security: dict[str, Any]
    state: str
    attempts: int
    next_attempt_at: datetime | None
    accepted_at: datetime
    delivered_at: datetime | None
    answer: dict[str, Any]
    #: The X-Request-Id of the HTTP request that brought the message in (None: none did).
    http_request_id: str | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One delivery attempt."""

    at: datetime
    duration_ms: float
    outcome: str
    detail: str
    request: bytes | None
    response: bytes | None


_LISTED = (
    "m.id, m.message_id, m.correlation_id, m.service_id, m.message_type, m.channel,"
    " m.sender_id, m.receiver, m.content_hash, m.security_json, m.security_body, m.state,"
    " m.attempts, m.next_attempt_at, m.accepted_at, m.delivered_at, m.answer_json,"
    " m.http_request_id,"
    " s.encoding AS security_encoding, s.content AS security_content"
)
_BODIES = (
    ", m.envelope, m.envelope_body, m.data_xml, m.data_encoding,"
    " e.encoding AS envelope_encoding, e.content AS envelope_content"
)
_JOINS = " FROM gateway_messages m LEFT JOIN message_bodies s ON s.id = m.security_body"


def select_messages(with_bodies: bool = True) -> str:
    """`SELECT ... FROM gateway_messages m` with the bodies a message is read with (its
    WS-Security report always; its envelope and data unless a list shows neither)."""
    if not with_bodies:
        return f"SELECT {_LISTED}{_JOINS}"
    return f"SELECT {_LISTED}{_BODIES}{_JOINS} LEFT JOIN message_bodies e ON e.id = m.envelope_body"


#: A message's delivery attempts with their request and response.
SELECT_ATTEMPTS = (
    "SELECT a.at, a.duration_ms, a.outcome, a.detail, a.request, a.response,"
    " q.encoding AS request_encoding, q.content AS request_content,"
    " r.encoding AS response_encoding, r.content AS response_content"
    " FROM gateway_attempts a"
    " LEFT JOIN message_bodies q ON q.id = a.request_body"
    " LEFT JOIN message_bodies r ON r.id = a.response_body"
)


def message(row: Row) -> StoredMessage:
    """A stored message from a row of `select_messages`."""
    if row["security_content"] is not None:
        security = json.loads(bodies.unpacked(row["security_encoding"], row["security_content"]))
    else:
        security = json.loads(row["security_json"])
    if "envelope_content" in row.keys():  # noqa: SIM118 (a Row's `in` looks at its values)
        envelope = bodies.referred(row, "envelope") or b""
        data = bodies.unpacked_data(row["data_encoding"], row["data_xml"], envelope)
    else:
        envelope = data = b""
    return StoredMessage(
        id=row["id"],
        message_id=row["message_id"],
        correlation_id=row["correlation_id"],
        service_id=row["service_id"],
        message_type=row["message_type"],
        channel=row["channel"],
        sender_id=row["sender_id"],
        receiver=row["receiver"],
        content_hash=row["content_hash"],
        envelope=envelope,
        data_xml=data,
        security=security,
        state=row["state"],
        attempts=row["attempts"],
        next_attempt_at=time_or_none(row["next_attempt_at"]),
        accepted_at=required_time(row["accepted_at"]),
        delivered_at=time_or_none(row["delivered_at"]),
        answer=answer_of(row["answer_json"], row["message_id"], row["correlation_id"]),
        http_request_id=row["http_request_id"],
    )


#: The answer's keys that repeat the message's own columns: kept in the columns alone.
_IDS = ("messageId", "correlationId")
#: Marks an answer kept without them (`answer_json`).
_WITH_IDS = "$ids"


def answer_json(answer: Mapping[str, Any], message_id: str, correlation_id: str | None) -> str:
    """The gateway's answer as kept: its messageId and correlationId, when they lead it and are
    the message's own, left to the row's columns (about 80 bytes a message)."""
    if list(answer)[:2] == list(_IDS) and (answer["messageId"], answer["correlationId"]) == (
        message_id,
        correlation_id,
    ):
        rest = {name: value for name, value in answer.items() if name not in _IDS}
        return json.dumps({_WITH_IDS: 1, **rest})
    return json.dumps(answer)


def answer_of(stored: str, message_id: str, correlation_id: str | None) -> dict[str, Any]:
    """The gateway's answer as it was given, from `answer_json`'s text and the row's ids."""
    answer: dict[str, Any] = json.loads(stored)
    if answer.pop(_WITH_IDS, None) is None:
        return answer
    return {"messageId": message_id, "correlationId": correlation_id, **answer}


def attempt(row: Row) -> Attempt:
    """A delivery attempt from a row of `SELECT_ATTEMPTS`."""
    return Attempt(
        required_time(row["at"]),
        row["duration_ms"],
        row["outcome"],
        row["detail"],
        bodies.referred(row, "request"),
        bodies.referred(row, "response"),
    )


@dataclass(frozen=True, slots=True)
class PackedMessage:
    """A message's bodies made ready to store (`packed_message`)."""

    envelope: bodies.Packed
    data: tuple[str, bytes]
    security: bodies.Packed


def packed_message(fields: Mapping[str, Any]) -> PackedMessage:
    """The bodies of a message to accept, deflated and digested: done before its write
    transaction (and beside the event loop), not inside it."""
    envelope: bytes = fields["envelope"]
    return PackedMessage(
        bodies.pack(envelope),
        bodies.packed_data(fields["data_xml"], envelope),
        bodies.pack(json.dumps(fields["security"]).encode()),
    )


def message_row(connection: WorkConnection, fields: Mapping[str, Any]) -> tuple[Any, ...]:
    """The values of `INSERT_MESSAGE` for a message to accept: its envelope and report stored
    once (by reference), its data deflated against the envelope (`fields["packed"]`, when
    `packed_message` made them ready before)."""
    ready: PackedMessage = fields.get("packed") or packed_message(fields)
    data_encoding, data = ready.data
    return (
        fields["message_id"],
        fields["correlation_id"],
        fields["service_id"],
        fields["message_type"],
        fields["channel"],
        fields["sender_id"],
        fields.get("receiver", "route"),
        fields["content_hash"],
        b"",  # the envelope itself is in message_bodies
        bodies.put(connection, ready.envelope),
        data,
        data_encoding,
        bodies.put(connection, ready.security),
        fields["accepted_at"].isoformat(),
        answer_json(fields["answer"], fields["message_id"], fields["correlation_id"]),
        fields.get("http_request_id"),
    )


INSERT_MESSAGE = (
    "INSERT INTO gateway_messages (message_id, correlation_id, service_id,"
    " message_type, channel, sender_id, receiver, content_hash, envelope, envelope_body,"
    " data_xml, data_encoding, security_json, security_body, state, attempts, next_attempt_at,"
    " accepted_at, answer_json, http_request_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, 'ON_DELIVERY', 0, NULL, ?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)


def attempt_row(connection: WorkConnection, message_id: int, attempt: Attempt) -> tuple[Any, ...]:
    """The values of `INSERT_ATTEMPT` for an attempt: its request and response stored once."""
    request = bodies.put(connection, attempt.request) if attempt.request is not None else None
    response = bodies.put(connection, attempt.response) if attempt.response is not None else None
    return (
        message_id,
        attempt.at.isoformat(),
        attempt.duration_ms,
        attempt.outcome,
        attempt.detail,
        request,
        response,
    )


INSERT_ATTEMPT = (
    "INSERT INTO gateway_attempts (message, at, duration_ms, outcome, detail, request_body,"
    " response_body) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
