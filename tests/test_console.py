"""The trainer's console: the clock moved from it, the reset to a clean demo, quick logins, the
fault switches and the verifier's caches, the State Corporation's sweep, the guided tours stepped
through the API, and `egovsim reset` on a stopped simulator's data directory."""

from __future__ import annotations

import asyncio
import base64
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.cli import main
from egovsim.clock import Clock, parse_time
from egovsim.config import Settings
from egovsim.console.tour import shipped_tours, tours_folder
from egovsim.errors import LANGUAGES
from egovsim.pki.personas import COMPANY_BIN
from egovsim.scenarios.model import load_scenario_file
from egovsim.scenarios.runner import run_files
from egovsim.scenarios.targets import ALMATY, InProcess
from egovsim.signatures import cms
from egovsim.storage.faults import FAULT_NAMES
from egovsim.web.app import create_app
from egovsim.web.common.i18n import word
from egovsim.web.common.keys import CONSOLE
from egovsim.web.serving import serve
from tests.conftest import NOW, PASSWORD
from tests.test_openapi import Api, fits

LICENCE = "almaty-small-vessel-licence"


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EGOVSIM_CLOCK", "EGOVSIM_CERTS", "EGOVSIM_DATA", "EGOVSIM_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)


async def _json(reply: Any, status: int = 200) -> Any:
    body = await reply.json()
    assert reply.status == status, body
    return body


async def _form_token(client: TestClient) -> str:
    """The console's form token, as the page hands it out (its cookie stays in the client)."""
    html = await (await client.get("/console")).text()
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "the console's forms carry a token"
    return found.group(1)


async def _post_form(client: TestClient, path: str, **fields: str) -> Any:
    token = await _form_token(client)
    return await client.post(path, data={"csrf": token, **fields}, allow_redirects=False)


async def _quick_login(client: TestClient, **who: str) -> dict[str, Any]:
    return await _json(await client.post("/api/v1/console/login", json=who))  # type: ignore[no-any-return]


async def _clock(client: TestClient) -> dict[str, Any]:
    return await _json(await client.get("/api/v1/clock"))  # type: ignore[no-any-return]


def _login_with_key(keystore: Any, nonce: bytes) -> str:
    return base64.b64encode(
        cms.sign(nonce, keystore.key, keystore.certificate, keystore.chain, NOW)
    ).decode()


async def _sign_in(client: TestClient, persona: Any, persona_id: str) -> Any:
    """A user's own C1: a challenge signed with the AUTH key, as the portal's page does it."""
    citizen = persona(persona_id)
    challenge = await _json(await client.post("/api/v1/auth/challenge"))
    nonce = base64.b64decode(challenge["nonce"])
    return await client.post(
        "/api/v1/auth/login",
        json={
            "login": citizen.bin or citizen.iin,
            "password": PASSWORD,
            "challenge_id": challenge["challenge_id"],
            "signature": _login_with_key(citizen.auth, nonce),
        },
    )


# -- the page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_console_page_speaks_each_language_and_shows_every_part(client, lang) -> None:
    page = await client.get(f"/console?lang={lang}")
    assert page.status == 200
    html = await page.text()
    assert f'<html lang="{lang}">' in html
    for msgid in ("console.title", "console.clock", "console.faults", "console.reset_button"):
        assert word(msgid, lang) in html
    assert '<main id="main"' in html and 'class="skip-link"' in html
    for name in FAULT_NAMES:
        assert f'id="fault-{name}"' in html
    # Each switch links to the refusals of the catalogue it leads to.
    assert 'href="/refusals#REVOCATION_UNAVAILABLE"' in html
    assert 'href="/refusals#RECEIVER_UNREACHABLE"' in html
    for tour in shipped_tours().values():
        assert f'href="/console/tours/{tour.id}"' in html
        assert word(tour.title_msgid(), lang) in html
    assert page.cookies["egovsim_console"].value in html  # the forms' token


async def test_a_form_without_the_token_is_refused(client) -> None:
    reply = await client.post("/console/caches", data={"csrf": "forged"})
    assert reply.status == 400
    assert (await reply.json())["error"]["code"] == "BAD_REQUEST"


async def test_the_overview_lists_every_switch_person_and_tour(client) -> None:
    document = await _json(await client.get("/api/v1/openapi.json"))
    overview = await _json(await client.get("/api/v1/console"))
    fits(document, "#/components/schemas/ConsoleOverview", overview)
    listed = await _json(await client.get("/api/v1/faults"))
    assert [s["name"] for s in overview["faults"]] == [s["name"] for s in listed["faults"]]
    unknown = next(s for s in overview["faults"] if s["name"] == "ocsp-unknown")
    assert "REVOCATION_UNAVAILABLE" in unknown["codes"]
    kinds = {k["kind"]: k["codes"] for k in overview["receiver_kinds"]}
    assert set(kinds) == {"delay", "drop", "duplicate", "unreachable", "malformed", "slow_ack"}
    assert kinds["unreachable"] == ["RECEIVER_UNREACHABLE"]
    assert {r["service_id"] for r in overview["receivers"]} >= {LICENCE}
    personas = {p["id"]: p for p in overview["people"]["personas"]}
    assert personas["company-first-head"]["login"] == COMPANY_BIN
    assert "shymkent-energy-head" not in personas  # an official has no portal account
    assert {m["login"] for m in overview["people"]["staff"]} >= {"alm-office", "alm-executor"}
    assert {o["login"] for o in overview["people"]["operators"]} >= {"gk-alm-1"}
    assert [t["id"] for t in overview["tours"]] == ["happy-path", "refusal-revoked"]
    assert overview["busy"] is None and overview["ncalayer_persona"] == "citizen-valid"


# -- the clock ----------------------------------------------------------------------------------


async def test_a_jump_to_15_august_lands_on_the_next_one_at_ten_local(client) -> None:
    answer = await _json(await client.post("/api/v1/console/clock/jump", json={"date": "08-15"}))
    local = parse_time(answer["now"]).astimezone(ALMATY)
    assert (local.month, local.day, local.hour, local.minute) == (8, 15, 10, 0)
    assert NOW < local <= NOW + timedelta(days=366)
    assert answer["mode"] == "frozen"  # a frozen clock stays frozen

    exact = await client.post(
        "/api/v1/console/clock/jump", json={"date": "2031-02-03", "time": "09:30"}
    )
    moment = parse_time((await _json(exact))["now"]).astimezone(ALMATY)
    assert moment.isoformat() == "2031-02-03T09:30:00+05:00"


@pytest.mark.parametrize(
    "body", [{"date": "15 August"}, {"date": "02-30"}, {"date": "08-15", "time": "noon"}, {}]
)
async def test_a_jump_to_what_is_no_day_is_refused(client, body) -> None:
    reply = await client.post("/api/v1/console/clock/jump", json=body)
    assert reply.status == 400
    assert (await reply.json())["error"]["code"] == "CLOCK_CHANGE_INVALID"
    assert (await _clock(client))["now"] == NOW.isoformat()


async def test_the_page_moves_the_clock_by_working_days_and_freezes_it(client) -> None:
    reply = await _post_form(
        client, "/console/clock", action="advance", amount="3", unit="working_days"
    )
    assert reply.status == 303
    assert reply.headers["Location"].startswith("/console?done=clock")
    moved = parse_time((await _clock(client))["now"])
    assert moved.astimezone(ALMATY).time() == NOW.astimezone(ALMATY).time()
    assert moved - NOW >= timedelta(days=3)

    await _post_form(client, "/console/clock", action="unfreeze")
    assert (await _clock(client))["mode"] == "offset"
    await _post_form(client, "/console/clock", action="freeze")
    assert (await _clock(client))["mode"] == "frozen"
    await _post_form(client, "/console/clock", action="real")
    assert (await _clock(client))["mode"] == "real"

    bad = await _post_form(client, "/console/clock", action="advance", amount="x", unit="hours")
    assert bad.status == 400
    assert "CLOCK_CHANGE_INVALID" in await bad.text()


# -- quick logins -------------------------------------------------------------------------------


async def test_a_quick_login_is_a_real_portal_session(client, persona) -> None:
    signed_in = await _quick_login(client, persona="citizen-valid")
    assert signed_in["redirect"] == "/cabinet"
    assert signed_in["applicant"]["iin"] == persona("citizen-valid").iin
    session = await _json(await client.get("/api/v1/auth/session"))
    assert session["csrf_token"] == signed_in["csrf_token"]
    draft = await client.post(
        "/api/v1/portal/applications",
        json={"service": LICENCE, "variant": "duplicate", "form": {"request-kind": "duplicate"}},
        headers={"X-CSRF-Token": signed_in["csrf_token"]},
    )
    assert draft.status == 201, await draft.text()
    assert (await client.get("/cabinet")).status == 200


async def test_a_company_employee_signs_in_with_the_companys_bin(client) -> None:
    signed_in = await _quick_login(client, persona="company-first-head", next="/services")
    assert signed_in["applicant"]["bin"] == COMPANY_BIN
    assert signed_in["redirect"] == "/services"


async def test_a_persona_whose_key_c1_refuses_is_refused_by_the_quick_login_too(client) -> None:
    reply = await client.post("/api/v1/console/login", json={"persona": "citizen-revoked"})
    assert reply.status == 401
    error = (await reply.json())["error"]
    assert (error["code"], error["step"]) == ("AUTH_SIGNATURE_REFUSED", "C1")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"persona": "nobody"}, "NOT_FOUND"),
        ({"persona": "shymkent-energy-head"}, "NOT_FOUND"),
        ({"staff": "nobody"}, "NOT_FOUND"),
        ({"operator": "nobody"}, "NOT_FOUND"),
        ({"persona": "citizen-valid", "staff": "alm-office"}, "BAD_REQUEST"),
        ({"persona": 7}, "BAD_REQUEST"),
    ],
)
async def test_a_quick_login_of_nobody_known_is_refused(client, body, code) -> None:
    reply = await client.post("/api/v1/console/login", json=body)
    assert (await reply.json())["error"]["code"] == code


async def test_quick_logins_of_staff_and_operators_open_their_pages(client) -> None:
    staff = await _quick_login(client, staff="alm-executor", next="https://elsewhere.example/")
    assert staff["redirect"] == "/workstation"  # never another site's address
    me = await _json(await client.get("/api/v1/workstation/me"))
    assert (me["login"], me["role"]) == ("alm-executor", "executor")
    assert me["name"] in await (await client.get("/workstation")).text()

    operator = await _quick_login(client, operator="gk-alm-1")
    assert operator["redirect"] == "/statecorp"
    assert (await client.get("/api/v1/statecorp/packages")).status == 200


async def test_the_page_signs_in_and_goes_where_the_tour_points(client) -> None:
    reply = await _post_form(
        client, "/console/login", kind="staff", staff="alm-head", next="/workstation"
    )
    assert reply.status == 303
    assert reply.headers["Location"] == "/workstation"
    assert "egovsim_staff" in reply.cookies
    refused = await _post_form(client, "/console/login", kind="persona", persona="citizen-expired")
    assert refused.status == 401
    assert "AUTH_SIGNATURE_REFUSED" in await refused.text()


# -- fault switches and caches ------------------------------------------------------------------


async def test_every_switch_goes_on_and_off_from_the_page(client) -> None:
    for name in FAULT_NAMES:
        extra = {"seconds": "2.5"} if name == "ocsp-slow" else {}
        reply = await _post_form(client, f"/console/faults/{name}", on="1", **extra)
        assert reply.status == 303, await reply.text()
        listing = (await _json(await client.get("/api/v1/faults")))["faults"]
        switch = next(s for s in listing if s["name"] == name)
        assert switch["on"], name
        if name == "ocsp-slow":
            assert switch["seconds"] == 2.5
        html = await (await client.get("/console")).text()
        assert re.search(rf'id="fault-{name}">.*?badge--bad', html, re.S)
        await _post_form(client, f"/console/faults/{name}", on="0")
    listing = (await _json(await client.get("/api/v1/faults")))["faults"]
    assert not any(s["on"] for s in listing)


async def test_a_receivers_fault_goes_on_and_off_from_the_page(client) -> None:
    reply = await _post_form(client, f"/console/gateway/{LICENCE}", kind="unreachable", seconds="0")
    assert reply.status == 303
    listing = await _json(await client.get("/api/v1/faults"))
    assert listing["gateway"] == [
        {"service_id": LICENCE, "fault": {"kind": "unreachable", "seconds": 0.0}}
    ]
    await _post_form(client, f"/console/gateway/{LICENCE}", kind="off")
    assert (await _json(await client.get("/api/v1/faults")))["gateway"] == []
    bad = await _post_form(client, f"/console/gateway/{LICENCE}", kind="meteor", seconds="1")
    assert bad.status == 400


async def _check_document(client: TestClient, persona: Any) -> dict[str, Any]:
    keystore = persona("citizen-valid").sign
    signed = cms.sign(b"a document", keystore.key, keystore.certificate, keystore.chain, NOW)
    reply = await client.post(
        "/api/v1/portal/check-document",
        data=signed,
        headers={"Content-Type": "application/pkcs7-signature"},
    )
    return await _json(reply)  # type: ignore[no-any-return]


async def test_clearing_the_caches_makes_a_switch_take_effect_at_once(client, persona) -> None:
    assert (await _check_document(client, persona))["indication"] == "TOTAL_PASSED"
    await _json(await client.put("/api/v1/faults/ocsp-unknown", json={"on": True}))
    # The good answer is kept until its nextUpdate: the switch does not show yet.
    assert (await _check_document(client, persona))["indication"] == "TOTAL_PASSED"

    cleared = await _json(await client.post("/api/v1/console/caches/clear"))
    assert cleared == {"cleared": True}
    report = await _check_document(client, persona)
    assert report["code"] == "REVOCATION_UNAVAILABLE", report

    await client.delete("/api/v1/faults/ocsp-unknown")
    reply = await _post_form(client, "/console/caches")
    assert reply.headers["Location"].startswith("/console?done=caches")
    assert (await _check_document(client, persona))["indication"] == "TOTAL_PASSED"


async def test_the_sweep_runs_without_an_operators_session(client) -> None:
    assert await _json(await client.post("/api/v1/console/sweep")) == {"returned": []}
    reply = await _post_form(client, "/console/sweep")
    assert reply.headers["Location"].startswith("/console?done=sweep&returned=0")
    page = await client.get("/console?done=sweep&returned=0&lang=en")
    assert word("console.done.sweep", "en") % {"count": 0} in await page.text()


# -- the reset ----------------------------------------------------------------------------------


async def test_the_reset_leaves_a_clean_demo_where_a_citizen_signs_in_again(
    client, persona
) -> None:
    # Make a mess: a session and a draft, a switch, a receiver's fault, the clock, the key set.
    signed_in = await _quick_login(client, persona="citizen-valid")
    draft = await client.post(
        "/api/v1/portal/applications",
        json={"service": LICENCE, "variant": "duplicate", "form": {"request-kind": "duplicate"}},
        headers={"X-CSRF-Token": signed_in["csrf_token"]},
    )
    assert draft.status == 201
    await _json(await client.put("/api/v1/faults/ocsp-down", json={"on": True}))
    await _json(await client.put(f"/api/v1/gateway/routes/{LICENCE}/fault", json={"kind": "drop"}))
    await _json(await client.post("/api/v1/clock", json={"advance": {"days": 3}}))
    await _json(await client.put("/api/v1/ncalayer/persona", json={"persona": "citizen-second"}))
    await _quick_login(client, staff="alm-office")

    api = Api(client, await _json(await client.get("/api/v1/openapi.json")))
    answer = await api.call("POST", "/api/v1/console/reset", "/api/v1/console/reset")
    assert answer["reset"] is True
    assert answer["removed"]["portal_applications"] == 1
    assert answer["clock"]["mode"] == "real"

    # Everything the mess made is gone, every session with it.
    assert (await client.get("/api/v1/auth/session")).status == 401
    assert (await client.get("/api/v1/workstation/me")).status == 401
    faults = await _json(await client.get("/api/v1/faults"))
    assert not any(s["on"] for s in faults["faults"]) and faults["gateway"] == []
    assert (await _clock(client))["mode"] == "real"
    assert (await _json(await client.get("/api/v1/ncalayer/persona")))["persona"] == "citizen-valid"

    # The demo is seeded again: the citizen signs in by the portal's own C1, staff by password.
    signed = await _sign_in(client, persona, "citizen-valid")
    body = await _json(signed)
    assert body["applicant"]["iin"] == persona("citizen-valid").iin
    listing = await _json(await client.get("/api/v1/portal/applications"))
    assert listing["applications"] == []
    staff = await client.post(
        "/api/v1/workstation/session", json={"login": "alm-office", "password": PASSWORD}
    )
    assert staff.status == 200
    routes = await _json(await client.get("/api/v1/gateway/routes"))
    assert {r["service_id"] for r in routes["routes"]} >= {LICENCE}


async def test_the_reset_button_asks_for_the_tick_first(client) -> None:
    unticked = await _post_form(client, "/console/reset")
    assert unticked.status == 400
    reply = await _post_form(client, "/console/reset", confirm="yes")
    assert reply.status == 303
    assert reply.headers["Location"] == "/console?done=reset"


async def test_a_reset_while_a_run_is_under_way_is_refused(client) -> None:
    state = client.server.app[CONSOLE]
    async with state.exclusive("a try-it run"):
        reply = await client.post("/api/v1/console/reset")
        assert reply.status == 409
        error = (await reply.json())["error"]
        assert (error["code"], error["step"]) == ("CONSOLE_BUSY", "console")
        assert error["details"]["under_way"] == "a try-it run"
        overview = await _json(await client.get("/api/v1/console"))
        assert overview["busy"] == "a try-it run"


async def _make_a_mess(settings: Settings, persona: Any) -> None:
    app = create_app(settings, Clock(frozen_at=NOW))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        signed_in = await _quick_login(client, persona="citizen-valid")
        draft = await client.post(
            "/api/v1/portal/applications",
            json={
                "service": LICENCE,
                "variant": "duplicate",
                "form": {"request-kind": "duplicate"},
            },
            headers={"X-CSRF-Token": signed_in["csrf_token"]},
        )
        assert draft.status == 201
        await _json(await client.put("/api/v1/faults/crl-stale", json={"on": True}))


async def _after_the_reset(settings: Settings, persona: Any) -> None:
    app = create_app(settings, Clock(frozen_at=NOW))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        faults = await _json(await client.get("/api/v1/faults"))
        assert not any(s["on"] for s in faults["faults"])
        await _json(await _sign_in(client, persona, "citizen-valid"))
        listing = await _json(await client.get("/api/v1/portal/applications"))
        assert listing["applications"] == []


def test_egovsim_reset_cleans_a_stopped_simulators_data_directory(
    settings: Settings, persona, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_make_a_mess(settings, persona))
    attachments = settings.data_dir / "attachments" / "ab"
    attachments.mkdir(parents=True)
    (attachments / "leftover").write_bytes(b"x")

    code = main(["--data-dir", str(settings.data_dir), "--certs", str(settings.certs_dir), "reset"])

    assert code == 0
    out = capsys.readouterr().out
    assert "portal_applications" in out and "clean demo" in out
    assert list((settings.data_dir / "attachments").iterdir()) == []
    asyncio.run(_after_the_reset(settings, persona))


async def test_egovsim_reset_with_a_base_url_resets_a_running_simulator(
    server: TestServer, client, capsys: pytest.CaptureFixture[str]
) -> None:
    await _json(await client.put("/api/v1/faults/ocsp-down", json={"on": True}))
    url = str(server.make_url("/"))
    code = await asyncio.to_thread(main, ["reset", "--base-url", url])
    assert code == 0
    assert "clean demo" in capsys.readouterr().out
    faults = await _json(await client.get("/api/v1/faults"))
    assert not any(s["on"] for s in faults["faults"])


def test_egovsim_reset_says_when_nothing_answers_at_the_address(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["reset", "--base-url", "http://127.0.0.1:9"]) == 1
    assert "cannot reach" in capsys.readouterr().err


# -- the tours ----------------------------------------------------------------------------------


def test_every_tour_step_has_its_narration_in_three_languages() -> None:
    tours = shipped_tours()
    assert set(tours) == {"happy-path", "refusal-revoked"}
    for tour in tours.values():
        for msgid in [tour.title_msgid(), *(tour.narration_msgid(s) for s in tour.scenario.steps)]:
            for lang in LANGUAGES:
                assert word(msgid, lang) != msgid, (msgid, lang)


async def test_the_tour_files_run_as_scenario_files(certs_dir: Path) -> None:
    files = [load_scenario_file(path) for path in sorted(tours_folder().glob("*.yaml"))]
    results = await run_files(InProcess(certs_dir, serve), files)
    outcomes = {s.scenario.name: (s.passed, s.failure()) for f in results for s in f.scenarios}
    assert all(passed for passed, _ in outcomes.values()), outcomes


async def test_the_refusal_tour_steps_through_the_api_and_back_to_start(client) -> None:
    api = Api(client, await _json(await client.get("/api/v1/openapi.json")))
    route = "/api/v1/console/tours/{tour}/next"
    started = await api.call(
        "POST", "/api/v1/console/tours/refusal-revoked/start", "/api/v1/console/tours/{tour}/start"
    )
    assert (started["position"], started["finished"]) == (0, False)
    # The tour starts a few days before the revocation, on the simulator's clock.
    assert parse_time((await _clock(client))["now"]) < NOW

    for _ in range(started["total"]):
        tour = await api.call("POST", "/api/v1/console/tours/refusal-revoked/next", route)
    assert tour["finished"] and tour["position"] == tour["total"] == 5
    outcomes = [step["outcome"]["outcome"] for step in tour["steps"]]
    assert outcomes == ["passed"] * 5, tour["steps"]
    signing = tour["steps"][3]
    assert signing["expected_refusal"] == "CERT_REVOKED"
    assert signing["outcome"]["refusal"]["code"] == "CERT_REVOKED"
    assert signing["outcome"]["refusal"]["step"] == "C2"
    assert signing["sight"] == {
        "path": f"/cabinet/applications/{tour['application']}",
        "who": {"kind": "persona", "id": "citizen-revoked"},
    }
    assert signing["narration"]["kk"] == word("tour.refusal_revoked.sign", "kk")

    # The room sees it in the cabinet of the persona, signed in by the console.
    await _quick_login(client, persona="citizen-second")
    assert (await client.get(signing["sight"]["path"])).status == 404  # someone else's

    again = await _json(await client.post("/api/v1/console/tours/refusal-revoked/start"))
    assert again["position"] == 0 and all(s["outcome"] is None for s in again["steps"])
    listing = await _json(await client.get("/api/v1/console/tours"))
    assert [t["position"] for t in listing["tours"]] == [None, 0]


async def test_an_unknown_tour_is_not_found(client) -> None:
    reply = await client.post("/api/v1/console/tours/moon-landing/next")
    assert reply.status == 404
    assert (await reply.json())["error"]["details"]["known"] == ["happy-path", "refusal-revoked"]


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_tour_page_narrates_the_next_step_and_shows_the_last(client, lang) -> None:
    page = await client.get(f"/console/tours/refusal-revoked?lang={lang}")
    html = await page.text()
    assert page.status == 200
    assert word("tour.refusal_revoked.sign_in", lang) in html
    assert 'id="tour-next"' in html and 'id="diagram"' in html

    token = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert token
    for _ in range(4):
        reply = await client.post(
            "/console/tours/refusal-revoked/next",
            data={"csrf": token.group(1)},
            allow_redirects=False,
        )
        assert reply.status == 303
    html = await (await client.get(f"/console/tours/refusal-revoked?lang={lang}")).text()
    assert 'data-refusal="CERT_REVOKED"' in html
    assert 'data-sight="/cabinet/applications/' in html
    assert word("tour.refusal_revoked.refusal", lang) in html  # the step to do next


async def test_a_tour_step_that_runs_too_long_fails_and_ends_the_tour(client) -> None:
    state = client.server.app[CONSOLE]
    await _json(await client.post("/api/v1/console/tours/refusal-revoked/start"))
    state.step_seconds = 0
    tour = await _json(await client.post("/api/v1/console/tours/refusal-revoked/next"))
    first = tour["steps"][0]["outcome"]
    assert first["outcome"] == "failed"
    assert first["message"] == "stopped after 0 s"
    assert tour["finished"] is True


def test_a_day_without_a_year_is_the_next_one() -> None:
    from egovsim.console.clock_moves import jump_target

    now = parse_time("2026-08-15T04:00:00+00:00")  # 09:00 in Almaty: 10:00 is still ahead
    assert jump_target(now, ALMATY, "08-15").isoformat() == "2026-08-15T10:00:00+05:00"
    later_that_day = parse_time("2026-08-15T06:00:00+00:00")
    assert jump_target(later_that_day, ALMATY, "8-15").year == 2027
    assert jump_target(now, ALMATY, "02-29").isoformat() == "2028-02-29T10:00:00+05:00"
