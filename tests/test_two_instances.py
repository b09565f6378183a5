"""Two `egovsim serve` on one database under load: signed submissions spread over both, one of
them killed with SIGKILL and restarted several times, the last time left dead until the other
has finished its work (its claims taken over when their leases end, its leftovers done by the
other's rounds); every accepted submission is delivered, applied once at the workstation, and
its registration lands in the cabinet, read through either instance. On PostgreSQL and on one
SQLite file."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

import aiohttp
import pytest

from tests.conftest import BOTH_DATABASES
from tests.instances import API, Applicant, Instance, rows, settled

SUBMISSIONS = 40
KILLS = 3


async def _load(applicant: Applicant, steady: Instance, killed: Instance, work: list[Any]) -> Any:
    """Submit `work` over both instances, round-robin from four clients, while `killed` is
    killed KILLS times, restarted after all but the last; the ids answered 200, and those no
    instance answered."""
    bases = itertools.cycle([steady.url, killed.url])
    queue = list(work)
    accepted: list[int] = []
    unanswered: list[int] = []
    done = 0

    async def client() -> None:
        nonlocal done
        while queue:
            number, signature = queue.pop(0)
            status = await applicant.submit(next(bases), number, signature)
            if status is None:  # as a load balancer does: the other instance, once
                status = await applicant.submit(steady.url, number, signature)
            if status == 200:
                accepted.append(number)
            elif status is None:
                unanswered.append(number)
            done += 1

    async def killer() -> None:
        for round_ in range(1, KILLS + 1):
            while done < round_ * len(work) // (KILLS + 1) and queue:
                await asyncio.sleep(0.05)
            killed.kill()  # mid-load: requests in flight, deliveries claimed
            if round_ < KILLS:
                await asyncio.to_thread(killed.start)

    await asyncio.gather(*(client() for _ in range(4)), killer())
    return accepted, unanswered


@pytest.mark.long
@pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)
async def test_two_instances_under_load_with_one_killed_deliver_and_apply_each_submission_once(
    certs_dir, tmp_path, database_url, persona
) -> None:
    data = tmp_path / "data"
    database = database_url or data / "egovsim.sqlite3"
    steady = Instance(certs_dir, data, database_url)
    killed = Instance(certs_dir, data, database_url)
    steady.start()
    killed.start()
    try:
        async with aiohttp.ClientSession() as http:
            applicant = Applicant(http, persona("citizen-valid"))
            await applicant.log_in(killed.url)  # a session made on one is good on the other
            bases = [steady.url, killed.url]
            work: list[tuple[int, bytes]] = []
            for _ in range(SUBMISSIONS // 4):  # four drafts at a time
                work += await asyncio.gather(*(applicant.signed_draft(bases) for _ in range(4)))
            accepted, unanswered = await _load(applicant, steady, killed, work)
            deadline = time.monotonic() + 120
            while not settled(database) and time.monotonic() < deadline:
                await asyncio.sleep(0.25)
            assert settled(database), "a message or a registration is still on its way"
            await asyncio.to_thread(killed.start)
            # The cabinet, read through either instance, shows each registration.
            for index, number in enumerate(accepted):
                base = bases[index % 2]
                view = json.loads(await applicant.call(base, "GET", f"{API}/{number}", 200))
                assert view["provider_number"], view
    finally:
        steady.stop()
        killed.stop()
    assert len(accepted) >= SUBMISSIONS // 2, f"only {len(accepted)} accepted: {unanswered}"
    requests = dict(
        rows(
            database,
            "SELECT message_id, state FROM gateway_messages"
            " WHERE sender_id = 'egov-portal' AND message_type = 'REQUEST'",
        )
    )
    portal = dict(rows(database, "SELECT id, message_id FROM portal_applications"))
    applied = [
        row[0]
        for row in rows(
            database,
            "SELECT gateway_message_id FROM applications WHERE gateway_message_id IS NOT NULL",
        )
    ]
    assert all(requests[portal[number]] == "DELIVERED" for number in accepted)
    assert len(applied) == len(set(applied)), "a request applied twice at the workstation"
    assert {portal[number] for number in accepted} <= set(applied)
    assert set(requests) == set(applied), "every request the gateway took is applied"
    held = rows(database, "SELECT COUNT(*) FROM gateway_messages WHERE claimed_by IS NOT NULL")
    assert held[0][0] == 0, "the instances' claims end with their work"
