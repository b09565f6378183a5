"""The gateway as a bus: the parties register what they take, answer and want to be told.

The gateway knows its stops only by these registrations, never by importing them: a receiver
per kind of route (and "portal" for what is routed to the portal), the party that answers the
SyncChannel, the senders and routes a fresh gateway is seeded with, who is told of a message's
final state, and what each party owes the gateway after a stop (its catch-up).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from lxml import etree

from egovsim.gateway.delivery import Delivered, Notifier, Receiver, Refused
from egovsim.storage.gateway import GatewayStore, Route, StoredMessage

log = logging.getLogger("egovsim.gateway")

#: A SyncChannel answer: (status code, status message, the data element or None).
SyncVerdict = tuple[str, str, etree._Element | None]
#: Answers one message of the SyncChannel at once.
SyncAnswerer = Callable[[StoredMessage], Awaitable[SyncVerdict]]
#: Whether a message delivered to a kind of route is in fact addressed to another party.
Takes = Callable[[StoredMessage], Awaitable[bool]]
#: The BIN the signer of a result coming from a route must carry (None: any).
SignerBin = Callable[[Route], str | None]
#: What a party owes the gateway after a stop, sent again; how many messages it sent.
CatchUp = Callable[[], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class SeededRoute:
    """A route a fresh gateway has: the service, the kind of receiver, the provider."""

    service_id: str
    receiver: str
    provider_id: str | None


@dataclass(frozen=True, slots=True)
class _Interception:
    takes: Takes
    receiver: Receiver


class Parties:
    """The registry the delivery worker and the gateway read; the parties fill it at start."""

    def __init__(self, store: GatewayStore) -> None:
        self.store = store
        #: The receiver of each kind ("workstation", "external", "portal"), as delivery reads it.
        self.receivers: dict[str, Receiver] = {}
        self._own: dict[str, Receiver] = {}
        self._interceptions: dict[str, list[_Interception]] = {}
        self._sync: dict[str, SyncAnswerer] = {}
        self._signer_bins: dict[str, SignerBin] = {}
        self._settled: list[Notifier] = []
        self._catch_ups: list[tuple[str, CatchUp]] = []
        #: The senders a fresh gateway has: (senderId, name), in the order they joined.
        self.senders: list[tuple[str, str]] = []
        #: The routes a fresh gateway has.
        self.routes: list[SeededRoute] = []

    def register(
        self, kind: str, receiver: Receiver, *, signer_bin: SignerBin | None = None
    ) -> None:
        """`receiver` takes what is delivered to routes of `kind`; `signer_bin` says whose
        signature the results it sends must carry."""
        self._own[kind] = receiver
        if signer_bin is not None:
            self._signer_bins[kind] = signer_bin
        self._compose(kind)

    def intercept(self, kind: str, takes: Takes, receiver: Receiver) -> None:
        """`receiver` takes, of what is delivered to routes of `kind`, the messages `takes`
        says are addressed to it (the State Corporation's answers on a provider's route)."""
        self._interceptions.setdefault(kind, []).append(_Interception(takes, receiver))
        self._compose(kind)

    def answer_sync(self, addressed: str, answerer: SyncAnswerer) -> None:
        """`answerer` answers SyncChannel messages for a service's route (`addressed` is
        "route") or routed to the portal ("portal")."""
        self._sync[addressed] = answerer

    def sync(self, addressed: str) -> SyncAnswerer | None:
        """Who answers a SyncChannel message addressed to `addressed`, if anyone."""
        return self._sync.get(addressed)

    def sends_as(self, sender_id: str, name: str) -> None:
        """A party sends as `sender_id`: a fresh gateway knows that sender."""
        if all(known != sender_id for known, _ in self.senders):
            self.senders.append((sender_id, name))

    def routes_to(self, kind: str, services: Iterable[tuple[str, str | None]]) -> None:
        """A fresh gateway routes each of `services` (serviceId, providerId) to `kind`; the
        first to name a service keeps it."""
        for service_id, provider_id in services:
            if all(r.service_id != service_id for r in self.routes):
                self.routes.append(SeededRoute(service_id, kind, provider_id))

    def signer_bin(self, route: Route) -> str | None:
        """The BIN the signer of a result from `route`'s receiver must carry (None: any)."""
        found = self._signer_bins.get(route.receiver)
        return found(route) if found is not None else None

    def on_settled(self, notifier: Notifier) -> None:
        """`notifier` is told of each message's final state, after those registered before."""
        self._settled.append(notifier)

    def on_catch_up(self, name: str, catch_up: CatchUp) -> None:
        """`catch_up` sends again what its party owes the gateway after a stop."""
        self._catch_ups.append((name, catch_up))

    async def settled(self, message: StoredMessage, state: str, detail: str) -> None:
        """Tell every party that asked of a message's final state (one failing does not keep
        the others from being told; the state is recorded already)."""
        for notify in self._settled:
            try:
                await notify(message, state, detail)
            except Exception:
                log.warning("status notification of %s failed", message.message_id, exc_info=True)

    async def catch_up(self) -> int:
        """Each party's catch-up in the order they joined; how many messages were sent. A
        party that fails is logged and the next goes on: its next change sends again."""
        sent = 0
        for name, catch_up in self._catch_ups:
            try:
                sent += await catch_up()
            except Exception:
                log.exception("catching up %s with the gateway failed", name)
        return sent

    def _compose(self, kind: str) -> None:
        own = self._own.get(kind)
        interceptions = tuple(self._interceptions.get(kind, ()))
        if not interceptions:
            if own is not None:
                self.receivers[kind] = own
            return

        async def deliver(message: StoredMessage, route: Route) -> Delivered:
            for interception in interceptions:
                if await interception.takes(message):
                    return await interception.receiver(message, route)
            if own is None:
                raise Refused(f"no receiver of kind {kind}")
            return await own(message, route)

        self.receivers[kind] = deliver


def synchronously(store: GatewayStore, receiver: Receiver) -> SyncAnswerer:
    """A receiver answering the SyncChannel: delivered at once, its verdict the answer."""

    async def answer(message: StoredMessage) -> SyncVerdict:
        route = await store.route(message.service_id)
        if route is None:
            return "REFUSED", f"no route for {message.service_id} any more", None
        try:
            delivered = await receiver(message, route)
        except Refused as refused:
            return "REFUSED", str(refused), None
        data = etree.Element("data")
        data.text = delivered.detail
        return "OK", delivered.detail, data

    return answer
