"""Scenario files run from a test against a running simulator, step by step through its public
interfaces, as `egovsim scenario run --base-url` runs them: a test says in a few lines of the
scenario language what a citizen, the staff or the clock do, and gets the run's state back."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from egovsim.console.live import FAILED, LiveRun, StepOutcome
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.scenarios.model import load_scenario_file


class ScenarioFailed(AssertionError):
    """A step of the scenario failed: which, why, and the replies it got."""


@dataclass(frozen=True)
class Played:
    """A scenario run to its end: each step's outcome, and the application and package it
    made (None when it made none)."""

    name: str
    outcomes: list[StepOutcome]
    application: int | None
    provider_application: int | None
    package: int | None


async def play(
    url: str,
    certs_dir: Path,
    password: str,
    source: str | Path,
    operator_token: str | None = None,
) -> list[Played]:
    """Run every scenario of `source` (a file, or the scenario file's YAML text) against the
    simulator at `url` (with its operator secret, if any), each from its `clock`;
    ScenarioFailed at the first failed step."""
    if isinstance(source, Path):
        scenario_file = load_scenario_file(source)
    else:
        with tempfile.TemporaryDirectory(prefix="egovsim-scenario-") as folder:
            path = Path(folder) / "scenario.yaml"
            path.write_text(source, encoding="utf-8")
            scenario_file = load_scenario_file(path)
    calendar = WorkingCalendar.kazakhstan(None)
    played = []
    for scenario in scenario_file.scenarios:
        live = LiveRun(url, certs_dir, password, scenario, calendar, operator_token)
        try:
            await live.start()
            while not live.finished:
                outcome = await live.step()
                if outcome.outcome == FAILED:
                    raise ScenarioFailed(
                        f"{scenario.name}: {outcome.step.title()}: {outcome.message}\n"
                        + "\n\n".join(reply.evidence() for reply in outcome.replies)
                    )
            state = live.state
        finally:
            await live.close()
        played.append(
            Played(
                scenario.name,
                live.outcomes,
                state.application if state else None,
                state.provider_application if state else None,
                state.package if state else None,
            )
        )
    return played
