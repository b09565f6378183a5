"""The gateway's starting state: the portal as a sender, each seeded service routed to its
provider's workstation (idempotent: what an operator changed is kept)."""

from __future__ import annotations

from datetime import datetime

from egovsim.passwords import hash_password
from egovsim.storage.gateway import GatewayStore, Route, Sender
from egovsim.workstation.providers import PROVIDERS

PORTAL_SENDER = "egov-portal"


async def seed_gateway(store: GatewayStore, password: str, now: datetime) -> None:
    """The portal may send (signed), and every service of a seeded provider has a route."""
    if await store.sender(PORTAL_SENDER) is None:
        await store.save_sender(
            Sender(PORTAL_SENDER, hash_password(password), "optional", "egov.kz portal"), now
        )
    for provider in PROVIDERS:
        for service in provider.services:
            if await store.route(service) is None:
                await store.save_route(Route(service, "workstation", None, provider.id, None), now)
