"""Schemathesis over `/api/v1/openapi.json` of a running `egovsim serve` with an operator secret,
signed in as a citizen, a staff member and the operator in turn, bounded in time; prints the
requests sent and the server errors, and exits 1 on any (CI runs it: `.ci/run`).

    python -m tests.api_fuzz [--examples 6] [--seconds 150]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

from egovsim.testing.ports import free_port

#: Runs that take a scenario's time each (tours, "try it"): schemathesis would spend its whole
#: budget there; the console's own tests drive them.
SLOW = r"/api/v1/(console/tours/.+/(start|next)|refusals/.+/try)$"


def _call(base: str, path: str, body: object, secret: str) -> tuple[dict[str, object], str]:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {secret}"},
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        cookie = SimpleCookie(reply.headers.get("Set-Cookie", ""))
        pairs = "; ".join(f"{name}={morsel.value}" for name, morsel in cookie.items())
        return json.loads(reply.read()), pairs


def _wait(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"egovsim serve stopped with {process.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("egovsim serve did not answer within 180 s")


def _schemathesis(base: str, who: str, headers: list[str], arguments: argparse.Namespace) -> dict:
    report = Path(arguments.reports) / f"{who}.ndjson"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base}/api/v1/openapi.json",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        str(arguments.examples),
        "--max-time",
        str(arguments.seconds),
        "--request-timeout",
        "30",
        "--workers",
        "1",
        "--exclude-path-regex",
        SLOW,
        "--generation-deterministic",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--no-color",
    ]
    for header in headers:
        command += ["--header", header]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    requests = errors = 0
    for line in report.read_text().splitlines() if report.exists() else ():
        finished_scenario = json.loads(line).get("ScenarioFinished")
        if not finished_scenario:
            continue
        for interaction in finished_scenario["recorder"].get("interactions", {}).values():
            response = interaction.get("response") or {}
            requests += 1
            errors += 1 if int(response.get("status_code", 0)) >= 500 else 0
    return {
        "who": who,
        "requests": requests,
        "server_errors": errors,
        "exit": finished.returncode,
        "tail": finished.stdout[-3000:],
    }


def main(argv: list[str] | None = None) -> int:
    """Start egovsim, sign in three ways, run schemathesis for each; 1 on a server error."""
    parser = argparse.ArgumentParser(prog="python -m tests.api_fuzz", description=__doc__)
    parser.add_argument("--examples", type=int, default=6, help="per operation (default 6)")
    parser.add_argument("--seconds", type=int, default=150, help="per identity (default 150)")
    parser.add_argument("--reports", default="api-fuzz", help="where the ndjson reports go")
    arguments = parser.parse_args(argv)
    Path(arguments.reports).mkdir(exist_ok=True)
    secret = secrets.token_urlsafe(24)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="egovsim-api-fuzz-") as directory:
        env = {**os.environ, "EGOVSIM_OPERATOR_TOKEN": secret}
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "egovsim", "serve", "--port", str(port)),
                *("--data-dir", f"{directory}/data", "--certs", f"{directory}/certs"),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait(base, process)
            citizen, citizen_cookie = _call(
                base, "/api/v1/console/login", {"persona": "citizen-valid"}, secret
            )
            _, staff_cookie = _call(
                base, "/api/v1/console/login", {"staff": "alm-executor"}, secret
            )
            identities = {
                "citizen": [f"Cookie: {citizen_cookie}", f"X-CSRF-Token: {citizen['csrf_token']}"],
                "staff": [f"Cookie: {staff_cookie}"],
                "operator": [f"Authorization: Bearer {secret}"],
            }
            results = [
                _schemathesis(base, who, headers, arguments) for who, headers in identities.items()
            ]
        finally:
            process.terminate()
            process.wait(timeout=30)
    total = sum(result["server_errors"] for result in results)
    for result in results:
        print(
            f"{result['who']:9} {result['requests']:6d} requests, "
            f"{result['server_errors']} server errors (schemathesis exit {result['exit']})"
        )
        if result["server_errors"] or result["requests"] == 0:
            print(result["tail"])
    sent = sum(result["requests"] for result in results)
    print(f"{sent} requests in all, {total} server errors")
    return 1 if total or sent == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
