"""One conformance run: egovsim's gateway in-process, the provider's system registered as the
receiver of a service, every check's pushes, a bounded wait for the answers, and the verdicts.

The pushes come first, all of them, then one wait: until a RESPONSE came for each request that
must be answered (at most `answer_timeout`), then `settle` seconds more, in which an answer that
should not come (a second RESPONSE, an answer to a refused push) would arrive.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from egovsim.clock import Clock
from egovsim.conformance.application import sample_application
from egovsim.conformance.checks import CHECKS, CheckResult, CheckSpec
from egovsim.conformance.exchanges import (
    Exchange,
    Poster,
    acknowledgement,
    broken_xml,
    not_an_envelope,
    push_envelope,
    signed_push,
    status_notification,
    tampered,
)
from egovsim.conformance.gateway import ConformanceGateway, pki_port, wait_until
from egovsim.conformance.judging import Judges
from egovsim.conformance.signers import Signers, prepare_signers
from egovsim.pki.keystore import Keystore
from egovsim.simulator.served import Serve
from egovsim.storage.gateway import StoredMessage
from egovsim.workstation.providers import PROVIDERS

SPECS = {spec.id: spec for spec in CHECKS}
#: The checks whose REQUEST must be answered with a RESPONSE.
ANSWERED = ("request-acknowledged", "duplicate-handled-once", "redelivery-handled-once")


@dataclass(frozen=True, slots=True)
class ConformanceOptions:
    """What to test and how long to wait; each default is the documented one."""

    provider_url: str
    service_id: str
    #: The test PKI the provider system trusts and holds its keys from (copied for the run).
    certs_dir: Path
    #: The senderId and password the system sends its answers with.
    sender_id: str = "provider-system"
    password: str = "Qwerty12"
    #: The BIN the result's signer must carry; None: the seeded provider's of the service.
    provider_bin: str | None = None
    #: The gateway's port on 127.0.0.1 (0: any free port; None: the port of the address the
    #: test PKI's certificates name, where the simulator that made it serves its CRLs and OCSP).
    port: int | None = None
    #: Seconds to wait for the RESPONSEs, and then for answers that should not come.
    answer_timeout: float = 30.0
    settle: float = 2.0
    #: Seconds a push may take to be answered.
    push_timeout: float = 10.0
    #: The password of the personas' keystores and of egovsim's own senders.
    persona_password: str = "Qwerty12"
    #: A fixed time for the gateway's clock (None: real time, as the system's own clock).
    clock_frozen_at: datetime | None = None

    @property
    def expected_bin(self) -> str | None:
        """The BIN the result's signer must carry, when known."""
        if self.provider_bin:
            return self.provider_bin
        return next((p.bin for p in PROVIDERS if self.service_id in p.services), None)


@dataclass
class ConformanceRun:
    """The results of a run, in the order of `CHECKS`."""

    gateway_url: str
    options: ConformanceOptions
    results: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """Every check passed."""
        return bool(self.results) and all(r.passed for r in self.results)


Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


async def run_conformance(
    options: ConformanceOptions,
    *,
    serve: Serve,
    on_ready: Callable[[str], None] | None = None,
    progress: Progress = _quiet,
) -> ConformanceRun:
    """Run every check against the system at `options.provider_url`, the gateway served by
    `serve` (`egovsim.web.serving.serve`); `on_ready` is told the gateway's URL once the
    system is registered, before the first push."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="egovsim-conformance-") as scratch:
        certs = Path(scratch) / "certs"
        await asyncio.to_thread(shutil.copytree, options.certs_dir, certs)
        clock = Clock(frozen_at=options.clock_frozen_at)
        signers = await asyncio.to_thread(prepare_signers, certs, clock.now())
        port = options.port if options.port is not None else pki_port(certs)
        provider_host = (urlsplit(options.provider_url).hostname or "").lower()
        gateway = ConformanceGateway(
            serve,
            certs,
            Path(scratch) / "data",
            port,
            clock,
            options.persona_password,
            (provider_host,) if provider_host else (),
        )
        try:
            run = ConformanceRun(await gateway.start(), options)
            await gateway.register(
                options.service_id, options.provider_url, options.sender_id, options.password
            )
            if on_ready is not None:
                on_ready(gateway.url)
            async with aiohttp.ClientSession() as session:
                poster = Poster(session, options.provider_url, options.push_timeout)
                suite = _Suite(options, gateway, signers, poster, progress)
                run.results = await suite.run()
        finally:
            await gateway.close()
    run.seconds = time.monotonic() - started
    return run


class _Suite:
    """The checks of one run against one system."""

    def __init__(
        self,
        options: ConformanceOptions,
        gateway: ConformanceGateway,
        signers: Signers,
        poster: Poster,
        progress: Progress,
    ) -> None:
        self.options = options
        self.gateway = gateway
        self.signers = signers
        self.poster = poster
        self.progress = progress
        self.requests: dict[str, StoredMessage] = {}  # check id -> its REQUEST
        self.exchanges: dict[str, list[Exchange]] = {spec.id: [] for spec in CHECKS}

    async def run(self) -> list[CheckResult]:
        """Push, wait, judge."""
        self.progress(f"pushing to {self.options.provider_url}")
        await self._push_all()
        await self._wait_for_answers()
        self.progress("judging")
        await self._notify()
        results = []
        judges = Judges(self.options, self.gateway, self.requests, self.exchanges)
        for spec in CHECKS:
            result = CheckResult(spec)
            began = time.perf_counter()
            await judges.judge(result)
            result.seconds = (
                time.perf_counter() - began + sum(e.seconds for e in self.exchanges[spec.id])
            )
            result.exchanges[:0] = self.exchanges[spec.id]
            self.progress(f"{'ok  ' if result.passed else 'FAIL'} {spec.id}: {result.message}")
            results.append(result)
        return results

    # -- pushing -------------------------------------------------------------------------------

    async def _request(self, spec: CheckSpec) -> StoredMessage:
        number = len(self.requests) + 1
        data = await asyncio.to_thread(
            sample_application,
            self.options.service_id,
            self.signers,
            self.gateway.now(),
            number,
        )
        stored = await self.gateway.request(
            self.options.service_id, str(uuid.uuid4()), data, self.signers.gateway
        )
        self.requests[spec.id] = stored
        return stored

    async def _post(self, check: str, label: str, body: bytes, *, cut: bool = False) -> Exchange:
        post = self.poster.post_cut if cut else self.poster.post
        exchange = await post(label, body)
        self.exchanges[check].append(exchange)
        return exchange

    def _signed(self, message: StoredMessage, keystore: Keystore | None = None) -> bytes:
        return signed_push(message, keystore or self.signers.gateway)

    async def _push_all(self) -> None:
        first = await self._request(SPECS["request-acknowledged"])
        await self._post(
            "request-acknowledged",
            f"push REQUEST {first.message_id}, signed with the gateway's certificate",
            self._signed(first),
        )
        twice = await self._request(SPECS["duplicate-handled-once"])
        body = self._signed(twice)
        for turn in ("once", "again, the same bytes"):
            label = f"push REQUEST {twice.message_id} {turn}"
            await self._post("duplicate-handled-once", label, body)
        cut = await self._request(SPECS["redelivery-handled-once"])
        body = self._signed(cut)
        await self._post(
            "redelivery-handled-once", f"push REQUEST {cut.message_id}, cut", body, cut=True
        )
        await self._post(
            "redelivery-handled-once", f"push REQUEST {cut.message_id} again (redelivery)", body
        )
        broken = await self._request(SPECS["malformed-refused"])
        await self._post(
            "malformed-refused",
            f"push REQUEST {broken.message_id} cut in half (broken XML)",
            broken_xml(self._signed(broken)),
        )
        await self._post(
            "malformed-refused",
            f"push REQUEST {broken.message_id} without Envelope and Body (not SOAP)",
            not_an_envelope(broken),
        )
        unsigned = await self._request(SPECS["unsigned-refused"])
        await self._post(
            "unsigned-refused",
            f"push REQUEST {unsigned.message_id} without WS-Security",
            push_envelope(unsigned),
        )
        revoked = await self._request(SPECS["revoked-signer-refused"])
        serial = format(self.signers.revoked.certificate.serial_number, "x")
        await self._post(
            "revoked-signer-refused",
            f"push REQUEST {revoked.message_id} signed with the revoked certificate {serial}",
            self._signed(revoked, self.signers.revoked),
        )
        untrusted = await self._request(SPECS["untrusted-signer-refused"])
        await self._post(
            "untrusted-signer-refused",
            f"push REQUEST {untrusted.message_id} signed by an untrusted CA's certificate",
            self._signed(untrusted, self.signers.untrusted),
        )
        changed = await self._request(SPECS["tampered-body-refused"])
        await self._post(
            "tampered-body-refused",
            f"push REQUEST {changed.message_id}, its Body changed after signing",
            tampered(self._signed(changed)),
        )

    async def _wait_for_answers(self) -> None:
        # Only what the system took can be answered: a system that acknowledged nothing (or
        # cannot be reached) is not waited for.
        answered = [
            self.requests[check].message_id
            for check in ANSWERED
            if any(acknowledgement(e)[0] for e in self.exchanges[check])
        ]

        async def responses_came() -> bool:
            for request_id in answered:
                answers = await self.gateway.answers_to(request_id)
                if not any(a.message_type == "RESPONSE" for a in answers):
                    return False
            return True

        self.progress(f"waiting for the RESPONSEs (at most {self.options.answer_timeout:g} s)")
        await wait_until(responses_came, self.options.answer_timeout)
        self.progress(f"waiting {self.options.settle:g} s for answers that should not come")
        await asyncio.sleep(self.options.settle)

        async def delivered() -> bool:
            for request in self.requests.values():
                answers = await self.gateway.answers_to(request.message_id)
                if any(a.state == "ON_DELIVERY" for a in answers):
                    return False
            return True

        # The portal's verdict on each answer is evidence; a few seconds are plenty for it.
        await wait_until(delivered, 10.0)

    async def _notify(self) -> None:
        request_id = self.requests["request-acknowledged"].message_id
        answers = await self.gateway.answers_to(request_id)
        about = next(
            (a for a in reversed(answers) if a.message_type == "RESPONSE"),
            answers[-1] if answers else None,
        )
        message_id = about.message_id if about is not None else request_id
        await self._post(
            "status-notification-acknowledged",
            f"changeMassageStatusNotification: {message_id} DELIVERED",
            status_notification(message_id, self.signers.gateway, self.gateway.now()),
        )
