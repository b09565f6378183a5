"""egovsim's gateway for one conformance run: the whole simulator in-process on 127.0.0.1, on a
fresh data directory and the run's copy of the test PKI, its delivery worker on; the provider's
system registered as the receiver of the service and as a sender; and every SOAP request that
reaches the gateway over HTTP kept with the gateway's answer, as the report's evidence."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from lxml import etree

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.conformance.exchanges import Exchange
from egovsim.gateway.seed import PORTAL_SENDER
from egovsim.gateway.sending import GatewaySender
from egovsim.gateway.service import MAX_ENVELOPE, Answer
from egovsim.pki.authority import TestPki
from egovsim.pki.keystore import Keystore
from egovsim.signatures.verifier import Verifier
from egovsim.signatures.xmlsafe import XmlRefused, parse_xml
from egovsim.simulator import Simulator
from egovsim.simulator.served import Serve
from egovsim.storage.gateway import Attempt, StoredMessage


class GatewayNotReady(Exception):
    """The gateway could not start or take the provider's registration."""


@dataclass(frozen=True, slots=True)
class Arrival:
    """A SOAP request that reached the gateway, what it said of itself, and the answer."""

    exchange: Exchange
    operation: str
    message_type: str | None
    message_id: str | None
    correlation_id: str | None
    sender_id: str | None


def _arrival(url: str, channel: str, body: bytes, status: int, answer: bytes) -> Arrival:
    fields: dict[str, str | None] = dict.fromkeys(
        ("messageType", "messageId", "correlationId", "senderId")
    )
    operation = "?"
    try:
        root = parse_xml(body, max_bytes=MAX_ENVELOPE)
    except XmlRefused:
        root = None
    if root is not None:
        body_element = next(
            (e for e in root if isinstance(e.tag, str) and etree.QName(e).localname == "Body"),
            None,
        )
        if body_element is not None and len(body_element):
            operation = etree.QName(body_element[0]).localname
        for element in root.iter():
            if isinstance(element.tag, str) and etree.QName(element).localname in fields:
                fields[etree.QName(element).localname] = (element.text or "").strip() or None
    what = " ".join(p for p in (operation, fields["messageType"], fields["messageId"]) if p)
    label = f"the provider's {what} to the gateway's {channel} channel"
    return Arrival(
        Exchange(label, url, body, status, answer),
        operation,
        fields["messageType"],
        fields["messageId"],
        fields["correlationId"],
        fields["senderId"],
    )


def _recorder(arrivals: list[Arrival]) -> Callable[[str, str, bytes, Answer], None]:
    """An observer of the gateway's SOAP endpoints keeping each request with its answer."""

    def record(url: str, channel: str, body: bytes, answer: Answer) -> None:
        arrivals.append(_arrival(url, channel, body, answer.status, answer.body))

    return record


class _NotTheAddressWarning(logging.Filter):
    """Drops the start's warning that the PKI's certificates name another address: here that
    is expected (the run's port is its own), and the advice to reissue the PKI is not."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("the test PKI's certificates point at")


class ConformanceGateway:
    """The in-process gateway of one run, served by `serve` (the web front end's); `start()` it,
    `close()` it."""

    def __init__(
        self,
        serve: Serve,
        certs_dir: Path,
        data_dir: Path,
        port: int,
        clock: Clock,
        persona_password: str,
        receiver_hosts: tuple[str, ...] = (),
    ) -> None:
        self._serve = serve
        self._receiver_hosts = receiver_hosts
        self._certs_dir = certs_dir
        self._data_dir = data_dir
        self._port = port
        self._clock = clock
        self._password = persona_password
        self.arrivals: list[Arrival] = []
        self.url = ""
        self._running = contextlib.AsyncExitStack()
        self._simulator: Simulator | None = None
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> str:
        """Listen on 127.0.0.1 at the port (0: any free one); the gateway's base URL."""
        listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listening.bind(("127.0.0.1", self._port))
        except OSError as error:
            listening.close()
            raise GatewayNotReady(
                f"cannot listen on 127.0.0.1:{self._port}: {error.strerror or error}"
            ) from None
        self._running.callback(listening.close)
        listening.listen(128)
        self.url = f"http://127.0.0.1:{listening.getsockname()[1]}"
        self._data_dir.mkdir(parents=True, exist_ok=True)
        settings = Settings(
            data_dir=self._data_dir,
            certs_dir=self._certs_dir,
            port=listening.getsockname()[1],
            # The WSDLs name this address, so a client generated from them reaches this gateway.
            public_url=self.url,
            clock_frozen_at=self._clock.frozen_at,
            gateway_worker=True,
            gateway_first_backoff=0.2,
            gateway_max_attempts=3,
            persona_password=self._password,
            # The system under test may be on another machine: its host is the one it named.
            receiver_hosts=self._receiver_hosts,
        )
        quiet = _NotTheAddressWarning()
        logging.getLogger("egovsim").addFilter(quiet)
        try:
            served = await self._running.enter_async_context(
                self._serve(settings, self._clock, listening)
            )
        finally:
            logging.getLogger("egovsim").removeFilter(quiet)
        self._simulator = served.simulator
        served.simulator.soap_observers.append(_recorder(self.arrivals))
        self._http = aiohttp.ClientSession(base_url=self.url)
        return self.url

    async def close(self) -> None:
        """Stop the gateway (its worker finishes the message at hand)."""
        if self._http is not None:
            await self._http.close()
        await self._running.aclose()

    @property
    def simulator(self) -> Simulator:
        """The running simulator."""
        assert self._simulator is not None, "start() the gateway first"
        return self._simulator

    @property
    def verifier(self) -> Verifier:
        """egovsim's one verifier, as the portal uses it."""
        return self.simulator.verifier

    def now(self) -> datetime:
        """The gateway's clock."""
        return self.simulator.clock.now()

    async def _api(self, method: str, path: str, body: dict[str, Any]) -> None:
        assert self._http is not None
        async with self._http.request(method, path, json=body) as reply:
            if reply.status >= 300:
                raise GatewayNotReady(f"{method} {path}: HTTP {reply.status} {await reply.text()}")

    async def register(
        self, service_id: str, provider_url: str, sender_id: str, password: str
    ) -> None:
        """Through the operator's API: the system as a sender (signatures optional, so what it
        sends unsigned is logged and judged rather than refused at the door), as the receiver
        of the service, and the receiver's `drop` switch on: the suite pushes each REQUEST
        itself, as the gateway pushes it, so that it can also push it spoiled or twice."""
        await self._api(
            "POST",
            "/api/v1/gateway/senders",
            {
                "sender_id": sender_id,
                "password": password,
                "signature": "optional",
                "name": "the provider system under test",
            },
        )
        await self._api(
            "POST",
            "/api/v1/gateway/routes",
            {"service_id": service_id, "url": provider_url, "sender_id": sender_id},
        )
        await self._api(
            "PUT", f"/api/v1/gateway/routes/{service_id}/fault", {"kind": "drop", "seconds": 0}
        )

    async def request(
        self, service_id: str, message_id: str, data: str, signer: Keystore
    ) -> StoredMessage:
        """A REQUEST accepted from the portal, as the portal sends one, signed by `signer` as
        the portal's sender requires: its answers go back to the portal, which checks a
        RESPONSE's signature before it lands."""
        sender = GatewaySender(
            self.simulator.gateway.handle, PORTAL_SENDER, self._password, self.now, signer
        )
        accepted, detail = await sender.send(service_id, "REQUEST", message_id, None, data)
        stored = await self.simulator.gateway_store.message(message_id)
        if not accepted or stored is None:
            raise GatewayNotReady(f"the gateway did not accept the REQUEST: {detail}")
        return stored

    async def answers_to(self, request_id: str) -> list[StoredMessage]:
        """What the gateway accepted with the request's messageId as correlationId, oldest
        first."""
        found = await self.simulator.gateway_store.search(correlation_id=request_id, limit=1000)
        return sorted((m for m in found if m.message_id != request_id), key=lambda m: m.id)

    async def attempts(self, message: StoredMessage) -> list[Attempt]:
        """The gateway's delivery attempts of a message."""
        return await self.simulator.gateway_store.attempts(message)

    def arrivals_about(self, request_id: str) -> list[Arrival]:
        """The SOAP requests that reached the gateway naming the request as correlationId."""
        return [a for a in self.arrivals if a.correlation_id == request_id]


async def wait_until(
    condition: Callable[[], Awaitable[bool]], seconds: float, every: float = 0.05
) -> bool:
    """Poll `condition` until it holds or `seconds` pass; whether it held."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        if await condition():
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(every)


def pki_port(certs_dir: Path) -> int:
    """The port of the address the test PKI's certificates name for their CRLs and OCSP (the
    simulator's that made it: its `--port`, or its public URL's)."""
    return url_port(TestPki.open(certs_dir).base_url)


def url_port(url: str) -> int:
    """The port of an http(s) address, its scheme's default when it names none."""
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)
