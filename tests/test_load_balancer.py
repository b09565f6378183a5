"""The load balancer of the docs (`examples/load_balancer/nginx.conf`) in front of two
`egovsim serve --workers none` instances on one database, with `egovsim work` delivering:
sessions and submissions go through nginx to either instance, one instance killed is passed
over, and the fronts alone deliver nothing until the worker runs."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from egovsim.testing.ports import free_port
from tests.instances import API, Applicant, Instance, rows, settled

CONFIG = Path(__file__).parent.parent / "examples" / "load_balancer" / "nginx.conf"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


class Nginx:
    """nginx with the shipped configuration, its three ports made free ones."""

    def __init__(self, directory: Path, first: Instance, second: Instance) -> None:
        assert NGINX is not None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = CONFIG.read_text()
        for shipped, port in (("8080", self.port), ("8081", first.port), ("8082", second.port)):
            assert f"127.0.0.1:{shipped}" in config
            config = config.replace(f"127.0.0.1:{shipped}", f"127.0.0.1:{port}")
        directory.mkdir()
        (directory / "nginx.conf").write_text(config)
        self._errors = directory / "errors.log"
        with self._errors.open("wb") as errors:
            self.process = subprocess.Popen(
                [NGINX, "-p", str(directory), "-c", "nginx.conf", "-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"nginx exited: {self._errors.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("nginx did not answer")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _waiting(database: Path) -> int:
    found = rows(database, "SELECT COUNT(*) FROM gateway_messages WHERE state = 'ON_DELIVERY'")
    return int(found[0][0])


@pytest.mark.long
@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (.ci/run installs it)")
async def test_nginx_spreads_two_fronts_passes_over_a_dead_one_and_egovsim_work_delivers(
    certs_dir, tmp_path, persona
) -> None:
    data = tmp_path / "data"
    database = data / "egovsim.sqlite3"
    fronts = [Instance(certs_dir, data, None, "--workers", "none") for _ in range(2)]
    worker = Instance(certs_dir, data, None, command="work")
    for front in fronts:
        front.start()
    nginx = Nginx(tmp_path / "nginx", *fronts)
    try:
        async with aiohttp.ClientSession() as http:
            applicant = Applicant(http, persona("citizen-valid"))
            await applicant.log_in(nginx.url)
            drafts = [await applicant.signed_draft([nginx.url]) for _ in range(6)]
            for number, signature in drafts[:3]:
                assert await applicant.submit(nginx.url, number, signature) == 200
            await asyncio.sleep(3)
            assert _waiting(database) == 3, "the fronts deliver nothing with --workers none"
            fronts[1].kill()
            for number, signature in drafts[3:]:  # nginx passes over the dead instance
                assert await applicant.submit(nginx.url, number, signature) == 200
            worker.start()
            deadline = time.monotonic() + 90
            while not settled(database) and time.monotonic() < deadline:
                await asyncio.sleep(0.25)
            assert settled(database), "a message or a registration is still on its way"
            for number, _ in drafts:
                view = await applicant.call(nginx.url, "GET", f"{API}/{number}", 200)
                assert b'"provider_number": null' not in view
    finally:
        nginx.stop()
        worker.stop()
        for front in fronts:
            front.stop()
    applied = rows(
        database, "SELECT COUNT(DISTINCT gateway_message_id), COUNT(*) FROM applications"
    )
    assert applied[0] == (6, 6)
