"""The simulator's network over HTTP (`egovsim.simulator.Network`): the verifier's and the
signer's fetches, the gateway's pushes to registered systems and its status notifications,
all on one connection pool."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from egovsim.gateway.delivery import DeliveryPolicy, Notifier, Receiver
from egovsim.pki.keystore import Keystore
from egovsim.signatures.fetching_http import HttpFetcher
from egovsim.storage.gateway import GatewayStore
from egovsim.web.gateway.push import external_receiver, status_notifier


class HttpNetwork(HttpFetcher):
    """`HttpFetcher` that also pushes the gateway's messages over its connection pool."""

    def external_receiver(
        self, keystore: Keystore | None, policy: DeliveryPolicy, allows: Callable[[str], bool]
    ) -> Receiver:
        """Delivers to a registered system's URL (`sendMessage`)."""
        return external_receiver(self.session, keystore, policy, allows)

    def status_notifier(
        self,
        store: GatewayStore,
        keystore: Keystore | None,
        policy: DeliveryPolicy,
        allows: Callable[[str], bool],
    ) -> Notifier:
        """Tells an external sender its message's final state."""
        return status_notifier(self.session, store, keystore, policy, allows)


#: The app's network, closed after its simulator stops.
NETWORK = web.AppKey("network", HttpNetwork)
