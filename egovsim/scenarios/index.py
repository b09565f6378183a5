"""Which shipped scenario reaches which refusal, and which fault switch leads to which refusal:
read off the shipped scenario files, so the refusal catalogue's "try it" and the trainer's
console never keep a list of their own."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from egovsim.scenarios.model import Scenario, ScenarioError, ScenarioFile, load_scenario_file

log = logging.getLogger("egovsim.scenarios")

#: The refusals no scenario file can reach, and why; a test of its own holds each, and every
#: other code of the catalogue has a shipped scenario (tests/test_scenarios.py holds that).
UNSCRIPTED: Mapping[str, str] = {
    "INTERNAL_ERROR": "egovsim's own failure: nothing reaches it on purpose (the tests make the "
    "gateway's store fail).",
    "CONSOLE_BUSY": "it needs two console runs at once, and a scenario's steps go one at a time "
    "(the console's tests start a second run while one is under way).",
    "DRAFTS_LIMIT_REACHED": "it takes 20 open drafts of one applicant (the setting "
    "max_open_drafts); tests/test_limits.py reaches it with a lower setting.",
    "ATTACHMENTS_QUOTA_EXCEEDED": "it takes 50 MiB attached to one applicant's drafts (the setting "
    "max_draft_attachment_bytes); tests/test_limits.py reaches it with a lower setting.",
    "OPERATOR_REQUIRED": "scenarios act as the operator (the clock, the switches) on a simulator "
    "they start without a secret, or with the one they are given; tests/test_operator.py starts "
    "one with a secret and calls its privileged routes without it.",
}


@dataclass(frozen=True, slots=True)
class ScenarioRef:
    """One scenario of a shipped file: where it is, and what it is called."""

    path: Path
    suite: str
    name: str
    line: int
    steps: int

    def load(self) -> tuple[ScenarioFile, Scenario]:
        """The file and the scenario, read again from the file."""
        scenario_file = load_scenario_file(self.path)
        for scenario in scenario_file.scenarios:
            if scenario.name == self.name:
                return scenario_file, scenario
        raise ScenarioError(self.path, self.line, f"no scenario {self.name!r} any more")


@dataclass(frozen=True, slots=True)
class Index:
    """The shipped scenarios by the refusal codes they expect, and the codes each fault switch
    is seen to lead to (a `fault` step followed, in the same scenario, by a refused step)."""

    by_code: Mapping[str, tuple[ScenarioRef, ...]]
    by_fault: Mapping[str, frozenset[str]]


def shipped_files() -> list[Path]:
    """The scenario files shipped with egovsim, by name."""
    folder = resources.files("egovsim.scenarios") / "shipped"
    return sorted(Path(str(item)) for item in folder.iterdir() if item.name.endswith(".yaml"))


def fault_key(args: Mapping[str, object]) -> str | None:
    """The switch a `fault` step names: a PKI switch (`ocsp-down`) or a gateway receiver's
    kind (`gateway:unreachable`); None when the step switches a fault off."""
    if args.get("on", True) is False:
        return None
    for name in ("switch", "pki"):  # `pki` is what older files say
        if name in args:
            return str(args[name])
    return f"gateway:{args.get('kind')}" if args.get("kind") else None


def build_index(paths: list[Path]) -> Index:
    """Index the scenarios of `paths`; a file that does not load is left out (and logged), so
    one broken file cannot take the catalogue page down."""
    by_code: dict[str, list[ScenarioRef]] = {}
    by_fault: dict[str, set[str]] = {}
    for path in paths:
        try:
            scenario_file = load_scenario_file(path)
        except ScenarioError as error:
            log.warning("scenario file left out of the index: %s", error)
            continue
        for scenario in scenario_file.scenarios:
            ref = ScenarioRef(
                path, scenario_file.name, scenario.name, scenario.line, len(scenario.steps)
            )
            switched: set[str] = set()
            for step in scenario.steps:
                if step.kind == "fault" and (key := fault_key(step.args)) is not None:
                    switched.add(key)
                if step.refused is None:
                    continue
                found = by_code.setdefault(step.refused.code, [])
                if ref not in found:
                    found.append(ref)
                for key in switched:
                    by_fault.setdefault(key, set()).add(step.refused.code)
    return Index(
        {
            code: tuple(sorted(refs, key=functools.partial(_rank, code)))
            for code, refs in by_code.items()
        },
        {key: frozenset(codes) for key, codes in by_fault.items()},
    )


def _rank(code: str, ref: ScenarioRef) -> tuple[bool, int, str]:
    # The scenario written for the code names it at the end, "... (CODE)"; then the shortest.
    return (not ref.name.endswith(f"({code})"), ref.steps, ref.name)


@functools.cache
def shipped_index() -> Index:
    """The index of the shipped scenarios, built once per process."""
    return build_index(shipped_files())


def scenarios_for(code: str) -> tuple[ScenarioRef, ...]:
    """The shipped scenarios that expect the refusal `code`, the one written for it first."""
    return shipped_index().by_code.get(code, ())


def codes_after_fault(key: str) -> frozenset[str]:
    """The refusal codes shipped scenarios reach after switching `key` on (`ocsp-down`,
    `gateway:unreachable`)."""
    return shipped_index().by_fault.get(key, frozenset())
