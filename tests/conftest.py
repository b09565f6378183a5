"""Shared fixtures: one test PKI per session made relative to a frozen clock, copied per test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.pki.authority import TestPki
from egovsim.pki.keystore import Keystore, load_keystore
from egovsim.pki.personas import create_personas, load_personas
from egovsim.signatures.fetching_http import HttpFetcher
from egovsim.signatures.revocation import FetchError
from egovsim.web.app import create_app

#: Every test runs at this simulated time: today's time truncated to the second, so the
#: certificates made for the session are valid whatever day the suite runs.
NOW = datetime.now(UTC).replace(microsecond=0)
PASSWORD = "Qwerty12"
#: The address the session's certificates point at: loopback, a port nothing listens on.
#: Tests that need the HTTP endpoints route that address to their own server.
BASE_URL = "http://127.0.0.1:9"

#: `--cpu-durations=N` and `--cpu-log=PATH`: what each test costs in CPU seconds; pytester runs
#: a suite of its own to test them.
pytest_plugins = ["tests.cpu_times", "pytester"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked `long` first, the rest in their order: xdist hands tests out in this
    order, so the longest ones start at once instead of keeping one worker busy at the end."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(scope="session")
def pki_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's PKI with every persona (made once: key generation is slow)."""
    directory = tmp_path_factory.mktemp("pki-template")
    pki = TestPki.init(directory, BASE_URL, NOW)
    create_personas(pki, NOW, PASSWORD)
    return directory


@pytest.fixture
def certs_dir(pki_template: Path, tmp_path: Path) -> Path:
    """A private copy of the session's PKI, free to revoke in."""
    target = tmp_path / "certs"
    shutil.copytree(pki_template, target)
    return target


@pytest.fixture
def pki(certs_dir: Path) -> TestPki:
    """The test's PKI."""
    return TestPki.open(certs_dir)


@pytest.fixture
def clock() -> Clock:
    """The simulator's clock, frozen at the session's NOW."""
    return Clock(frozen_at=NOW)


@pytest.fixture
def settings(certs_dir: Path, tmp_path: Path, database_url: str | None) -> Settings:
    """Settings for a test: its own data and certs directories, the clock frozen at NOW, and
    its own database (the SQLite file in its data directory unless it asks for PostgreSQL)."""
    return Settings(
        data_dir=tmp_path / "data",
        certs_dir=certs_dir,
        public_url=BASE_URL,
        clock_frozen_at=NOW,
        database_url=database_url,
    )


# -- PostgreSQL ----------------------------------------------------------------------------------

#: Both dialects, for `pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)`:
#: the test's id says which it ran on.
BOTH_DATABASES = ["sqlite", "postgresql"]


@dataclass
class PostgresCluster:
    """The cluster the tests make their databases on, and the databases left to drop."""

    url: str
    finished: list[str]

    def drop_finished(self) -> None:
        """Drop the databases of finished tests (not at a test's own teardown: an app some
        other fixture holds may still be closing its connections then)."""
        from tests import pg_cluster

        while self.finished:
            pg_cluster.drop_database(self.url, self.finished.pop())


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster | None]:
    """A PostgreSQL cluster: `.ci/run`'s (EGOVSIM_TEST_DATABASE_URL, the URL of its `postgres`
    database), else a throwaway one of this worker's; None without PostgreSQL."""
    from tests import pg_cluster

    given = os.environ.get("EGOVSIM_TEST_DATABASE_URL")
    if given:
        shared = PostgresCluster(given, [])
        yield shared
        shared.drop_finished()
        return
    if pg_cluster.binaries() is None:
        yield None
        return
    cluster = pg_cluster.start()
    try:
        yield PostgresCluster(cluster.url, [])
    finally:
        pg_cluster.stop(cluster.directory, cluster.bindir)


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster | None) -> Iterator[str]:
    """A new empty PostgreSQL database of the test's own; the test is skipped (failed, under
    EGOVSIM_REQUIRE_POSTGRES=1 as in CI) without PostgreSQL."""
    from tests import pg_cluster

    if postgres_cluster is None:
        reason = "PostgreSQL is not installed (no initdb); `.ci/run` installs it"
        if os.environ.get("EGOVSIM_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    postgres_cluster.drop_finished()
    name, url = pg_cluster.new_database(postgres_cluster.url)
    yield url
    postgres_cluster.finished.append(name)


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str | None:
    """The test's `Settings.database_url`: None (the SQLite file) unless parametrised with
    "postgresql" (see BOTH_DATABASES), or unless EGOVSIM_TEST_DIALECT=postgresql runs every
    test that is not parametrised on PostgreSQL."""
    kind = getattr(request, "param", os.environ.get("EGOVSIM_TEST_DIALECT", "sqlite"))
    if kind == "sqlite":
        return None
    assert kind == "postgresql", kind
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def database_location(database_url: str | None, tmp_path: Path) -> Path | str:
    """Where the test's database is: the PostgreSQL URL, or a SQLite file of its own."""
    return database_url or tmp_path / "egovsim.sqlite3"


@dataclass(frozen=True)
class Persona:
    """A demo persona as a test uses it."""

    id: str
    iin: str
    bin: str | None
    expected_code: str | None
    sign: Keystore | None
    auth: Keystore


@pytest.fixture(scope="session")
def _opened_keystores() -> dict[Path, Keystore]:
    # Opening a PKCS#12 runs its key derivation: a tenth of a second each, so once a session.
    return {}


@pytest.fixture
def persona(pki_template: Path, certs_dir: Path, _opened_keystores: dict[Path, Keystore]) -> Any:
    """`persona("citizen-valid")` opens that persona's keystores."""
    listing = {entry["id"]: entry for entry in load_personas(certs_dir)}

    def keystore(relative: str) -> Keystore:
        path = pki_template / relative
        if path not in _opened_keystores:
            _opened_keystores[path] = load_keystore(path, PASSWORD)
        return _opened_keystores[path]

    def open_persona(persona_id: str) -> Persona:
        entry = listing[persona_id]
        stores = {usage: keystore(info["file"]) for usage, info in entry["keystores"].items()}
        return Persona(
            persona_id,
            entry["iin"],
            entry["bin"],
            entry["expected_code"],
            stores.get("sign"),
            stores["auth"],
        )

    return open_persona


class RoutedFetcher:
    """Fetches over real HTTP, sending the certificates' address to the test's own server."""

    def __init__(self, http: HttpFetcher, server_url: str) -> None:
        self._http = http
        self._server = server_url.rstrip("/")
        self.requests: list[str] = []

    def _route(self, url: str) -> str:
        self.requests.append(url)
        if not url.startswith(BASE_URL + "/"):
            raise FetchError(f"tests fetch only from the test server, not {url}")
        return self._server + url[len(BASE_URL) :]

    async def get(self, url: str) -> bytes:
        return await self._http.get(self._route(url))

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        return await self._http.post(self._route(url), body, content_type)


@pytest.fixture
async def server(settings: Settings, clock: Clock) -> AsyncIterator[TestServer]:
    """The whole app on a loopback port, stopped after the test."""
    app: web.Application = create_app(settings, clock)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    try:
        yield test_server
    finally:
        await test_server.close()


@pytest.fixture
async def client(server: TestServer) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """An HTTP client of the test's server."""
    async with TestClient(server) as test_client:
        yield test_client


@pytest.fixture
async def fetcher(server: TestServer) -> AsyncIterator[RoutedFetcher]:
    """A verifier's fetcher that reaches the test's server."""
    async with HttpFetcher(timeout=5) as http:
        yield RoutedFetcher(http, str(server.make_url("/")))


#: The installed `egovsim` console script of this virtual environment.
CONSOLE_SCRIPT = Path(sys.executable).parent / "egovsim"


def console(
    *args: str | Path, cwd: Path, clock: datetime = NOW
) -> subprocess.CompletedProcess[str]:
    """Run the installed `egovsim` console script with its clock frozen at `clock`."""
    assert CONSOLE_SCRIPT.is_file(), f"the console script is not installed at {CONSOLE_SCRIPT}"
    env = {**os.environ, "EGOVSIM_CLOCK": clock.isoformat()}
    env.pop("EGOVSIM_CERTS", None)
    return subprocess.run(
        [str(CONSOLE_SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
        timeout=60,
    )


def later(days: float = 0, **kwargs: float) -> datetime:
    """NOW moved forward."""
    return NOW + timedelta(days=days, **kwargs)


# -- the gateway ---------------------------------------------------------------------------------


def soap_envelope(body: str) -> bytes:
    """A SOAP 1.1 envelope around a Body's content."""
    return (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<soapenv:Header/><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


#: The seeded senders the gateway's own tests send as without WS-Security (their subject is the
#: gateway's delivery, not the signatures: `tests/test_wss_required.py` holds the default).
UNSIGNED_SENDERS = frozenset({"egov-portal", "arm-rshep", "gk-almaty"})


@pytest.fixture
def gateway_settings(settings: Settings) -> Settings:
    return settings.with_overrides(
        gateway_worker=False,
        gateway_first_backoff=0.0,
        gateway_max_attempts=3,
        wss_optional_senders=UNSIGNED_SENDERS,
    )


@pytest.fixture
async def shep(gateway_settings) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """The whole app with the delivery worker off: tests deliver with `deliver_due()`."""
    from tests.test_workstation import day_in_certificate_window

    clock = Clock(frozen_at=day_in_certificate_window(9, 1))
    async with TestClient(TestServer(create_app(gateway_settings, clock), host="127.0.0.1")) as c:
        yield c


class ProviderSystem:
    """A loopback stand-in for an external provider system's IAsyncChannelClient endpoint."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[bytes] = []
        self.fail_first = fail_first

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append(body)
        if len(self.received) <= self.fail_first:
            return web.Response(status=503, text="busy")
        answer = soap_envelope(
            '<ns:sendMessageResponse xmlns:ns="http://bip.bee.kz/AsyncChannel/v10/Types">'
            "<response><messageId>x</messageId><correlationId>x</correlationId>"
            "<responseDate>2027-09-01T10:00:00+05:00</responseDate></response>"
            "</ns:sendMessageResponse>"
        )
        return web.Response(body=answer, content_type="text/xml")


@pytest.fixture
async def provider_system() -> AsyncIterator[tuple[ProviderSystem, str]]:
    system = ProviderSystem(fail_first=1)
    app = web.Application()
    app.router.add_post("/provider", system.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield system, str(server.make_url("/provider"))
    finally:
        await server.close()
