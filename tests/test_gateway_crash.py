"""Crash test: the server is killed with SIGKILL while it accepts and delivers, and restarted,
several times; every message it accepted is then delivered and applied exactly once, on the
SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from egovsim.storage.database import read_saved
from egovsim.testing.ports import free_port
from tests.conftest import BASE_URL, BOTH_DATABASES, soap_envelope
from tests.test_workstation import day_in_certificate_window, passport_request

ASYNC = "http://bip.bee.kz/AsyncChannel/v10/Types"
PASSPORT = "shymkent-energy-readiness-passport"


def _message(message_id: str) -> bytes:
    payload = json.dumps(passport_request()).replace("&", "&amp;").replace("<", "&lt;")
    return soap_envelope(
        f'<ns:sendMessage xmlns:ns="{ASYNC}"><request><messageInfo>'
        f"<messageId>{message_id}</messageId><serviceId>{PASSPORT}</serviceId>"
        f"<messageType>REQUEST</messageType><messageDate>2027-09-01T10:00:00+05:00</messageDate>"
        f"<sender><senderId>egov-portal</senderId><password>Qwerty12</password></sender>"
        f"</messageInfo><messageData><data>{payload}</data></messageData></request>"
        f"</ns:sendMessage>"
    )


class Server:
    """`egovsim serve` in its own process, on a loopback port."""

    def __init__(self, certs: Path, data: Path, database_url: str | None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {
            **os.environ,
            "EGOVSIM_CLOCK": day_in_certificate_window(9, 1).isoformat(),
            # The test sends as the portal without WS-Security: its subject is durability.
            "EGOVSIM_WSS_OPTIONAL": "egov-portal",
            # A killed server's claims end soon, so the next one delivers what it held.
            "EGOVSIM_WORKER_LEASE": "3",
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "egovsim",
                "serve",
                "--port",
                str(self.port),
                "--certs",
                str(certs),
                "--data-dir",
                str(data),
                "--public-url",
                BASE_URL,
                *(["--database-url", database_url] if database_url else []),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=environment,
        )
        for _ in range(1200):  # 2 minutes at most: a machine busy with other work starts slowly
            if self.process.poll() is not None:
                raise AssertionError("the server exited during start-up")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server did not start")

    def send(self, message_id: str) -> bool:
        """Whether the gateway answered 'accepted'."""
        request = urllib.request.Request(
            self.url + "/shep/async",
            data=_message(message_id),
            headers={"Content-Type": "text/xml"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as reply:
                return reply.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _rows(database: Path | str, query: str) -> list[tuple[str, ...]]:
    found = read_saved(database, [query])
    assert found is not None, f"the database cannot be read: {database}"
    return [tuple(row) for row in found[0]]


def _pending(database: Path | str) -> int:
    query = "SELECT COUNT(*) FROM gateway_messages WHERE state = 'ON_DELIVERY'"
    return int(_rows(database, query)[0][0])


@pytest.mark.long
@pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)
def test_killed_servers_lose_nothing_and_apply_every_message_once(
    certs_dir, tmp_path, database_url
) -> None:
    data = tmp_path / "data"
    accepted: list[str] = []
    for _round in range(3):
        server = Server(certs_dir, data, database_url)
        for _ in range(25):
            message_id = str(uuid.uuid4())
            if server.send(message_id):
                accepted.append(message_id)
        server.kill()  # mid-delivery: the worker is still handing messages to the workstation
    server = Server(certs_dir, data, database_url)
    try:
        database = database_url or data / "egovsim.sqlite3"
        deadline = time.monotonic() + 120  # the last killed server's claims end first
        while _pending(database) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _pending(database) == 0
    finally:
        server.stop()
    states = dict(_rows(database, "SELECT message_id, state FROM gateway_messages"))
    applied = [
        row[0]
        for row in _rows(
            database,
            "SELECT gateway_message_id FROM applications WHERE gateway_message_id IS NOT NULL",
        )
    ]
    assert len(accepted) == 75
    assert all(states[m] == "DELIVERED" for m in accepted)
    assert sorted(applied) == sorted(accepted), "each accepted message applied exactly once"
