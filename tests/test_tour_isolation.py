"""Tours and "try it" runs start from what they need, whatever ran before: their accounts without
failed logins or a lock and free to register again, every switch off, the verifier's caches
empty; and "show in the cabinet" opens the tour persona's cabinet whatever C1 says of its key."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from egovsim.console.prepare import needs_of
from egovsim.console.tour import shipped_tours
from egovsim.pki.personas import load_personas
from egovsim.scenarios.index import scenarios_for
from egovsim.storage.accounts import AccountStore
from egovsim.web.common.keys import SIMULATOR
from tests.test_console import _json


def test_a_scenario_needs_the_accounts_it_signs_in_as_and_those_it_registers(certs_dir) -> None:
    personas = {p["id"]: p for p in load_personas(certs_dir)}
    happy = needs_of(shipped_tours()["happy-path"].scenario, personas.values())
    assert happy.sign_in == {personas["citizen-valid"]["iin"]}
    assert happy.register == frozenset()

    _, registering = scenarios_for("AUTH_NOT_AN_EMPLOYEE")[0].load()
    needs = needs_of(registering, personas.values())
    assert needs.register == {personas["shymkent-energy-head"]["bin"]}
    assert personas["shymkent-energy-head"]["bin"] not in needs.sign_in


async def _try(client, code: str) -> dict:
    return await _json(await client.post(f"/api/v1/refusals/{code}/try"))  # type: ignore[no-any-return]


@pytest.mark.parametrize(("code", "runs"), [("PASSWORD_WRONG", 6), ("AUTH_NOT_AN_EMPLOYEE", 2)])
async def test_a_try_it_passes_however_often_it_ran_before(client, code, runs) -> None:
    for run in range(runs):
        trial = await _try(client, code)
        assert trial["passed"], (run, trial["steps"])
        assert trial["refusal"]["code"] == code
    assert trial["prepared"], "the last run had the earlier runs' traces to clear"


async def test_a_tour_starts_from_what_it_needs_whatever_was_left(client) -> None:
    # What other runs leave: a switch on, a receiver failing, four failed logins.
    await _json(await client.put("/api/v1/faults/ocsp-down", json={"on": True}))
    routes = await _json(await client.get("/api/v1/gateway/routes"))
    service_id = routes["routes"][0]["service_id"]
    fault = {"kind": "unreachable", "seconds": 1}
    await _json(await client.put(f"/api/v1/gateway/routes/{service_id}/fault", json=fault))
    settings = client.app[SIMULATOR].settings
    revoked = next(p for p in load_personas(settings.certs_dir) if p["id"] == "citizen-revoked")
    store = AccountStore(client.app[SIMULATOR].database)
    account = await store.account(revoked["iin"])
    assert account is not None
    for _ in range(4):
        await store.record_failure(
            account.id, client.app[SIMULATOR].clock.now(), 5, timedelta(minutes=30)
        )

    started = await _json(await client.post("/api/v1/console/tours/refusal-revoked/start"))
    assert "switch ocsp-down: off" in started["prepared"]
    assert f"receiver {service_id}: fault off" in started["prepared"]
    assert any(revoked["iin"] in line for line in started["prepared"])
    for _ in range(started["total"]):
        tour = await _json(await client.post("/api/v1/console/tours/refusal-revoked/next"))
    assert [s["outcome"]["outcome"] for s in tour["steps"]] == ["passed"] * tour["total"]


async def test_show_in_the_cabinet_opens_the_refused_personas_cabinet(client) -> None:
    await _json(await client.post("/api/v1/console/tours/refusal-revoked/start"))
    for _ in range(5):
        tour = await _json(await client.post("/api/v1/console/tours/refusal-revoked/next"))
    sight = tour["steps"][3]["sight"]
    assert sight["who"] == {"kind": "persona", "id": "citizen-revoked"}

    # At the tour's end the persona's own C1 refuses its revoked AUTH key ...
    refused = await client.post("/api/v1/console/login", json={"persona": "citizen-revoked"})
    assert refused.status >= 400
    assert (await refused.json())["error"]["step"] == "C1"

    # ... and the tour page's "show" still opens the cabinet, as the room is to see it.
    html = await (await client.get("/console/tours/refusal-revoked?lang=en")).text()
    show = re.search(
        r'<form method="post" action="/console/login" class="action console-show">(.*?)</form>',
        html,
        re.S,
    )
    assert show, "the tour page offers to show the step's effect"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', show[1]))
    assert fields["show"] == "1"
    reply = await client.post("/console/login", data=fields, allow_redirects=False)
    assert reply.status == 303, await reply.text()
    assert reply.headers["Location"] == fields["next"]
    cabinet = await client.get(fields["next"] + "?lang=en")
    assert cabinet.status == 200
    assert "CERT_REVOKED" in await cabinet.text()
