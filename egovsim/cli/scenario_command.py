"""`egovsim scenario run FILES...`: run scenario files in-process or against a running simulator,
show each step on standard error, write JUnit XML and an HTML report."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from egovsim.cli.common import UsageError
from egovsim.config import Settings
from egovsim.scenarios.index import shipped_files


def register(commands: Any, shared: argparse.ArgumentParser) -> None:
    """Add the `scenario` command."""
    command = commands.add_parser("scenario", parents=[shared], help="run scenario files")
    actions = command.add_subparsers(dest="scenario_action", required=True, metavar="ACTION")
    run = actions.add_parser(
        "run",
        parents=[shared],
        help="run scenarios (all shipped ones if no file is named)",
        description="Runs each scenario in a fresh in-process simulator of its own (its own "
        "data, a test PKI made for the run, a loopback port of its own: a running simulator "
        "is never used), or against a running one with --base-url: then --certs must name "
        "that simulator's certs directory, whose personas' keys sign the logins and requests.",
    )
    run.add_argument("files", nargs="*", type=Path, metavar="FILE")
    run.add_argument("--base-url", metavar="URL", help="a running `egovsim serve`")
    run.add_argument("--junit", type=Path, metavar="PATH", help="write JUnit XML there")
    run.add_argument("--html", type=Path, metavar="PATH", help="write the HTML report there")
    run.set_defaults(run=_run)


def _progress_line(scenario_file: Any, scenario: Any, step: Any) -> None:
    """One line per step; on a terminal, one line rewritten in place and failures kept."""
    mark = {"passed": "ok", "failed": "FAIL", "skipped": "skip"}[step.outcome]
    line = f"{scenario_file.name} | {scenario.name} | {step.step.title()} ... {mark}"
    if step.message:
        line += f": {step.message}"
    if sys.stderr.isatty():
        width = shutil.get_terminal_size().columns - 1
        end = "\n" if step.outcome == "failed" else ""
        sys.stderr.write("\r\033[K" + (line if end else line[:width]) + end)
        sys.stderr.flush()
        return
    print(line, file=sys.stderr, flush=True)


def _run(arguments: argparse.Namespace, settings: Settings) -> int:
    from egovsim.scenarios.model import ScenarioError, load_scenario_file
    from egovsim.scenarios.reports import write_reports

    paths = list(arguments.files) or shipped_files()
    files = []
    for path in paths:
        try:
            files.append(load_scenario_file(path))
        except ScenarioError as error:
            raise UsageError(str(error)) from None
    return asyncio.run(_run_files(arguments, settings, files, write_reports))


async def _run_files(
    arguments: argparse.Namespace, settings: Settings, files: list[Any], write_reports: Any
) -> int:
    from egovsim.pki.authority import TestPki
    from egovsim.pki.personas import create_personas
    from egovsim.scenarios.runner import run_files
    from egovsim.scenarios.targets import InProcess, Remote, loopback_socket, socket_url
    from egovsim.web.serving import serve

    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="egovsim-run-"))
        target: InProcess | Remote
        if arguments.base_url:
            if not TestPki.exists(settings.certs_dir):
                raise UsageError(
                    f"no test PKI in {settings.certs_dir}: against --base-url, --certs names "
                    "the running simulator's certs directory"
                )
            target = Remote(
                arguments.base_url,
                settings.certs_dir,
                settings.persona_password,
                settings.operator_token,
            )
        else:
            # Its own PKI, made for the address its simulators answer at, so no certificate of
            # the run sends a CRL or OCSP request to another simulator (one on another clock).
            listener = stack.enter_context(loopback_socket())
            base_url = socket_url(listener)
            certs = Path(scratch) / "certs"
            now = settings.clock_frozen_at or datetime.now(UTC).replace(microsecond=0)
            print(
                f"in-process: each scenario on a simulator of its own at {base_url}, with its "
                f"own data and a test PKI made for this run in {scratch} (the certs directory "
                f"{settings.certs_dir} and any simulator at {settings.base_url} are not used; "
                "--base-url runs against a running one)",
                file=sys.stderr,
                flush=True,
            )
            pki = TestPki.init(certs, base_url, now)
            create_personas(pki, now, settings.persona_password)
            target = InProcess(certs, serve, settings.persona_password, listen=listener)
        results = await run_files(target, files, _progress_line)
    write_reports(results, arguments.junit, arguments.html)
    cases = [s for f in results for s in f.scenarios]
    passed = sum(1 for s in cases if s.passed)
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
    print(f"{passed} passed, {len(cases) - passed} failed", file=sys.stderr)
    return 0 if passed == len(cases) else 1
