"""What the simulator reaches beyond itself: fetches for the verifier and the TSA, pushes to
registered provider systems and their status notifications. The web front end gives an HTTP
network; a simulator driven from Python without one is `Offline`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from egovsim.gateway.delivery import Delivered, DeliveryPolicy, Notifier, Receiver, Unavailable
from egovsim.pki.keystore import Keystore
from egovsim.signatures.fetching import Unreachable
from egovsim.storage.gateway import GatewayStore, Route, StoredMessage


class Network(Protocol):
    """Outgoing traffic of a simulator; closed by whoever made it, after the simulator stops."""

    #: Seconds a single fetch may take.
    timeout: float

    async def get(self, url: str) -> bytes:
        """The body of a GET; `Unreachable` when nothing listens, FetchError otherwise."""

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        """The body of a POST; `Unreachable` when nothing listens, FetchError otherwise."""

    def external_receiver(
        self, keystore: Keystore | None, policy: DeliveryPolicy, allows: Callable[[str], bool]
    ) -> Receiver:
        """Delivers a gateway message to a registered system's URL."""

    def status_notifier(
        self,
        store: GatewayStore,
        keystore: Keystore | None,
        policy: DeliveryPolicy,
        allows: Callable[[str], bool],
    ) -> Notifier:
        """Tells an external sender its message's final state."""


class Offline:
    """No network at all: every address is unreachable (so the simulator's own PKI answers
    in-process), and a message routed to an external system waits as undeliverable."""

    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout

    async def get(self, url: str) -> bytes:
        """Nothing is reachable."""
        raise Unreachable(f"offline: {url}")

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        """Nothing is reachable."""
        raise Unreachable(f"offline: {url}")

    def external_receiver(
        self, keystore: Keystore | None, policy: DeliveryPolicy, allows: Callable[[str], bool]
    ) -> Receiver:
        """A failed attempt for every external delivery (retried, then stopped, as a system
        that never answers)."""

        async def deliver(message: StoredMessage, route: Route) -> Delivered:
            raise Unavailable(f"offline: {route.url or route.service_id} is not reachable")

        return deliver

    def status_notifier(
        self,
        store: GatewayStore,
        keystore: Keystore | None,
        policy: DeliveryPolicy,
        allows: Callable[[str], bool],
    ) -> Notifier:
        """No one to tell."""

        async def notify(message: StoredMessage, state: str, detail: str) -> None:
            return None

        return notify
