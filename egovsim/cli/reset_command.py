"""`egovsim reset [--base-url URL]`: back to a clean demo. Without `--base-url`, on a stopped
simulator's data directory (the simulator is started without listening, reset as the console's
button resets it, and stopped); with it, a running simulator is asked to reset itself."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from egovsim.cli.common import CommandError
from egovsim.config import Settings


def register(commands: Any, shared: argparse.ArgumentParser) -> None:
    """Add the `reset` command."""
    command = commands.add_parser(
        "reset",
        parents=[shared],
        help="reset to a clean demo",
        description="Removes every application, message, package, session and fault switch, "
        "seeds the demo accounts, staff and centres again and puts the clock back on real time. "
        "Without --base-url the simulator using --data-dir must be stopped; with it, the "
        "running simulator at that address resets itself (the console's button).",
    )
    command.add_argument("--base-url", metavar="URL", help="a running `egovsim serve`")
    command.set_defaults(run=_run)


def _run(arguments: argparse.Namespace, settings: Settings) -> int:
    if arguments.base_url:
        removed = asyncio.run(_reset_running(arguments.base_url, settings.operator_token))
        where = arguments.base_url
    else:
        removed = asyncio.run(_reset_stopped(settings))
        where = str(settings.data_dir)
    print(f"reset to a clean demo: {where}")
    for table, rows in sorted(removed.items()):
        print(f"  {table}: {rows} removed")
    return 0


async def _reset_stopped(settings: Settings) -> dict[str, int]:
    """Start the simulator on the data directory without listening (its start seeds what it
    seeds), reset it as the console does, stop it."""
    from egovsim.simulator import Simulator

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with Simulator(settings.with_overrides(gateway_worker=False)) as simulator:
        emptied = await simulator.reset()
    return emptied.rows


async def _reset_running(base_url: str, operator_token: str | None) -> dict[str, int]:
    """Ask the running simulator at `base_url` to reset itself, as its operator."""
    import aiohttp

    url = base_url.rstrip("/") + "/api/v1/console/reset"
    headers = {"Authorization": f"Bearer {operator_token}"} if operator_token else {}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session,
            session.post(url, headers=headers) as reply,
        ):
            text = await reply.text()
    except (aiohttp.ClientError, TimeoutError) as error:
        raise CommandError(f"cannot reach the simulator at {base_url}: {error}") from None
    try:
        body = json.loads(text)
    except ValueError:
        raise CommandError(f"{url} answered HTTP {reply.status}, not JSON") from None
    if reply.status != 200:
        code = body.get("error", {}).get("code") if isinstance(body, dict) else None
        raise CommandError(f"the simulator refused the reset: {code or reply.status}")
    removed: dict[str, int] = body.get("removed", {})
    return removed
