"""The gateway's records: senders, the routing table, messages with their state, attempts."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from egovsim.storage.database import Database, Row
from egovsim.storage.delivery_queue import Outcome, record_attempts
from egovsim.storage.gateway_accepting import Alongside, GroupCommit
from egovsim.storage.gateway_messages import (
    SELECT_ATTEMPTS,
    Attempt,
    StoredMessage,
    attempt,
    message,
    select_messages,
)
from egovsim.storage.gateway_replays import ReplayStore
from egovsim.storage.paging import Page, decode_cursor, encode_cursor
from egovsim.storage.shared_versions import ROUTES, bump
from egovsim.telemetry import metrics
from egovsim.telemetry.context import current_request_id

__all__ = ["Attempt", "GatewayStore", "Route", "Sender", "StoredMessage"]


@dataclass(frozen=True, slots=True)
class Sender:
    """A system allowed to send through the gateway."""

    sender_id: str
    password_hash: str
    signature_policy: str  # "required" | "optional"
    name: str


@dataclass(frozen=True, slots=True)
class Route:
    """Where a serviceId's messages go: the built-in workstation or an external system."""

    service_id: str
    receiver: str  # "workstation" | "external"
    url: str | None
    provider_id: str | None
    sender_id: str | None  # an external system's own sender, for its answers
    fault: dict[str, Any] | None = None  # a fault switched on for this receiver


def _route(row: Row) -> Route:
    fault = json.loads(row["fault_json"]) if row["fault_json"] else None
    return Route(
        row["service_id"], row["receiver"], row["url"], row["provider_id"], row["sender_id"], fault
    )


class GatewayStore:
    """Repository of everything the gateway keeps."""

    def __init__(self, database: Database, machine_time: Callable[[], float] = time.time) -> None:
        self._db = database
        #: The signatures accepted, written with their messages (`accept`).
        self.replays = ReplayStore(database, machine_time)
        self._accepting = GroupCommit(database, self.replays.machine_time)
        # Senders and routes change rarely and are read for every message: kept in memory,
        # refreshed by this store's own writes, and forgotten when another instance on the
        # database changed them (`shared_versions.ROUTES`).
        self._sender_cache: dict[str, Sender | None] = {}
        self._route_cache: dict[str, Route | None] = {}
        # The whole table too: each delivered message asks which route names its sender.
        self._routes: list[Route] | None = None
        self._routes_version = 0

    def forget_cache(self) -> None:
        """Drop the senders and routes kept in memory (refreshed only on this store's own
        writes): after the database was emptied behind its back, they name rows that are gone."""
        self._sender_cache.clear()
        self._route_cache.clear()
        self._routes, self._routes_version = None, self._routes_version + 1

    async def save_sender(self, sender: Sender, now: datetime) -> None:
        """Register or update a sender."""
        async with self._db.write() as connection:
            await connection.execute(
                "INSERT INTO gateway_senders (sender_id, password_hash, signature_policy, name,"
                " created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (sender_id) DO UPDATE SET"
                " password_hash = excluded.password_hash,"
                " signature_policy = excluded.signature_policy, name = excluded.name",
                (
                    sender.sender_id,
                    sender.password_hash,
                    sender.signature_policy,
                    sender.name,
                    now.isoformat(),
                ),
            )
            await bump(connection, ROUTES)
        self._sender_cache[sender.sender_id] = sender

    async def sender(self, sender_id: str) -> Sender | None:
        """A sender by id."""
        if sender_id in self._sender_cache:
            return self._sender_cache[sender_id]
        found = await self._read_sender(sender_id)
        self._sender_cache[sender_id] = found
        return found

    async def _read_sender(self, sender_id: str) -> Sender | None:
        row = await self._db.fetch_one(
            "SELECT * FROM gateway_senders WHERE sender_id = ?", (sender_id,)
        )
        if row is None:
            return None
        return Sender(row["sender_id"], row["password_hash"], row["signature_policy"], row["name"])

    async def senders(self) -> list[Sender]:
        """Every sender."""
        rows = await self._db.fetch_all("SELECT * FROM gateway_senders ORDER BY sender_id")
        return [
            Sender(r["sender_id"], r["password_hash"], r["signature_policy"], r["name"])
            for r in rows
        ]

    async def save_route(self, route: Route, now: datetime) -> None:
        """Set where a serviceId goes."""
        async with self._db.write() as connection:
            await connection.execute(
                "INSERT INTO gateway_routes (service_id, receiver, url, provider_id, sender_id,"
                " fault_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (service_id) DO UPDATE SET"
                " receiver = excluded.receiver, url = excluded.url,"
                " provider_id = excluded.provider_id, sender_id = excluded.sender_id,"
                " fault_json = excluded.fault_json",
                (
                    route.service_id,
                    route.receiver,
                    route.url,
                    route.provider_id,
                    route.sender_id,
                    json.dumps(route.fault) if route.fault else None,
                    now.isoformat(),
                ),
            )
            await bump(connection, ROUTES)
        self._route_cache[route.service_id] = route
        self._routes, self._routes_version = None, self._routes_version + 1

    async def route(self, service_id: str) -> Route | None:
        """The route of a serviceId."""
        if service_id in self._route_cache:
            return self._route_cache[service_id]
        found = await self._read_route(service_id)
        self._route_cache[service_id] = found
        return found

    async def _read_route(self, service_id: str) -> Route | None:
        row = await self._db.fetch_one(
            "SELECT * FROM gateway_routes WHERE service_id = ?", (service_id,)
        )
        if row is None:
            return None
        return _route(row)

    async def routes(self) -> list[Route]:
        """The whole routing table."""
        if self._routes is not None:
            return list(self._routes)
        version = self._routes_version
        rows = await self._db.fetch_all("SELECT * FROM gateway_routes ORDER BY service_id")
        table = [_route(r) for r in rows]
        if version == self._routes_version:  # no write while it was read
            self._routes = table
        return list(table)

    async def accept(
        self, fields: dict[str, Any], alongside: Alongside | None = None
    ) -> tuple[StoredMessage, bool]:
        """Store a message, or find the one with its messageId; (message, newly stored).

        The message is committed before this returns: that is the gateway's promise to a
        sender that hears "accepted". Messages arriving together are committed together
        (`GroupCommit`), so durability does not cost a transaction each; a sender inside the
        process may have its own writes committed with its message (`alongside`).
        """
        if "http_request_id" not in fields:
            fields = {**fields, "http_request_id": current_request_id()}
        stored, new = await self._accepting.accept(fields, alongside)
        if new:
            metrics.MESSAGE_ACCEPTED.inc()
        return stored, new

    async def backlog(self) -> int:
        """How many messages wait for delivery (ON_DELIVERY), due or not."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM gateway_messages WHERE state = 'ON_DELIVERY'"
        )
        return int(row[0]) if row is not None else 0

    async def message(self, message_id: str) -> StoredMessage | None:
        """A message by its messageId."""
        row = await self._db.fetch_one(f"{select_messages()} WHERE m.message_id = ?", (message_id,))
        return message(row) if row else None

    async def settled_among(self, message_ids: Sequence[str]) -> list[str]:
        """Those of `message_ids` whose messages are no longer on delivery, in their order: one
        small query a few hundred, whatever the messages' bodies."""
        settled: set[str] = set()
        for start in range(0, len(message_ids), 500):
            chunk = message_ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = await self._db.fetch_all(
                f"SELECT message_id FROM gateway_messages WHERE message_id IN ({marks})"
                " AND state != 'ON_DELIVERY'",
                chunk,
            )
            settled.update(str(row[0]) for row in rows)
        return [m for m in message_ids if m in settled]

    async def record_attempts(self, outcomes: list[Outcome]) -> None:
        """Log attempts and move their messages to their new states, in one transaction (the
        delivery worker records through its `DeliveryQueue`, which holds the messages)."""
        await record_attempts(self._db, outcomes)

    async def attempts(self, message: StoredMessage) -> list[Attempt]:
        """A message's delivery attempts, oldest first."""
        rows = await self._db.fetch_all(
            f"{SELECT_ATTEMPTS} WHERE a.message = ? ORDER BY a.id", (message.id,)
        )
        return [attempt(row) for row in rows]

    async def search(
        self,
        *,
        message_id: str | None = None,
        correlation_id: str | None = None,
        service_id: str | None = None,
        sender_id: str | None = None,
        request_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 200,
        bodies: bool = True,
        before: int | None = None,
    ) -> list[StoredMessage]:
        """The message log, newest first, filtered (`request_id`: the HTTP request that brought
        the messages in), from just before the row `before` (a page's cursor); without
        `bodies` the envelopes and data are left unread (empty), for a list that shows
        neither."""
        clauses: list[str] = []
        values: list[Any] = []
        for column, value in (
            ("message_id", message_id),
            ("correlation_id", correlation_id),
            ("service_id", service_id),
            ("sender_id", sender_id),
            ("http_request_id", request_id),
        ):
            if value:
                clauses.append(f"m.{column} = ?")
                values.append(value)
        if since is not None:
            clauses.append("m.accepted_at >= ?")
            values.append(since.isoformat())
        if until is not None:
            clauses.append("m.accepted_at <= ?")
            values.append(until.isoformat())
        if before is not None:
            clauses.append("m.id < ?")
            values.append(before)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        # A messageId names one message at most: nothing to sort.
        order = "" if message_id else " ORDER BY m.id DESC"
        rows = await self._db.fetch_all(
            f"{select_messages(bodies)}{where}{order} LIMIT ?", (*values, limit)
        )
        return [message(row) for row in rows]

    async def log(
        self, limit: int, after: str | None = None, **filters: Any
    ) -> Page[StoredMessage]:
        """A page of the message log without bodies, newest first, `search`'s filters, after
        the cursor `after` (a previous page's `next_cursor`; BAD_REQUEST if it is not one)."""
        before = int(decode_cursor(after, int)[0]) if after else None
        found = await self.search(**filters, limit=limit + 1, bodies=False, before=before)
        shown = found[:limit]
        return Page(shown, encode_cursor(shown[-1].id) if len(found) > limit else None)

    async def for_receiver(
        self, service_id: str, correlation_id: str | None, limit: int
    ) -> list[StoredMessage]:
        """Messages of a service (and correlation) for getMessages, oldest first."""
        clauses = ["m.service_id = ?"]
        values: list[Any] = [service_id]
        if correlation_id:
            clauses.append("m.correlation_id = ?")
            values.append(correlation_id)
        rows = await self._db.fetch_all(
            f"{select_messages()} WHERE {' AND '.join(clauses)} ORDER BY m.id LIMIT ?",
            (*values, limit),
        )
        return [message(row) for row in rows]
