"""The simulator's own rounds beside the delivery worker: the catch-up and the State
Corporation's sweep, every `Settings.jobs_every` seconds, so what an instance that died left
undone (a request signed and not handed over, an answer not sent, a result past its month) is
done by the instances still running, not only by its own restart."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("egovsim.workers")

#: A round's jobs by name, each run in turn.
Job = tuple[str, Callable[[], Awaitable[object]]]


async def run_rounds(jobs: list[Job], every: float) -> None:
    """Run each job every `every` seconds until cancelled; a job that fails is logged and run
    again at the next round."""
    while True:
        await asyncio.sleep(every)
        for name, job in jobs:
            try:
                await job()
            except Exception:
                log.exception("the round's %s failed", name)
