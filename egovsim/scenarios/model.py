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
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.reader import ReaderError

from egovsim.errors import CATALOGUE
from egovsim.regulations.loader import load_regulations
from egovsim.regulations.model import Regulation

#: What a step that signs a CMS may say of it: who signs, how, what is broken, who co-signs.
_SIGNING = frozenset({"persona", "detached", "tamper", "digest", "cosigners", "timestamp"})
#: What an `expect` step may look at.
_EXPECTED = frozenset(
    {"application", "signature", "result", "timeline", "package", "notifications", "signers"}
) | {"result_signers"}
#: Each step kind and the keys its mapping may hold (the first ones listed are required).
STEP_KEYS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = {
    "register": (frozenset({"persona"}), frozenset({"login", "password", "key"})),
    "login": (frozenset({"persona"}), frozenset({"login", "password", "key", "challenge"})),
    "logout": (frozenset(), frozenset({"csrf"})),
    "order": (frozenset({"service"}), frozenset({"variant", "form", "attach", "csrf"})),
    "attach": (frozenset({"document", "content"}), frozenset({"name", "size", "csrf"})),
    "sign": (frozenset(), _SIGNING | {"json", "content", "csrf"}),
    "check": (frozenset(), _SIGNING | {"data", "require_timestamp"}),
    "result": (frozenset(), frozenset()),
    "ncalayer": (frozenset(), frozenset({"persona", "password", "module", "method", "args"})),
    "deliver": (frozenset(), frozenset()),
    "staff": (frozenset({"login"}), frozenset({"action", "params", "password"})),
    "counter": (frozenset(), frozenset({"action", "login", "params", "password", "package"})),
    "clock": (frozenset(), frozenset({"set", "advance"})),
    "fault": (frozenset(), frozenset({"pki", "switch", "gateway", "on", "kind", "seconds"})),
    "soap": (frozenset({"body"}), frozenset({"channel", "wss", "deliver", "cms", "again"})),
    "http": (frozenset({"path"}), frozenset({"method", "json", "body", "size", "headers", "csrf"})),
    "expect": (frozenset(), _EXPECTED),
}
#: The step key a scalar stands for: `- login: citizen-valid`.
SHORTHAND = {
    "login": "persona",
    "register": "persona",
    "soap": "body",
    "deliver": None,
    "logout": None,
    "result": None,
}
#: The words a file may use for attachment contents.
CONTENTS = ("pdf", "jpeg", "png", "text", "exe")
#: The portal steps' words: a login's challenge, a request's CSRF token, a damaged signature
#: (`steps.tampering`) and the digests a signature may use.
CHALLENGES = ("fresh", "reused", "unknown", "stale")
CSRF_WAYS = ("session", "wrong", "missing")
TAMPERINGS = ("signature", "garbage", "no-certs", "certificate", "timestamp")
DIGESTS = ("sha256", "sha384", "sha512", "sha1")
PORTAL_KINDS = ("register", "login", "logout", "order", "attach", "sign", "check", "ncalayer")
#: The soap step's WS-Security words (`steps.soap`): who signs, which parts, the algorithms,
#: and what is changed after signing.
WSS_KEYS = ("signer", "sign", "digest", "method", "c14n", "tamper", "created")
WSS_PARTS = ("body", "timestamp")
WSS_DIGESTS = ("sha256", "sha384", "sha512", "sha1")
WSS_METHODS = (
    "rsa-sha256",
    "rsa-sha384",
    "rsa-sha512",
    "rsa-sha1",
    "ecdsa-sha256",
    "ecdsa-sha384",
    "ecdsa-sha512",
)
WSS_C14N = ("exclusive", "inclusive")
WSS_TAMPERINGS = ("body", "signature", "token", "wrap", "comment", "instruction")
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
    """The refusal a step expects: its code and the step it belongs to, as written (None: any
    step the code arises at, in the catalogue or in a regulation's numbering of it)."""

    code: str
    step: str | None
    steps: frozenset[str]  # the steps the refusal may name

    def expects(self, code: str | None, step: Any) -> bool:
        """Whether a refusal seen (its code and step) is this one."""
        return code == self.code and step in ({self.step} if self.step else self.steps)

    def where(self) -> str:
        """The step (or steps) expected, for a message."""
        return self.step or " or ".join(sorted(self.steps))


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
    steps = frozenset({entry.step} | {r.portal.show(entry.step) or "" for r in _regulations()})
    if step is not None and step not in steps:
        raise _Mistake(node, f"{code} belongs to step {' or '.join(sorted(steps))}, not {step}")
    return Refused(code, step, steps)


@cache
def _regulations() -> tuple[Regulation, ...]:
    """The shipped regulations, whose numberings name the steps a refusal may be shown at."""
    return tuple(load_regulations().values())


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
        # Keys as written: YAML 1.1 would read the key `on` (the fault step's) as a boolean.
        args: dict[str, Any] = {str(k.value): _plain(v) for k, v in value.value}
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
    if refused is not None and kind in ("expect", "deliver"):
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
    if kind == "fault" and sum(name in args for name in ("pki", "switch", "gateway")) != 1:
        raise _Mistake(
            node, "a fault step switches one of /api/v1/faults (switch or pki) or a receiver's"
        )
    if kind == "soap" and "wss" in args:
        _check_wss(args["wss"], node)
    if kind == "sign" and args.get("content", "document") not in ("document", "other"):
        raise _Mistake(node, "content is document or other")
    _check_portal_args(kind, args, node)


def _check_portal_args(kind: str, args: dict[str, Any], node: yaml.Node) -> None:
    if kind not in PORTAL_KINDS:
        return  # the http step's `csrf` is true or false
    words = {
        "challenge": CHALLENGES,
        "csrf": CSRF_WAYS,
        "tamper": TAMPERINGS,
        "digest": DIGESTS,
    }
    for name, allowed in words.items():
        if name in args and args[name] not in allowed:
            raise _Mistake(node, f"{name} is one of {', '.join(allowed)}")
    size = args.get("size")
    if kind == "attach" and size is not None and (type(size) is not int or size < 1):
        raise _Mistake(node, "size is a number of bytes")
    cosigners = args.get("cosigners", [])
    if not isinstance(cosigners, list) or not all(isinstance(c, str) for c in cosigners):
        raise _Mistake(node, "cosigners is a list of personas, who sign after the first")
    if args.get("tamper") == "timestamp" and not args.get("timestamp"):
        raise _Mistake(node, "tamper: timestamp changes a timestamp: add timestamp: true")
    if kind == "ncalayer" and ("persona" in args) == ("method" in args):
        raise _Mistake(node, "an ncalayer step either chooses a persona or sends a module's method")
    if kind == "ncalayer" and "method" in args and "module" not in args:
        raise _Mistake(node, "an ncalayer command needs its module")


def _check_wss(wss: Any, node: yaml.Node) -> None:
    if not isinstance(wss, dict) or not isinstance(wss.get("signer"), str):
        raise _Mistake(node, f"wss takes a signer (a persona) and {', '.join(WSS_KEYS[1:])}")
    unknown = sorted(set(wss) - set(WSS_KEYS))
    if unknown:
        raise _Mistake(node, f"wss takes {', '.join(WSS_KEYS)}, not {', '.join(unknown)}")
    created = wss.get("created", 0)
    if type(created) is not int:
        raise _Mistake(node, "wss created is minutes from the simulator's time (-4320: 3 days ago)")
    parts = wss.get("sign", list(WSS_PARTS))
    if not isinstance(parts, list) or not parts or not set(parts) <= set(WSS_PARTS):
        raise _Mistake(node, f"wss sign is a list of {', '.join(WSS_PARTS)}")
    words = {
        "digest": WSS_DIGESTS,
        "method": WSS_METHODS,
        "c14n": WSS_C14N,
        "tamper": WSS_TAMPERINGS,
    }
    for name, allowed in words.items():
        if name in wss and wss[name] not in allowed:
            raise _Mistake(node, f"wss {name} is one of {', '.join(allowed)}")


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
