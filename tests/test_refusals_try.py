""" "Try it" on the refusal catalogue: a shipped scenario that reaches the refusal runs against
the live simulator over HTTP and answers each step's outcome with its evidence and the refusal
received; the clock and the fault switches are put back; one run at a time, bounded in time."""

from __future__ import annotations

import re
from typing import Any

import pytest

from egovsim.errors import CATALOGUE
from egovsim.scenarios.index import build_index, scenarios_for, shipped_files
from egovsim.web.common.keys import CONSOLE
from tests.conftest import NOW
from tests.test_openapi import Api


async def _api(client: Any) -> Api:
    return Api(client, await (await client.get("/api/v1/openapi.json")).json())


async def _try(client: Any, code: str) -> dict[str, Any]:
    api = await _api(client)
    return await api.call(  # type: ignore[no-any-return]
        "POST", f"/api/v1/refusals/{code}/try", "/api/v1/refusals/{code}/try"
    )


async def _clock(client: Any) -> dict[str, Any]:
    return await (await client.get("/api/v1/clock")).json()  # type: ignore[no-any-return]


def test_the_index_finds_the_scenario_written_for_a_code_first() -> None:
    (first, *_) = scenarios_for("PASSWORD_WRONG")
    assert first.name.endswith("(PASSWORD_WRONG)")
    assert first.path.name == "refusals-c1.yaml"
    assert scenarios_for("INTERNAL_ERROR") == ()
    index = build_index(shipped_files())
    assert "REVOCATION_UNAVAILABLE" in index.by_fault["ocsp-down"]
    assert set(index.by_code) <= set(CATALOGUE)


def test_a_broken_file_is_left_out_of_the_index(tmp_path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("scenarios: [", encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(
        "scenarios:\n  - name: wrong (PASSWORD_WRONG)\n    steps:\n"
        "      - login: {persona: citizen-valid, password: x}\n        refused: PASSWORD_WRONG\n",
        encoding="utf-8",
    )
    index = build_index([broken, good])
    assert [ref.name for ref in index.by_code["PASSWORD_WRONG"]] == ["wrong (PASSWORD_WRONG)"]


async def test_a_c1_refusal_is_tried_and_each_step_shows_its_evidence(client) -> None:
    trial = await _try(client, "PASSWORD_WRONG")
    assert trial["passed"] is True, trial
    assert trial["scenario"]["file"] == "refusals-c1.yaml"
    assert (trial["refusal"]["code"], trial["refusal"]["step"]) == ("PASSWORD_WRONG", "C1")
    assert trial["refusal"]["message"]["kk"] == CATALOGUE["PASSWORD_WRONG"].messages["kk"]
    (step,) = trial["steps"]
    assert step["outcome"] == "passed"
    assert step["expected_refusal"] == {"code": "PASSWORD_WRONG", "step": "C1"}
    assert "POST /api/v1/auth/login -> HTTP 401" in step["evidence"]
    # The scenario set and froze the clock on a working morning; it is back where it was.
    assert (await _clock(client))["now"] == NOW.isoformat()


async def test_a_c2_refusal_moves_the_clock_and_puts_it_back(client) -> None:
    before = await _clock(client)
    trial = await _try(client, "CERT_REVOKED")
    assert trial["passed"] is True, trial
    kinds = [step["kind"] for step in trial["steps"]]
    assert kinds[:2] == ["login", "clock"]
    assert trial["refusal"]["code"] == "CERT_REVOKED"
    assert (await _clock(client))["now"] == before["now"]


async def test_a_refusal_reached_by_fault_switches_leaves_every_switch_as_it_was(client) -> None:
    (ref, *_) = scenarios_for("REVOCATION_UNAVAILABLE")
    trial = await _try(client, "REVOCATION_UNAVAILABLE")
    assert trial["passed"] is True, (ref, trial)
    faults = await (await client.get("/api/v1/faults")).json()
    assert not any(switch["on"] for switch in faults["faults"])
    assert faults["gateway"] == []


async def test_a_switch_the_trainer_had_on_is_on_again_after_the_run(client) -> None:
    await client.put("/api/v1/faults/ocsp-slow", json={"on": True, "seconds": 0.1})
    trial = await _try(client, "REVOCATION_UNAVAILABLE")
    faults = (await (await client.get("/api/v1/faults")).json())["faults"]
    slow = next(switch for switch in faults if switch["name"] == "ocsp-slow")
    assert (slow["on"], slow["seconds"]) == (True, 0.1)
    assert not any(s["on"] for s in faults if s["name"] != "ocsp-slow"), trial["restored"]


@pytest.mark.parametrize(
    ("code", "reason"),
    [("NO_SUCH_CODE", None), ("INTERNAL_ERROR", "no shipped scenario reaches this refusal")],
)
async def test_a_code_without_a_scenario_cannot_be_tried(client, code, reason) -> None:
    reply = await client.post(f"/api/v1/refusals/{code}/try")
    assert reply.status == 404
    error = (await reply.json())["error"]
    assert error["code"] == "NOT_FOUND"
    assert error["details"].get("reason") == reason


async def test_a_second_run_while_one_is_under_way_is_refused(client) -> None:
    async with client.server.app[CONSOLE].exclusive("try PASSWORD_WRONG"):
        reply = await client.post("/api/v1/refusals/ACCOUNT_UNKNOWN/try")
    assert reply.status == 409
    error = (await reply.json())["error"]
    assert (error["code"], error["step"]) == ("CONSOLE_BUSY", "console")
    assert error["details"] == {"under_way": "try PASSWORD_WRONG", "asked": "try ACCOUNT_UNKNOWN"}
    # The lock is free again: the next click runs.
    assert (await _try(client, "ACCOUNT_UNKNOWN"))["passed"] is True


async def test_a_run_past_its_time_limit_is_stopped_and_the_clock_put_back(client) -> None:
    client.server.app[CONSOLE].try_seconds = 0
    trial = await _try(client, "CERT_REVOKED")
    assert trial["passed"] is False and trial["timed_out"] is True
    assert trial["error"] == "stopped after 0 s"
    assert trial["steps"][0]["outcome"] == "failed"
    assert {step["outcome"] for step in trial["steps"][1:]} == {"skipped"}
    assert (await _clock(client))["now"] == NOW.isoformat()


async def test_the_catalogue_page_has_a_try_it_button_and_shows_the_outcome(client) -> None:
    page = await client.get("/refusals?lang=en")
    html = await page.text()
    assert 'action="/refusals/CERT_REVOKED/try"' in html
    assert 'action="/refusals/INTERNAL_ERROR/try"' not in html
    # The switches that lead to a refusal are shown with it, linked to the console.
    row = re.search(r'<tr id="REVOCATION_UNAVAILABLE">.*?</tr>', html, re.S)
    assert row and 'href="/console#fault-ocsp-down"' in row.group(0)
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert token

    result = await client.post("/refusals/ACCOUNT_UNKNOWN/try", data={"csrf": token.group(1)})
    shown = await result.text()
    assert result.status == 200
    assert 'data-refusal="ACCOUNT_UNKNOWN"' in shown
    assert 'data-outcome="passed"' in shown
    assert CATALOGUE["ACCOUNT_UNKNOWN"].messages["en"] in shown

    forged = await client.post("/refusals/ACCOUNT_UNKNOWN/try", data={"csrf": "0"})
    assert forged.status == 400


async def test_the_api_lists_the_scenarios_and_switches_of_each_refusal(client) -> None:
    entry = await (await client.get("/api/v1/refusals/REVOCATION_UNAVAILABLE")).json()
    assert "ocsp-down" in entry["fault_switches"]
    assert entry["scenarios"][0]["file"].startswith("refusals-")
    unreachable = await (await client.get("/api/v1/refusals/RECEIVER_UNREACHABLE")).json()
    assert "gateway:unreachable" in unreachable["fault_switches"]
