"""The `egovsim` command line (SPEC §7): argparse in front of the services and the web app.

Exit codes: 0 success (for `verify`: TOTAL_PASSED), 1 a refusal or a failed operation,
2 a usage error.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from egovsim import __version__
from egovsim.cli import (
    conformance_command,
    db_commands,
    identity_commands,
    ncalayer_command,
    pki_commands,
    reset_command,
    scenario_command,
    signature_commands,
    work_command,
)
from egovsim.cli.common import CommandError, UsageError
from egovsim.config import Settings, database_url, settings_from_env


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree."""
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="database and runtime state (default ./data, or EGOVSIM_DATA)",
    )
    shared.add_argument(
        "--database-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="a PostgreSQL database shared by several instances, postgresql://user@host/db "
        "(default the SQLite file in the data directory, or EGOVSIM_DATABASE_URL)",
    )
    shared.add_argument(
        "--certs",
        type=Path,
        default=argparse.SUPPRESS,
        help="the test PKI (default ./certs, or EGOVSIM_CERTS)",
    )
    shared.add_argument(
        "--public-url",
        default=argparse.SUPPRESS,
        help="the address certificates point at (default http://HOST:PORT, or EGOVSIM_PUBLIC_URL)",
    )
    shared.add_argument(
        "--operator-token",
        metavar="SECRET",
        default=argparse.SUPPRESS,
        help="the operator's secret: `serve` requires it on privileged routes; `reset` and "
        "`scenario run` send it with --base-url (or EGOVSIM_OPERATOR_TOKEN)",
    )
    # No abbreviations: a prefix that names one option today (`--data` for `--data-dir`) becomes
    # ambiguous, or silently another option, when a later one shares it.
    parser = argparse.ArgumentParser(
        prog="egovsim",
        parents=[shared],
        allow_abbrev=False,
        description="A simulator of Kazakhstan's e-government portal with real EDS checks.",
    )
    parser.add_argument("--version", action="version", version=f"egovsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[shared], help="run the simulator")
    serve.add_argument("--host", default=argparse.SUPPRESS, help="default 127.0.0.1")
    serve.add_argument("--port", type=int, default=argparse.SUPPRESS, help="default 8080")
    serve.add_argument(
        "--wss-optional",
        action="append",
        default=argparse.SUPPRESS,
        metavar="SENDER",
        help="a seeded gateway sender (egov-portal, arm-rshep, gk-almaty) whose messages "
        "may come without WS-Security; every other one requires it (or EGOVSIM_WSS_OPTIONAL, "
        "comma-separated; applies to a new data directory or after a reset)",
    )
    serve.add_argument(
        "--receiver-host",
        action="append",
        dest="receiver_hosts",
        metavar="HOST",
        default=argparse.SUPPRESS,
        help="a host the gateway may deliver to besides loopback (repeatable, or "
        "EGOVSIM_RECEIVER_HOSTS=a,b)",
    )
    serve.add_argument(
        "--ncalayer-remote",
        action="store_true",
        default=argparse.SUPPRESS,
        help="let the room's machines use the NCALayer socket (/ncalayer); by default it "
        "answers this machine only, as NCALayer does (or EGOVSIM_NCALAYER_REMOTE=1)",
    )
    serve.add_argument(
        "--ncalayer-origin",
        action="append",
        dest="ncalayer_origins",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="an origin whose pages may use the NCALayer socket besides the simulator's own "
        "(repeatable, or EGOVSIM_NCALAYER_ORIGINS=a,b)",
    )
    serve.add_argument(
        "--portal-timestamps",
        action="store_true",
        default=argparse.SUPPRESS,
        help="the portal's sign-in and request pages ask NCALayer for a timestamp from the "
        "simulator's TSA on each signature (CAdES-T; or EGOVSIM_PORTAL_TIMESTAMPS=1)",
    )
    serve.add_argument(
        "--workers",
        choices=("all", "none"),
        default=argparse.SUPPRESS,
        help="all (the default): this instance delivers the gateway's messages and runs the "
        "catch-up and the sweep, sharing them with the other instances on its database; none: "
        "it only serves, and `egovsim work` processes do the rest",
    )
    serve.add_argument(
        "--processes",
        type=_process_count,
        metavar="N",
        default=argparse.SUPPRESS,
        help="accept with N processes on the one port, each a whole simulator on the shared "
        "database, restarted when one dies (default 1, or EGOVSIM_PROCESSES; see "
        "docs/reference/serving.md)",
    )
    serve.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="text lines (the default), or one JSON object a line with the request id of the "
        "request each line belongs to (see docs/reference/operations.md)",
    )
    serve.set_defaults(run=_serve)

    pki_commands.register(commands, shared)
    signature_commands.register(commands, shared)
    identity_commands.register(commands, shared)
    ncalayer_command.register(commands, shared)
    scenario_command.register(commands, shared)
    reset_command.register(commands, shared)
    conformance_command.register(commands, shared)
    db_commands.register(commands, shared)
    work_command.register(commands, shared)
    return parser


def settings_for(arguments: argparse.Namespace) -> Settings:
    """Settings from the environment, with the command line's options on top."""
    overrides = {
        "data_dir": getattr(arguments, "data_dir", None),
        "database_url": database_url(url)
        if (url := getattr(arguments, "database_url", ""))
        else None,
        "certs_dir": getattr(arguments, "certs", None),
        "public_url": getattr(arguments, "public_url", None),
        "host": getattr(arguments, "host", None),
        "port": getattr(arguments, "port", None),
        "wss_optional_senders": frozenset(getattr(arguments, "wss_optional", None) or ()) or None,
        "operator_token": getattr(arguments, "operator_token", None) or None,
        "portal_timestamps": getattr(arguments, "portal_timestamps", None) or None,
        "processes": getattr(arguments, "processes", None),
    }
    hosts = getattr(arguments, "receiver_hosts", None)
    if hosts:
        overrides["receiver_hosts"] = tuple(host.strip().lower() for host in hosts)
    origins = getattr(arguments, "ncalayer_origins", None)
    if origins:
        overrides["ncalayer_origins"] = tuple(origins)
    if getattr(arguments, "ncalayer_remote", False):
        overrides["ncalayer_remote"] = True
    if getattr(arguments, "workers", None):
        overrides["gateway_worker"] = arguments.workers == "all"
    return settings_from_env(os.environ, **overrides)


def _process_count(text: str) -> int:
    """`--processes`: a whole number from 1 up."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"a whole number from 1 up, not {text!r}")
    return count


def _serve(arguments: argparse.Namespace, settings: Settings) -> int:
    from egovsim.telemetry import logs
    from egovsim.web.common.operator import bind_refusal
    from egovsim.web.serving import run_simulator

    refusal = bind_refusal(settings)
    if refusal is not None:
        raise UsageError(refusal)
    logs.configure(arguments.log_format)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    print(f"egovsim {__version__} on {settings.base_url} (certs in {settings.certs_dir})")
    if settings.database_url:
        print(f"database: PostgreSQL at {urlsplit(settings.database_url).hostname}")
    if not settings.gateway_worker:
        print("workers: none here (deliveries, the catch-up and the sweep are `egovsim work`'s)")
    if settings.operator_token is None:
        print(
            "no operator secret: the console, the clock, the switches and the gateway's "
            "settings are open to anyone who reaches this loopback address "
            "(--operator-token or EGOVSIM_OPERATOR_TOKEN sets one)"
        )
    else:
        print("the operator's secret guards the console, the clock, the switches and the gateway")
    json_logs = arguments.log_format == "json"
    try:
        if settings.processes > 1:
            return _serve_processes(settings, json_logs)
        run_simulator(settings, json_logs=json_logs)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        raise CommandError(
            f"port {settings.port} on {settings.host} is taken (address already in use): "
            "another simulator or program listens there; stop it or choose --port"
        ) from None
    return 0


def _serve_processes(settings: Settings, json_logs: bool) -> int:
    """`serve --processes N` with N from 2 up: the supervisor of N accepting processes."""
    import socket

    from egovsim.web.processes import Supervisor, check_port_free

    if not hasattr(socket, "SO_REUSEPORT"):
        raise UsageError("--processes needs SO_REUSEPORT, which this system does not have")
    check_port_free(settings.host, settings.port)
    workers = "; each runs the workers, sharing them by claims" if settings.gateway_worker else ""
    print(
        f"processes: {settings.processes} on port {settings.port}, supervisor pid "
        f"{os.getpid()}{workers}"
    )
    if settings.processes > (os.cpu_count() or 1):
        print(f"note: more processes than the machine's {os.cpu_count()} cores")
    return Supervisor(settings, settings.processes, json_logs).run()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        try:
            settings = settings_for(arguments)
        except ValueError as error:  # an EGOVSIM_* variable that cannot be read
            raise UsageError(str(error)) from None
        code: int = arguments.run(arguments, settings)
    except UsageError as error:
        print(f"egovsim: {error}", file=sys.stderr)
        return 2
    except CommandError as error:
        print(f"egovsim: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code
