"""The pytest plugin (entry point `pytest11: egovsim`): fixtures for a simulator in-process or as
a subprocess, and the session's personas. Every fixture name starts with `egovsim_` and none is
autouse, so a suite that does not ask for them is not touched.

- `egovsim_simulator`: a whole simulator in the test's event loop (async tests), on the session's
  loopback address, with fresh data for each test; its clock runs on real time.
- `egovsim_server`: `egovsim serve` as a subprocess on a free port, once a session (sync or async
  tests; `await egovsim_server.reset()` between tests that need a clean demo).
- `egovsim_pki`: the session's test PKI, made once (a few seconds) for that loopback address.
- `egovsim_persona`: `egovsim_persona("citizen-valid")`, a persona of that PKI with its keystores.
- `egovsim_operator_token`: the operator's secret both simulators are started with (a new one
  each session unless `--egovsim-operator-token` says; `none` starts them open); the
  `Simulator` helpers send it.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from egovsim.scenarios.actors import Personas
from egovsim.scenarios.targets import loopback_socket, socket_url
from egovsim.testing.personas import Persona, load_persona
from egovsim.testing.running import in_process, make_pki, subprocess_server
from egovsim.testing.simulator import PASSWORD, Simulator

try:
    import pytest_asyncio

    ASYNC_FIXTURES = True
except ImportError:  # pragma: no cover - egovsim[test] brings it
    ASYNC_FIXTURES = False


#: The option's value that starts the simulators without an operator secret.
OPEN = "none"


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--egovsim-operator-token SECRET`: the simulators' operator secret (`none`: open)."""
    parser.getgroup("egovsim").addoption(
        "--egovsim-operator-token",
        metavar="SECRET",
        default=None,
        help="the operator's secret egovsim's simulators start with and its helpers send "
        f"(default: a new one each session; '{OPEN}': none, every operator route open)",
    )


@pytest.fixture(scope="session")
def egovsim_operator_token(request: pytest.FixtureRequest) -> str | None:
    """The operator's secret of the session's simulators: another process on this machine
    cannot move their clocks or reset them; None when started open."""
    return operator_token_for(request.config.getoption("--egovsim-operator-token"))


def operator_token_for(chosen: str | None) -> str | None:
    """The secret for the option's value: a new one when none was given, None for `none`."""
    if chosen is None:
        return secrets.token_urlsafe(24)
    return None if chosen == OPEN else chosen


@pytest.fixture(scope="session")
def egovsim_address() -> Iterator[socket.socket]:
    """The session's loopback address, held open: the test PKI names it, and each test's
    in-process simulator answers on it."""
    listener = loopback_socket()
    try:
        yield listener
    finally:
        listener.close()


@pytest.fixture(scope="session")
def egovsim_pki(egovsim_address: socket.socket, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's test PKI with every demo persona, valid around the session's start."""
    return make_pki(tmp_path_factory.mktemp("egovsim-pki") / "certs", socket_url(egovsim_address))


@pytest.fixture
def egovsim_persona(egovsim_pki: Path) -> Callable[[str], Persona]:
    """`egovsim_persona("citizen-valid")`: a persona of the session's PKI with its keystores."""
    personas = Personas(egovsim_pki, PASSWORD)

    def persona(persona_id: str) -> Persona:
        return load_persona(personas, persona_id)

    return persona


async def _in_process(
    address: socket.socket, pki: Path, workdir: Path, operator_token: str | None
) -> AsyncIterator[Simulator]:
    # The kit's one use of the web front end: an in-process simulator answers HTTP.
    from egovsim.web.serving import serve

    async with in_process(address, pki, workdir, serve, operator_token) as simulator:
        yield simulator


if ASYNC_FIXTURES:

    @pytest_asyncio.fixture
    async def egovsim_simulator(
        egovsim_address: socket.socket,
        egovsim_pki: Path,
        egovsim_operator_token: str | None,
        tmp_path: Path,
    ) -> AsyncIterator[Simulator]:
        """A whole simulator in the test's event loop with data of its own, stopped after."""
        workdir = tmp_path / "egovsim"
        async for simulator in _in_process(
            egovsim_address, egovsim_pki, workdir, egovsim_operator_token
        ):
            yield simulator

else:  # pragma: no cover

    @pytest.fixture
    def egovsim_simulator() -> Any:
        """Needs pytest-asyncio: an in-process simulator runs in the test's event loop."""
        raise pytest.UsageError(
            "egovsim_simulator needs pytest-asyncio (pip install 'egovsim[test]'); "
            "egovsim_server works without it"
        )


@pytest.fixture(scope="session")
def egovsim_server(
    egovsim_operator_token: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Simulator]:
    """`egovsim serve` as a subprocess on a free loopback port for the session."""
    workdir = tmp_path_factory.mktemp("egovsim-server")
    with subprocess_server(workdir, operator_token=egovsim_operator_token) as simulator:
        yield simulator
