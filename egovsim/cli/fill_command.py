"""`egovsim db fill --applications N`: a realistic history written fast into a stopped
simulator's data directory, for load tests and for a shared simulator that keeps months of work.

Each kind of application (`fill_templates.KINDS`) is played once for real on a scratch simulator
of its own; its rows are then copied N times in bulk, moved back in time, for generated
citizens and companies. The copies reuse the templates' signed bodies (a small pool of real CMS
and envelopes), so they verify as the originals did, though not against the copy's numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from egovsim.cli.common import UsageError
from egovsim.cli.fill_templates import KINDS, scenario_file
from egovsim.config import Settings
from egovsim.identity import generate_bin, generate_iin
from egovsim.passwords import hash_password
from egovsim.storage.database import (
    DATABASE_FILE,
    Database,
    database_location,
    is_postgresql,
    read_saved,
)
from egovsim.storage.history import Citizen, HistoryStore, Template, renumbered
from egovsim.storage.history_copies import Batch, Copier, time_ordered_ids

#: Applications written per transaction.
BATCH = 2000
#: How many applications a generated applicant has on average.
PER_APPLICANT = 20
#: How far back the closed history goes, and the open applications, in weeks.
HISTORY_WEEKS = 104
OPEN_WEEKS = 4

_SURNAMES = ("АХМЕТОВ", "ЖУМАБАЕВ", "СЕРИКОВ", "ИВАНОВ", "НУРЛАНОВ", "КАСЫМОВ", "ОМАРОВ")
_NAMES = ("АЙДАР", "ЕРЛАН", "АСЕЛЬ", "ДИНАРА", "САУЛЕ", "МАРАТ", "ТИМУР", "ЖАНАР")


def register(actions: Any, shared: argparse.ArgumentParser) -> None:
    """Add `fill` to `egovsim db`'s actions."""
    fill = actions.add_parser(
        "fill",
        parents=[shared],
        help="write a realistic history of N applications",
        description="Writes N applications into the data directory of a stopped simulator: "
        "delivered, refused at C2 and C3, collected at the State Corporation, and open at each "
        "step, with their timelines, gateway messages and attachments, across generated "
        "citizens and companies and both providers. Each kind is played once for real on a "
        "scratch simulator, then copied in bulk.",
    )
    fill.add_argument("--applications", type=int, required=True, metavar="N")
    fill.add_argument(
        "--providers",
        nargs="+",
        choices=("almaty", "shymkent"),
        default=["almaty", "shymkent"],
        help="whose services the history is of (default both)",
    )
    fill.add_argument(
        "--open-share",
        type=float,
        default=0.05,
        metavar="SHARE",
        help="the share of applications still open, spread over the steps (default 0.05)",
    )
    fill.add_argument("--seed", type=int, default=1, help="the same seed, the same history")
    fill.set_defaults(run=_run)


def _run(arguments: argparse.Namespace, settings: Settings) -> int:
    if arguments.applications < 1:
        raise UsageError("--applications must be at least 1")
    if not 0 <= arguments.open_share <= 1:
        raise UsageError("--open-share must be between 0 and 1")
    started = time.monotonic()
    written = asyncio.run(
        fill(
            settings,
            arguments.applications,
            set(arguments.providers),
            arguments.open_share,
            arguments.seed,
            _progress,
        )
    )
    seconds = time.monotonic() - started
    location = database_location(settings)
    if is_postgresql(location):
        found = read_saved(location, ["SELECT pg_database_size(current_database())"])
        size = int(found[0][0][0]) if found else 0
    else:
        size = (settings.data_dir / DATABASE_FILE).stat().st_size
    print(
        f"filled {written} applications into {_described(location)} in {seconds:.0f} s "
        f"(database {size / 2**20:.0f} MiB)"
    )
    return 0


def _progress(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


async def fill(
    settings: Settings,
    applications: int,
    providers: set[str],
    open_share: float,
    seed: int,
    progress: Callable[[str], None] = lambda line: None,
) -> int:
    """Write `applications` copies of the templates into `settings.data_dir`; how many."""
    started = time.monotonic()
    templates = await played_templates(settings.persona_password)
    progress(f"played {len(templates)} kinds of application in {time.monotonic() - started:.0f} s")
    await _seeded(settings)
    weights = _weights(templates, providers, open_share)
    rng = random.Random(seed)
    database = await Database.open(database_location(settings))
    writing: asyncio.Task[None] | None = None
    try:
        store = HistoryStore(database)
        applicants = await _applicants(store, settings, applications, rng)
        for template in templates:
            await store.adopt_bodies(template)
        copiers = [Copier(template) for template in templates]
        next_id = await store.next_ids()
        counts = await store.counts()

        def next_number(table: str, provider: str | None, number: str) -> str:
            counter = "EGOV" if table == "portal_applications" else str(provider)
            counts[counter] = counts.get(counter, 0) + 1
            return renumbered(number, counts[counter])

        message_ids = time_ordered_ids(rng, int(time.time() * 1000))
        names = [template.name for template in templates]
        open_kinds = {kind.name for kind in KINDS if kind.share is None}
        done = 0
        copying = time.monotonic()
        # The CPU of this process (its threads: the copies made, the rows written on SQLite's)
        # says what the fill costs where the wall clock says how busy the machine was.
        cpu = time.process_time()
        async with database.bulk_load():
            # One batch is written on the database's thread while the next is made on this one.
            while done < applications:
                batch: Batch = {}
                size = min(BATCH, applications - done)
                for index in rng.choices(range(len(copiers)), weights, k=size):
                    copier = copiers[index]
                    is_open = names[index] in open_kinds
                    weeks = rng.randrange(OPEN_WEEKS if is_open else HISTORY_WEEKS)
                    pool = applicants[copier.template.kind]
                    copier.copy(batch, next_id, next_number, rng.choice(pool), weeks, message_ids)
                if writing is not None:
                    await writing
                writing = asyncio.create_task(store.write(batch))
                done += size
                if done % (BATCH * 25) == 0 and done < applications:
                    took = max(time.monotonic() - copying, 1e-6)
                    progress(f"{done}/{applications} made in {took:.0f} s ({done / took:.0f}/s)")
            if writing is not None:
                await writing
        took = max(time.monotonic() - copying, 1e-6)
        each = (time.process_time() - cpu) / max(done, 1) * 1000
        progress(
            f"{done}/{applications} written in {took:.0f} s ({done / took:.0f}/s; "
            f"{each:.2f} ms of this process's CPU each)"
        )
        return done
    finally:
        if writing is not None:  # a batch under way when something failed ends first
            await asyncio.gather(writing, return_exceptions=True)
        await database.close()


def _weights(templates: list[Template], providers: set[str], open_share: float) -> list[float]:
    shares = {kind.name: kind.share for kind in KINDS}
    chosen = [t for t in templates if _provider_of(t) in providers and shares[t.name] is not None]
    opened = [t for t in templates if _provider_of(t) in providers and shares[t.name] is None]
    closed_total = sum(shares[t.name] or 0 for t in chosen) or 1.0
    weights = []
    for template in templates:
        share = shares[template.name]
        if _provider_of(template) not in providers:
            weights.append(0.0)
        elif share is None:
            weights.append(open_share / max(len(opened), 1))
        else:
            weights.append((1 - open_share) * share / closed_total)
    return weights


def _provider_of(template: Template) -> str:
    return next(kind.provider for kind in KINDS if kind.name == template.name)


async def played_templates(password: str) -> list[Template]:
    """Every kind of `KINDS` played once on a scratch simulator; its rows, as templates."""
    from egovsim.testing.running import in_process, make_pki
    from egovsim.web.serving import serve

    with tempfile.TemporaryDirectory(prefix="egovsim-fill-") as folder:
        workdir = Path(folder)
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(64)
            url = f"http://127.0.0.1:{listener.getsockname()[1]}"
            certs = make_pki(workdir / "pki", url)
            async with in_process(listener, certs, workdir / "run", serve) as simulator:
                played = await simulator.play(scenario_file())
        database = await Database.open(workdir / "run" / "data" / DATABASE_FILE)
        try:
            store = HistoryStore(database)
            return [
                await store.capture(
                    run.name, run.application, run.provider_application, run.package
                )
                for run in played
            ]
        finally:
            await database.close()


async def _seeded(settings: Settings) -> None:
    """Start the simulator on the data directory without listening, so its start seeds the
    providers, staff, accounts and centres the history refers to; stop it."""
    from egovsim.simulator import Simulator

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with Simulator(settings.with_overrides(gateway_worker=False)):
        pass


async def _applicants(
    store: HistoryStore, settings: Settings, applications: int, rng: random.Random
) -> dict[str, list[Citizen]]:
    """Generated individuals and companies, about `PER_APPLICANT` applications each, and the
    accounts there are."""
    count = max(1, applications // PER_APPLICANT)
    people = []
    companies = []
    for _ in range(count):
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
        iin = generate_iin(born, rng.choice(("male", "female")), rng=rng)
        people.append(("individual", iin, f"{rng.choice(_SURNAMES)} {rng.choice(_NAMES)}"))
        registered = rng.randrange(2000, 2025)
        bin_ = generate_bin(registered, rng.randrange(1, 13), rng=rng)
        companies.append(("legal_entity", bin_, f"ТОО «{rng.choice(_SURNAMES).title()}-Энерго»"))
    password = hash_password(settings.persona_password)
    now = datetime.now(UTC).isoformat()
    made = await store.citizens()  # the demo's personas get their share too
    made += await store.add_citizens(people + companies, password, now)
    return {
        "individual": [c for c in made if c.kind == "individual"],
        "legal_entity": [c for c in made if c.kind == "legal_entity"],
    }


def _described(location: Path | str) -> str:
    """Where the fill wrote: the data directory's file, or PostgreSQL without its password."""
    if not is_postgresql(location):
        return str(Path(location).parent)
    parts = urlsplit(str(location))
    return f"PostgreSQL {parts.hostname}:{parts.port or 5432}{parts.path}"
