"""The demo's seeds (what every start puts into a fresh database) and the reset to a clean
demo: every row gone, the attachments' files removed, the same seeds again."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from egovsim.gateway.seed import seed_gateway
from egovsim.pki.personas import load_personas
from egovsim.storage.reset import Emptied, empty_database
from egovsim.workstation.seed import seed_providers

if TYPE_CHECKING:
    from egovsim.simulator.core import Simulator


async def seed_demo(sim: Simulator) -> None:
    """The providers and their staff, the portal's accounts, the gateway's senders and routes,
    the State Corporation's centres: at every start (each seed keeps what is there) and after
    a reset."""
    settings = sim.settings
    personas = load_personas(settings.certs_dir)
    await seed_providers(sim.staff, personas, settings.persona_password)
    await sim.accounts.seed_from_personas(personas)
    await seed_gateway(
        sim.gateway_store,
        sim.gateway.parties,
        settings.persona_password,
        sim.clock.now(),
        signed=any(p["id"] == "egov-gateway" for p in personas),
        optional=settings.wss_optional_senders,
    )
    await sim.statecorp.seed(settings.persona_password)


async def empty_and_seed(sim: Simulator) -> Emptied:
    """Empty the database, remove the stored attachments, seed the demo again; what was
    removed."""
    emptied = await empty_database(sim.database)
    sim.clear_caches()  # before the seeds, which read the gateway's routes
    attachments = sim.settings.data_dir / "attachments"
    await asyncio.get_running_loop().run_in_executor(None, remove_contents, attachments)
    await seed_demo(sim)
    return emptied


def remove_contents(folder: Path) -> int:
    """Remove everything inside `folder` (kept itself); how many entries went."""
    if not folder.is_dir():
        return 0
    removed = 0
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed += 1
    return removed
