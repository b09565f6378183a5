"""`egovsim conformance --provider-url URL --service ID`: drive a provider's system through the
gateway contract from an in-process gateway, show each check on standard error, write JUnit XML
and an HTML report; exit 0 only when every check passed."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from egovsim.cli.common import CommandError, UsageError
from egovsim.config import Settings

DEFAULT_SENDER = "provider-system"


def register(commands: Any, shared: argparse.ArgumentParser) -> None:
    """Add the `conformance` command."""
    command = commands.add_parser(
        "conformance",
        parents=[shared],
        help="check a provider system against the gateway contract",
        description="Starts egovsim's gateway on 127.0.0.1:PORT with a copy of the test PKI of "
        "--certs, registers the system at --provider-url as the receiver of --service and as "
        "the sender --sender, pushes it REQUESTs (signed, duplicated, cut, malformed, unsigned, "
        "signed by a revoked or an untrusted certificate, tampered with) and judges its "
        "acknowledgements, its faults and the UPDATEs and RESPONSEs it sends back. Configure "
        "the system to answer to the gateway's URL (printed at the start) before running.",
    )
    command.add_argument("--provider-url", required=True, metavar="URL")
    command.add_argument("--service", required=True, metavar="ID", help="the serviceId")
    command.add_argument(
        "--sender",
        default=DEFAULT_SENDER,
        metavar="ID",
        help=f"the senderId the system answers as (default {DEFAULT_SENDER})",
    )
    command.add_argument(
        "--password", metavar="P", help="that sender's password (default: the personas')"
    )
    command.add_argument(
        "--bin",
        metavar="N",
        help="the BIN of the provider whose authorized person signs results (default: the "
        "seeded provider's of the service, if any)",
    )
    command.add_argument(
        "--port",
        type=int,
        help="the gateway's port on 127.0.0.1 (default: the port of --public-url when given, "
        "else of the address the test PKI's certificates name, so the system finds their CRLs "
        "and OCSP at this gateway; 0: any free port)",
    )
    command.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds to wait for the RESPONSEs (default 30)",
    )
    command.add_argument(
        "--settle",
        type=float,
        default=2.0,
        metavar="S",
        help="seconds to wait then for answers that must not come (default 2)",
    )
    command.add_argument("--junit", type=Path, metavar="PATH", help="write JUnit XML there")
    command.add_argument("--html", type=Path, metavar="PATH", help="write the HTML report there")
    command.set_defaults(run=_run)


def _run(arguments: argparse.Namespace, settings: Settings) -> int:
    from egovsim.conformance.gateway import GatewayNotReady, pki_port, url_port
    from egovsim.conformance.report import write_conformance_reports
    from egovsim.conformance.runner import ConformanceOptions, run_conformance
    from egovsim.conformance.signers import SignersMissing
    from egovsim.gateway.seed import PORTAL_SENDER, WORKSTATION_SENDER
    from egovsim.pki.authority import TestPki
    from egovsim.statecorp.centres import STATECORP_SENDER
    from egovsim.web.serving import serve

    if not str(arguments.provider_url).startswith(("http://", "https://")):
        raise UsageError(f"--provider-url must be an http(s) address: {arguments.provider_url}")
    if arguments.port is not None and not 0 <= arguments.port <= 65535:
        raise UsageError(f"--port must be 0..65535: {arguments.port}")
    if arguments.timeout <= 0 or arguments.settle < 0:
        raise UsageError("--timeout must be positive and --settle not negative")
    if arguments.sender in (PORTAL_SENDER, WORKSTATION_SENDER, STATECORP_SENDER):
        raise UsageError(f"--sender {arguments.sender} is one of egovsim's own senders")
    if not TestPki.exists(settings.certs_dir):
        raise UsageError(
            f"no test PKI in {settings.certs_dir}: --certs names the PKI the system trusts and "
            "holds its keys from (egovsim pki init makes one)"
        )
    port = arguments.port
    if port is None and settings.public_url:
        port = url_port(settings.public_url)
    elif port is None:
        port = pki_port(settings.certs_dir)
    options = ConformanceOptions(
        provider_url=arguments.provider_url,
        service_id=arguments.service,
        certs_dir=settings.certs_dir,
        sender_id=arguments.sender,
        password=arguments.password or settings.persona_password,
        provider_bin=arguments.bin,
        port=port,
        answer_timeout=arguments.timeout,
        settle=arguments.settle,
        persona_password=settings.persona_password,
        clock_frozen_at=settings.clock_frozen_at,
    )

    pki_url = TestPki.open(settings.certs_dir).base_url

    def ready(url: str) -> None:
        print(
            f"egovsim's gateway: {url} (AsyncChannel {url}/shep/async); the system "
            f"{options.provider_url} is the receiver of {options.service_id} and the sender "
            f"{options.sender_id}",
            file=sys.stderr,
            flush=True,
        )
        if pki_url != url:
            print(
                f"note: the test PKI's certificates name {pki_url} for their CRLs and OCSP; "
                f"this gateway serves them at {url}, so a system that checks revocation where "
                "the certificates say reaches it only when --port is that address's port",
                file=sys.stderr,
                flush=True,
            )

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        run = asyncio.run(run_conformance(options, serve=serve, on_ready=ready, progress=progress))
    except (GatewayNotReady, SignersMissing) as error:
        raise CommandError(str(error)) from None
    write_conformance_reports(run, arguments.junit, arguments.html)
    passed = sum(1 for r in run.results if r.passed)
    print(
        f"{passed} passed, {len(run.results) - passed} failed ({run.seconds:.1f} s)",
        file=sys.stderr,
    )
    return 0 if run.passed else 1
