"""`egovsim ncalayer`: the NCALayer-compatible signer alone, at the address NCALayer listens on,
for pages and clients that connect to wss://127.0.0.1:13579 with no settings."""

from __future__ import annotations

import argparse
from typing import Any

from egovsim.cli.common import CommandError, UsageError, clock_for
from egovsim.config import Settings
from egovsim.ncalayer.keys import DEFAULT_PERSONA, KeyRing, UnknownPersona

#: NCALayer's own address.
HOST = "127.0.0.1"
PORT = 13579


def register(commands: Any, shared: argparse.ArgumentParser) -> None:
    """Add the `ncalayer` command."""
    command = commands.add_parser(
        "ncalayer",
        parents=[shared],
        help=f"an NCALayer-compatible signer on wss://{HOST}:{PORT}",
    )
    # Not `host`/`port`: those are the simulator's, which its certificates' addresses follow.
    command.add_argument(
        "--host", dest="ncalayer_host", metavar="H", default=HOST, help=f"default {HOST}"
    )
    command.add_argument(
        "--port", dest="ncalayer_port", metavar="P", type=int, default=PORT, help=f"default {PORT}"
    )
    command.add_argument(
        "--persona", metavar="ID", help=f"the key set clients sign with (default {DEFAULT_PERSONA})"
    )
    command.add_argument("--no-tls", action="store_true", help="plain ws:// instead of wss://")
    command.set_defaults(run=_run)


def _run(arguments: argparse.Namespace, settings: Settings) -> int:
    import logging

    from egovsim.ncalayer.tls import HOSTS, server_files
    from egovsim.simulator.opening import open_pki
    from egovsim.web.serving import run_signer

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    clock = clock_for(settings)
    pki = open_pki(settings, clock)
    try:
        keyring = KeyRing.load(
            settings.certs_dir, pki, settings.persona_password, arguments.persona
        )
    except UnknownPersona:
        raise UsageError(
            f"there is no persona {arguments.persona!r}; 'egovsim pki personas' lists them"
        ) from None
    host, port = arguments.ncalayer_host, arguments.ncalayer_port
    shown = f"[{host}]" if ":" in host else host
    current = keyring.current.id if keyring.current is not None else "none: no personas"
    lines = []
    context = None
    if arguments.no_tls:
        lines.append(f"egovsim NCALayer on ws://{shown}:{port} (key set {current})")
    else:
        names = HOSTS if host in (*HOSTS, "0.0.0.0", "::") else [*HOSTS, host]
        files = server_files(pki, names)
        context = files.context()
        lines.append(f"egovsim NCALayer on wss://{shown}:{port} (key set {current})")
        lines.append(f"trust the test root certificate {files.root} in the browser")

    def ready(_: str) -> None:
        print("\n".join(lines), flush=True)

    try:
        run_signer(
            settings, clock, keyring, pki, host=host, port=port, ssl_context=context, ready=ready
        )
    except OSError as error:
        raise CommandError(f"cannot listen on {shown}:{port}: {error.strerror or error}") from None
    return 0
