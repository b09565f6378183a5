"""`egovsim serve` instances in processes of their own on one database, and the demo citizen
submitting signed requests to them over the portal's API: what the tests of several instances
(`test_two_instances.py`, `test_load_balancer.py`) share."""

from __future__ import annotations

import base64
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp

from egovsim.scenarios.steps.base import CONTENT_BYTES
from egovsim.signatures import cms
from egovsim.storage.database import read_saved
from egovsim.testing.ports import free_port
from tests.conftest import BASE_URL, NOW, PASSWORD

API = "/api/v1/portal/applications"
DRAFT = {
    "service": "almaty-small-vessel-licence",
    "variant": "duplicate",
    "form": {"request-kind": "duplicate"},
}
ATTACHMENTS = {"application": "pdf", "identity-document": "jpeg", "photo": "png"}
#: Short leases and rounds, so a killed instance's claims and leftovers are taken over quickly.
LEASE_SECONDS = "2"


class Instance:
    """One `egovsim serve` (with `options`) in its own process, on a port it keeps across
    restarts; or, as `command` "work", the workers alone, with no port to answer on."""

    def __init__(
        self,
        certs: Path,
        data: Path,
        database_url: str | None,
        *options: str,
        command: str = "serve",
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = command
        listening = ("--port", str(self.port)) if command == "serve" else ()
        self._arguments = [
            *(sys.executable, "-m", "egovsim", command, *listening, *options),
            *("--certs", str(certs), "--data-dir", str(data), "--public-url", BASE_URL),
            *(["--database-url", database_url] if database_url else []),
        ]
        self._environment = {
            **os.environ,
            "EGOVSIM_CLOCK": NOW.isoformat(),
            "EGOVSIM_WORKER_LEASE": LEASE_SECONDS,
            "EGOVSIM_JOBS_EVERY": LEASE_SECONDS,
            "EGOVSIM_MAX_OPEN_DRAFTS": "100",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it and wait until it answers (two minutes at most on a busy machine)."""
        self.process = subprocess.Popen(
            self._arguments,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=self._environment,
        )
        if self.command != "serve":
            return  # the workers answer nothing: what they do is seen in the database
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the instance on {self.port} exited during start-up")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"the instance on {self.port} did not start")

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, claims and leases left behind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop it if it runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class Applicant:
    """The demo citizen on the portal's API, its session good on either instance."""

    def __init__(self, http: aiohttp.ClientSession, who: Any) -> None:
        self.http = http
        self.who = who
        self.headers: dict[str, str] = {}

    async def call(self, base: str, method: str, path: str, expected: int, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        async with self.http.request(method, base + path, headers=headers, **kwargs) as reply:
            body = await reply.read()
            assert reply.status == expected, f"{method} {path}: {reply.status} {body[:300]!r}"
            return body

    async def log_in(self, base: str) -> None:
        """Sign a challenge of `base` with the AUTH key and log in there."""
        async with self.http.post(base + "/api/v1/auth/challenge") as reply:
            challenge = await reply.json()
        auth = self.who.auth
        signed = cms.sign(
            base64.b64decode(challenge["nonce"]), auth.key, auth.certificate, auth.chain, NOW
        )
        body = {
            "login": self.who.iin,
            "password": PASSWORD,
            "challenge_id": challenge["challenge_id"],
            "signature": base64.b64encode(signed).decode(),
        }
        async with self.http.post(base + "/api/v1/auth/login", json=body) as reply:
            assert reply.status == 200, await reply.text()
            token = (await reply.json())["csrf_token"]
            session = reply.cookies["egovsim_session"].value
        self.headers = {"X-CSRF-Token": token, "Cookie": f"egovsim_session={session}"}

    async def signed_draft(self, bases: list[str]) -> tuple[int, bytes]:
        """A draft with its copies attached, each request to the next instance; its id and
        the CMS over its e-document."""
        turn = itertools.cycle(bases)
        draft = await self.call(next(turn), "POST", API, 201, json=DRAFT)
        number = int(json.loads(draft)["id"])
        for document, kind in ATTACHMENTS.items():
            await self.call(
                next(turn),
                "POST",
                f"{API}/{number}/attachments/{document}",
                200,
                data=CONTENT_BYTES[kind],
                headers={
                    "Content-Type": "application/pdf" if kind == "pdf" else f"image/{kind}",
                    "X-File-Name": f"{document}.{kind}",
                },
            )
        document = await self.call(next(turn), "GET", f"{API}/{number}/document", 200)
        sign = self.who.sign
        return number, cms.sign(document, sign.key, sign.certificate, sign.chain, NOW)

    async def submit(self, base: str, number: int, signature: bytes) -> int | None:
        """POST the signature to `base`; the answer's status, None when the instance was not
        there to answer (killed before or during the request)."""
        try:
            async with self.http.post(
                f"{base}{API}/{number}/signature",
                data=signature,
                headers={**self.headers, "Content-Type": "application/pkcs7-signature"},
                timeout=aiohttp.ClientTimeout(total=60),
            ) as reply:
                await reply.read()
                return reply.status
        except (TimeoutError, aiohttp.ClientError):
            return None


def rows(database: Path | str, query: str) -> list[tuple[Any, ...]]:
    found = read_saved(database, [query])
    assert found is not None, f"the database cannot be read: {database}"
    return [tuple(row) for row in found[0]]


def settled(database: Path | str) -> bool:
    """No message waits for delivery, and every portal request the gateway holds has its
    registration landed in the cabinet."""
    waiting = rows(database, "SELECT COUNT(*) FROM gateway_messages WHERE state = 'ON_DELIVERY'")
    unregistered = rows(
        database,
        "SELECT COUNT(*) FROM portal_applications p JOIN gateway_messages m"
        " ON m.message_id = p.message_id WHERE p.provider_number IS NULL",
    )
    signed = rows(database, "SELECT COUNT(*) FROM portal_applications WHERE status = 'signed'")
    return waiting[0][0] == 0 and unregistered[0][0] == 0 and signed[0][0] == 0
