"""`egovsim scenario run` in-process is a world of its own: with a simulator running at the
settings' address and a certs directory issued for it, the run uses neither (its certificates
ask its own simulators for CRLs and OCSP answers, on their own clock) and says so."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from egovsim.cli import main
from egovsim.pki.authority import TestPki
from egovsim.pki.personas import create_personas
from tests.conftest import NOW, PASSWORD

#: A signature checked for revocation: the verifier asks OCSP (or the CRLs) where the
#: certificate says.
REVOKED = """\
suite: revoked
scenarios:
  - name: a revoked signing certificate is refused (CERT_REVOKED)
    clock: issued-3d
    steps:
      - login: citizen-revoked
      - clock: {set: working-morning}
      - order:
          service: almaty-small-vessel-licence
          variant: duplicate
          form: {request-kind: duplicate}
          attach: {application: pdf, identity-document: jpeg, photo: png}
      - sign: {persona: citizen-revoked}
        refused: CERT_REVOKED
"""


class _Running(BaseHTTPRequestHandler):
    """A simulator already running, on another clock: every answer it gives is useless."""

    seen: list[str]

    def _refuse(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _refuse

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def running() -> Iterator[tuple[str, list[str]]]:
    """A stand-in for `make run`: its address, and the requests it received."""
    seen: list[str] = []
    handler = type("Handler", (_Running,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EGOVSIM_CLOCK", "EGOVSIM_CERTS", "EGOVSIM_DATA", "EGOVSIM_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.long
def test_an_in_process_run_never_asks_the_running_simulator(
    running: tuple[str, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address, seen = running
    # The running simulator's certs directory: its certificates point at it.
    certs = tmp_path / "certs"
    create_personas(TestPki.init(certs, address, NOW), NOW, PASSWORD)
    revocations = tmp_path / "revoked.yaml"
    revocations.write_text(REVOKED, encoding="utf-8")

    code = main(
        ["--certs", str(certs), "--public-url", address, "scenario", "run", str(revocations)]
    )

    err = capsys.readouterr().err
    assert code == 0, err
    assert seen == [], "the in-process run sent requests to the running simulator"
    assert "in-process: each scenario on a simulator of its own at http://127.0.0.1:" in err
    assert f"{certs} and any simulator at {address} are not used" in err
    assert "1 passed, 0 failed" in err
