"""A scenario run on the running simulator, one step at a time: the steps of scenario files,
sent to the simulator's own address as the `Remote` target sends them, each judged as the
scenario runner judges it, with every reply kept as the step's evidence."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from egovsim.regulations.calendar import WorkingCalendar
from egovsim.scenarios.actors import ActorError, Reply
from egovsim.scenarios.model import Scenario, Step
from egovsim.scenarios.runner import judge
from egovsim.scenarios.steps import ACTIONS, Run, StepFailed
from egovsim.scenarios.targets import Remote, resolve_time

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass
class StepOutcome:
    """What one step did: passed or failed (why), the replies it got, and how long it took."""

    step: Step
    outcome: str
    message: str = ""
    evidence: str = ""
    replies: list[Reply] = field(default_factory=list)
    seconds: float = 0.0

    def refusal(self) -> dict[str, Any] | None:
        """The refusal the step received, as the simulator answered it: the error object of
        a JSON reply, or the code of a SOAP fault."""
        for reply in self.replies:
            if reply.status < 400:
                continue
            if isinstance(reply.body, dict) and isinstance(reply.body.get("error"), dict):
                error: dict[str, Any] = reply.body["error"]
                return error
            if self.step.kind == "soap" and self.step.refused is not None:
                return {"code": self.step.refused.code, "step": self.step.refused.where()}
        return None


class LiveRun:
    """One scenario against the simulator at `base_url`: `start()` moves its clock to where the
    scenario starts (set and frozen, as `Remote` does), each `step()` does the next step."""

    def __init__(
        self,
        base_url: str,
        certs_dir: Path,
        password: str,
        scenario: Scenario,
        calendar: WorkingCalendar,
        operator_token: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.scenario = scenario
        self.position = 0
        self.outcomes: list[StepOutcome] = []
        self._target = Remote(base_url, certs_dir, password, operator_token)
        self._calendar = calendar
        self._stack = contextlib.AsyncExitStack()
        self._run: Run | None = None

    @property
    def finished(self) -> bool:
        """Every step was done, or one failed."""
        return self.position >= len(self.scenario.steps) or any(
            outcome.outcome == FAILED for outcome in self.outcomes
        )

    @property
    def state(self) -> Run | None:
        """The scenario's state (who is signed in, its application...), once started."""
        return self._run

    def _anchor(self) -> datetime:
        return self._target.personas.issued_at() or datetime.now(UTC)

    def start_time(self) -> datetime:
        """Where the scenario's clock starts (its `clock` word read against the test PKI);
        ValueError when the word cannot be read."""
        return resolve_time(self.scenario.clock, self._anchor(), self._calendar)

    async def start(self) -> None:
        """Open the session and move the simulator's clock to the scenario's start;
        ActorError when the simulator does not answer or refuses the clock."""
        try:
            start = self.start_time()
        except ValueError as error:
            raise ActorError(
                f"cannot read the scenario's clock {self.scenario.clock!r}: {error}"
            ) from None
        http, deliver = await self._stack.enter_async_context(self._target.session(start))
        self._run = Run(http, deliver, self._target.personas, self._calendar, self._anchor())

    async def step(self) -> StepOutcome:
        """Do the next step and judge its replies against what it expects."""
        if self._run is None:
            raise RuntimeError("start the run first")
        step = self.scenario.steps[self.position]
        began = time.monotonic()
        replies: list[Reply] = []
        try:
            replies = await ACTIONS[step.kind](self._run, step.args)
            judge(step, replies)
            outcome = StepOutcome(step, PASSED, replies=replies)
        except (StepFailed, ActorError) as error:
            outcome = StepOutcome(step, FAILED, error.message, error.evidence, replies)
        outcome.seconds = time.monotonic() - began
        self.position += 1
        self.outcomes.append(outcome)
        return outcome

    def interrupt(self, message: str) -> None:
        """The step under way did not end (stopped by a time limit): record it as failed."""
        if self.position < len(self.scenario.steps):
            step = self.scenario.steps[self.position]
            self.outcomes.append(StepOutcome(step, FAILED, message))
            self.position += 1

    def skipped(self) -> list[StepOutcome]:
        """The steps not done, as skipped."""
        return [StepOutcome(step, SKIPPED) for step in self.scenario.steps[self.position :]]

    async def close(self) -> None:
        """Close the HTTP session (the simulator's clock stays where the steps left it)."""
        await self._stack.aclose()
