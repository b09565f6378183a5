"""Pages and start-up against a long history: `egovsim db fill` writes N applications (50,000
in `make bench`, a few minutes) into a scratch data directory, then `egovsim serve` in its own
process is timed from its start until `/healthz`, and the pages one provider's staff member,
one citizen and the gateway's operator open are each requested in turn; the same with an empty
database.

`python -m bench.scale --applications 1000000` for the full measurement (the disk it needs, and
a fill that may take an hour on a busy machine); `--applications 5000` for a quick one;
`--database postgresql` for the same on a throwaway PostgreSQL cluster. The fill and the
measurement are separate steps when they must be: `--keep DIR` fills into DIR (the PKI, the data
directory, and for PostgreSQL the cluster's own data directory) and keeps it;
`--reuse DIR` measures that history again, on a quiet machine, without filling. Loopback only;
every loop is bounded by a count.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

import egovsim
from bench.common import (
    PASSWORD,
    Figure,
    free_port,
    make_pki,
    postgresql_database,
    report,
    scratch_directory,
)
from egovsim.pki.authority import TestPki
from egovsim.storage.database import DATABASE_FILE, read_saved
from egovsim.testing.simulator import Simulator

#: What `make bench` fills: enough to see a page's cost not follow the history, in minutes.
APPLICATIONS = 50_000
#: The fill's target: 1,000,000 applications in under 10 minutes.
FILL_TARGET = 1_000_000 / 600
#: Applications filled first, to learn what one costs on disk.
PILOT = 2_000
#: The share of the free disk the filled database may take (the machine is shared).
DISK_SHARE = 0.5
#: Requests per page, after a few to warm up.
SAMPLES = 60
WARM_UP = 3
STAFF = "alm-office"
CITIZEN = "citizen-valid"


def run(
    applications: int = APPLICATIONS,
    database: str = "sqlite",
    keep: Path | None = None,
    reuse: Path | None = None,
) -> dict[str, object]:
    """The figures of an empty database and of one with `applications` (fewer when the disk
    cannot hold them: said in the title), on the SQLite file or (`database="postgresql"`) on a
    database of a throwaway PostgreSQL cluster; printed and returned. With `keep` the filled
    history stays in that directory; with `reuse` the history kept there is measured, not
    filled (its database and size are the kept one's)."""
    if reuse is not None:
        kept = _Kept.read(reuse)
        database = kept.database
    if database == "postgresql":
        with postgresql_database() as url:
            empty = _measure(0, url)
    else:
        empty = _measure(0)
    if reuse is not None:
        filled = _measure_kept(kept)
    else:
        filled = _fill_and_measure(applications, database, keep)
    applications = int(filled.pop("applications"))
    figures = []
    for name, unit in _FIGURES:
        target = _target(name, unit, empty)
        figures.append(Figure(f"{name}, empty", empty[name], unit))
        figures.append(Figure(f"{name}, {applications:,} applications", filled[name], unit, target))
    per_application = (filled["database size"] - empty["database size"]) * 2**20
    per_application /= max(applications, 1)
    figures.append(Figure("bytes per application", per_application, "B", "<= 8192"))
    figures.append(
        Figure(
            "fill, copies written per second"
            + (f" (when kept, load average {filled['fill load']:.2f})" if reuse else ""),
            filled["fill rate"],
            "/s",
            f">= {FILL_TARGET:,.0f} (1,000,000 in 10 min)",
        )
    )
    return report(
        f"Scale: pages and start-up with {applications:,} applications"
        f"{' on PostgreSQL' if database == 'postgresql' else ''}"
        f"{' (a kept history)' if reuse else ''} "
        f"(load average {os.getloadavg()[0]:.2f} at the end)",
        figures,
    )


class _Kept:
    """A filled history kept in a directory: `pki/` (its certificates name the port they were
    made for, so the server is measured on that port again), `data/` (the SQLite file), for
    PostgreSQL `postgresql/data` (the cluster's data directory, stopped between runs), and
    `scale.json` (what was filled, how fast, on which database)."""

    MANIFEST = "scale.json"

    def __init__(self, directory: Path, facts: dict[str, object]) -> None:
        self.directory = directory
        self.facts = facts

    @classmethod
    def read(cls, directory: Path) -> _Kept:
        manifest = directory / cls.MANIFEST
        if not manifest.is_file():
            raise SystemExit(f"{directory} holds no kept history (no {cls.MANIFEST}): --keep it")
        facts = json.loads(manifest.read_text())
        if "applications" not in facts:
            raise SystemExit(f"the fill into {directory} did not finish: --keep it again to go on")
        return cls(directory, facts)

    def write(self) -> None:
        (self.directory / self.MANIFEST).write_text(json.dumps(self.facts, indent=2) + "\n")

    @property
    def database(self) -> str:
        return str(self.facts["database"])

    @property
    def port(self) -> int:
        return int(str(self.facts["port"]))

    @property
    def pki(self) -> Path:
        return self.directory / "pki"

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @contextlib.contextmanager
    def database_url(self) -> Iterator[str | None]:
        """None for SQLite; for PostgreSQL the kept cluster started (its database made on
        the first start) and stopped cleanly at the end, its data left in place."""
        if self.database != "postgresql":
            yield None
            return
        from tests import pg_cluster

        cluster = pg_cluster.start(directory=self.directory / "postgresql")
        try:
            name = self.facts.get("database name")
            if name is None:
                name, _ = pg_cluster.new_database(cluster.url, cluster.bindir)
                self.facts["database name"] = name
            yield cluster.url.rsplit("/", 1)[0] + f"/{name}"
        finally:
            pg_cluster.stop(cluster.directory, cluster.bindir, keep=True)


def _fill_and_measure(applications: int, database: str, keep: Path | None) -> dict[str, float]:
    if keep is None:
        if database == "postgresql":
            with postgresql_database() as url:
                return _measure(applications, url)
        return _measure(applications)
    if (keep / _Kept.MANIFEST).exists():
        # A fill stopped part way (the machine was needed, the session ended) goes on from
        # what its committed batches hold.
        kept = _Kept(keep, json.loads((keep / _Kept.MANIFEST).read_text()))
        if int(str(kept.facts.get("applications", 0))) >= applications:
            raise SystemExit(f"{keep} already holds a kept history: --reuse it, or remove it")
        if kept.database != database:
            raise SystemExit(f"{keep} holds a history on {kept.database}, not {database}")
        pki = TestPki.open(kept.pki)
    else:
        keep.mkdir(parents=True, exist_ok=True)
        keep.chmod(0o755)  # PostgreSQL's server runs as its own user under root: it must enter
        kept = _Kept(keep, {"database": database, "port": free_port()})
        pki = make_pki(f"http://127.0.0.1:{kept.port}", kept.pki)
    with kept.database_url() as url:
        kept.write()  # the database's name, before the long fill
        have = _applications_in(kept.data, url)
        if have:
            print(f"  (going on from the {have:,} applications kept in {keep})")
        filled, rate = _fill(pki, kept.data, applications, url, have)
        kept.facts.update(
            {
                "applications": filled,
                "fill rate": rate,
                "fill load": os.getloadavg()[0],
                "filled at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
        kept.write()
        print(f"  (kept in {keep}: measure it again with --reuse {keep})")
        return _measure_filled(pki, kept.data, kept.port, url, filled, rate)


def _applications_in(data: Path, url: str | None) -> int:
    """The applications a filled database holds: one portal application a copy, or the
    centre's package of a paper one (the kinds of `fill_templates`)."""
    location = url if url is not None else data / DATABASE_FILE
    found = read_saved(
        location,
        [
            "SELECT (SELECT COUNT(*) FROM portal_applications)"
            " + (SELECT COUNT(*) FROM statecorp_packages WHERE kind = 'counter')"
        ],
    )
    return int(found[0][0][0]) if found else 0


def _measure_kept(kept: _Kept) -> dict[str, float]:
    """The figures of a kept history, after bringing its schema to this code's (untimed)."""
    pki = TestPki.open(kept.pki)
    with socket.socket() as probe:
        # As the server binds: connections of an earlier run waiting out TIME_WAIT do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", kept.port))
        except OSError:
            raise SystemExit(
                f"port {kept.port} is taken: the kept PKI's certificates name it, so the server "
                "is measured there; free it and run again"
            ) from None
    with kept.database_url() as url:
        command = [sys.executable, "-m", "egovsim", "--data-dir", str(kept.data), *_database(url)]
        started = time.perf_counter()
        done = subprocess.run([*command, "db", "migrate"], check=True, capture_output=True)
        print(
            f"  ({done.stdout.decode().strip()}, in {time.perf_counter() - started:.0f} s; "
            "not part of the start-up timed)"
        )
        figures = _measure_filled(
            pki, kept.data, kept.port, url, 0, float(str(kept.facts["fill rate"]))
        )
    figures["applications"] = float(str(kept.facts["applications"]))
    figures["fill load"] = float(str(kept.facts.get("fill load", 0.0)))
    return figures


_PAGES = (
    ("inbox API p50", "ms"),
    ("inbox API p95", "ms"),
    ("inbox page p50", "ms"),
    ("inbox page p95", "ms"),
    ("cabinet API p50", "ms"),
    ("cabinet API p95", "ms"),
    ("cabinet page p50", "ms"),
    ("cabinet page p95", "ms"),
    ("message log p50", "ms"),
    ("message log p95", "ms"),
)
_FIGURES = (
    *_PAGES,
    ("start-up until /healthz", "s"),
    ("database size", "MiB"),
    ("peak RSS of the server", "MiB"),
)


def _target(name: str, unit: str, empty: dict[str, float]) -> str:
    if name.endswith("p95"):
        return f"<= 30 ms and <= 2x empty ({2 * empty[name]:.1f})"
    if name.startswith("start-up"):
        return "<= 2 s"
    if name.startswith("database size"):
        return ""
    if name.startswith("peak RSS"):
        return "<= 300 MiB"
    return ""


def _measure(applications: int, url: str | None = None) -> dict[str, float]:
    """Fill `applications` (none: the empty database) into a scratch directory and measure."""
    port = free_port()
    pki = make_pki(f"http://127.0.0.1:{port}")
    data = scratch_directory()
    rate = 0.0
    if applications:
        applications, rate = _fill(pki, data, applications, url)
    return _measure_filled(pki, data, port, url, applications, rate)


def _measure_filled(
    pki: TestPki, data: Path, port: int, url: str | None, applications: int, rate: float
) -> dict[str, float]:
    """Start the server on `data` and time its start-up and pages."""
    base = f"http://127.0.0.1:{port}"
    # An installed simulator has its bytecode (pip compiles it): the start-up timed is the
    # server's, not the compiler's, even where PYTHONDONTWRITEBYTECODE keeps imports from
    # writing it.
    compileall.compile_dir(Path(egovsim.__file__).parent, quiet=1)
    started = time.perf_counter()
    process = _serve(pki, data, port, url)
    try:
        startup = _until_healthy(base, process) - started
        figures = asyncio.run(_pages(base, pki.directory))
        figures["peak RSS of the server"] = _peak_rss(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    figures["start-up until /healthz"] = startup
    figures["database size"] = _size(data, url) / 2**20
    figures["applications"] = applications
    figures["fill rate"] = rate
    return figures


def _size(data: Path, url: str | None) -> int:
    """The database's bytes on disk: the SQLite file and its journal, or PostgreSQL's
    database."""
    if url is None:
        return sum(f.stat().st_size for f in data.glob("egovsim.sqlite3*"))
    found = read_saved(url, ["SELECT pg_database_size(current_database())"])
    return int(found[0][0][0]) if found else 0


def _database(url: str | None) -> list[str]:
    """The command line's option naming the database (none: the SQLite file in --data-dir)."""
    return [] if url is None else ["--database-url", url]


def _fill(
    pki: TestPki, data: Path, applications: int, url: str | None, have: int = 0
) -> tuple[int, float]:
    """Fill up to `applications` (`have` there already) in two goes: a pilot whose bytes per
    application tell whether the rest fits in `DISK_SHARE` of the free disk, fewer when it does
    not; how many there are, and the copies written per second of the larger go."""
    rate = 0.0
    if have < PILOT:
        pilot = min(applications, PILOT) - have
        rate = _fill_more(pki, data, pilot, 1 + have, url)
        have += pilot
    per_application = _size(data, url) / have
    room = shutil.disk_usage(data).free * DISK_SHARE / per_application
    rest = max(0, min(applications - have, int(room)))
    if rest < applications - have:
        print(
            f"  (the disk holds about {have + rest:,} applications at "
            f"{per_application / 1024:.0f} KiB each, not {applications:,}: measuring that)"
        )
    if rest > 0:
        # A seed of its own per go: a fill that goes on draws new applicants and choices.
        rate = _fill_more(pki, data, rest, 2 + have, url)
    return have + rest, rate


def _fill_more(pki: TestPki, data: Path, applications: int, seed: int, url: str | None) -> float:
    """Run `egovsim db fill`, its progress passed on as it comes (a long fill says how far it
    is); the copies it wrote per second (after playing its templates)."""
    command = [sys.executable, "-m", "egovsim", "--data-dir", str(data), *_database(url)]
    command += ["--certs", str(pki.directory), "--public-url", pki.base_url]
    command += ["db", "fill", "--applications", str(applications), "--seed", str(seed)]
    started = time.perf_counter()
    said = []
    with subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as filling:
        assert filling.stderr is not None
        for line in filling.stderr:
            said.append(line)
            print(f"  {line.rstrip()}", flush=True)
    if filling.returncode != 0:
        raise RuntimeError(f"egovsim db fill failed:\n{''.join(said[-20:])}")
    took = time.perf_counter() - started
    written = re.findall(r"written in \d+ s \((\d+)/s(?:; ([\d.]+) ms)?", "".join(said))
    rate = float(written[-1][0]) if written else applications / took
    cpu = f", {written[-1][1]} ms of the fill's CPU each" if written and written[-1][1] else ""
    print(
        f"  (filled {applications:,} in {took:.0f} s with the templates played, "
        f"copies written at {rate:,.0f} per second{cpu})",
        flush=True,
    )
    return rate


def _serve(pki: TestPki, data: Path, port: int, url: str | None) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "egovsim", *_database(url), "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--certs", str(pki.directory), "--data-dir", str(data)]
    command += ["--public-url", f"http://127.0.0.1:{port}"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _until_healthy(base: str, process: subprocess.Popen[bytes]) -> float:
    for _ in range(60_000):  # 10 minutes at most
        if process.poll() is not None:
            raise RuntimeError("egovsim serve exited before it was ready")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as reply:
                if reply.status == 200:
                    return time.perf_counter()
        except (urllib.error.URLError, OSError):
            time.sleep(0.01)
    raise RuntimeError("egovsim serve did not become ready")


async def _pages(base: str, certs: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as staff:
        async with staff.post(
            base + "/api/v1/workstation/session", json={"login": STAFF, "password": PASSWORD}
        ) as reply:
            if reply.status != 200:
                raise RuntimeError(f"{STAFF} could not sign in: {reply.status}")
        await _timed(figures, "inbox API", lambda: _get(staff, base + "/api/v1/workstation/inbox"))
        await _timed(figures, "inbox page", lambda: _get(staff, base + "/workstation"))
        await _timed(figures, "message log", lambda: _get(staff, base + "/gateway"))
    citizen = await Simulator(base, certs).sign_in(CITIZEN)
    async with citizen:

        async def cabinet_api() -> None:
            reply = await citizen.request("GET", "/api/v1/portal/applications")
            if reply.status != 200:
                raise RuntimeError(f"the cabinet answered {reply.status}")

        async def cabinet_page() -> None:
            reply = await citizen.request("GET", "/cabinet")
            if reply.status != 200:
                raise RuntimeError(f"the cabinet page answered {reply.status}")

        await _timed(figures, "cabinet API", cabinet_api)
        await _timed(figures, "cabinet page", cabinet_page)
    return figures


async def _get(session: aiohttp.ClientSession, url: str) -> None:
    async with session.get(url) as reply:
        await reply.read()
        if reply.status != 200:
            raise RuntimeError(f"{url} answered {reply.status}")


async def _timed(
    figures: dict[str, float], name: str, request: Callable[[], Awaitable[None]]
) -> None:
    for _ in range(WARM_UP):
        await request()
    took = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        await request()
        took.append((time.perf_counter() - started) * 1000)
    figures[f"{name} p50"] = statistics.median(took)
    figures[f"{name} p95"] = statistics.quantiles(took, n=20)[18]


def _peak_rss(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=APPLICATIONS)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument(
        "--keep", type=Path, metavar="DIR", help="fill into DIR and keep it (a new directory)"
    )
    kept.add_argument(
        "--reuse", type=Path, metavar="DIR", help="measure the history kept in DIR, not filling"
    )
    arguments = parser.parse_args()
    run(arguments.applications, arguments.database, arguments.keep, arguments.reuse)
