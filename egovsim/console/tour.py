"""Guided tours: a scenario file whose steps a trainer does one at a time in front of a room,
each with a narration in kk, ru and en and a page where the room sees what it did.

A tour file (`egovsim/console/tours/<id>.yaml`) is a scenario file with one scenario whose
every step has a `name`; `suite` is the tour's id. It is read by the scenario model and runs
with `egovsim scenario run` like any other. The words are in the `console` gettext domain:
`tour.<id>.title` and `tour.<id>.<step name>` (the id with `_` for `-`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from egovsim.console.live import LiveRun, StepOutcome
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.scenarios.model import Scenario, ScenarioError, Step, load_scenario_file
from egovsim.scenarios.steps import Run

_STEP_NAME = re.compile(r"[a-z][a-z0-9_]*")
#: The step kinds the applicant does on the portal: the room sees them in the cabinet.
PORTAL_KINDS = frozenset({"login", "logout", "order", "attach", "sign", "expect", "register"})


@dataclass(frozen=True, slots=True)
class Tour:
    """A tour: its id, its file, and the scenario it steps through."""

    id: str
    path: Path
    scenario: Scenario

    @property
    def word_prefix(self) -> str:
        """The prefix of the tour's msgids: `tour.<id>`, with `_` for `-`."""
        return "tour." + self.id.replace("-", "_")

    def title_msgid(self) -> str:
        """The msgid of the tour's title."""
        return f"{self.word_prefix}.title"

    def narration_msgid(self, step: Step) -> str:
        """The msgid of a step's narration."""
        return f"{self.word_prefix}.{step.name}"


@dataclass(frozen=True, slots=True)
class Sight:
    """Where the room sees what a step did: a page, and who must be signed in to see it
    (`persona`, `staff` or `operator` with an id; nobody for public pages)."""

    path: str
    who: tuple[str, str] | None = None


def tours_folder() -> Path:
    """The tour files shipped with egovsim."""
    return Path(str(resources.files("egovsim.console") / "tours"))


def load_tour(path: Path) -> Tour:
    """Read a tour file; ScenarioError names the line of any mistake."""
    scenario_file = load_scenario_file(path)
    if len(scenario_file.scenarios) != 1:
        raise ScenarioError(path, 1, "a tour file holds exactly one scenario")
    scenario = scenario_file.scenarios[0]
    for step in scenario.steps:
        if step.name is None or not _STEP_NAME.fullmatch(step.name):
            raise ScenarioError(
                path, step.line, "each step of a tour has a name of a-z, 0-9 and _ (its words)"
            )
    names = [step.name for step in scenario.steps]
    if len(set(names)) != len(names):
        raise ScenarioError(path, scenario.line, "two steps of the tour have the same name")
    return Tour(scenario_file.name, path, scenario)


def shipped_tours() -> dict[str, Tour]:
    """Every shipped tour by its id, in the order of their file names."""
    found = [load_tour(path) for path in sorted(tours_folder().glob("*.yaml"))]
    return {tour.id: tour for tour in found}


def sight(step: Step, state: Run) -> Sight | None:
    """Where the room sees what `step` did, given the scenario's state after it."""
    if step.kind == "staff" and state.provider_application is not None:
        login = str(step.args["login"])
        return Sight(f"/workstation/applications/{state.provider_application}", ("staff", login))
    if step.kind == "counter" and state.package is not None and state.clerk is not None:
        return Sight(f"/statecorp/packages/{state.package}", ("operator", state.clerk))
    if step.kind in ("deliver", "soap"):
        return Sight("/gateway")
    if step.kind in ("clock", "fault", "http"):
        return Sight("/console")
    applicant = state.applicant or _persona_of(step)
    if step.kind in PORTAL_KINDS and applicant is not None:
        path = (
            f"/cabinet/applications/{state.application}"
            if state.application is not None
            else "/cabinet"
        )
        return Sight(path, ("persona", applicant))
    return None


def _persona_of(step: Step) -> str | None:
    persona = step.args.get("persona")
    return str(persona) if persona else None


class TourRun:
    """A tour under way on the running simulator: the steps done so far and their outcomes."""

    def __init__(
        self,
        tour: Tour,
        base_url: str,
        certs_dir: Path,
        password: str,
        calendar: WorkingCalendar,
        operator_token: str | None = None,
    ) -> None:
        self.tour = tour
        self.live = LiveRun(base_url, certs_dir, password, tour.scenario, calendar, operator_token)
        self.sights: list[Sight | None] = []
        #: What was set before the tour started, so earlier runs cannot change its outcome.
        self.prepared: list[str] = []

    @property
    def position(self) -> int:
        """How many steps are done."""
        return self.live.position

    @property
    def finished(self) -> bool:
        """The last step is done, or a step failed."""
        return self.live.finished

    @property
    def outcomes(self) -> list[StepOutcome]:
        """The outcome of each step done."""
        return self.live.outcomes

    @property
    def state(self) -> Run | None:
        """The scenario's state: who is signed in, the tour's application and package."""
        return self.live.state

    async def start(self) -> None:
        """Move the simulator's clock to where the tour starts; nothing else is done yet."""
        await self.live.start()

    async def next(self) -> StepOutcome:
        """Do the next step; the room's page for it is in `sights`."""
        outcome = await self.live.step()
        state = self.live.state
        self.sights.append(sight(outcome.step, state) if state is not None else None)
        return outcome

    def interrupt(self, message: str) -> None:
        """The step under way was stopped (a time limit): it failed, and the tour ends there."""
        self.live.interrupt(message)
        self.sights.append(None)

    async def close(self) -> None:
        """End the tour's session with the simulator."""
        await self.live.close()
