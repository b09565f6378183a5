"""The regulations' two diagrams: laid out from the regulation files, drawn as SVG in kk/ru/en,
lit with an application's state as it moves through the portal and the workstation on the
simulator's clock, and shown on the service's, the cabinet's and the workstation's pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer
from lxml import etree

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.diagrams import (
    ANNEXES,
    layout,
    light,
    portal_progress,
    progress,
    render_svg,
    step_element,
    workstation_progress,
)
from egovsim.diagrams.model import Layout
from egovsim.diagrams.words import term_label, term_range_label
from egovsim.errors import CATALOGUE, LANGUAGES
from egovsim.regulations.calendar import DEFAULT_ZONE
from egovsim.regulations.loader import load_regulations
from egovsim.regulations.model import Duration, Regulation
from egovsim.regulations.sequence import Stage
from egovsim.storage.portal import TimelineEntry
from egovsim.web.app import create_app
from egovsim.web.common.i18n import word
from egovsim.web.common.keys import SIMULATOR
from egovsim.web.portal.diagrams import words_in
from tests.test_portal import DUPLICATE_DOCUMENTS, LICENCE, deliver_all, staff, working_morning
from tests.test_portal_api import egovsim_cms, signed_in
from tests.test_workstation import advance

SVG = "{http://www.w3.org/2000/svg}"
HTML = {"Accept": "text/html"}
REGULATIONS = load_regulations(Settings().regulations_dir)
CALENDAR_ZONE = ZoneInfo(DEFAULT_ZONE)


def words(lang: str) -> Any:
    return words_in(lang)  # type: ignore[arg-type]


@pytest.fixture
async def api(gateway_settings) -> AsyncIterator[TestClient]:
    """The whole app, delivery worker off, its clock frozen on a working morning after NOW."""
    clock = Clock(frozen_at=working_morning())
    async with TestClient(TestServer(create_app(gateway_settings, clock), host="127.0.0.1")) as c:
        yield c


def regulations() -> list[Regulation]:
    return list(REGULATIONS.values())


# -- the layouts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("regulation", regulations(), ids=list(REGULATIONS))
def test_annex_1_holds_every_portal_step_in_the_pool_of_its_system(
    regulation: Regulation,
) -> None:
    placed = layout(regulation, 1)
    sequence = regulation.portal
    numbered = [n.id for n in placed.nodes if n.primary and n.step == n.id]
    assert sorted(numbered) == sorted(e.id for e in sequence.entries)
    assert [p.id for p in placed.pools] == [
        "A1_applicant",
        "A1_portal",
        "A1_shep",
        "A1_arm",
        "A1_provider",
    ]
    pool_of = {n.id: n.pool for n in placed.nodes}

    def pool(stage: Stage) -> str:
        return pool_of[sequence.id_of(stage)]

    assert {pool(s) for s in ("authorization", "request", "result")} == {"A1_applicant"}
    assert {pool(s) for s in ("account-check", "authorization-refusal")} == {"A1_portal"}
    assert {pool(s) for s in ("signature-check", "signature-refusal")} == {"A1_portal"}
    assert pool("registration") == "A1_arm"
    assert {pool(s) for s in ("documents-check", "documents-refusal")} == {"A1_provider"}
    # The refusals end in errors; the conditions are gateways.
    kinds = {n.id: n.kind for n in placed.nodes}
    refusals = [sequence.id_of(s) for s in ("authorization-refusal", "signature-refusal")]
    assert {kinds[f"A1_end_{r}"] for r in refusals} == {"error_end"}
    conditions = [e.id for e in sequence.entries if e.kind == "condition"]
    assert {kinds[c] for c in conditions} == {"gateway"}
    _holds_together(placed)


@pytest.mark.parametrize("regulation", regulations(), ids=list(REGULATIONS))
def test_annex_2_holds_every_route_step_in_its_roles_lane_with_the_refusal_branch(
    regulation: Regulation,
) -> None:
    placed = layout(regulation, 2)
    by_id = {n.id: n for n in placed.nodes}
    for step in regulation.steps:
        node = by_id[step_element(step.id)]
        assert node.lane == f"A2_lane_{step.role}"
        assert node.step == step.id
    (pool,) = placed.pools
    centre = ["A2_lane_state_corporation"] if "state_corporation" in regulation.channels else []
    assert [lane.id for lane in pool.lanes] == centre + [
        f"A2_lane_{role}" for role in dict.fromkeys(s.role for s in regulation.steps)
    ]
    edges = {(e.source, e.target): e for e in placed.edges}
    refusing = step_element(regulation.refusal.at_step)
    assert (refusing, "A2_check") in edges
    assert ("A2_check", "A2_refusal") in edges
    assert ("A2_refusal", step_element(regulation.refusal.resumes_at)) in edges
    assert by_id["A2_refusal"].lane == by_id[refusing].lane
    _holds_together(placed)


def _holds_together(placed: Layout) -> None:
    """Unique ids, flows between nodes that exist, every node inside its pool (and lane),
    control flows inside a pool and message flows between pools."""
    ids = placed.element_ids()
    assert len(ids) == len(set(ids))
    nodes = {n.id: n for n in placed.nodes}
    for node in placed.nodes:
        pool = placed.pool(node.pool)
        inside = [pool.box] + [lane.box for lane in pool.lanes if lane.id == node.lane]
        for box in inside:
            assert box.x <= node.box.x and node.box.right <= box.right, node.id
            assert box.y <= node.box.y and node.box.bottom <= box.bottom, node.id
    for edge in placed.edges:
        source, target = nodes[edge.source], nodes[edge.target]
        assert len(edge.waypoints) >= 2
        if edge.kind == "message":
            assert source.pool != target.pool, edge.id
        else:
            assert source.pool == target.pool, edge.id
    assert placed.width >= max(n.box.right for n in placed.nodes)
    assert placed.height >= max(n.box.bottom for n in placed.nodes)


def test_annex_2_shows_a_variants_own_term_or_the_range_of_them() -> None:
    licence = REGULATIONS[LICENCE]
    draft = step_element("prepare-draft")
    notes = {
        variant: _said(layout(licence, 2, variant).node(draft).note, "en")
        for variant in (None, "duplicate", "licence-after-exam")
    }
    assert notes == {
        None: "1–8 working days",
        "duplicate": "1 working day",
        "licence-after-exam": "8 working days",
    }


def _said(label: Any, lang: str) -> str:
    from egovsim.diagrams.words import say

    return say(label, lang, words(lang))  # type: ignore[arg-type]


# -- the drawings --------------------------------------------------------------------------------


def _svg(text: str) -> Any:
    return etree.fromstring(text.encode())


def _state(svg: Any, element_id: str) -> str:
    found = svg.find(f".//{SVG}g[@id='{element_id}']")
    assert found is not None, element_id
    return str(found.get("data-state"))


def _text(svg: Any) -> str:
    return " ".join(t.strip() for t in svg.itertext() if t.strip())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_drawing_parses_as_svg_with_a_title_and_labels_in_its_language(lang: str) -> None:
    for regulation in regulations():
        for annex in ANNEXES:
            placed = layout(regulation, annex)
            svg = _svg(render_svg(placed, lang, words(lang)))  # type: ignore[arg-type]
            assert svg.tag == f"{SVG}svg"
            assert svg.get("role") == "img"
            title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
            assert title is not None
            assert title.text == word(f"diagrams.annex{annex}.title", lang)  # type: ignore[arg-type]
            assert desc is not None
            assert regulation.name[lang] in str(desc.text)  # type: ignore[index]
            text = _text(svg)
            for node in placed.nodes:
                assert svg.find(f".//{SVG}g[@id='{node.id}']") is not None, node.id
            expected = (
                ["diagrams.a1.p7", "diagrams.pool.portal", "diagrams.yes"]
                if annex == 1
                else ["diagrams.a2.action.sign", "diagrams.a2.check", "diagrams.no"]
            )
            for msgid in expected:
                # Labels may wrap: compare word by word.
                for piece in word(msgid, lang).split():  # type: ignore[arg-type]
                    assert piece.rstrip("-") in text or piece[:4] in text, (msgid, piece)
            if annex == 2:
                sign = placed.node(step_element("sign"))
                tooltip = svg.find(f".//{SVG}g[@id='{sign.id}']/{SVG}title")
                assert tooltip is not None
                assert regulation.step("sign").name[lang] in str(tooltip.text)  # type: ignore[index]


def test_lighting_marks_done_current_and_refused_in_colour_and_in_words() -> None:
    placed = layout(REGULATIONS[LICENCE], 1)
    deadline = datetime.fromisoformat("2026-03-02T13:00:00+00:00")
    facts = progress(["P1", "C1", "P3", "P4", "C2", "P6", "P7"], "C3", deadline, "P8")
    lighting = light(placed, facts)
    assert lighting.state("P6") == "done"
    assert lighting.state("A1_portal_send") == "done"  # the message events of a done step
    assert lighting.state("C3") == "current"
    assert lighting.current == "A1_route"  # the deadline goes on the route, not the diamond
    assert lighting.state("P8") == "refused"
    assert lighting.state("P9") == "idle"
    assert "A1_flow_P4_P6" in lighting.lit_edges
    assert "A1_flow_P6_P9" not in lighting.lit_edges
    late = datetime.fromisoformat("2026-03-03T09:00:00+00:00")
    svg = _svg(render_svg(placed, "en", words("en"), lighting, zone=CALENDAR_ZONE, now=late))
    assert _state(svg, "P1") == "done"
    assert _state(svg, "P8") == "refused"
    callouts = _text(svg.find(f".//{SVG}g[@class='callouts']"))
    local = deadline.astimezone(CALENDAR_ZONE).strftime("%Y-%m-%d %H:%M")
    assert f"now here · until {local} · overdue" in callouts
    assert "✗ refusal" in callouts
    assert "Refusal taken: P8" in str(svg.find(f"{SVG}desc").text)


def test_a_refusal_taken_at_a_condition_lights_that_branch_only() -> None:
    placed = layout(REGULATIONS[LICENCE], 1)
    done = ["P1", "C1", "P3", "P4", "C2", "P6", "P7", "C3"]
    lighting = light(placed, progress(done, "P9", refused="P8"))
    assert lighting.state("C3") == "done"
    assert "A1_flow_C3_no" in lighting.lit_edges
    assert "A1_flow_C3_yes" not in lighting.lit_edges


def _timeline(*entries: tuple[str, str, str | None, dict[str, Any]]) -> Any:
    """An application as the cabinet reads it: its regulation and its timeline entries."""
    at = datetime.fromisoformat("2026-03-02T10:00:00+00:00")
    return SimpleNamespace(
        regulation=REGULATIONS[LICENCE],
        timeline=[TimelineEntry(at, *entry) for entry in entries],
    )


def test_a_request_the_provider_never_got_lights_p7_as_refused_with_its_code() -> None:
    signed = [
        ("P1", "signed_in", None, {}),
        ("C1", "authorized", None, {}),
        ("P3", "draft_created", None, {}),
        ("P4", "certificate_chosen", None, {}),
        ("C2", "signature_confirmed", None, {}),
        ("P6", "signed", None, {}),
        ("P7", "sent", None, {}),
    ]
    sent = portal_progress(_timeline(*signed), 1)
    assert (sent.current, sent.refused) == ("P7", None)
    assert sent.done == {"P1", "C1", "P3", "P4", "C2", "P6"}
    lost = portal_progress(
        _timeline(*signed, ("P7", "not_delivered", "OUTSIDE_ACCEPTANCE_WINDOW", {})), 1
    )
    assert (lost.current, lost.refused, lost.code) == (None, "P7", "OUTSIDE_ACCEPTANCE_WINDOW")
    assert portal_progress(_timeline(*signed), 2).empty  # the provider has said nothing yet


# -- an application moving, as the cabinet and the workstation show it -------------------------


def _drawings(html: str) -> dict[int, Any]:
    """The SVGs of a page by annex."""
    found = {}
    for match in re.finditer(r"<svg\b.*?</svg>", html, re.DOTALL):
        svg = _svg(match.group(0))
        found[int(svg.get("data-annex"))] = svg
    return found


async def _cabinet_page(client: Any, number: int, lang: str = "en") -> dict[int, Any]:
    reply = await client.get(f"/cabinet/applications/{number}?lang={lang}", headers=HTML)
    html = await reply.text()
    assert reply.status == 200, html[:2000]
    return _drawings(html)


async def _desk_page(desk: Any, number: int, lang: str = "en") -> dict[int, Any]:
    reply = await desk.client.get(
        f"/workstation/applications/{number}?lang={lang}", headers=HTML | desk.headers
    )
    html = await reply.text()
    assert reply.status == 200, html[:2000]
    return _drawings(html)


def _states(svg: Any, *ids: str) -> list[str]:
    return [_state(svg, i) for i in ids]


def _lit(svg: Any) -> set[str]:
    """The ids of the lit flows."""
    return {str(g.get("id")) for g in svg.iter(f"{SVG}g") if "is-lit" in str(g.get("class", ""))}


def _callout(svg: Any) -> str:
    return _text(svg.find(f".//{SVG}g[@class='callouts']"))


def _local(client: Any, moment: str) -> str:
    zone = client.app[SIMULATOR].calendar.zone
    return datetime.fromisoformat(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M")


async def test_the_diagrams_follow_a_licence_from_the_draft_to_the_result(api, persona) -> None:
    cabinet = await signed_in(api, persona, "citizen-valid")
    number = await cabinet.licence_draft()
    drawn = await _cabinet_page(api, number)
    assert _states(drawn[1], "P1", "C1", "P3", "P4", "P7") == [
        "done",
        "done",
        "current",
        "idle",
        "idle",
    ]
    assert _states(drawn[2], "A2_start", "A2_register") == ["idle", "idle"]

    document = await cabinet.document(number)
    await cabinet.sign(number, egovsim_cms(api, persona("citizen-valid").sign, document))
    drawn = await _cabinet_page(api, number)
    assert _states(drawn[1], "P4", "C2", "P6", "P7", "C3") == [
        "done",
        "done",
        "done",
        "current",
        "idle",
    ]

    await deliver_all(api)  # registered at the workstation: the office's step is open
    office, head = await staff(api, "alm-office"), await staff(api, "alm-head")
    executor = await staff(api, "alm-executor")
    inbox = (await office.call("GET", "/api/v1/workstation/inbox"))["applications"]
    provider_number = int(inbox[0]["id"])
    register_deadline = inbox[0]["step"]["deadline"]
    drawn = await _cabinet_page(api, number)
    assert _state(drawn[1], "P7") == "current"
    assert f"until {_local(api, register_deadline)}" in _callout(drawn[1])
    assert _states(drawn[2], "A2_start", "A2_register", "A2_resolution") == [
        "done",
        "current",
        "idle",
    ]
    assert "30 min" in _text(drawn[2])
    desk = await _desk_page(office, provider_number)
    assert _states(desk[2], "A2_register", "A2_resolution") == ["current", "idle"]
    assert _states(desk[1], "P6", "P7", "C3") == ["done", "current", "idle"]

    await office.act(provider_number, "register")
    await deliver_all(api)
    drawn = await _cabinet_page(api, number, "ru")
    assert _states(drawn[1], "P7", "C3", "A1_route") == ["done", "current", "current"]
    # Item 8.2: through the portal, past the condition on the channel, without the resolution.
    assert _states(
        drawn[2], "A2_register", "A2_resolution_channel", "A2_resolution", "A2_prepare-draft"
    ) == ["done", "done", "idle", "current"]
    assert "A2_flow_resolution_channel_prepare-draft" in _lit(drawn[2])
    assert "A2_flow_resolution_channel_resolution" not in _lit(drawn[2])
    assert word("diagrams.state.current", "ru") in _callout(drawn[2])

    await advance(api, working_days=2)  # past the duplicate's working day from the request
    desk = await _desk_page(executor, provider_number)
    assert "overdue" in _callout(desk[2])
    documents = dict.fromkeys(DUPLICATE_DOCUMENTS, "compliant")
    await executor.open_attachments(provider_number)
    await executor.act(provider_number, "check", documents=documents)
    desk = await _desk_page(executor, provider_number)
    assert _state(desk[2], "A2_prepare-draft") == "current"  # a check leaves the step open
    assert "1 working day" in _text(desk[2])  # the duplicate's own term
    await executor.act(provider_number, "prepare", result="duplicate")
    await deliver_all(api)
    drawn = await _cabinet_page(api, number)
    assert _states(drawn[1], "C3", "P8", "P9") == ["done", "idle", "current"]
    assert _states(drawn[2], "A2_prepare-draft", "A2_check", "A2_refusal", "A2_sign") == [
        "done",
        "done",
        "idle",
        "current",
    ]

    await head.act(provider_number, "sign")
    await office.act(provider_number, "hand_over")
    await deliver_all(api)
    drawn = await _cabinet_page(api, number)
    assert _states(drawn[1], "P9", "A1_end", "A1_edocument", "P8") == [
        "done",
        "done",
        "done",
        "idle",
    ]
    assert _callout(drawn[1]) == ""
    # The paper licence now waits at the State Corporation for the applicant (its lane).
    assert _states(drawn[2], "A2_send-to-state-corporation", "A2_centre_storage", "A2_end") == [
        "done",
        "current",
        "idle",
    ]
    desk = await _desk_page(office, provider_number)
    assert _states(desk[2], "A2_sign", "A2_centre_storage", "A2_end") == [
        "done",
        "current",
        "idle",
    ]
    assert _state(desk[1], "P9") == "done"


async def test_a_reasoned_refusal_lights_p8_and_the_refusal_branch(api, persona) -> None:
    cabinet = await signed_in(api, persona, "citizen-valid")
    number = await cabinet.licence_draft()
    document = await cabinet.document(number)
    await cabinet.sign(number, egovsim_cms(api, persona("citizen-valid").sign, document))
    await deliver_all(api)
    office, head = await staff(api, "alm-office"), await staff(api, "alm-head")
    executor = await staff(api, "alm-executor")
    inbox = (await office.call("GET", "/api/v1/workstation/inbox"))["applications"]
    provider_number = int(inbox[0]["id"])
    await office.act(provider_number, "register")  # item 8.2: no resolution for the portal
    documents = dict.fromkeys(DUPLICATE_DOCUMENTS, "compliant") | {"photo": "missing"}
    await executor.open_attachments(provider_number)
    await executor.act(provider_number, "check", documents=documents)
    await executor.act(provider_number, "prepare", refusal=True, grounds="no photograph")
    await deliver_all(api)
    drawn = await _cabinet_page(api, number)
    assert _states(drawn[1], "C3", "P8", "P9") == ["done", "refused", "current"]
    assert _states(drawn[2], "A2_check", "A2_refusal", "A2_sign") == ["done", "refused", "current"]
    desk = await _desk_page(head, provider_number, "kk")
    assert _states(desk[2], "A2_refusal", "A2_sign") == ["refused", "current"]
    assert word("diagrams.state.refused", "kk") in _callout(desk[2])
    assert _state(desk[1], "P8") == "refused"
    await head.act(provider_number, "sign")
    await office.act(provider_number, "hand_over")
    await deliver_all(api)
    drawn = await _cabinet_page(api, number)
    assert _states(drawn[1], "P8", "P9") == ["refused", "done"]


async def test_a_refusal_at_c2_lights_p5_with_its_code(api, persona) -> None:
    cabinet = await signed_in(api, persona, "citizen-valid")
    number = await cabinet.licence_draft()
    document = await cabinet.document(number)
    someone_else = egovsim_cms(api, persona("citizen-second").sign, document)
    status = CATALOGUE["IIN_MISMATCH"].http_status
    refused = await cabinet.sign(number, someone_else, status=status)
    assert refused["error"]["code"] == "IIN_MISMATCH"
    drawn = await _cabinet_page(api, number)
    assert _states(drawn[1], "P4", "C2", "P5", "A1_end_P5", "P6") == [
        "done",
        "done",
        "refused",
        "refused",
        "idle",
    ]
    assert "IIN_MISMATCH" in _callout(drawn[1])
    # Signed again with the applicant's own key, the refusal is history.
    await cabinet.sign(number, egovsim_cms(api, persona("citizen-valid").sign, document))
    drawn = await _cabinet_page(api, number)
    assert _states(drawn[1], "P5", "P6", "P7") == ["idle", "done", "current"]


# -- the pages and the files ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_service_diagrams_page_shows_both_annexes_in_its_language(
    client, lang: str
) -> None:
    reply = await client.get(f"/services/{LICENCE}/diagrams?lang={lang}", headers=HTML)
    html = await reply.text()
    assert reply.status == 200, html[:2000]
    assert f'<html lang="{lang}">' in html
    assert word("diagrams.page.title", lang) in html  # type: ignore[arg-type]
    assert set(_drawings(html)) == {1, 2}
    for annex in ANNEXES:
        assert f"/api/v1/services/{LICENCE}/diagrams/{annex}.bpmn?lang={lang}" in html
        assert f"/api/v1/services/{LICENCE}/diagrams/{annex}.svg?lang={lang}" in html
    assert REGULATIONS[LICENCE].name[lang] in html  # type: ignore[index]


async def test_the_svg_file_is_served_in_the_asked_language(client) -> None:
    reply = await client.get(f"/api/v1/services/{LICENCE}/diagrams/2.svg?lang=kk")
    assert reply.status == 200
    assert reply.content_type == "image/svg+xml"
    assert reply.headers["Content-Language"] == "kk"
    svg = etree.fromstring(await reply.read())
    assert svg.get("data-annex") == "2"
    assert word("diagrams.a2.action.sign", "kk") in _text(svg)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/services/no-such-service/diagrams/1.bpmn",
        "/api/v1/services/no-such-service/diagrams/2.svg",
        f"/api/v1/services/{LICENCE}/diagrams/3.bpmn",
        f"/api/v1/services/{LICENCE}/diagrams/0.svg",
        f"/api/v1/services/{LICENCE}/diagrams/1.png",
        f"/api/v1/services/{LICENCE}/diagrams/%2e%2e.svg",
    ],
)
async def test_an_unknown_service_or_annex_is_not_found(client, path: str) -> None:
    reply = await client.get(path)
    body = await reply.json()
    assert reply.status == 404
    assert body["error"]["code"] == "NOT_FOUND"


async def test_an_unknown_services_diagrams_page_is_a_refusal_page(client) -> None:
    reply = await client.get("/services/no-such-service/diagrams?lang=en", headers=HTML)
    html = await reply.text()
    assert reply.status == 404
    assert "NOT_FOUND" in html and "<main" in html


# -- each regulation's own numbers, and the legend ----------------------------------------------


@pytest.mark.parametrize("regulation", regulations(), ids=list(REGULATIONS))
def test_annex_1_svg_shows_exactly_the_regulations_numbers_and_its_legend(
    regulation: Regulation,
) -> None:
    placed = layout(regulation, 1)
    svg = _svg(render_svg(placed, "kk", words("kk")))
    numbered = {
        str(t.text) for t in svg.iter(f"{SVG}text") if "diagram-step-id" in str(t.get("class", ""))
    }
    # The id printed on the step's own box, and the condition's id in front of its label.
    labels = " ".join("".join(t.itertext()) for t in svg.iter(f"{SVG}text"))
    conditions = {e.id for e in regulation.portal.entries if e.kind == "condition"}
    assert numbered | {c for c in conditions if f"{c}:" in labels} == {
        e.id for e in regulation.portal.entries
    }
    # Each numbered node carries the regulation's wording in its tooltip.
    for entry in regulation.portal.entries:
        tooltip = svg.find(f".//{SVG}g[@id='{entry.id}']/{SVG}title")
        assert tooltip is not None
        assert entry.name["kk"] in str(tooltip.text)
    legend = svg.find(f".//{SVG}g[@id='A1_legend']")
    assert legend is not None
    legend_words = " ".join("".join(t.itertext()) for t in legend.iter(f"{SVG}text"))
    assert "Шартты белгілер" in legend_words
    for msgid in ("diagrams.symbols.condition", "diagrams.symbols.refusal"):
        assert word(msgid, "kk") in legend_words


def test_shymkent_annex_1_draws_its_own_boxes_not_almatys() -> None:
    shymkent = layout(REGULATIONS["shymkent-energy-readiness-passport"], 1)
    by_id = {n.id: n for n in shymkent.nodes}
    assert "P9" not in by_id
    assert by_id["P5"].pool == "A1_shep"  # the gateway's leg has its own number
    assert by_id["P6"].pool == "A1_arm"  # the registration at the regional gateway
    assert by_id["P4"].pool == "A1_portal"  # the refusal: EDS not confirmed
    assert by_id["P7"].pool == "A1_provider"  # the refusal for the documents
    # Choosing the certificate and signing are tasks within P3, without numbers of their own.
    within = [n for n in shymkent.nodes if n.step == "P3" and n.kind == "user_task"]
    assert sorted(n.id for n in within) == ["A1_certificate_choice", "A1_signing", "P3"]
    almaty = {n.id: n for n in layout(REGULATIONS[LICENCE], 1).nodes}
    assert almaty["P7"].pool == "A1_arm" and almaty["P5"].pool == "A1_portal"
    assert almaty["A1_sending"].step == "P7"  # the leg through the gateway, part of P7


def test_almaty_annex_2_draws_the_state_corporations_part_as_a_lane() -> None:
    placed = layout(REGULATIONS[LICENCE], 2)
    lane = "A2_lane_state_corporation"
    centre = [n.id for n in placed.nodes if n.lane == lane]
    assert centre == [
        "A2_centre_start",
        "A2_centre_accept",
        "A2_centre_forward",
        "A2_centre_storage",
        "A2_centre_collected",
        "A2_centre_hand_out",
        "A2_centre_return",
        "A2_centre_returned",
        "A2_end",
    ]
    edges = {(e.source, e.target) for e in placed.edges}
    # Accepted and forwarded before the office registers; the result sent to the centre is kept,
    # handed out, or returned to the provider after the month.
    assert ("A2_centre_forward", "A2_register") in edges
    assert ("A2_send-to-state-corporation", "A2_centre_storage") in edges
    assert ("A2_centre_collected", "A2_centre_hand_out") in edges
    assert ("A2_centre_collected", "A2_centre_return") in edges
    assert ("A2_centre_hand_out", "A2_end") in edges
    # Item 8.2 is the branch on the channel before the resolution.
    assert ("A2_resolution_channel", "A2_resolution") in edges
    assert ("A2_resolution_channel", "A2_prepare-draft") in edges
    # Shymkent's regulation has no State Corporation: no such lane.
    shymkent = layout(REGULATIONS["shymkent-energy-readiness-passport"], 2)
    assert all(n.lane != lane for n in shymkent.nodes)
    _holds_together(placed)


@pytest.mark.parametrize(
    ("amount", "ru", "kk", "en"),
    [
        (1, "1 рабочий день", "1 жұмыс күні", "1 working day"),
        (2, "2 рабочих дня", "2 жұмыс күні", "2 working days"),
        (5, "5 рабочих дней", "5 жұмыс күні", "5 working days"),
        (21, "21 рабочий день", "21 жұмыс күні", "21 working days"),
    ],
)
def test_a_term_takes_the_plural_form_of_its_number_in_each_language(
    amount: int, ru: str, kk: str, en: str
) -> None:
    label = term_label(Duration(amount, "working_days"))
    assert [_said(label, lang) for lang in ("ru", "kk", "en")] == [ru, kk, en]


def test_a_range_of_terms_is_worded_by_its_upper_end() -> None:
    assert _said(term_range_label("calendar_days", 2, 4), "ru") == "2–4 календарных дня"
    assert _said(term_range_label("working_days", 1, 8), "ru") == "1–8 рабочих дней"
    assert _said(term_range_label("minutes", 1, 21), "ru") == "1–21 минута"


def test_the_annex_2_drawing_counts_its_terms_in_russian() -> None:
    licence = REGULATIONS["almaty-small-vessel-licence"]
    svg = render_svg(layout(licence, 2), "ru", words("ru"))
    assert "1 рабочий день" in svg  # the State Corporation's forwarding
    assert "1–8 рабочих дней" in svg  # the executor's term over the variants
    assert "раб. дн." not in svg


def _finished_at_centre(*centre_words: str) -> Any:
    """A State Corporation package at the workstation with its whole route done and the result
    sent to the centre, then the centre's words on it (returned_to_storage, send_again)."""
    at = datetime.fromisoformat("2026-03-02T10:00:00+00:00")
    licence = REGULATIONS[LICENCE]
    steps = [
        SimpleNamespace(record=SimpleNamespace(step_id=s.id, finished_at=at))
        for s in licence.route_for("state_corporation")
    ]
    return SimpleNamespace(
        regulation=licence,
        application=SimpleNamespace(channel="state_corporation"),
        steps=steps,
        current=None,
        result=SimpleNamespace(refusal=False),
        transitions=[SimpleNamespace(action=a) for a in ("receive", "hand_over", *centre_words)],
    )


def test_annex_2_lights_the_return_to_the_provider_when_the_result_went_back() -> None:
    placed = layout(REGULATIONS[LICENCE], 2)
    lane = ("A2_centre_storage", "A2_centre_collected", "A2_centre_hand_out")
    back = ("A2_centre_return", "A2_centre_returned", "A2_end")
    kept = light(placed, workstation_progress(_finished_at_centre(), 2))
    assert [kept.state(n) for n in lane + back] == [
        "current",
        "idle",
        "idle",
        "idle",
        "idle",
        "idle",
    ]

    returned = light(placed, workstation_progress(_finished_at_centre("returned_to_storage"), 2))
    assert [returned.state(n) for n in lane] == ["done", "done", "idle"]
    assert [returned.state(n) for n in back] == ["done", "done", "idle"]
    assert "A2_flow_centre_collected_centre_return" in returned.lit_edges
    assert not any("centre_hand_out" in edge for edge in returned.lit_edges)

    # Asked for again, the result is sent back to the centre and kept there once more.
    again = workstation_progress(_finished_at_centre("returned_to_storage", "send_again"), 2)
    assert again.current == "storage"
    assert "returned" not in again.done
