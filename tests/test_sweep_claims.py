"""The State Corporation's sweep claims the results it returns: two sweeps at once (as two
instances' rounds are) return a result past its month once and tell the provider once, on
SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from egovsim.clock import utcnow
from egovsim.web.common.keys import SIMULATOR
from tests.conftest import BOTH_DATABASES
from tests.test_statecorp import clerk, counter_client, counter_path, when

__all__ = ["counter_client"]  # the fixture, used by name


@pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)
async def test_two_sweeps_at_once_return_a_result_once_and_tell_the_provider_once(
    counter_client,
) -> None:
    package = await counter_path(counter_client, "duplicate")
    simulator = counter_client.app[SIMULATOR]
    # Past the month without the clock's own sweep (as another instance's move of the clock
    # is), the clock running: each sweep has a `now` of its own.
    past = when(package["kept_until"]) + timedelta(minutes=1)
    simulator.clock.restore(None, past - utcnow())
    first, second = await asyncio.gather(
        simulator.statecorp.returns.sweep(), simulator.statecorp.returns.sweep()
    )
    assert sorted(view.package.id for view in [*first, *second]) == [package["id"]]
    gk = await clerk(counter_client)
    swept = await gk.call("GET", f"/api/v1/statecorp/packages/{package['id']}")
    assert swept["status"] == "returned"
    told = [
        m
        for m in await simulator.gateway_store.search(limit=50)
        if m.message_type == "NOTIFICATION" and b"returned-to-storage" in m.data_xml
    ]
    assert len(told) == 1, [m.message_id for m in told]
    held = await simulator.database.fetch_one(
        "SELECT COUNT(*) FROM statecorp_packages WHERE claimed_by IS NOT NULL"
    )
    assert held is not None and held[0] == 0, "the sweeps' claims end with them"
