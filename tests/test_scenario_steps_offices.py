"""The offices' scenario steps beyond what the shipped files show: a sign-in after signing out
acts again, a password given signs in anew (a held session never hides a wrong one), counter
actions reach a named package, and the Annex 3 refusal receipt is a refusal only where a step
expects one."""

from __future__ import annotations

from pathlib import Path

from egovsim.scenarios.model import load_scenario_file
from egovsim.scenarios.runner import ScenarioResult, run_files
from egovsim.scenarios.targets import InProcess
from egovsim.web.serving import serve

OPEN = """\
      - counter:
          action: open
          params:
            service: almaty-small-vessel-licence
            variant: {variant}
            applicant: {{iin: "850715301233", name: ТЕСТОВ ТЕСТ}}
"""
DUPLICATE = OPEN.format(variant="duplicate")
ALL_THREE = "{documents: [application, identity-document, photo]}"


async def _run(certs_dir: Path, tmp_path: Path, steps: str) -> ScenarioResult:
    path = tmp_path / "scenario.yaml"
    path.write_text(f"scenarios:\n  - name: one\n    steps:\n{steps}", encoding="utf-8")
    (result,) = await run_files(InProcess(certs_dir, serve), [load_scenario_file(path)])
    (scenario,) = result.scenarios
    return scenario


async def test_an_operator_who_signs_in_again_after_signing_out_acts_again(
    certs_dir: Path, tmp_path: Path
) -> None:
    scenario = await _run(
        certs_dir,
        tmp_path,
        DUPLICATE + "      - counter: {action: sign_out}\n"
        "      - counter: {login: gk-alm-1}\n"
        f"      - counter: {{action: check, params: {ALL_THREE}}}\n"
        "      - expect: {package: accepted}\n",
    )
    assert scenario.passed, scenario.failure()


async def test_a_password_given_signs_in_anew_even_with_a_session_held(
    certs_dir: Path, tmp_path: Path
) -> None:
    scenario = await _run(
        certs_dir,
        tmp_path,
        DUPLICATE + "      - counter:\n"
        "          action: check\n"
        "          password: not-the-password\n"
        f"          params: {ALL_THREE}\n"
        "        refused: OPERATOR_LOGIN_FAILED\n"
        "      - expect: {package: at_counter}\n",
    )
    assert scenario.passed, scenario.failure()


async def test_a_staff_sign_in_that_fails_without_an_expected_refusal_fails_the_step(
    certs_dir: Path, tmp_path: Path
) -> None:
    scenario = await _run(
        certs_dir, tmp_path, "      - staff: {login: alm-office, password: wrong}\n"
    )
    failure = scenario.failure()
    assert failure is not None
    assert failure.message == "refused with STAFF_LOGIN_FAILED"
    assert "POST /api/v1/workstation/session -> HTTP 401" in failure.evidence


async def test_counter_actions_reach_the_package_named(certs_dir: Path, tmp_path: Path) -> None:
    scenario = await _run(
        certs_dir,
        tmp_path,
        DUPLICATE + DUPLICATE + "      - counter: {action: show, package: 1}\n"
        f"      - counter: {{action: check, package: 1, params: {ALL_THREE}}}\n"
        "      - counter: {action: show, package: '${package}'}\n"
        "      - expect: {package: at_counter}\n"
        f"      - counter: {{action: check, package: 3, params: {ALL_THREE}}}\n"
        "        refused: PACKAGE_NOT_FOUND\n",
    )
    assert scenario.passed, scenario.failure()


async def test_a_refusal_receipt_is_the_packages_outcome_unless_a_step_expects_the_refusal(
    certs_dir: Path, tmp_path: Path
) -> None:
    renewal = OPEN.format(variant="renewal-after-expiry")
    short = f"      - counter: {{action: check, params: {ALL_THREE}}}\n"
    outcome = await _run(
        certs_dir, tmp_path, renewal + short + "      - expect: {package: refused}\n"
    )
    assert outcome.passed, outcome.failure()

    accepted = await _run(
        certs_dir, tmp_path, DUPLICATE + short + "        refused: PACKAGE_INCOMPLETE\n"
    )
    failure = accepted.failure()
    assert failure is not None
    assert "expected the refusal PACKAGE_INCOMPLETE, but it succeeded" in failure.message
