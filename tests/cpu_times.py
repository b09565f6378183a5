"""`--cpu-durations=N`: the N tests that cost the most CPU, and the whole run's CPU, measured in
each worker as its own CPU time plus that of the subprocesses it waited for (servers, browsers,
`egovsim` commands). Wall-clock `--durations` swing with whatever else the machine runs; CPU
seconds do not, so they are what to compare before and after a change to the suite's speed.
`--cpu-log=PATH` writes every test's figures as tab-separated lines."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: The name of the user property each phase's figures travel in (xdist sends them to the
#: controlling process with the reports).
PROPERTY = "cpu-seconds"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cpu", "CPU time per test")
    group.addoption(
        "--cpu-durations",
        type=int,
        metavar="N",
        default=None,
        help="show the N tests that cost the most CPU (own and subprocesses'); 0 for all",
    )
    group.addoption(
        "--cpu-log",
        type=Path,
        metavar="PATH",
        default=None,
        help="write each test's CPU seconds per phase there (tab-separated)",
    )


def _wanted(config: pytest.Config) -> bool:
    return (
        config.getoption("--cpu-durations") is not None or config.getoption("--cpu-log") is not None
    )


def _spent() -> tuple[float, float]:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time(), children.ru_utime + children.ru_stime


def _measured(item: pytest.Item, phase: str) -> Iterator[None]:
    if not _wanted(item.config):
        yield
        return
    own, children = _spent()
    yield
    own_after, children_after = _spent()
    item.user_properties.append((PROPERTY, (phase, own_after - own, children_after - children)))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    yield from _measured(item, "setup")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    yield from _measured(item, "call")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    yield from _measured(item, "teardown")


class Tally:
    """Each test's figures as its last report brings them to this (the controlling) process."""

    def __init__(self) -> None:
        self.tests: dict[str, dict[str, tuple[float, float]]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        phases = self.tests.setdefault(report.nodeid, {})
        for name, value in report.user_properties:
            if name == PROPERTY:
                phase, own, children = value
                phases[phase] = (own, children)

    def total(self, nodeid: str) -> float:
        return sum(own + children for own, children in self.tests[nodeid].values())

    def write(self, path: Path) -> None:
        lines = ["test\tphase\town_cpu_s\tchildren_cpu_s"]
        for nodeid, phases in sorted(self.tests.items()):
            lines += [f"{nodeid}\t{p}\t{own:.3f}\t{ch:.3f}" for p, (own, ch) in phases.items()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        if not self.tests:
            return
        log = config.getoption("--cpu-log")
        if log is not None:
            self.write(log)
        shown = config.getoption("--cpu-durations")
        if shown is None:
            return
        ranked = sorted(self.tests, key=self.total, reverse=True)
        terminalreporter.write_sep("=", "CPU seconds per test (own + subprocesses')")
        for nodeid in ranked[: shown or None]:
            phases = self.tests[nodeid]
            detail = ", ".join(f"{p} {sum(v):.2f}" for p, v in phases.items() if sum(v) >= 0.01)
            terminalreporter.write_line(f"{self.total(nodeid):8.2f}s {nodeid} ({detail})")
        everything = sum(self.total(nodeid) for nodeid in self.tests)
        terminalreporter.write_line(
            f"{everything:8.1f}s in all, {len(self.tests)} tests "
            "(each worker's start and collection not included)"
        )


def pytest_configure(config: pytest.Config) -> None:
    if _wanted(config) and not hasattr(config, "workerinput"):
        config.pluginmanager.register(Tally(), "cpu-times-tally")
