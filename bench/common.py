"""What the benchmarks share: a throw-away PKI, a timer, and the result table."""

from __future__ import annotations

import atexit
import json
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from egovsim.clock import utcnow
from egovsim.pki.authority import TestPki
from egovsim.pki.personas import create_personas

PASSWORD = "Qwerty12"


def scratch_directory() -> Path:
    """A temporary directory removed when the benchmark run ends."""
    directory = Path(tempfile.mkdtemp(prefix="egovsim-bench-"))
    atexit.register(shutil.rmtree, directory, True)
    return directory


def make_pki(base_url: str) -> TestPki:
    """A fresh PKI with the personas, in a temporary directory, dated from now."""
    directory = scratch_directory()
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


def free_port() -> int:
    """A loopback port nothing listens on (for a server the benchmark starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(pki: TestPki, port: int) -> subprocess.Popen[bytes]:
    """`egovsim serve` in its own process on the PKI's directory, ready to answer."""
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
            str(scratch_directory()),
            "--public-url",
            base,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):  # about 30 s at most
        if process.poll() is not None:
            raise RuntimeError("egovsim serve exited before it was ready")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as reply:
                if reply.status == 200:
                    return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("egovsim serve did not become ready")


def data_directory(process: subprocess.Popen[bytes]) -> Path:
    """The data directory a server from `start_server` was given."""
    arguments = list(process.args)  # type: ignore[arg-type]
    return Path(str(arguments[arguments.index("--data-dir") + 1]))
