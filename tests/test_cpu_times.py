"""`--cpu-durations` and `--cpu-log`: a test that burns CPU is listed first with its seconds, a
test that sleeps costs next to none, and the log has every test's phases."""

from __future__ import annotations

import pytest

SUITE = """
import time

def test_burns():
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass

def test_sleeps():
    time.sleep(0.3)
"""


@pytest.fixture
def sample(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """The sample suite with no plugin but the one under test (the installed ones would take
    seconds to load, and are not what is tested)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile(test_sample=SUITE)
    return pytester


def test_the_tests_that_cost_the_most_cpu_are_listed_and_logged(sample: pytest.Pytester) -> None:
    log = sample.path / "cpu.tsv"

    result = sample.runpytest_inprocess(
        "-p", "tests.cpu_times", "--cpu-durations=5", f"--cpu-log={log}"
    )

    result.assert_outcomes(passed=2)
    lines = result.outlines
    heading = next(i for i, line in enumerate(lines) if "CPU seconds per test" in line)
    burns, sleeps = lines[heading + 1], lines[heading + 2]
    assert "test_sample.py::test_burns" in burns and "test_sample.py::test_sleeps" in sleeps
    assert float(burns.split("s ", 1)[0]) >= 0.3 > float(sleeps.split("s ", 1)[0])
    assert "in all, 2 tests" in lines[heading + 3]
    rows = [row.split("\t") for row in log.read_text(encoding="utf-8").splitlines()[1:]]
    assert {(row[0].split("::")[1], row[1]) for row in rows} == {
        (test, phase)
        for test in ("test_burns", "test_sleeps")
        for phase in ("setup", "call", "teardown")
    }


def test_without_the_options_nothing_is_measured(sample: pytest.Pytester) -> None:
    result = sample.runpytest_inprocess("-p", "tests.cpu_times")
    result.assert_outcomes(passed=2)
    assert "CPU seconds" not in result.stdout.str()
