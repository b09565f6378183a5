"""A running simulator as a test drives it, in-process or as a subprocess alike: everything goes
through its public HTTP interfaces (as a team's own system would reach it), with the personas'
keystores read from its certs directory."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from egovsim.clock import parse_time
from egovsim.errors import CATALOGUE
from egovsim.scenarios.actors import Http, Personas, Reply
from egovsim.testing.personas import Persona, PortalSession, load_persona
from egovsim.testing.scenario_runs import Played, play

#: The demo password of every persona's keystore and portal account.
PASSWORD = "Qwerty12"


class SimulatorError(Exception):
    """The simulator refused what a helper asked of it: the reply is in the message."""

    def __init__(self, what: str, reply: Reply) -> None:
        super().__init__(f"{what}: {reply.evidence()}")
        self.reply = reply


class RefusalNotReached(AssertionError):
    """`refusal(code)` ran the code's shipped scenario, and the refusal did not come."""


@dataclass(frozen=True)
class Reached:
    """A refusal reached by its shipped scenario: the error as the simulator answered it
    (code, step, kk/ru/en message, details; a SOAP fault's code with the catalogue's words),
    and the run's whole outcome with its evidence."""

    code: str
    error: dict[str, Any]
    trial: dict[str, Any]

    @property
    def step(self) -> str:
        """The step id (C1, C2, P3, ...) the refusal belongs to."""
        return str(self.error.get("step", ""))


class Simulator:
    """One simulator at `url` whose test PKI is in `certs_dir`; `operator_token` is the
    simulator's operator secret, sent with every request of the helpers when it has one."""

    def __init__(
        self,
        url: str,
        certs_dir: Path,
        password: str = PASSWORD,
        operator_token: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.certs_dir = certs_dir
        self.password = password
        self.operator_token = operator_token
        self._personas: Personas | None = None

    @property
    def operator_headers(self) -> dict[str, str]:
        """The header that carries the operator's secret, for a test's own HTTP client."""
        return {"Authorization": f"Bearer {self.operator_token}"} if self.operator_token else {}

    # -- plain requests ---------------------------------------------------------------------

    async def request(self, method: str, path: str, json: Any = None) -> Reply:
        """One request to the simulator, its reply (status, JSON body, raw bytes)."""
        http = Http(self.url, self.operator_token)
        try:
            return await http.request(method, path, json_body=json)
        finally:
            await http.close()

    async def call(self, method: str, path: str, json: Any = None) -> Any:
        """A request that must succeed; its JSON body (SimulatorError otherwise)."""
        reply = await self.request(method, path, json)
        if reply.status >= 300:
            raise SimulatorError(f"{method} {path}", reply)
        return reply.body

    # -- personas ---------------------------------------------------------------------------

    def persona(self, persona_id: str) -> Persona:
        """A demo persona with its keystores (`citizen-valid`, `citizen-revoked`, ...)."""
        if self._personas is None:
            self._personas = Personas(self.certs_dir, self.password)
        return load_persona(self._personas, persona_id)

    async def sign_in(self, persona_id: str) -> PortalSession:
        """A portal session of the persona, opened through C1 with its AUTH key; close it
        (`async with`) when done. SimulatorError when C1 refuses."""
        session = PortalSession(self.url, self.persona(persona_id))
        reply = await session.sign_in(self.password)
        if reply.status != 200:
            await session.close()
            raise SimulatorError(f"{persona_id} could not sign in", reply)
        return session

    # -- the clock --------------------------------------------------------------------------

    async def now(self) -> datetime:
        """The simulator's time."""
        return parse_time(str((await self.call("GET", "/api/v1/clock"))["now"]))

    async def set_clock(self, moment: datetime, *, frozen: bool = True) -> datetime:
        """Move the clock to `moment` (frozen there unless `frozen=False`)."""
        await self.call("POST", "/api/v1/clock", {"set": moment.isoformat()})
        await self.call("POST", "/api/v1/clock", {"freeze": frozen})
        return await self.now()

    async def advance(self, **amount: int) -> datetime:
        """Move the clock forward: `advance(hours=2)`, `advance(working_days=1)`."""
        if len(amount) != 1:
            raise TypeError("advance by one unit: minutes, hours, days or working_days")
        return parse_time(
            str((await self.call("POST", "/api/v1/clock", {"advance": amount}))["now"])
        )

    # -- the fault switches -----------------------------------------------------------------

    async def switch_on(self, name: str, seconds: float | None = None) -> None:
        """Switch a named fault on (`ocsp-down`, `crl-stale`, `gateway-down`, ...)."""
        body: dict[str, Any] = {"on": True}
        if seconds is not None:
            body["seconds"] = seconds
        await self.call("PUT", f"/api/v1/faults/{name}", body)

    async def switch_off(self, name: str) -> None:
        """Switch a named fault off."""
        await self.call("DELETE", f"/api/v1/faults/{name}")

    @asynccontextmanager
    async def fault(self, name: str, seconds: float | None = None) -> AsyncIterator[None]:
        """`async with simulator.fault("ocsp-down"):` the switch is on inside, off after."""
        await self.switch_on(name, seconds)
        try:
            yield
        finally:
            await self.switch_off(name)

    async def receiver_fault(self, service_id: str, kind: str | None, seconds: float = 5) -> None:
        """A gateway receiver's fault (`delay`, `drop`, `unreachable`, ...), None for off."""
        path = f"/api/v1/gateway/routes/{service_id}/fault"
        if kind is None:
            await self.call("DELETE", path)
        else:
            await self.call("PUT", path, {"kind": kind, "seconds": seconds})

    # -- the gateway ------------------------------------------------------------------------

    async def register_system(
        self,
        service_id: str,
        url: str,
        sender_id: str,
        password: str,
        *,
        signature: str = "required",
    ) -> None:
        """Register a provider's system: the sender it answers as (WS-Security `required`
        unless said otherwise) and the receiver of `service_id` at `url`."""
        await self.call(
            "POST",
            "/api/v1/gateway/senders",
            {
                "sender_id": sender_id,
                "password": password,
                "signature": signature,
                "name": f"{sender_id} under test",
            },
        )
        await self.call(
            "POST",
            "/api/v1/gateway/routes",
            {"service_id": service_id, "url": url, "sender_id": sender_id},
        )

    # -- refusals, the reset, waiting -------------------------------------------------------

    async def refusal(self, code: str) -> Reached:
        """Reach the refusal `code` of the catalogue in one call: its shipped scenario runs
        against this simulator (the clock and the switches put back after). RefusalNotReached,
        with the steps' evidence, when the refusal did not come."""
        trial = await self.call("POST", f"/api/v1/refusals/{code}/try")
        error = trial.get("refusal")
        if not trial.get("passed") or not isinstance(error, dict):
            failed = [s for s in trial.get("steps", []) if s.get("outcome") != "passed"]
            raise RefusalNotReached(f"{code} was not reached: {trial.get('error') or failed[:1]}")
        # A SOAP fault carries the code and step only: the words are the catalogue's.
        words = (
            {"message": dict(CATALOGUE[code].messages), "details": {}} if code in CATALOGUE else {}
        )
        return Reached(code, {**words, **error}, trial)

    async def play(self, source: str | Path) -> list[Played]:
        """Run a scenario file (a path, or its YAML text) against this simulator: the steps of
        `egovsim scenario run`, each judged; ScenarioFailed with the evidence at the first
        failed step. The clock stays where the steps left it."""
        return await play(self.url, self.certs_dir, self.password, source, self.operator_token)

    async def reset(self) -> None:
        """Back to a clean demo: data emptied and seeded again, the clock on real time, every
        switch off."""
        await self.call("POST", "/api/v1/console/reset")

    async def wait_for(self, condition: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
        """Poll `condition` until it gives something true (returned) for at most `timeout`
        seconds; TimeoutError after."""
        deadline = time.monotonic() + timeout
        while True:
            found = await condition()
            if found:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(f"not within {timeout:g} s")
            await asyncio.sleep(0.1)
