"""Run scenarios against the simulator (see `targets` for where): each step through the public
HTTP interfaces only, judged against what it expects, so one file runs the same either way."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from egovsim.errors import CATALOGUE
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.scenarios.actors import ActorError, Reply
from egovsim.scenarios.model import Scenario, ScenarioFile, Step
from egovsim.scenarios.steps import ACTIONS, Run, StepFailed
from egovsim.scenarios.targets import Target, resolve_time


@dataclass
class StepResult:
    """What one step did: passed, failed (with the reason and the evidence) or skipped."""

    step: Step
    outcome: str  # "passed", "failed", "skipped"
    message: str = ""
    evidence: str = ""
    seconds: float = 0.0


@dataclass
class ScenarioResult:
    """One scenario's run: a JUnit test case."""

    scenario: Scenario
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None  # the scenario could not start or crashed

    @property
    def passed(self) -> bool:
        """Every step passed."""
        return self.error is None and all(s.outcome == "passed" for s in self.steps)

    def failure(self) -> StepResult | None:
        """The failed step, if any."""
        return next((s for s in self.steps if s.outcome == "failed"), None)


@dataclass
class FileResult:
    """One file's run: a JUnit test suite."""

    file: ScenarioFile
    scenarios: list[ScenarioResult] = field(default_factory=list)


#: Called as each step ends: the file, the scenario, the step's result.
Progress = Callable[[ScenarioFile, Scenario, StepResult], None]


def _soap_error_code(reply: Reply) -> str | None:
    try:
        root = ElementTree.fromstring(reply.raw)
    except ElementTree.ParseError:
        return None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "errorCode":
            return (element.text or "").strip()
    return None


def _report_refusal(step: Step, reply: Reply) -> tuple[str, Any] | None:
    """The refusal a verifier's report gives (the `check` step's "check a document" answer is
    the report itself, HTTP 200 whatever its verdict): its code and step."""
    body = reply.body
    if step.kind != "check" or reply.status >= 400 or not isinstance(body, dict):
        return None
    return (str(body["code"]), body.get("step")) if body.get("code") else None


#: A refusal's code at the start of a delivery attempt's detail ("COLLECTION_INVALID: ...").
_DETAIL_CODE = re.compile(r"([A-Z][A-Z0-9_]+):")


def _undelivered(reply: Reply) -> tuple[str, Any] | None:
    """The refusal of a message the gateway did not deliver (its log entry, as a `soap` step
    with `deliver` reads it, NOT_DELIVERED or DELIVERY_STOPPED): the code its last attempt
    names, at that code's step."""
    body = reply.body
    if reply.status >= 400 or not isinstance(body, dict) or "attempts" not in body:
        return None
    if body.get("state") not in ("NOT_DELIVERED", "DELIVERY_STOPPED"):
        return None
    detail = str((body["attempts"] or [{}])[-1].get("detail") or "")
    found = _DETAIL_CODE.match(detail)
    code = found.group(1) if found and found.group(1) in CATALOGUE else str(body["state"])
    return code, CATALOGUE[code].step if code in CATALOGUE else None


def _receipt_refusal(step: Step, reply: Reply) -> tuple[str, Any] | None:
    """The State Corporation's Annex 3 refusal receipt, when the step expects a refusal (a
    check that ends in one is otherwise the package's outcome, for `expect: {package}`)."""
    receipt = reply.body.get("receipt") if isinstance(reply.body, dict) else None
    if step.refused is None or not isinstance(receipt, dict) or receipt.get("kind") != "refusal":
        return None
    return str(receipt.get("code")), receipt.get("step")


#: How the NCALayer-compatible signer names an egovsim refusal in a failed answer's details.
_SIGNER_CODE = re.compile(r"egovsim: ([A-Z][A-Z0-9_]+):")


def _signer_refusal(step: Step, reply: Reply) -> tuple[str, Any] | None:
    """The refusal a failed answer of the NCALayer-compatible signer names (the TSA's, when a
    tsaProfile asked for a timestamp): its code, at that code's step."""
    body = reply.body
    if step.kind != "ncalayer" or not isinstance(body, dict):
        return None
    found = _SIGNER_CODE.match(str(body.get("details") or body.get("message") or ""))
    if found is None or found.group(1) not in CATALOGUE:
        return None
    return found.group(1), CATALOGUE[found.group(1)].step


def _carried_refusal(step: Step, reply: Reply) -> tuple[str, Any] | None:
    """A refusal carried by a reply that itself succeeded."""
    return (
        _report_refusal(step, reply)
        or _undelivered(reply)
        or _receipt_refusal(step, reply)
        or _signer_refusal(step, reply)
    )


def judge(step: Step, replies: list[Reply]) -> None:
    """The step's replies against what it expects: all successes, or the named refusal."""
    failed = next(
        (r for r in replies if r.status >= 400 or _carried_refusal(step, r) is not None), None
    )
    report = _carried_refusal(step, failed) if failed is not None else None
    if step.refused is None:
        if failed is not None:
            shown = report[0] if report is not None else None
            code = failed.error_code() or _soap_error_code(failed) or shown
            raise StepFailed(f"refused with {code or f'HTTP {failed.status}'}", failed.evidence())
        return
    if failed is None:
        shown = replies[-1].evidence() if replies else ""
        raise StepFailed(f"expected the refusal {step.refused.code}, but it succeeded", shown)
    where: Any
    if report is not None:
        code, where = report
    elif step.kind == "soap":
        code, where = _soap_error_code(failed), step.refused.step or min(step.refused.steps)
    else:
        code = failed.error_code()
        where = failed.body["error"].get("step") if code else None
    if not step.refused.expects(code, where):
        raise StepFailed(
            f"expected the refusal {step.refused.code} at {step.refused.where()}, "
            f"got {code or f'HTTP {failed.status}'} at {where}",
            failed.evidence(),
        )


async def run_scenario(
    target: Target,
    scenario_file: ScenarioFile,
    scenario: Scenario,
    progress: Progress | None = None,
) -> ScenarioResult:
    """Run one scenario to its end or its first failed step; the rest are skipped."""
    calendar = WorkingCalendar.kazakhstan()
    anchor = target.personas.issued_at() or datetime.now(UTC)
    result = ScenarioResult(scenario)
    started = time.monotonic()
    try:
        start = resolve_time(scenario.clock, anchor, calendar)
    except ValueError as error:
        result.error = f"cannot read the scenario's clock {scenario.clock!r}: {error}"
        return result
    try:
        async with target.session(start) as (http, deliver):
            run = Run(http, deliver, target.personas, calendar, anchor)
            failed = False
            for step in scenario.steps:
                if failed:
                    result.steps.append(StepResult(step, "skipped"))
                    continue
                began = time.monotonic()
                try:
                    judge(step, await ACTIONS[step.kind](run, step.args))
                    outcome = StepResult(step, "passed")
                except (StepFailed, ActorError) as error:
                    outcome = StepResult(step, "failed", error.message, error.evidence)
                    failed = True
                outcome.seconds = time.monotonic() - began
                result.steps.append(outcome)
                if progress is not None:
                    progress(scenario_file, scenario, outcome)
    except (ActorError, OSError) as error:
        result.error = f"the scenario could not run: {error}"
    result.seconds = time.monotonic() - started
    return result


async def run_files(
    target: Target, files: Sequence[ScenarioFile], progress: Progress | None = None
) -> list[FileResult]:
    """Run every scenario of every file, in order."""
    results = []
    for scenario_file in files:
        outcome = FileResult(scenario_file)
        for scenario in scenario_file.scenarios:
            outcome.scenarios.append(await run_scenario(target, scenario_file, scenario, progress))
        results.append(outcome)
    return results
