"""`egovsim.testing`, the pytest plugin, tested with its own fixtures: a simulator in-process at
the address its certificates name, personas signing in through C1 and signing, the clock and the
fault switches, any refusal in one call, scenario text played step by step, `egovsim serve` as a
subprocess; and the sample provider suite of examples/ run as another team runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from asn1crypto.cms import ContentInfo

from egovsim.pki.authority import TestPki
from egovsim.testing import RefusalNotReached, ScenarioFailed, Simulator, SimulatorError
from egovsim.testing.plugin import ASYNC_FIXTURES, operator_token_for

ROOT = Path(__file__).resolve().parents[1]


def test_the_plugin_is_registered_by_its_entry_point(request: pytest.FixtureRequest) -> None:
    plugin = request.config.pluginmanager.get_plugin("egovsim")
    assert plugin is not None, "installing egovsim registers the pytest11 entry point"
    assert plugin.__name__ == "egovsim.testing.plugin"
    assert ASYNC_FIXTURES
    assert {name for name in dir(plugin) if name.startswith("egovsim_")} == {
        "egovsim_address",
        "egovsim_pki",
        "egovsim_persona",
        "egovsim_simulator",
        "egovsim_server",
        "egovsim_operator_token",
    }
    # None is autouse: a test that asks for none of them gets none.
    assert not [name for name in request.fixturenames if name.startswith("egovsim")]


async def test_the_in_process_simulator_answers_where_its_certificates_point(
    egovsim_simulator: Simulator, egovsim_pki: Path
) -> None:
    assert TestPki.open(egovsim_pki).base_url == egovsim_simulator.url
    health = await egovsim_simulator.request("GET", "/healthz")
    assert health.status == 200
    # Its own revocation answers: the OCSP and CRL addresses of the certificates reach it.
    crl = await egovsim_simulator.request("GET", "/crl/root.crl")
    assert crl.status in (200, 404)


async def test_a_persona_signs_in_through_c1_and_signs_at_the_simulators_time(
    egovsim_simulator: Simulator,
) -> None:
    async with await egovsim_simulator.sign_in("citizen-valid") as session:
        assert session.csrf
        mine = await session.request("GET", "/api/v1/portal/applications")
        assert mine.status == 200, mine.evidence()
    persona = egovsim_simulator.persona("citizen-valid")
    now = await egovsim_simulator.now()
    signature = persona.sign_cms(b"an application", now)
    assert ContentInfo.load(signature)["content_type"].native == "signed_data"
    with pytest.raises(SimulatorError, match=r"AUTH_SIGNATURE_REFUSED|CERT_REVOKED"):
        later = now + timedelta(days=10)
        await egovsim_simulator.set_clock(later)
        await egovsim_simulator.sign_in("citizen-revoked")


async def test_the_clock_and_the_switches(egovsim_simulator: Simulator) -> None:
    start = await egovsim_simulator.set_clock((await egovsim_simulator.now()) + timedelta(days=2))
    assert await egovsim_simulator.advance(hours=3) == start + timedelta(hours=3)
    async with egovsim_simulator.fault("ocsp-down"):
        listing = await egovsim_simulator.call("GET", "/api/v1/faults")
        assert {f["name"] for f in listing["faults"] if f["on"]} == {"ocsp-down"}
    listing = await egovsim_simulator.call("GET", "/api/v1/faults")
    assert not [f for f in listing["faults"] if f["on"]]


@pytest.mark.parametrize("code", ["CERT_REVOKED", "WSS_SIGNATURE_MISSING"])
async def test_any_refusal_is_reached_in_one_call(egovsim_simulator: Simulator, code) -> None:
    reached = await egovsim_simulator.refusal(code)
    assert reached.code == reached.error["code"] == code
    assert reached.step
    assert set(reached.error["message"]) == {"kk", "ru", "en"}


async def test_a_refusal_no_scenario_reaches_is_said_so(egovsim_simulator: Simulator) -> None:
    with pytest.raises(SimulatorError, match="no shipped scenario reaches this refusal"):
        await egovsim_simulator.refusal("INTERNAL_ERROR")
    assert issubclass(RefusalNotReached, AssertionError)


def signed_by(signer: str) -> str:
    """A scenario file: citizen-valid signs in on a working morning, orders a duplicate licence
    and signs it with `signer`'s key; the portal sends it to the gateway."""
    return f"""
suite: mine
scenarios:
  - name: a citizen's request signed by {signer}
    clock: working-morning
    steps:
      - login: citizen-valid
      - order:
          service: almaty-small-vessel-licence
          variant: duplicate
          form: {{request-kind: duplicate}}
          attach: {{application: pdf, identity-document: jpeg, photo: png}}
      - sign: {{persona: {signer}}}
      - expect: {{application: sent}}
"""


async def test_scenario_text_is_played_step_by_step(egovsim_simulator: Simulator) -> None:
    (played,) = await egovsim_simulator.play(signed_by("citizen-valid"))
    assert played.application is not None
    assert [o.outcome for o in played.outcomes] == ["passed"] * 4
    with pytest.raises(ScenarioFailed, match="CERT_REVOKED"):
        await egovsim_simulator.play(signed_by("citizen-revoked"))


async def test_the_subprocess_server_runs_on_a_free_port_of_its_own(
    egovsim_server: Simulator,
) -> None:
    assert not egovsim_server.url.endswith(":8080")
    assert TestPki.open(egovsim_server.certs_dir).base_url == egovsim_server.url
    async with await egovsim_server.sign_in("citizen-valid") as session:
        assert (await session.request("GET", "/api/v1/portal/applications")).status == 200


async def _refused_without_the_secret(simulator: Simulator, method: str, path: str) -> None:
    stranger = Simulator(simulator.url, simulator.certs_dir)
    reply = await stranger.request(method, path, {"advance": {"hours": 1}})
    assert reply.status == 401, reply.evidence()
    assert reply.body["error"]["code"] == "OPERATOR_REQUIRED"


async def test_the_subprocess_server_has_an_operator_secret_its_helpers_send(
    egovsim_server: Simulator, egovsim_operator_token: str | None
) -> None:
    assert egovsim_operator_token
    assert egovsim_server.operator_token == egovsim_operator_token
    # Another process on this machine cannot move its clock; the helpers can.
    await _refused_without_the_secret(egovsim_server, "POST", "/api/v1/clock")
    start = await egovsim_server.now()
    assert await egovsim_server.advance(days=3) >= start + timedelta(days=3)
    async with egovsim_server.fault("ocsp-down"):
        faults = await egovsim_server.call("GET", "/api/v1/faults")
        assert "ocsp-down" in {f["name"] for f in faults["faults"] if f["on"]}
    reached = await egovsim_server.refusal("CERT_REVOKED")
    assert reached.code == "CERT_REVOKED"
    await egovsim_server.reset()
    assert abs((await egovsim_server.now()) - start) < timedelta(hours=1)


async def test_the_in_process_simulator_is_guarded_by_the_same_secret(
    egovsim_simulator: Simulator, egovsim_operator_token: str | None
) -> None:
    assert egovsim_simulator.operator_token == egovsim_operator_token
    await _refused_without_the_secret(egovsim_simulator, "POST", "/api/v1/clock")
    start = await egovsim_simulator.now()
    assert await egovsim_simulator.advance(hours=2) >= start + timedelta(hours=2)


def test_the_secret_comes_from_the_option_or_is_new_each_session() -> None:
    assert operator_token_for(None) != operator_token_for(None)
    assert len(operator_token_for(None) or "") >= 24
    assert operator_token_for("team-secret") == "team-secret"
    assert operator_token_for("none") is None


@pytest.mark.long
def test_the_sample_provider_suite_passes_as_another_team_runs_it(tmp_path: Path) -> None:
    """examples/provider_suite is a team's own suite: its own pytest.ini, the plugin found by
    its entry point, nothing of the project's conftest."""
    suite = ROOT / "examples" / "provider_suite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVSIM_")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(suite), "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
    assert "failed" not in run.stdout
