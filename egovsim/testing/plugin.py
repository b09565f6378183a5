"""The pytest plugin (entry point `pytest11: egovsim`): fixtures for a simulator in-process or as
a subprocess, and the session's personas. Every fixture name starts with `egovsim_` and none is
autouse, so a suite that does not ask for them is not touched.

- `egovsim_simulator`: a whole simulator in the test's event loop (async tests), on the session's
  loopback address, with fresh data for each test; its clock runs on real time.
- `egovsim_server`: `egovsim serve` as a subprocess on a free port, once a session (sync or async
  tests; `await egovsim_server.reset()` between tests that need a clean demo).
- `egovsim_pki`: the session's test PKI, made once (a few seconds) for that loopback address.
- `egovsim_persona`: `egovsim_persona("citizen-valid")`, a persona of that PKI with its keystores.
"""

from __future__ import annotations

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


async def _in_process(address: socket.socket, pki: Path, workdir: Path) -> AsyncIterator[Simulator]:
    async with in_process(address, pki, workdir) as simulator:
        yield simulator


if ASYNC_FIXTURES:

    @pytest_asyncio.fixture
    async def egovsim_simulator(
        egovsim_address: socket.socket, egovsim_pki: Path, tmp_path: Path
    ) -> AsyncIterator[Simulator]:
        """A whole simulator in the test's event loop with data of its own, stopped after."""
        async for simulator in _in_process(egovsim_address, egovsim_pki, tmp_path / "egovsim"):
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
def egovsim_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    """`egovsim serve` as a subprocess on a free loopback port for the session."""
    with subprocess_server(tmp_path_factory.mktemp("egovsim-server")) as simulator:
        yield simulator
