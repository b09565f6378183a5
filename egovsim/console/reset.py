"""Reset to a clean demo: every application, message, package, session and fault switch gone,
the attachments' files removed, and the demo's accounts, staff, centres and gateway parties
seeded again by the same code that seeds a fresh start.

What the running simulator holds in memory (the clock, the switches' state, the NCALayer key
set, the verifier's caches) is put back by the web layer, which owns those objects.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

from egovsim.storage.database import Database
from egovsim.storage.gateway import GatewayStore
from egovsim.storage.reset import Emptied, empty_database


async def reset_demo(
    database: Database,
    gateway: GatewayStore,
    attachments: Path,
    seed: Callable[[], Awaitable[None]],
) -> Emptied:
    """Empty the database, remove the stored attachments, seed the demo again; what was
    removed."""
    emptied = await empty_database(database)
    gateway.forget_cache()
    await asyncio.get_running_loop().run_in_executor(None, remove_contents, attachments)
    await seed()
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
