"""The scenario format: a file holds scenarios, a scenario a sequence of steps, each step one
actor's action, a clock move, a fault switch or an expectation.

A file reads:

    scenarios:
      - name: the citizen gets a duplicate licence
        clock: working-morning
        steps:
          - login: citizen-valid
          - order: {service: almaty-small-vessel-licence, variant: duplicate, ...}
          - sign: {persona: citizen-expired}
            refused: CERT_EXPIRED

Every mistake is reported with its line, as the regulation files' are: the file is composed
with PyYAML's safe loader (never constructed) and each value is read off its node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.reader import ReaderError

from egovsim.errors import CATALOGUE

#: Each step kind and the keys its mapping may hold (the first ones listed are required).
STEP_KEYS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = {
    "login": (frozenset({"persona"}), frozenset({"login", "password", "key"})),
    "logout": (frozenset(), frozenset()),
    "order": (frozenset({"service"}), frozenset({"variant", "form", "attach"})),
    "attach": (frozenset({"document", "content"}), frozenset({"name"})),
    "sign": (frozenset(), frozenset({"persona", "detached", "json", "content"})),
    "deliver": (frozenset(), frozenset()),
    "staff": (frozenset({"login", "action"}), frozenset({"params", "password"})),
    "counter": (frozenset({"action"}), frozenset({"login", "params", "password"})),
    "clock": (frozenset(), frozenset({"set", "advance"})),
    "fault": (frozenset(), frozenset({"pki", "gateway", "on", "kind", "seconds"})),
    "soap": (frozenset({"body"}), frozenset({"channel"})),
    "http": (frozenset({"path"}), frozenset({"method", "json", "body", "size", "headers", "csrf"})),
    "expect": (
        frozenset(),
        frozenset({"application", "signature", "result", "timeline", "package", "notifications"}),
    ),
}
#: The step key a scalar stands for: `- login: citizen-valid`.
SHORTHAND = {"login": "persona", "soap": "body", "deliver": None, "logout": None}
#: The words a file may use for attachment contents.
CONTENTS = ("pdf", "jpeg", "png", "text", "exe")
#: The initial clock expressions (see `targets.resolve_time`).
CLOCK_WORDS = ("working-morning", "working-day", "in-window", "outside-window", "issued")


class ScenarioError(ValueError):
    """A scenario file that cannot be loaded: `str()` reads `file.yaml:12: message`."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(f"{path.name}:{line}: {message}")


@dataclass(frozen=True)
class Refused:
    """The refusal a step expects: its code and the step of the path it belongs to."""

    code: str
    step: str


@dataclass(frozen=True)
class Step:
    """One step: its kind, its arguments as plain data, and the refusal it expects if any."""

    kind: str
    line: int
    args: dict[str, Any]
    refused: Refused | None = None
    name: str | None = None

    def title(self) -> str:
        """How reports name the step: its own name or its kind and arguments, shortened."""
        if self.name:
            return self.name
        shown = ", ".join(f"{k}={v}" for k, v in self.args.items() if k not in ("body", "form"))
        return f"{self.kind}({shown})"[:120]


@dataclass(frozen=True)
class Scenario:
    """A named sequence of steps, with the time its simulated clock starts at."""

    name: str
    line: int
    steps: tuple[Step, ...]
    clock: str = "working-morning"


@dataclass(frozen=True)
class ScenarioFile:
    """One file of scenarios: a JUnit test suite."""

    path: Path
    name: str
    scenarios: tuple[Scenario, ...] = field(default=())


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _plain(node: yaml.Node) -> Any:
    """The node as plain data (the safe constructor: mappings, lists, text, numbers, dates)."""
    return SafeConstructor().construct_object(node, deep=True)


class _Mistake(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        self.node = node
        super().__init__(message)


def _mapping(node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise _Mistake(node, f"{what} must be a mapping")
    found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise _Mistake(key, f"a key of {what} must be a plain word")
        if key.value in found:
            raise _Mistake(key, f"{what} says {key.value!r} twice")
        found[str(key.value)] = (key, value)
    return found


def _text(node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        raise _Mistake(node, f"{what} must be text")
    return str(node.value)


def _refused(node: yaml.Node) -> Refused:
    step: str | None = None
    if isinstance(node, yaml.ScalarNode):
        code = _text(node, "refused")
    else:
        fields = _mapping(node, "refused")
        unknown = set(fields) - {"code", "step"}
        if unknown or "code" not in fields:
            raise _Mistake(node, "refused takes a code and optionally its step")
        code = _text(fields["code"][1], "the refusal code")
        step = _text(fields["step"][1], "the refusal step") if "step" in fields else None
    entry = CATALOGUE.get(code)
    if entry is None:
        raise _Mistake(node, f"{code!r} is not a code of the refusal catalogue")
    if step is not None and step != entry.step:
        raise _Mistake(node, f"{code} belongs to step {entry.step}, not {step}")
    return Refused(code, entry.step)


def _step(node: yaml.Node) -> Step:
    fields = _mapping(node, "a step")
    kinds = [name for name in fields if name in STEP_KEYS]
    if len(kinds) != 1:
        raise _Mistake(
            node, f"a step has exactly one kind of {', '.join(STEP_KEYS)}; found {kinds or 'none'}"
        )
    kind = kinds[0]
    for name, (key, _) in fields.items():
        if name not in (kind, "refused", "name"):
            raise _Mistake(key, f"unknown key {name!r} in a {kind} step")
    key, value = fields[kind]
    if isinstance(value, yaml.MappingNode):
        required, optional = STEP_KEYS[kind]
        given = _mapping(value, f"the {kind} step")
        for name, (arg_key, _) in given.items():
            if name not in required | optional:
                allowed = ", ".join(sorted(required | optional)) or "nothing"
                raise _Mistake(arg_key, f"a {kind} step takes {allowed}, not {name!r}")
        missing = sorted(required - set(given))
        if missing:
            raise _Mistake(value, f"the {kind} step needs {', '.join(missing)}")
        args: dict[str, Any] = _plain(value)
    elif kind in SHORTHAND and isinstance(value, yaml.ScalarNode):
        target = SHORTHAND[kind]
        if target is None:
            if value.tag != "tag:yaml.org,2002:null":
                raise _Mistake(value, f"a {kind} step takes no value")
            args = {}
        else:
            args = {target: _text(value, f"the {kind} step")}
    elif isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:null":
        required, _ = STEP_KEYS[kind]
        if required:
            raise _Mistake(value, f"the {kind} step needs {', '.join(sorted(required))}")
        args = {}
    else:
        raise _Mistake(value, f"the {kind} step must be a mapping")
    _check_args(kind, args, value)
    refused = _refused(fields["refused"][1]) if "refused" in fields else None
    if refused is not None and kind in ("expect", "clock", "deliver", "logout"):
        raise _Mistake(fields["refused"][0], f"a {kind} step cannot be refused")
    title = _text(fields["name"][1], "the step's name") if "name" in fields else None
    return Step(kind, _line(key), args, refused, title)


def _check_args(kind: str, args: dict[str, Any], node: yaml.Node) -> None:
    if kind == "attach" and args["content"] not in CONTENTS:
        raise _Mistake(node, f"content is one of {', '.join(CONTENTS)}")
    if kind == "order":
        for document, content in dict(args.get("attach") or {}).items():
            if content not in CONTENTS:
                raise _Mistake(node, f"{document}: content is one of {', '.join(CONTENTS)}")
    if kind == "clock" and len(args) != 1:
        raise _Mistake(node, "a clock step either sets or advances the clock")
    if kind == "clock" and "advance" in args and not isinstance(args["advance"], dict):
        raise _Mistake(node, "advance takes {minutes|hours|days|working_days: N}")
    if kind == "fault" and ("pki" in args) == ("gateway" in args):
        raise _Mistake(node, "a fault step switches either a pki fault or a gateway receiver's")
    if kind == "sign" and args.get("content", "document") not in ("document", "other"):
        raise _Mistake(node, "content is document or other")


def _scenario(node: yaml.Node) -> Scenario:
    fields = _mapping(node, "a scenario")
    for name, (key, _) in fields.items():
        if name not in ("name", "clock", "steps"):
            raise _Mistake(key, f"unknown key {name!r} in a scenario (name, clock, steps)")
    if "name" not in fields or "steps" not in fields:
        raise _Mistake(node, "a scenario needs a name and steps")
    steps_node = fields["steps"][1]
    if not isinstance(steps_node, yaml.SequenceNode) or not steps_node.value:
        raise _Mistake(steps_node, "steps must be a non-empty list")
    clock = _text(fields["clock"][1], "clock") if "clock" in fields else "working-morning"
    if not clock.startswith(CLOCK_WORDS) and not clock[:1].isdigit():
        raise _Mistake(
            fields["clock"][1], f"clock is an ISO time or one of {', '.join(CLOCK_WORDS)}"
        )
    return Scenario(
        _text(fields["name"][1], "name"),
        _line(node),
        tuple(_step(step) for step in steps_node.value),
        clock,
    )


def load_scenario_file(path: Path) -> ScenarioFile:
    """Read and check one scenario file; `ScenarioError` names the line of any mistake."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(path, 0, f"cannot read: {error}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except ReaderError as error:
        raise ScenarioError(path, 1, str(error)) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        raise ScenarioError(path, line, f"not valid YAML: {error.problem}") from None
    try:
        if root is None:
            raise ScenarioError(path, 1, "the file is empty")
        fields = _mapping(root, "the file")
        for name, (key, _) in fields.items():
            if name not in ("scenarios", "suite"):
                raise _Mistake(key, f"unknown key {name!r} at the top (suite, scenarios)")
        if "scenarios" not in fields:
            raise _Mistake(root, "the file needs a list of scenarios")
        listed = fields["scenarios"][1]
        if not isinstance(listed, yaml.SequenceNode) or not listed.value:
            raise _Mistake(listed, "scenarios must be a non-empty list")
        suite = _text(fields["suite"][1], "suite") if "suite" in fields else path.stem
        return ScenarioFile(path, suite, tuple(_scenario(item) for item in listed.value))
    except _Mistake as mistake:
        raise ScenarioError(path, _line(mistake.node), str(mistake)) from None
