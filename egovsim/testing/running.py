"""Starting a simulator for a test: the session's test PKI made once for a loopback address, a
whole app in-process answering at that address in the test's event loop, or `egovsim serve` as
a subprocess on a free port, each with data of its own and stopped after."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.scenarios.targets import socket_url
from egovsim.simulator.served import Serve
from egovsim.testing.ports import address_in_use, free_port
from egovsim.testing.simulator import PASSWORD, Simulator

#: How long a subprocess simulator may take to answer (it makes its test PKI first).
START_SECONDS = 120.0
#: How many ports a subprocess simulator tries when the one drawn is taken before it binds.
START_ATTEMPTS = 3


def make_pki(directory: Path, base_url: str, now: datetime | None = None) -> Path:
    """A test PKI with every demo persona in `directory`, its certificates naming `base_url`
    for their CRLs and OCSP, valid around `now` (the real time by default)."""
    from egovsim.pki.authority import TestPki
    from egovsim.pki.personas import create_personas

    issued = now or datetime.now(UTC).replace(microsecond=0)
    create_personas(TestPki.init(directory, base_url, issued), issued, PASSWORD)
    return directory


@asynccontextmanager
async def in_process(
    listener: socket.socket,
    certs_template: Path,
    workdir: Path,
    serve: Serve,
    operator_token: str | None = None,
) -> AsyncIterator[Simulator]:
    """A whole simulator in this event loop, served by `serve` on `listener` (the address the
    PKI of `certs_template` names, so what the certificates point at is this simulator), with
    a copy of that PKI and a data directory of its own in `workdir`, guarded by
    `operator_token` when given; stopped on the way out."""
    certs = workdir / "certs"
    shutil.copytree(certs_template, certs)
    url = socket_url(listener)
    settings = Settings(
        data_dir=workdir / "data", certs_dir=certs, public_url=url, operator_token=operator_token
    )
    async with serve(settings, Clock(), listener):
        yield Simulator(url, certs, operator_token=operator_token)


@contextmanager
def subprocess_server(
    workdir: Path, port: int | None = None, operator_token: str | None = None
) -> Iterator[Simulator]:
    """`egovsim serve` of this Python on a free loopback port, with its own data and test PKI
    (made by the server at its start, for its own address) in `workdir`, guarded by
    `operator_token` when given; stopped after. When a drawn port turns out taken by the time
    the server binds it, it starts again on another."""
    for attempt in range(1, START_ATTEMPTS + 1):
        chosen = port or free_port()
        home = workdir if attempt == 1 else workdir / f"retry-{attempt}"
        home.mkdir(parents=True, exist_ok=True)
        process, log = _start(home, chosen, operator_token)
        try:
            url = f"http://127.0.0.1:{chosen}"
            if _wait_until_up(url, process, home / "serve.log"):
                yield Simulator(url, home / "certs", operator_token=operator_token)
                return
        finally:
            _stop(process)
            log.close()
        if port is not None:
            break
    raise RuntimeError(f"egovsim serve found its port taken {START_ATTEMPTS} times")


def _start(
    home: Path, port: int, operator_token: str | None
) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("EGOVSIM_")  # the server's own settings only
    }
    if operator_token:
        # In the environment, not on the command line, where any process could read it.
        env["EGOVSIM_OPERATOR_TOKEN"] = operator_token
    command = [sys.executable, "-m", "egovsim", "--data-dir", str(home / "data")]
    command += ["--certs", str(home / "certs"), "serve", "--port", str(port)]
    log = (home / "serve.log").open("wb")
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env), log


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> bool:
    """True once the server answers; False when it stopped because its port was taken."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace")
            if address_in_use(output):
                return False
            raise RuntimeError(f"egovsim serve stopped at its start: {output[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"egovsim serve did not answer at {url} within {START_SECONDS:g} s")
