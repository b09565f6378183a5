"""WS-Security that means what was signed: a comment or processing instruction inside a signed
field, a Timestamp missing, stale or from the future, and a replayed signature are refused; the
gateway delivers only to the receivers' allow-list."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from lxml import etree

from egovsim.clock import utcnow
from egovsim.config import Settings
from egovsim.gateway.wsfresh import Freshness, ReplayGuard, Stale, check_window, window_left
from egovsim.gateway.wssecurity import sign_envelope
from tests.test_gateway import first, post, send_message
from tests.test_workstation import day_in_certificate_window

NOW = day_in_certificate_window(9, 1)  # the `shep` fixture's clock


async def _signing_sender(shep) -> None:
    reply = await shep.post(
        "/api/v1/gateway/senders",
        json={"sender_id": "provider-is", "password": "s3cret", "signature": "required"},
    )
    assert reply.status == 201


def _signed(persona, body: bytes, created=NOW) -> bytes:
    head = persona("shymkent-energy-head").sign
    return sign_envelope(body, head.key, head.certificate, created=created)


def _message(message_id: str, correlation: str | None = None, message_type: str = "REQUEST"):
    return send_message(
        message_id=message_id,
        sender="provider-is",
        password="s3cret",
        correlation=correlation,
        message_type=message_type,
    )


#: Where the attack of the issue goes: a comment or a processing instruction after the first
#: character of a signed field.
INSERTIONS = (
    ("messageId", "<!---->"),
    ("serviceId", "<!-- a comment -->"),
    ("correlationId", "<!---->"),
    ("messageId", "<?egovsim x?>"),
)


async def test_a_comment_or_instruction_inside_a_signed_field_is_refused(shep, persona) -> None:
    await _signing_sender(shep)
    for field, inserted in INSERTIONS:
        message_id = f"X-{uuid.uuid4()}"
        signed = _signed(persona, _message(message_id, correlation=f"C-{uuid.uuid4()}"))
        # Canonicalization leaves the comment out, so the signature still verifies, while a
        # reader of `.text` would stop at it.
        opening = f"<{field}>".encode()
        start = signed.index(opening) + len(opening)
        attacked = signed[: start + 1] + inserted.encode() + signed[start + 1 :]
        status, fault = await post(shep, "/shep/async", attacked)
        assert (status, first(fault, "errorCode")) == (500, "WSS_SIGNED_CONTENT_AMBIGUOUS"), field
    assert (await shep.get("/api/v1/gateway/messages/X")).status == 404


async def test_the_same_envelope_without_the_comment_is_accepted(shep, persona) -> None:
    await _signing_sender(shep)
    status, answer = await post(shep, "/shep/async", _signed(persona, _message(str(uuid.uuid4()))))
    assert status == 200, etree.tostring(answer)


async def test_a_comment_in_an_unsigned_field_is_refused_rather_than_read_in_part(shep) -> None:
    unsigned = send_message(message_id="X<!---->-good")
    status, fault = await post(shep, "/shep/async", unsigned)
    assert (status, first(fault, "errorCode")) == (500, "ENVELOPE_MALFORMED")
    assert "text only" in first(fault, "errorMessage") + etree.tostring(fault).decode()


async def test_a_stale_or_future_timestamp_is_refused(shep, persona) -> None:
    await _signing_sender(shep)
    # Three days old and 700 days ahead (the issue's), a minute past the maximum age: on the
    # simulator's clock and on the machine's, whichever day the suite runs.
    earliest, latest = min(NOW, utcnow()), max(NOW, utcnow())
    for created in (
        earliest - timedelta(days=3),
        latest + timedelta(days=700),
        earliest - timedelta(minutes=16),
    ):
        message_id = str(uuid.uuid4())
        signed = _signed(persona, _message(message_id), created)
        status, fault = await post(shep, "/shep/async", signed)
        assert (status, first(fault, "errorCode")) == (500, "WSS_TIMESTAMP_STALE"), created
        assert (await shep.get(f"/api/v1/gateway/messages/{message_id}")).status == 404


async def test_a_timestamp_a_little_ahead_within_the_skew_is_accepted(shep, persona) -> None:
    await _signing_sender(shep)
    created = NOW + timedelta(minutes=2)
    status, _ = await post(
        shep, "/shep/async", _signed(persona, _message(str(uuid.uuid4())), created)
    )
    assert status == 200


async def test_a_replayed_signature_is_refused_within_its_window(shep, persona) -> None:
    await _signing_sender(shep)
    signed = _signed(persona, _message(str(uuid.uuid4())))
    assert (await post(shep, "/shep/async", signed))[0] == 200
    status, fault = await post(shep, "/shep/async", signed)
    assert (status, first(fault, "errorCode")) == (500, "WSS_REPLAYED")


def test_the_window_ends_at_expires_or_the_maximum_age_whichever_is_first() -> None:
    rules = Freshness(future_skew=timedelta(minutes=5), max_age=timedelta(minutes=15))
    assert check_window(NOW, NOW + timedelta(minutes=5), NOW, rules) == NOW + timedelta(minutes=5)
    assert check_window(NOW, None, NOW, rules) == NOW + timedelta(minutes=15)
    assert check_window(NOW, NOW + timedelta(days=9), NOW, rules) == NOW + timedelta(minutes=15)
    with pytest.raises(Stale) as expired:
        check_window(NOW, NOW + timedelta(minutes=5), NOW + timedelta(minutes=5), rules)
    assert expired.value.code == "WSS_TIMESTAMP_STALE"
    with pytest.raises(Stale) as missing:
        check_window(None, None, NOW, rules)
    assert missing.value.code == "WSS_TIMESTAMP_MISSING"
    with pytest.raises(Stale):
        check_window(NOW, NOW - timedelta(seconds=1), NOW, rules)


def test_a_timestamp_fresh_on_the_machines_clock_passes_when_the_simulators_was_moved() -> None:
    rules = Freshness()
    moved = NOW + timedelta(days=30)  # the trainer moved the simulator a month ahead
    assert window_left(NOW, None, moved, NOW, rules) == timedelta(minutes=15)
    with pytest.raises(Stale) as neither:
        window_left(NOW - timedelta(days=3), None, moved, NOW, rules)
    assert neither.value.code == "WSS_TIMESTAMP_STALE"
    assert "machine's clock" in neither.value.detail


async def test_a_replay_is_refused_until_its_window_ends_in_real_time() -> None:
    seconds = [1000.0]
    guard = ReplayGuard(machine_time=lambda: seconds[0])
    guard.remember(b"signature", guard.window_end(timedelta(minutes=5)))
    with pytest.raises(Stale):
        await guard.refuse_seen(b"signature")
    seconds[0] += 301
    await guard.refuse_seen(b"signature")  # the window is over: its Timestamp is stale anyway


async def test_a_full_guard_asks_the_database_for_what_it_let_go(monkeypatch) -> None:
    from egovsim.gateway import wsfresh

    monkeypatch.setattr(wsfresh, "MAX_REMEMBERED", 4)
    asked: list[bytes] = []

    async def kept(key: bytes) -> bool:
        asked.append(key)
        return key == b"first"

    guard = ReplayGuard(machine_time=lambda: 0.0, lookup=kept)
    await guard.refuse_seen(b"unknown")
    assert asked == []  # nothing let go yet: the memory is the whole answer
    for key in (b"first", b"second", b"third", b"fourth", b"fifth"):
        guard.remember(key, 60.0)
    with pytest.raises(Stale):
        await guard.refuse_seen(b"first")
    await guard.refuse_seen(b"never")
    assert asked == [b"first", b"never"]


async def test_a_replay_is_refused_after_a_restart(gateway_settings, persona) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from egovsim.clock import Clock
    from egovsim.web.app import create_app

    signed = _signed(persona, _message(str(uuid.uuid4())))
    for run in ("before", "after"):
        app = create_app(gateway_settings, Clock(frozen_at=NOW))
        async with TestClient(TestServer(app, host="127.0.0.1")) as shep:
            if run == "before":
                await _signing_sender(shep)
                assert (await post(shep, "/shep/async", signed))[0] == 200
            else:
                status, fault = await post(shep, "/shep/async", signed)
                assert (status, first(fault, "errorCode")) == (500, "WSS_REPLAYED")


async def test_the_database_lets_go_of_signatures_whose_window_ended(settings) -> None:
    from egovsim.storage.database import Database
    from egovsim.storage.gateway_replays import ReplayStore

    seconds = [5000.0]
    database = await Database.open(settings.data_dir / "replays.sqlite3")
    try:
        store = ReplayStore(database, lambda: seconds[0])
        async with database.write() as connection:
            await connection.executemany(
                "INSERT INTO gateway_replays (signature_hash, fresh_until) VALUES (?, ?)",
                [(b"ends-soon", 5060.0), (b"ends-later", 5900.0)],
            )
        assert await store.seen(b"ends-soon")
        seconds[0] = 5100.0
        assert not await store.seen(b"ends-soon")
        assert await store.unexpired() == {b"ends-later": 5900.0}
        rows = await database.fetch_all("SELECT signature_hash FROM gateway_replays")
        assert [bytes(row[0]) for row in rows] == [b"ends-later"]
    finally:
        await database.close()


async def test_a_route_to_a_host_off_the_allow_list_is_refused(shep) -> None:
    reply = await shep.post(
        "/api/v1/gateway/routes",
        json={"service_id": "x-service", "url": "http://attacker.example/listen"},
    )
    assert reply.status == 400
    assert (await reply.json())["error"]["code"] == "RECEIVER_HOST_NOT_ALLOWED"
    kept = await shep.post(
        "/api/v1/gateway/routes", json={"service_id": "x-service", "url": "http://127.0.0.1:9/x"}
    )
    assert kept.status == 201


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8081/receive", True),
        ("https://[::1]/x", True),
        ("http://localhost/x", True),
        ("http://provider.test:8443/x", True),
        ("http://PROVIDER.test/x", True),
        ("http://attacker.example/x", False),
        ("http://127.0.0.1.attacker.example/x", False),
        ("http://provider.test@attacker.example/x", False),
        ("ftp://127.0.0.1/x", False),
        ("http://[::1/x", False),
    ],
)
def test_the_receivers_allow_list_is_loopback_and_the_named_hosts(url: str, allowed: bool) -> None:
    assert Settings(receiver_hosts=("provider.test",)).allows_receiver(url) is allowed
