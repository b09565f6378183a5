"""The guided tour's page shows the tour's application on the regulation's diagrams, lit as it
stands: Annex 1 from the portal's application (the sign-in, the request, a refusal at C2 with
its code), Annex 2 from the provider's application once the workstation has it, and the lit
step moves as the trainer does each step. Every page links to the console, and a service's
page to its diagrams."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from egovsim.console.tour import shipped_tours
from egovsim.errors import LANGUAGES
from egovsim.web.common.i18n import word
from tests.test_diagrams import HTML, _callout, _drawings, _state, _states
from tests.test_portal import LICENCE

API = "/api/v1/console/tours"


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EGOVSIM_CLOCK", "EGOVSIM_CERTS", "EGOVSIM_DATA", "EGOVSIM_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)


async def _call(client: TestClient, path: str) -> dict[str, Any]:
    reply = await client.post(path)
    body = await reply.json()
    assert reply.status == 200, body
    return body  # type: ignore[no-any-return]


async def _next(client: TestClient, tour: str) -> dict[str, Any]:
    """The tour's next step, which must pass."""
    state = await _call(client, f"{API}/{tour}/next")
    done = state["steps"][state["position"] - 1]
    assert done["outcome"]["outcome"] == "passed", done
    return state


async def _tour_diagrams(client: TestClient, tour: str, lang: str = "en") -> dict[int, Any]:
    """The SVGs in the tour page's diagram section, by annex."""
    reply = await client.get(f"/console/tours/{tour}?lang={lang}", headers=HTML)
    html = await reply.text()
    assert reply.status == 200, html[:2000]
    section = re.search(r'<section[^>]*\bid="diagram".*?</section>', html, re.DOTALL)
    assert section, "the tour's page has its diagram section"
    return _drawings(section.group(0))


def _lit(svg: Any) -> bool:
    return "is-lit" in str(svg.get("class"))


async def test_the_refusal_tours_diagram_lights_the_sign_in_the_request_and_the_refusal(
    client,
) -> None:
    before = await _tour_diagrams(client, "refusal-revoked")
    assert set(before) == {1}  # the map of the service, before anything is done
    assert not _lit(before[1])

    await _call(client, f"{API}/refusal-revoked/start")
    await _next(client, "refusal-revoked")  # sign_in
    drawn = await _tour_diagrams(client, "refusal-revoked")
    assert _lit(drawn[1])
    assert _states(drawn[1], "P1", "C1", "P3", "P4") == ["done", "done", "current", "idle"]

    await _next(client, "refusal-revoked")  # days_later
    tour = await _next(client, "refusal-revoked")  # order
    assert tour["application"] is not None
    drawn = await _tour_diagrams(client, "refusal-revoked")
    assert _states(drawn[1], "P3", "P4", "C2") == ["current", "idle", "idle"]

    await _next(client, "refusal-revoked")  # sign: refused at C2, as the tour expects
    drawn = await _tour_diagrams(client, "refusal-revoked")
    assert set(drawn) == {1}  # the provider never got it: no route to show
    assert _states(drawn[1], "P4", "C2", "P5", "A1_end_P5", "P6", "P7") == [
        "done",
        "done",
        "refused",
        "refused",
        "idle",
        "idle",
    ]
    assert "CERT_REVOKED" in _callout(drawn[1])

    await _next(client, "refusal-revoked")  # refusal: the cabinet shows why
    for lang in LANGUAGES:
        drawn = await _tour_diagrams(client, "refusal-revoked", lang)
        assert _state(drawn[1], "P5") == "refused"
        assert word("diagrams.state.refused", lang) in _callout(drawn[1])

    # Back to the start: nothing done yet, nothing lit.
    await _call(client, f"{API}/refusal-revoked/start")
    again = await _tour_diagrams(client, "refusal-revoked")
    assert not _lit(again[1])


async def test_the_happy_paths_diagrams_follow_the_application_to_the_provider_and_back(
    client,
) -> None:
    await _call(client, f"{API}/happy-path/start")
    names = [step.name for step in shipped_tours()["happy-path"].scenario.steps]
    seen = set()
    for name in names:
        tour = await _next(client, "happy-path")
        drawn = await _tour_diagrams(client, "happy-path")
        if name == "sign":
            # Signed and sent: the request is on its way to the provider (P7).
            assert _states(drawn[1], "C2", "P6", "P7") == ["done", "done", "current"]
            assert set(drawn) == {1}
        elif name == "deliver":
            # At the regional gateway's workstation: P7 until the staff have it.
            assert _states(drawn[1], "P6", "P7", "C3") == ["done", "current", "idle"]
            assert set(drawn) == {1}
        elif name == "register":
            assert tour["provider_application"] is not None
            # Item 8.2: through the portal, on to the specialist without the resolution.
            assert _states(drawn[2], "A2_register", "A2_resolution", "A2_prepare-draft") == [
                "done",
                "idle",
                "current",
            ]
            assert "until " in _callout(drawn[2])  # the specialist's deadline
        elif name == "check":
            # A check of the documents leaves the executor's step open.
            assert _states(drawn[2], "A2_register", "A2_prepare-draft", "A2_sign") == [
                "done",
                "current",
                "idle",
            ]
        elif name == "sign_result":
            assert _states(drawn[2], "A2_prepare-draft", "A2_sign") == ["done", "done"]
            assert _state(drawn[2], "A2_refusal") == "idle"
        elif name == "result":
            # The result has landed in the cabinet: every step done, nothing refused.
            assert _states(drawn[1], "P7", "C3", "P9", "A1_end", "P8") == [
                "done",
                "done",
                "done",
                "done",
                "idle",
            ]
            # Annex 2: the paper licence waits at the State Corporation to be collected.
            assert _states(drawn[2], "A2_centre_storage", "A2_end") == ["current", "idle"]
            assert _callout(drawn[1]) == ""
        else:
            continue
        seen.add(name)
    assert seen == {"sign", "deliver", "register", "check", "sign_result", "result"}
    assert tour["finished"] is True


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_every_page_links_to_the_console_and_a_service_to_its_diagrams(client, lang) -> None:
    reply = await client.get(f"/services/{LICENCE}?lang={lang}", headers=HTML)
    page = html.unescape(await reply.text())
    assert reply.status == 200
    assert f'<a href="/console">{word("layout.footer.console", lang)}</a>' in page
    link = f'<a href="/services/{LICENCE}/diagrams">{word("diagrams.link", lang)}</a>'
    assert link in page
    diagrams = await client.get(f"/services/{LICENCE}/diagrams?lang={lang}", headers=HTML)
    assert diagrams.status == 200
    assert set(_drawings(await diagrams.text())) == {1, 2}
