"""The simulator's core without any front end: built from `Settings`, driven from Python, reset,
and what it keeps across a restart."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.console.state import ConsoleState
from egovsim.errors import EgovsimError
from egovsim.simulator import Simulator
from egovsim.storage.faults import OCSP_DOWN, PkiFault
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.long
def test_a_simulator_without_aiohttp_runs_the_happy_path_and_resets(
    certs_dir: Path, tmp_path: Path
) -> None:
    data, issued = str(tmp_path / "data"), NOW.isoformat()
    done = subprocess.run(
        [sys.executable, "-m", "tests.simulator_drive", str(certs_dir), data, issued],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["aiohttp_imported"] is False
    # The portal's request went through the gateway to the workstation, and the signed result
    # came back to the cabinet.
    assert seen["sent"] == "sent"
    assert seen["status"] == "completed"
    assert (seen["result"], seen["refusal"], seen["result_signature"]) == (
        "duplicate",
        False,
        "TOTAL_PASSED",
    )
    assert seen["applications"] == 1
    # The reset removed it all and seeded the demo again, the clock back on real time.
    assert seen["removed"]["portal_applications"] == 1
    assert seen["removed"]["gateway_messages"] >= 2
    assert seen["after_reset"]["applications"] == 0
    assert seen["after_reset"]["messages"] == 0
    assert seen["after_reset"]["clock"] == "real"
    assert seen["after_reset"]["staff"] is True
    assert seen["after_reset"]["routes"] >= 1


async def test_the_clock_a_switch_and_the_key_set_survive_a_new_simulator(
    settings: Settings,
) -> None:
    unfrozen = settings.with_overrides(clock_frozen_at=None)
    moved = NOW + timedelta(days=5, hours=3)
    async with Simulator(unfrozen, Clock()) as first:
        first.clock.freeze(moved)
        await first.clock_changed()
        await first.faults.switch_on(PkiFault(OCSP_DOWN, first.clock.now()))
        await first.choose_key_set("citizen-revoked")
    async with Simulator(unfrozen, Clock()) as second:
        assert second.clock.frozen_at == moved
        assert second.faults.current.is_on(OCSP_DOWN)
        current = second.keyring.current
        assert current is not None and current.id == "citizen-revoked"
        await second.reset()
        current = second.keyring.current
        assert current is not None and current.id == "citizen-valid"
    async with Simulator(unfrozen, Clock()) as third:
        # The reset is kept too: nothing of the first run's state comes back.
        assert third.clock.mode == "real"
        assert not third.faults.current.is_on(OCSP_DOWN)
        current = third.keyring.current
        assert current is not None and current.id == "citizen-valid"


async def test_a_simulator_that_is_not_started_stops_without_harm(settings: Settings) -> None:
    simulator = Simulator(settings)
    await simulator.stop()
    async with simulator:
        with pytest.raises(RuntimeError, match="already started"):
            await simulator.start()


async def test_the_consoles_run_lock_holds_across_instances_on_one_database(
    settings: Settings,
) -> None:
    async with Simulator(settings) as first, Simulator(settings) as second:
        here, there = ConsoleState(first.run_locks), ConsoleState(second.run_locks)
        async with here.exclusive("reset"):
            assert await there.busy_anywhere() == "reset"
            with pytest.raises(EgovsimError) as refused:
                async with there.exclusive("try CERT_REVOKED"):
                    pytest.fail("a second run went ahead")
            assert refused.value.code == "CONSOLE_BUSY"
            assert refused.value.details["under_way"] == "reset"
        assert await there.busy_anywhere() is None
        async with there.exclusive("try CERT_REVOKED"):
            assert await here.busy_anywhere() == "try CERT_REVOKED"


async def test_a_lease_whose_holder_died_is_taken_over(settings: Settings) -> None:
    async with Simulator(settings) as simulator:
        assert await simulator.run_locks.take("console", "tour", "gone", seconds=0.0) is None
        assert await simulator.run_locks.doing("console") is None
        assert await simulator.run_locks.take("console", "reset", "here", seconds=60.0) is None
        assert await simulator.run_locks.take("console", "try", "there", seconds=60.0) == "reset"
