"""The government's moved days: extra days off and weekend days made working, read from YAML
(`moved_days.yaml` ships with egovsim) with every mistake named by file and line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Final

import yaml

#: The moved days shipped with egovsim (additions to the `holidays` package's KZ calendar).
MOVED_DAYS_FILE: Final = Path(__file__).with_name("moved_days.yaml")

_WEEKDAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NULL_TAG: Final = "tag:yaml.org,2002:null"


def _frozen(entries: Mapping[date, str] | None = None) -> Mapping[date, str]:
    return MappingProxyType(dict(entries or {}))


@dataclass(frozen=True, slots=True)
class MovedDays:
    """The government's moved days: extra days off and weekend days made working, each with
    its reason. Both win over the public-holiday calendar (they are the later, specific act)."""

    days_off: Mapping[date, str] = field(default_factory=_frozen)
    working_days: Mapping[date, str] = field(default_factory=_frozen)


class MovedDaysError(ValueError):
    """A moved-days file that cannot be used; the message names the file and the line."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


def load_moved_days(path: Path | None = None) -> MovedDays:
    """Read moved days from YAML (default: the shipped `moved_days.yaml`).

    The file is a mapping with the optional keys `days_off` and `working_days`, each mapping
    dates (YYYY-MM-DD) to reasons; `MovedDaysError` names the line of a bad date, a date listed
    twice or both ways, a working day that is not a Saturday or Sunday, or an unknown key.
    """
    source = MOVED_DAYS_FILE if path is None else path
    try:
        root = yaml.compose(source.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise MovedDaysError(source, line, f"not valid YAML: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise MovedDaysError(source, None, f"not valid YAML: {exc}") from exc
    if root is None:
        return MovedDays()
    if not isinstance(root, yaml.MappingNode):
        raise MovedDaysError(
            source, _line(root), "expected a mapping with the keys days_off and working_days"
        )

    sections: dict[str, dict[date, str]] = {"days_off": {}, "working_days": {}}
    seen_sections: set[str] = set()
    listed: dict[date, tuple[str, int]] = {}  # date -> (section, line), to name both places
    for key_node, value_node in root.value:
        name = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if name not in sections:
            raise MovedDaysError(
                source,
                _line(key_node),
                f"unknown key {name!r}: expected days_off or working_days",
            )
        assert name is not None  # narrowed by the membership test above
        if name in seen_sections:
            raise MovedDaysError(source, _line(key_node), f"{name} is given twice")
        seen_sections.add(name)
        if isinstance(value_node, yaml.ScalarNode) and value_node.tag == _NULL_TAG:
            continue  # `days_off:` with nothing under it
        if not isinstance(value_node, yaml.MappingNode):
            raise MovedDaysError(
                source, _line(value_node), f"{name} must map dates (YYYY-MM-DD) to reasons"
            )
        for date_node, reason_node in value_node.value:
            day = _parse_date(source, date_node)
            line = _line(date_node)
            if day in listed:
                other_section, other_line = listed[day]
                if other_section == name:
                    problem = f"{day} is listed twice in {name} (also on line {other_line})"
                else:
                    problem = (
                        f"{day} is listed both as a day off and as a working day "
                        f"(also on line {other_line})"
                    )
                raise MovedDaysError(source, line, problem)
            if name == "working_days" and day.weekday() < 5:
                raise MovedDaysError(
                    source,
                    line,
                    f"{day} is a {_WEEKDAY_NAMES[day.weekday()]}, already a working day: "
                    "only a Saturday or a Sunday can be moved to a working day",
                )
            listed[day] = (name, line)
            sections[name][day] = _parse_reason(source, reason_node, day)
    return MovedDays(
        days_off=_frozen(sections["days_off"]), working_days=_frozen(sections["working_days"])
    )


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _parse_date(source: Path, node: yaml.Node) -> date:
    text = node.value if isinstance(node, yaml.ScalarNode) else None
    if isinstance(text, str) and _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    shown = repr(text) if isinstance(text, str) else "a non-scalar key"
    raise MovedDaysError(source, _line(node), f"bad date {shown}: expected YYYY-MM-DD")


def _parse_reason(source: Path, node: yaml.Node, day: date) -> str:
    if isinstance(node, yaml.ScalarNode) and node.tag != _NULL_TAG and str(node.value).strip():
        return str(node.value).strip()
    raise MovedDaysError(source, _line(node), f"{day} needs a reason (a line of text)")
