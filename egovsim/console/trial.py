"""The refusal catalogue's "try it": one shipped scenario that reaches a refusal, run against
the running simulator, bounded in time, with the fault switches it touched put back as they
were.

The clock is put back by the caller (it owns the clock); the switches are put back through
the simulator's own fault API, so switching `gateway-down` off does what it always does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from egovsim.console.live import PASSED, LiveRun, StepOutcome
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.scenarios.actors import ActorError, Http, Reply
from egovsim.scenarios.index import ScenarioRef


@dataclass
class Trial:
    """A try-it run's outcome: the scenario, each step's outcome, and how it ended."""

    code: str
    ref: ScenarioRef
    steps: list[StepOutcome] = field(default_factory=list)
    seconds: float = 0.0
    timed_out: bool = False
    error: str | None = None
    restored: list[str] = field(default_factory=list)
    prepared: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every step passed: the refusal came where the scenario expects it."""
        return (
            self.error is None
            and not self.timed_out
            and bool(self.steps)
            and all(step.outcome == PASSED for step in self.steps)
        )

    def received(self) -> dict[str, Any] | None:
        """The refusal the step expecting `code` received, if it got one."""
        for step in self.steps:
            if step.step.refused is not None and step.step.refused.code == self.code:
                return step.refusal()
        return None


async def run_trial(
    code: str,
    ref: ScenarioRef,
    base_url: str,
    certs_dir: Path,
    password: str,
    calendar: WorkingCalendar,
    limit: float,
    prepare: Callable[[Http], Awaitable[list[str]]] | None = None,
    operator_token: str | None = None,
) -> Trial:
    """Run the scenario of `ref` against the simulator at `base_url` for at most `limit`
    seconds, after `prepare` set what it needs (the switches as they were are read first); the
    steps not reached are reported skipped, the switches put back."""
    _, scenario = ref.load()
    trial = Trial(code, ref)
    began = time.monotonic()
    http = Http(base_url, operator_token)
    try:
        before = await fault_state(http)
        if prepare is not None:
            trial.prepared = await prepare(http)
        live = LiveRun(base_url, certs_dir, password, scenario, calendar, operator_token)
        try:
            async with asyncio.timeout(limit):
                await live.start()
                while not live.finished:
                    await live.step()
        except TimeoutError:
            trial.timed_out = True
            trial.error = f"stopped after {limit:g} s"
        except ActorError as error:
            trial.error = f"the scenario could not run: {error.message}"
        finally:
            await live.close()
        if trial.error is not None:
            live.interrupt(trial.error)  # the step under way when the run stopped
        trial.steps = [*live.outcomes, *live.skipped()]
        trial.restored = await restore_faults(http, before)
    except ActorError as error:
        trial.error = trial.error or f"the fault switches cannot be read or set: {error.message}"
    finally:
        await http.close()
    trial.seconds = time.monotonic() - began
    return trial


@dataclass(frozen=True)
class FaultState:
    """The switches as the fault API shows them: each switch on with its seconds, and each
    gateway receiver's fault."""

    switches: dict[str, float | None]
    receivers: dict[str, dict[str, Any] | None]


async def fault_state(http: Http) -> FaultState:
    """Read every switch from the simulator's fault and gateway APIs."""
    listing = _body(await http.request("GET", "/api/v1/faults"))
    switches = {
        str(item["name"]): item.get("seconds") for item in listing["faults"] if item.get("on")
    }
    routes = _body(await http.request("GET", "/api/v1/gateway/routes"))
    receivers = {str(route["service_id"]): route.get("fault") for route in routes["routes"]}
    return FaultState(switches, receivers)


async def restore_faults(http: Http, before: FaultState) -> list[str]:
    """Put every switch back as `before` had it; what was changed back."""
    now = await fault_state(http)
    changed = []
    for name in sorted(set(before.switches) | set(now.switches)):
        if name in before.switches and name not in now.switches:
            body: dict[str, Any] = {"on": True}
            if before.switches[name] is not None:
                body["seconds"] = before.switches[name]
            _body(await http.request("PUT", f"/api/v1/faults/{name}", json_body=body))
        elif name in now.switches and name not in before.switches:
            _body(await http.request("DELETE", f"/api/v1/faults/{name}"))
        else:
            continue
        changed.append(name)
    for service_id, fault in sorted(now.receivers.items()):
        if service_id not in before.receivers or before.receivers[service_id] == fault:
            continue
        path = f"/api/v1/gateway/routes/{service_id}/fault"
        previous = before.receivers[service_id]
        if previous is None:
            _body(await http.request("DELETE", path))
        else:
            _body(await http.request("PUT", path, json_body=previous))
        changed.append(f"gateway:{service_id}")
    return changed


def _body(reply: Reply) -> dict[str, Any]:
    if reply.status != 200 or not isinstance(reply.body, dict):
        raise ActorError("the fault switches cannot be read or set", reply.evidence())
    return reply.body
