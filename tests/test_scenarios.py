"""Scenario files: every shipped scenario passes in-process through `egovsim scenario run`, its
JUnit XML is read by a JUnit parser, a failing step is reported with its evidence, a broken file
is refused with its line, and the same files run against a running simulator."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from junitparser import Error, Failure, JUnitXml

from egovsim.cli import main
from egovsim.errors import CATALOGUE
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.scenarios.index import UNSCRIPTED, build_index, shipped_files
from egovsim.scenarios.model import ScenarioError, load_scenario_file
from egovsim.scenarios.runner import run_files
from egovsim.scenarios.targets import ALMATY, Remote, resolve_time
from tests.conftest import NOW


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EGOVSIM_CLOCK", "EGOVSIM_CERTS", "EGOVSIM_DATA", "EGOVSIM_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)


def run_cli(certs_dir: Path, tmp_path: Path, *files: Path) -> tuple[int, Path, Path]:
    junit, report = tmp_path / "out" / "junit.xml", tmp_path / "out" / "report.html"
    code = main(
        [
            "--certs",
            str(certs_dir),
            "scenario",
            "run",
            *map(str, files),
            "--junit",
            str(junit),
            "--html",
            str(report),
        ]
    )
    return code, junit, report


#: The shipped files run in this many parts, so that the suite's workers run them side by side
#: (each part makes a test PKI of its own: a few seconds of keys, so not one part a file).
PARTS = 3


def shipped_parts(parts: int = PARTS) -> list[list[Path]]:
    """The shipped files in `parts` groups of about equal work (a simulator starts for each
    scenario, then its steps run), each group in the files' own order."""
    groups: list[list[Path]] = [[] for _ in range(parts)]
    work = [0] * parts

    def cost(path: Path) -> int:
        scenarios = load_scenario_file(path).scenarios
        return 4 * len(scenarios) + sum(len(scenario.steps) for scenario in scenarios)

    for path in sorted(shipped_files(), key=cost, reverse=True):
        lightest = work.index(min(work))
        groups[lightest].append(path)
        work[lightest] += cost(path)
    order = {path: index for index, path in enumerate(shipped_files())}
    return [sorted(group, key=order.__getitem__) for group in groups]


def test_the_shipped_files_are_the_known_ones_and_each_is_in_one_part() -> None:
    shipped = shipped_files()
    assert {path.name for path in shipped} >= {
        "portal-vessel-licence.yaml",
        "portal-readiness-passport.yaml",
        "statecorp-counter.yaml",
        "refusals-c1.yaml",
        "refusals-c2.yaml",
        "refusals-p3.yaml",
        "refusals-gateway.yaml",
        "refusals-statecorp.yaml",
    }
    parts = shipped_parts()
    assert sorted(path for part in parts for path in part) == sorted(shipped)
    assert all(parts)


def test_scenario_run_without_files_runs_every_shipped_one(
    certs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The files it would run, not the run itself: the parts below run every one of them.
    chosen: list[str] = []

    async def run_nothing(arguments: object, settings: object, files: list, reports: object) -> int:
        chosen.extend(scenario_file.path.name for scenario_file in files)
        return 0

    monkeypatch.setattr("egovsim.cli.scenario_command._run_files", run_nothing)
    code, _, _ = run_cli(certs_dir, tmp_path)
    assert code == 0
    assert chosen == [path.name for path in shipped_files()]


@pytest.mark.long
@pytest.mark.parametrize(
    "part", range(PARTS), ids=[f"part-{n + 1}-of-{PARTS}" for n in range(PARTS)]
)
def test_every_shipped_scenario_passes_and_its_junit_xml_parses(
    part: int, certs_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = shipped_parts()[part]

    code, junit, report = run_cli(certs_dir, tmp_path, *files)

    progress = capsys.readouterr().err
    assert code == 0, progress
    # "... FAIL": codes such as FORWARD_FAILED appear in the scenarios' names.
    assert "... ok" in progress and "... FAIL" not in progress
    parsed = JUnitXml.fromfile(str(junit))
    suites = list(parsed)
    assert {suite.name for suite in suites} == {load_scenario_file(p).name for p in files}
    scenarios = sum(len(load_scenario_file(p).scenarios) for p in files)
    cases = [case for suite in suites for case in suite]
    assert len(cases) == scenarios == parsed.tests
    assert all(case.is_passed for case in cases)
    page = report.read_text(encoding="utf-8")
    assert f"{scenarios} passed, 0 failed" in page
    # Self-contained: no stylesheet, script or image fetched from anywhere.
    assert "<link" not in page and "<script" not in page and "src=" not in page


def test_every_catalogue_refusal_has_a_shipped_scenario_that_expects_it() -> None:
    # With the test above (every shipped scenario passes, and a refused step passes only on
    # its code at its step), each refusal of the catalogue is reached by a scenario.
    index = build_index(shipped_files())
    without = sorted(code for code in CATALOGUE if code not in index.by_code)
    assert without == sorted(UNSCRIPTED), "refusals with no shipped scenario"
    assert set(UNSCRIPTED) <= set(CATALOGUE)


def test_a_failing_step_is_a_junit_failure_with_the_step_and_the_evidence(
    certs_dir: Path, tmp_path: Path
) -> None:
    scenario = tmp_path / "wrong.yaml"
    scenario.write_text(
        "scenarios:\n"
        "  - name: a wrong password expected to be an unknown account\n"
        "    steps:\n"
        "      - login: {persona: citizen-valid, password: nope}\n"
        "        refused: ACCOUNT_UNKNOWN\n"
        "      - logout:\n"
        "  - name: a good login\n"
        "    steps:\n"
        "      - login: citizen-valid\n",
        encoding="utf-8",
    )

    code, junit, report = run_cli(certs_dir, tmp_path, scenario)

    assert code == 1
    (suite,) = list(JUnitXml.fromfile(str(junit)))
    failed, passed = list(suite)
    assert passed.is_passed
    (failure,) = failed.result
    assert isinstance(failure, Failure)
    assert failure.message.startswith("line 4: login(")
    assert "expected the refusal ACCOUNT_UNKNOWN at C1, got PASSWORD_WRONG at C1" in failure.message
    assert "POST /api/v1/auth/login -> HTTP 401" in (failure.text or "")
    assert "[skipped] line 6: logout()" in (failed.system_out or "")
    assert "PASSWORD_WRONG" in report.read_text(encoding="utf-8")


def test_a_step_expected_refused_that_succeeds_fails(certs_dir: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "lucky.yaml"
    scenario.write_text(
        "scenarios:\n"
        "  - name: expects a refusal that does not come\n"
        "    steps:\n"
        "      - login: citizen-valid\n"
        "        refused: PASSWORD_WRONG\n",
        encoding="utf-8",
    )
    code, junit, _ = run_cli(certs_dir, tmp_path, scenario)
    assert code == 1
    (case,) = list(next(iter(JUnitXml.fromfile(str(junit)))))
    assert not isinstance(case.result[0], Error)
    assert "but it succeeded" in case.result[0].message


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("scenarios:\n  - name: x\n    steps:\n      - login: [a\n", 5, "not valid YAML"),
        (
            "scenarios:\n  - name: x\n    steps:\n      - login: citizen-valid\n"
            "        refused: NO_SUCH_CODE\n",
            5,
            "not a code of the refusal catalogue",
        ),
        ("scenarios:\n  - name: x\n    steps:\n      - dance: {}\n", 4, "exactly one kind"),
        (
            "scenarios:\n  - name: x\n    steps:\n      - order: {service: s, colour: red}\n",
            4,
            "not 'colour'",
        ),
        (
            "scenarios:\n  - name: x\n    steps:\n      - login: citizen-valid\n"
            "        refused: {code: PASSWORD_WRONG, step: C2}\n",
            5,
            "belongs to step C1",
        ),
        ("scenarios:\n  - name: x\n    clock: someday\n    steps: [logout: ]\n", 3, "clock"),
        (
            "scenarios:\n  - name: x\n    steps:\n      - check: {cosigners: citizen-second}\n",
            4,
            "cosigners is a list of personas",
        ),
        (
            "scenarios:\n  - name: x\n    steps:\n      - check: {tamper: timestamp}\n",
            4,
            "add timestamp: true",
        ),
    ],
    ids=[
        "yaml-syntax",
        "unknown-code",
        "unknown-kind",
        "unknown-key",
        "wrong-step",
        "clock",
        "cosigners",
        "timestamp-tamper",
    ],
)
def test_a_broken_scenario_file_is_refused_with_its_line(
    certs_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    line: int,
    message: str,
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as raised:
        load_scenario_file(broken)
    assert raised.value.line == line
    assert message in raised.value.message

    code, junit, _ = run_cli(certs_dir, tmp_path, broken)
    assert code == 2
    assert f"broken.yaml:{line}: " in capsys.readouterr().err
    assert not junit.exists()


def test_clock_words_pick_days_inside_the_certificates_validity() -> None:
    calendar = WorkingCalendar.kazakhstan()
    morning = resolve_time("working-morning", NOW, calendar)
    assert morning > NOW and calendar.is_working_day(morning.astimezone(ALMATY).date())
    inside = resolve_time("in-window 08-15..09-30", NOW, calendar).astimezone(ALMATY)
    assert (8, 15) <= (inside.month, inside.day) <= (9, 30)
    outside = resolve_time("outside-window 08-15..09-30", NOW, calendar).astimezone(ALMATY)
    assert not (8, 15) <= (outside.month, outside.day) <= (9, 30)
    assert resolve_time("issued-60d", NOW, calendar) == NOW - timedelta(days=60)


async def test_the_same_files_run_against_a_running_simulator(
    server: TestServer, certs_dir: Path, tmp_path: Path
) -> None:
    # The runner reads the personas' keys from the running simulator's own certs directory.
    chosen = [p for p in shipped_files() if p.name in ("refusals-c1.yaml", "refusals-p3.yaml")]
    files = [load_scenario_file(p) for p in chosen]

    results = await run_files(Remote(str(server.make_url("/")), certs_dir), files)

    outcomes = {s.scenario.name: (s.passed, s.failure()) for f in results for s in f.scenarios}
    assert all(passed for passed, _ in outcomes.values()), outcomes
