"""The gateway's starting state: the senders and routes the parties registered (`Parties`),
each sender's messages WS-Security signed (idempotent: what an operator changed is kept); and
the addresses of egovsim's own systems on the bus."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from egovsim.gateway.parties import Parties
from egovsim.passwords import demo_password_hash
from egovsim.storage.gateway import GatewayStore, Route, Sender

PORTAL_SENDER = "egov-portal"
#: The regional gateway's workstation (АРМ РШЭП) answering the portal's requests.
WORKSTATION_SENDER = "arm-rshep"
#: The routeId (AsyncMessageInfo/routeId) of a REQUEST that goes to the portal rather than to
#: its serviceId's receiver: a provider's result for the cabinet of an office application.
PORTAL_ROUTE = "egov-portal"


async def seed_gateway(
    store: GatewayStore,
    parties: Parties,
    password: str,
    now: datetime,
    *,
    signed: bool = True,
    optional: Iterable[str] = (),
) -> None:
    """The parties' senders may send, their messages WS-Security signed (`required`;
    `optional` for those named, and for all when egovsim's own systems cannot sign:
    `signed=False`), and every route the parties registered exists."""
    missing = [
        (sender_id, name)
        for sender_id, name in parties.senders
        if await store.sender(sender_id) is None
    ]
    # They all use the personas' password, hashed once a process: scrypt is slow on purpose.
    hashed = demo_password_hash(password) if missing else ""
    for sender_id, name in missing:
        policy = "required" if signed and sender_id not in set(optional) else "optional"
        await store.save_sender(Sender(sender_id, hashed, policy, name), now)
    for route in parties.routes:
        if await store.route(route.service_id) is None:
            await store.save_route(
                Route(route.service_id, route.receiver, None, route.provider_id, None), now
            )
