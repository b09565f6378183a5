"""What the benchmarks share: a throw-away PKI, a timer, and the result table."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from egovsim.clock import utcnow
from egovsim.pki.authority import TestPki
from egovsim.pki.personas import create_personas
from egovsim.storage.database import read_saved

PASSWORD = "Qwerty12"


def scratch_directory() -> Path:
    """A temporary directory removed when the benchmark run ends."""
    directory = Path(tempfile.mkdtemp(prefix="egovsim-bench-"))
    atexit.register(shutil.rmtree, directory, True)
    return directory


def make_pki(base_url: str, directory: Path | None = None) -> TestPki:
    """A fresh PKI with the personas, in `directory` (by default a temporary one), dated from
    now."""
    directory = directory or scratch_directory()
    now = utcnow()
    pki = TestPki.init(directory, base_url, now)
    create_personas(pki, now, PASSWORD)
    return pki


def rate(action: Callable[[], object], seconds: float = 2.0, batch: int = 200) -> float:
    """Calls per second of `action`, measured for about `seconds` after a warm-up batch."""
    for _ in range(batch):
        action()
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for _ in range(batch):
            action()
        count += batch
    return count / (time.perf_counter() - started)


@dataclass
class Figure:
    """One measured figure with the target it is held against, if any."""

    name: str
    value: float
    unit: str
    target: str = ""

    def line(self) -> str:
        """The figure as a table row."""
        target = f"  (target {self.target})" if self.target else ""
        return f"  {self.name:<58} {self.value:>10.2f} {self.unit}{target}"


def report(title: str, figures: list[Figure]) -> dict[str, object]:
    """Print a block of figures and return them for the JSON record."""
    print(title)
    for figure in figures:
        print(figure.line())
    return {
        figure.name: {"value": round(figure.value, 3), "unit": figure.unit} for figure in figures
    }


def save(results: dict[str, object]) -> Path:
    """Write the run's figures under bench/results/ with the machine's description."""
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    path = out / "latest.json"
    results["machine"] = {"python": platform.python_version(), "processor": platform.machine()}
    path.write_text(json.dumps(results, indent=2))
    return path


def load_average() -> str:
    """The machine's load average (1, 5, 15 minutes), to read the figures beside."""
    try:
        with open("/proc/loadavg") as source:
            return " ".join(source.read().split()[:3])
    except OSError:
        return "unknown"


def free_port() -> int:
    """A loopback port nothing listens on (for a server the benchmark starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    pki: TestPki,
    port: int,
    data_dir: Path | None = None,
    environment: dict[str, str] | None = None,
    arguments: Sequence[str] = (),
    processes: int = 1,
) -> subprocess.Popen[bytes]:
    """`egovsim serve` in its own process on the PKI's directory (a fresh data directory unless
    one is given; `environment` adds EGOVSIM_* settings, `arguments` more of serve's), ready to
    answer; with `processes` above 1, `serve --processes` and every one of them answering."""
    if processes > 1:
        arguments = [*arguments, "--processes", str(processes)]
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "egovsim",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--certs",
            str(pki.directory),
            "--data-dir",
            str(data_dir or scratch_directory()),
            "--public-url",
            base,
            *arguments,
        ],
        env={**os.environ, **(environment or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Two minutes or more (1,200 tries): a machine busy with other work starts it in over 30 s.
    answering: set[int] = set()
    for _ in range(1200):
        if process.poll() is not None:
            raise RuntimeError("egovsim serve exited before it was ready")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as reply:
                answering.add(json.loads(reply.read())["pid"])
            if len(answering) >= processes:
                return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("egovsim serve did not become ready")


def server_cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """The CPU time (user and system, every thread) a server has used so far: its own process
    and, for `serve --processes`, each of the processes it started (those ended included)."""
    return _tree_cpu_seconds(server.pid)


def _tree_cpu_seconds(root: int) -> float:
    """The CPU time of process `root`, of the children it waited for, and of those running."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # ended meanwhile
            continue
        # utime, stime, cutime and cstime: the 14th to 17th fields (12th to 15th after the name).
        if stat.parent.name == str(root):
            total += sum(int(value) for value in fields[11:15])
        elif int(fields[1]) == root:  # a child running now: utime, stime
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop a server from `start_server` and wait for it to exit."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def raw_rsa_verify_rate() -> float:
    """Raw `cryptography` RSA-2048 verifications per second (PKCS#1 v1.5, SHA-256, 1 KiB) on
    one core: the yardstick printed beside figures that a busy machine lowers."""
    content = os.urandom(1024)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public, signature = key.public_key(), key.sign(content, padding.PKCS1v15(), hashes.SHA256())
    return rate(lambda: public.verify(signature, content, padding.PKCS1v15(), hashes.SHA256()))


def wait_until_delivered(database: Path | str, deadline: float) -> float:
    """Wait (until `deadline`, a `time.monotonic()` value) until the gateway of the server on
    `database` (its SQLite file or PostgreSQL URL) has delivered every message it accepted; the
    seconds it took."""
    started = time.monotonic()
    while time.monotonic() < deadline:
        found = read_saved(
            database, ["SELECT COUNT(*) FROM gateway_messages WHERE state = 'ON_DELIVERY'"]
        )
        if found is not None and found[0][0][0] == 0:
            break
        time.sleep(0.2)
    return time.monotonic() - started


@contextlib.contextmanager
def postgresql_database() -> Iterator[str]:
    """The URL of a new database on a throwaway PostgreSQL cluster (as the tests make one),
    stopped and removed at the end."""
    from tests import pg_cluster

    cluster = pg_cluster.start()
    try:
        _, url = pg_cluster.new_database(cluster.url, cluster.bindir)
        yield url
    finally:
        pg_cluster.stop(cluster.directory, cluster.bindir)


def postgresql_cpu_seconds(url: str) -> float:
    """The CPU time (user and system) the PostgreSQL server at `url` has used so far: its
    postmaster, the backends running now, and those ended (which the postmaster waited for)."""
    from egovsim.storage.database import read_saved

    found = read_saved(url, ["SELECT setting FROM pg_settings WHERE name = 'data_directory'"])
    if not found:
        return 0.0
    postmaster = int((Path(found[0][0][0]) / "postmaster.pid").read_text().split()[0])
    return _tree_cpu_seconds(postmaster)


def data_directory(process: subprocess.Popen[bytes]) -> Path:
    """The data directory a server from `start_server` was given."""
    arguments = list(process.args)  # type: ignore[arg-type]
    return Path(str(arguments[arguments.index("--data-dir") + 1]))
