"""`egovsim serve --processes 2` on one loopback port: both processes answer, signed portal
submissions and gateway messages go through them, a process killed with SIGKILL is replaced by
the supervisor, every accepted message is delivered and applied once, and SIGTERM to the
supervisor stops every process it started."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from egovsim.cli import build_parser, settings_for
from egovsim.config import settings_from_env
from egovsim.testing.ports import free_port
from tests.conftest import BASE_URL
from tests.instances import API, Applicant, Instance, rows, settled
from tests.test_gateway_crash import _message
from tests.test_workstation import day_in_certificate_window

#: Signed portal submissions and unsigned gateway messages, half of each before a kill.
SUBMISSIONS = 6
MESSAGES = 20


def _answering_pid(url: str) -> int | None:
    """The pid in the `/healthz` of whichever process takes a new connection."""
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as reply:
            return int(json.loads(reply.read())["pid"])
    except (OSError, ValueError):
        return None


def _pids_answering(url: str, expected: int, tries: int = 400) -> set[int]:
    """The processes seen answering over new connections, until `expected` of them were."""
    seen: set[int] = set()
    for _ in range(tries):
        pid = _answering_pid(url)
        if pid is not None:
            seen.add(pid)
        if len(seen) >= expected:
            break
    return seen


def _parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rpartition(")")[2].split()[1])


def _send(url: str, message_id: str) -> bool:
    """Whether the gateway answered 'accepted' to the message (False when the process that
    took the connection was killed under it)."""
    request = urllib.request.Request(
        url + "/shep/async", data=_message(message_id), headers={"Content-Type": "text/xml"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


async def _submit_all(applicant: Applicant, url: str, work: list[tuple[int, bytes]]) -> list[int]:
    """Submit each signature, once more when no process answered (a connection to the killed
    one); the ids answered 200."""
    accepted = []
    for number, signature in work:
        status = await applicant.submit(url, number, signature)
        if status is None:
            status = await applicant.submit(url, number, signature)
        if status == 200:
            accepted.append(number)
    return accepted


def _clocks_agree(url: str, moment: datetime) -> bool:
    """Whether both processes serve the clock set at `moment` (the other one reads it from the
    database within its refresh period)."""
    times: dict[int, datetime] = {}
    for _ in range(200):
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as reply:
                health = json.loads(reply.read())
        except OSError:
            continue
        times[int(health["pid"])] = datetime.fromisoformat(health["time"])
        if len(times) == 2:
            break
    return len(times) == 2 and all(abs(t - moment) < timedelta(hours=1) for t in times.values())


async def _replaced(url: str, killed: int, supervisor: int) -> set[int]:
    """The two processes answering once the supervisor has replaced `killed`."""
    deadline = time.monotonic() + 120
    while True:
        answering = await asyncio.to_thread(_pids_answering, url, 2)
        if (len(answering) == 2 and killed not in answering) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert killed not in answering and len(answering) == 2, answering
    assert {_parent_of(pid) for pid in answering} == {supervisor}
    return answering


async def _until_settled(database: Path) -> None:
    deadline = time.monotonic() + 120
    while not settled(database) and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
    assert settled(database), "a message or a registration is still on its way"


@pytest.mark.long
async def test_two_processes_answer_on_one_port_replace_a_killed_one_and_apply_each_message_once(
    certs_dir, tmp_path, persona, monkeypatch
) -> None:
    # The gateway messages come as the portal without WS-Security: the subject is the serving.
    monkeypatch.setenv("EGOVSIM_WSS_OPTIONAL", "egov-portal")
    data = tmp_path / "data"
    database = data / "egovsim.sqlite3"
    server = Instance(certs_dir, data, None, "--processes", "2")
    server.start()
    assert server.process is not None
    supervisor = server.process.pid
    accepted: list[str] = []
    submitted: list[int] = []
    try:
        first = await asyncio.to_thread(_pids_answering, server.url, 2)
        assert len(first) == 2, f"one process answered all: {first}"
        assert {_parent_of(pid) for pid in first} == {supervisor}
        async with aiohttp.ClientSession() as http:
            # Signed submissions through the portal (its in-process gateway hop), at NOW.
            applicant = Applicant(http, persona("citizen-valid"))
            await applicant.log_in(server.url)
            work = [await applicant.signed_draft([server.url]) for _ in range(SUBMISSIONS)]
            submitted += await _submit_all(applicant, server.url, work[: SUBMISSIONS // 2])
            os.kill(min(first), signal.SIGKILL)  # one process goes, the supervisor stays
            second = await _replaced(server.url, min(first), supervisor)
            submitted += await _submit_all(applicant, server.url, work[SUBMISSIONS // 2 :])
            await _until_settled(database)
            for number in submitted:
                view = json.loads(await applicant.call(server.url, "GET", f"{API}/{number}", 200))
                assert view["provider_number"], view
            # Messages to the gateway's SOAP endpoint, in the passport's acceptance window: the
            # clock set through one process is served by both.
            window = day_in_certificate_window(9, 1)
            await applicant.call(
                server.url, "POST", "/api/v1/clock", 200, json={"set": window.isoformat()}
            )
            deadline = time.monotonic() + 60
            while not await asyncio.to_thread(_clocks_agree, server.url, window):
                assert time.monotonic() < deadline, "the processes serve different clocks"
                await asyncio.sleep(0.5)
            for message in range(MESSAGES):
                if message == MESSAGES // 2:
                    os.kill(max(second), signal.SIGKILL)  # while the first half is delivered
                    children = await _replaced(server.url, max(second), supervisor)
                message_id = str(uuid.uuid4())
                if await asyncio.to_thread(_send, server.url, message_id):
                    accepted.append(message_id)
            await _until_settled(database)
    finally:
        server.stop()
    assert server.process.returncode == 0, "the supervisor stops cleanly on SIGTERM"
    assert not any(Path(f"/proc/{pid}").exists() for pid in children), "a process outlived it"
    assert len(submitted) == SUBMISSIONS and len(accepted) == MESSAGES
    states = dict(rows(database, "SELECT message_id, state FROM gateway_messages"))
    applied = [
        row[0]
        for row in rows(
            database,
            "SELECT gateway_message_id FROM applications WHERE gateway_message_id IS NOT NULL",
        )
    ]
    assert all(states[m] == "DELIVERED" for m in accepted), [states[m] for m in accepted]
    assert len(applied) == len(set(applied)), "a message applied twice at the workstation"
    portal = dict(rows(database, "SELECT id, message_id FROM portal_applications"))
    assert set(accepted) | {portal[number] for number in submitted} == set(applied)


def _serve(*options: str, certs: Path, data: Path) -> subprocess.CompletedProcess[str]:
    """`egovsim serve` run to its end (two minutes at most), its output kept."""
    return subprocess.run(
        [
            *(sys.executable, "-m", "egovsim", "serve", *options),
            *("--certs", str(certs), "--data-dir", str(data), "--public-url", BASE_URL),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_serve_with_processes_refuses_a_port_already_served_instead_of_sharing_it(
    certs_dir, tmp_path
) -> None:
    # Another server's processes listening with SO_REUSEPORT, as `serve --processes` does: a
    # second one would otherwise join them and take half of their connections.
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        ended = _serve(
            "--port", str(port), "--processes", "2", certs=certs_dir, data=tmp_path / "data"
        )
    assert ended.returncode == 1
    assert f"port {port} on 127.0.0.1 is taken" in ended.stderr
    assert "answering" not in ended.stdout


def test_serve_with_processes_stops_with_the_reason_when_its_first_process_cannot_start(
    certs_dir, tmp_path
) -> None:
    # Nothing listens on port 9: the first process cannot open its database.
    ended = _serve(
        *("--port", str(free_port()), "--processes", "2"),
        *("--database-url", "postgresql://egovsim@127.0.0.1:9/none"),
        certs=certs_dir,
        data=tmp_path / "data",
    )
    assert ended.returncode == 1
    assert "process 1 ended during start-up (exit code 1); stopping the others" in ended.stderr
    assert "answering" not in ended.stdout


def test_the_number_of_processes_is_a_whole_number_from_one() -> None:
    assert settings_from_env({"EGOVSIM_PROCESSES": "3"}).processes == 3
    assert settings_from_env({}).processes == 1
    with pytest.raises(ValueError, match="EGOVSIM_PROCESSES must be a positive whole number"):
        settings_from_env({"EGOVSIM_PROCESSES": "0"})
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--processes", "none"])
    assert settings_for(build_parser().parse_args(["serve", "--processes", "2"])).processes == 2
