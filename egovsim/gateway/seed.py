"""The gateway's starting state: the portal, the regional gateway's workstation (which answers
the portal's requests) and the State Corporation as senders whose messages must be WS-Security
signed, each seeded service routed to its provider's workstation (idempotent: what an operator
changed is kept)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from egovsim.passwords import hash_password
from egovsim.statecorp.centres import STATECORP_SENDER
from egovsim.storage.gateway import GatewayStore, Route, Sender
from egovsim.workstation.providers import PROVIDERS

PORTAL_SENDER = "egov-portal"
#: The regional gateway's workstation (АРМ РШЭП) answering the portal's requests.
WORKSTATION_SENDER = "arm-rshep"
#: The routeId (AsyncMessageInfo/routeId) of a REQUEST that goes to the portal rather than to
#: its serviceId's receiver: a provider's result for the cabinet of an office application.
PORTAL_ROUTE = "egov-portal"


async def seed_gateway(
    store: GatewayStore,
    password: str,
    now: datetime,
    *,
    signed: bool = True,
    optional: Iterable[str] = (),
) -> None:
    """The portal, the workstation and the State Corporation may send, their messages
    WS-Security signed (`required`; `optional` for those named, and for all when egovsim's own
    systems cannot sign: `signed=False`), and every service of a seeded provider has a route."""
    missing = [
        (sender_id, name)
        for sender_id, name in (
            (PORTAL_SENDER, "egov.kz portal"),
            (WORKSTATION_SENDER, "the regional gateway's workstation (АРМ РШЭП)"),
            (STATECORP_SENDER, "the State Corporation's Almaty service centres"),
        )
        if await store.sender(sender_id) is None
    ]
    # Both use the personas' password; hashing it once spares a start 50 ms of scrypt.
    hashed = hash_password(password) if missing else ""
    for sender_id, name in missing:
        policy = "required" if signed and sender_id not in set(optional) else "optional"
        await store.save_sender(Sender(sender_id, hashed, policy, name), now)
    for provider in PROVIDERS:
        for service in provider.services:
            if await store.route(service) is None:
                await store.save_route(Route(service, "workstation", None, provider.id, None), now)
