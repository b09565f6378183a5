"""The `egovsim` command line (SPEC §7): argparse in front of the services and the web app.

Exit codes: 0 success (for `verify`: TOTAL_PASSED), 1 a refusal or a failed operation,
2 a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from egovsim import __version__
from egovsim.cli import (
    conformance_command,
    identity_commands,
    ncalayer_command,
    pki_commands,
    reset_command,
    scenario_command,
    signature_commands,
)
from egovsim.cli.common import CommandError, UsageError
from egovsim.config import Settings, settings_from_env


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
    parser = argparse.ArgumentParser(
        prog="egovsim",
        parents=[shared],
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
    serve.set_defaults(run=_serve)

    pki_commands.register(commands, shared)
    signature_commands.register(commands, shared)
    identity_commands.register(commands, shared)
    ncalayer_command.register(commands, shared)
    scenario_command.register(commands, shared)
    reset_command.register(commands, shared)
    conformance_command.register(commands, shared)
    return parser


def settings_for(arguments: argparse.Namespace) -> Settings:
    """Settings from the environment, with the command line's options on top."""
    overrides = {
        "data_dir": getattr(arguments, "data_dir", None),
        "certs_dir": getattr(arguments, "certs", None),
        "public_url": getattr(arguments, "public_url", None),
        "host": getattr(arguments, "host", None),
        "port": getattr(arguments, "port", None),
        "wss_optional_senders": frozenset(getattr(arguments, "wss_optional", None) or ()) or None,
    }
    return settings_from_env(os.environ, **overrides)


def _serve(arguments: argparse.Namespace, settings: Settings) -> int:
    import logging

    from aiohttp import web

    from egovsim.web.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    print(f"egovsim {__version__} on {settings.base_url} (certs in {settings.certs_dir})")
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        settings = settings_for(arguments)
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
