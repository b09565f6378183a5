"""The gateway is a bus: it never imports the parties it carries messages between, and the
parties' registrations decide who takes, answers and hears what."""

from __future__ import annotations

import ast
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import egovsim.gateway
from egovsim.gateway.delivery import Delivered, Receiver, Refused
from egovsim.gateway.parties import CatchUp, Parties, synchronously
from egovsim.gateway.seed import seed_gateway
from egovsim.storage.database import Database
from egovsim.storage.gateway import GatewayStore, Route, StoredMessage

#: What the gateway may not import: the parties, and everything built on them.
ABOVE_THE_GATEWAY = (
    "portal",
    "workstation",
    "statecorp",
    "web",
    "cli",
    "console",
    "scenarios",
    "conformance",
    "testing",
    "ncalayer",
)
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at any depth (a late import counts too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_gateway_imports_none_of_the_parties() -> None:
    package = Path(egovsim.gateway.__file__).parent
    offending = {
        f"{source.name} imports {module}"
        for source in package.rglob("*.py")
        for module in imported_modules(source)
        if module.split(".")[:2] in (["egovsim", name] for name in ABOVE_THE_GATEWAY)
    }
    assert not offending


def test_the_import_reader_sees_a_late_import(tmp_path: Path) -> None:
    source = tmp_path / "late.py"
    source.write_text("def f():\n    from egovsim.portal.exchange import Exchange\n")
    assert "egovsim.portal.exchange" in imported_modules(source)


def message(sender_id: str = "someone", message_type: str = "REQUEST") -> StoredMessage:
    return StoredMessage(
        id=1,
        message_id="m-1",
        correlation_id=None,
        service_id="a-service",
        message_type=message_type,
        channel="async",
        sender_id=sender_id,
        receiver="route",
        state="ON_DELIVERY",
        attempts=0,
        next_attempt_at=None,
        accepted_at=NOW,
        delivered_at=None,
        content_hash="",
        envelope=b"",
        data_xml=b"<data>x</data>",
        security={},
        answer={},
    )


ROUTE = Route("a-service", "workstation", None, "a-provider", None)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[GatewayStore]:
    database = await Database.open(tmp_path / "bus.sqlite3")
    try:
        yield GatewayStore(database)
    finally:
        await database.close()


def receiver(name: str, seen: list[str]) -> Receiver:
    async def deliver(message: StoredMessage, route: Route) -> Delivered:
        seen.append(name)
        return Delivered(f"taken by {name}")

    return deliver


async def test_an_intercepting_party_takes_only_what_is_addressed_to_it(
    store: GatewayStore,
) -> None:
    parties = Parties(store)
    seen: list[str] = []

    async def the_centres(message: StoredMessage) -> bool:
        return message.sender_id == "centre"

    # The interception registered first: the order of joining does not matter.
    parties.intercept("workstation", the_centres, receiver("centre", seen))
    parties.register("workstation", receiver("workstation", seen))
    deliver = parties.receivers["workstation"]
    assert (await deliver(message("centre"), ROUTE)).detail == "taken by centre"
    assert (await deliver(message("portal"), ROUTE)).detail == "taken by workstation"
    assert seen == ["centre", "workstation"]


async def test_an_interception_without_a_receiver_of_the_kind_refuses_the_rest(
    store: GatewayStore,
) -> None:
    parties = Parties(store)

    async def nothing(message: StoredMessage) -> bool:
        return False

    parties.intercept("workstation", nothing, receiver("centre", []))
    with pytest.raises(Refused, match="no receiver of kind workstation"):
        await parties.receivers["workstation"](message(), ROUTE)


async def test_every_party_hears_a_final_state_even_after_one_fails(
    store: GatewayStore, caplog: pytest.LogCaptureFixture
) -> None:
    parties = Parties(store)
    heard: list[tuple[str, str]] = []

    async def failing(message: StoredMessage, state: str, detail: str) -> None:
        raise RuntimeError("the portal is away")

    async def listening(message: StoredMessage, state: str, detail: str) -> None:
        heard.append((state, detail))

    parties.on_settled(failing)
    parties.on_settled(listening)
    with caplog.at_level(logging.WARNING, "egovsim.gateway"):
        await parties.settled(message(), "DELIVERED", "registered")
    assert heard == [("DELIVERED", "registered")]
    assert "status notification of m-1 failed" in caplog.text


async def test_the_catch_up_runs_every_party_in_order_and_counts_what_they_sent(
    store: GatewayStore, caplog: pytest.LogCaptureFixture
) -> None:
    parties = Parties(store)
    ran: list[str] = []

    def party(name: str, sent: int) -> CatchUp:
        async def catch_up() -> int:
            ran.append(name)
            if sent < 0:
                raise RuntimeError("the database is locked")
            return sent

        return catch_up

    parties.on_catch_up("the workstation", party("the workstation", 2))
    parties.on_catch_up("a broken one", party("a broken one", -1))
    parties.on_catch_up("the portal", party("the portal", 3))
    with caplog.at_level(logging.ERROR, "egovsim.gateway"):
        assert await parties.catch_up() == 5
    assert ran == ["the workstation", "a broken one", "the portal"]
    assert "catching up a broken one with the gateway failed" in caplog.text


async def test_the_signer_of_a_result_is_whom_the_route_s_party_names(store: GatewayStore) -> None:
    parties = Parties(store)
    parties.register(
        "workstation",
        receiver("workstation", []),
        signer_bin=lambda route: f"bin of {route.provider_id}",
    )
    assert parties.signer_bin(ROUTE) == "bin of a-provider"
    assert parties.signer_bin(Route("b", "external", "http://x", None, "b")) is None


async def test_a_fresh_gateway_has_the_senders_and_routes_the_parties_registered(
    store: GatewayStore,
) -> None:
    parties = Parties(store)
    parties.sends_as("egov-portal", "the portal")
    parties.sends_as("egov-portal", "the portal again")  # a second join changes nothing
    parties.sends_as("arm-rshep", "the workstation")
    parties.routes_to("workstation", [("svc-1", "first"), ("svc-2", "first")])
    parties.routes_to("workstation", [("svc-1", "second")])  # the first to name it keeps it
    await seed_gateway(store, parties, "password", NOW, optional=["arm-rshep"])
    senders = {s.sender_id: s for s in await store.senders()}
    assert sorted(senders) == ["arm-rshep", "egov-portal"]
    assert senders["egov-portal"].name == "the portal"
    assert senders["egov-portal"].signature_policy == "required"
    assert senders["arm-rshep"].signature_policy == "optional"
    routes = {r.service_id: r for r in await store.routes()}
    assert {s: (r.receiver, r.provider_id) for s, r in routes.items()} == {
        "svc-1": ("workstation", "first"),
        "svc-2": ("workstation", "first"),
    }


async def test_a_receiver_answers_the_sync_channel_with_its_verdict(
    store: GatewayStore,
) -> None:
    await store.save_route(ROUTE, NOW)

    async def refusing(message: StoredMessage, route: Route) -> Delivered:
        raise Refused("not a REQUEST")

    taken = synchronously(store, receiver("workstation", []))
    code, words, data = await taken(message())
    assert (code, words) == ("OK", "taken by workstation")
    assert data is not None and data.text == "taken by workstation"
    assert await synchronously(store, refusing)(message()) == (
        "REFUSED",
        "not a REQUEST",
        None,
    )
