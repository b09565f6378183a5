"""`egovsim work`: the simulator's workers without its web front, on the same database as the
`egovsim serve --workers none` instances that accept: the gateway's delivery, the catch-up and
the State Corporation's sweep, each row claimed, so any number of them share the work."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from typing import Any

from egovsim import __version__
from egovsim.config import Settings


def register(commands: Any, shared: argparse.ArgumentParser) -> None:
    """Add the `work` command."""
    command = commands.add_parser(
        "work",
        parents=[shared],
        help="run the workers (delivery, catch-up, sweep) without the web front",
        description="Delivers the gateway's messages, catches up what a stop left and sweeps "
        "the State Corporation's results past their month, on the database of the instances "
        "that serve (--database-url, or the SQLite file in --data-dir), until stopped with "
        "Ctrl-C or SIGTERM (the messages at hand are finished first). Give those instances "
        "`serve --workers none` to keep deliveries off their event loops; any number of "
        "workers and serving instances may run at once. EGOVSIM_WORKER_LEASE and "
        "EGOVSIM_JOBS_EVERY set the claims' lease and the rounds' period in seconds.",
    )
    command.set_defaults(run=_run)


def _run(arguments: argparse.Namespace, settings: Settings) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(_work(settings.with_overrides(gateway_worker=True)))
    return 0


async def _work(settings: Settings) -> None:
    """Start the simulator with its workers, without listening, until a signal stops it."""
    from egovsim.simulator import Simulator
    from egovsim.web.network import HttpNetwork

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stopping.set)
    network = HttpNetwork(settings.fetch_timeout)
    async with network, Simulator(settings, network=network) as simulator:
        where = simulator.database.described
        print(
            f"egovsim {__version__} working on {where}: deliveries, the catch-up every "
            f"{settings.jobs_every:g} s, claims leased for {settings.worker_lease:g} s",
            flush=True,
        )
        await stopping.wait()
        print("stopping: finishing the messages at hand", flush=True)
    print("stopped", flush=True)
