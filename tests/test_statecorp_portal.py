"""A portal application's paper result at the State Corporation, in the real app: the citizen
asks for the vessel licence on the portal, the provider hands the result over, the paper goes
to the centre the cabinet names as a package of the kind "collection", the operator finds it by
IIN or number and hands it out, and the cabinet's timeline shows the hand-out; uncollected, it
goes back to the provider's storage after a month and comes again on request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.web.app import create_app
from tests.test_portal import DUPLICATE_DOCUMENTS, deliver_all, inbox_number, staff
from tests.test_portal_api import Cabinet, egovsim_cms, signed_in
from tests.test_statecorp import (
    clerk,
    handed_to_representative,
    month_with_holidays,
    requested_again,
    returned_after_the_month,
    step,
    when,
)
from tests.test_workstation import ALMATY, advance, set_clock


@pytest.fixture
async def client(gateway_settings) -> AsyncIterator[TestClient]:
    """The whole app, delivery worker off, its clock on a working morning whose month of
    storage holds a public holiday."""
    clock = Clock(frozen_at=month_with_holidays())
    async with TestClient(TestServer(create_app(gateway_settings, clock), host="127.0.0.1")) as c:
        yield c


async def handed_over_on_the_portal(
    client: Any, persona: Any
) -> tuple[Cabinet, int, dict[str, Any]]:
    """A citizen's portal request for a duplicate licence, signed and sent, the provider's route
    run to the hand-over, every answer delivered: (the cabinet, its application id, the
    application as the cabinet shows it)."""
    cabinet = await signed_in(client, persona, "citizen-valid")
    application = await cabinet.licence_draft()
    document = await cabinet.document(application)
    sent = await cabinet.sign(
        application, egovsim_cms(client, persona("citizen-valid").sign, document)
    )
    assert sent["status"] == "sent"
    await deliver_all(client)
    office, head = await staff(client, "alm-office"), await staff(client, "alm-head")
    executor = await staff(client, "alm-executor")
    number = await inbox_number(office)
    await office.act(number, "register")  # item 8.2: to the specialist without a resolution
    await advance(client, working_days=1)
    await executor.open_attachments(number)
    await executor.act(number, "check", documents=dict.fromkeys(DUPLICATE_DOCUMENTS, "compliant"))
    await executor.act(number, "prepare", result="duplicate")
    await head.act(number, "sign")
    await office.act(number, "hand_over")
    await deliver_all(client)
    shown = await cabinet.call("GET", f"/applications/{application}")
    assert shown["status"] == "completed"
    return cabinet, application, shown


async def collect_notice(cabinet: Cabinet) -> dict[str, Any]:
    notices = (await cabinet.call("GET", "/notifications"))["notifications"]
    return next(n for n in notices if n["kind"] == "collect")  # type: ignore[no-any-return]


async def test_the_paper_result_of_a_portal_request_is_collected_at_the_centre_the_cabinet_names(
    client, persona
) -> None:
    iin = persona("citizen-valid").iin
    cabinet, application, shown = await handed_over_on_the_portal(client, persona)
    notice = await collect_notice(cabinet)
    assert notice["details"]["centre"] == "almaty-centre-1"
    assert "State Corporation" in notice["details"]["place"]["en"]

    gk = await clerk(client)
    found = (await gk.call("GET", f"/api/v1/statecorp/packages?q={iin}"))["packages"]
    assert len(found) == 1, found
    package = found[0]
    assert package["kind"] == "collection"
    assert package["status"] == "at_centre"
    assert package["centre"] == "almaty-centre-1"
    assert package["receipt"] is None  # never taken at the counter
    assert package["provider_number"] == shown["provider_number"]
    assert package["applicant"]["iin"] == iin
    assert package["result"]["kind"] == "duplicate"
    assert package["result"]["verification"]["indication"] == "TOTAL_PASSED"
    # No acceptance, no forwarding: its timeline starts at the result's arrival.
    assert [s["step"] for s in package["timeline"]] == ["arrival", "storage"]
    assert step(package, "arrival")["outcome"] == "arrived"
    by_number = await gk.call("GET", f"/api/v1/statecorp/packages?q={shown['provider_number']}")
    assert [p["id"] for p in by_number["packages"]] == [package["id"]]
    by_receipt = await gk.call("GET", f"/api/v1/statecorp/packages?q={package['number']}")
    assert [p["id"] for p in by_receipt["packages"]] == [package["id"]]
    nothing = await gk.call("GET", "/api/v1/statecorp/packages?q=ALA-00000000-00000")
    assert nothing["packages"] == []
    waiting = await gk.call("GET", "/api/v1/statecorp/packages?status=at_centre")
    assert [p["id"] for p in waiting["packages"]] == [package["id"]]
    page = await (await client.get(f"/statecorp?lang=en&q={iin}")).text()
    assert package["number"] in page and "collection only" in page

    await set_clock(client, when(notice["details"]["from"]) + timedelta(hours=2))
    package = await gk.act(package["id"], "serve")
    refused = await gk.act(package["id"], "hand_out", 422, document="identity-document")
    assert refused["error"]["code"] == "HANDOUT_DOCUMENT_INVALID"  # no document number
    await advance(client, minutes=7)
    package = await gk.act(
        package["id"], "hand_out", document="identity-document", document_number="045612378"
    )
    assert package["status"] == "handed_out"
    assert package["handout"]["holder_iin"] == iin
    assert not step(package, "hand_out")["overdue"]
    assert [s["step"] for s in package["timeline"]] == ["arrival", "storage", "hand_out"]
    handed_out_at = when(package["handout"]["at"])

    await deliver_all(client)
    shown = await cabinet.call("GET", f"/applications/{application}")
    assert shown["status"] == "completed"
    last = shown["timeline"][-1]
    assert (last["step"], last["event"]) == ("P9", "handed_out")
    assert when(last["details"]["at"]) == handed_out_at
    assert last["details"]["document"] == "identity-document"
    assert "045612378" not in str(last)  # the document's number stays at the centre
    notices = (await cabinet.call("GET", "/notifications"))["notifications"]
    handed = next(n for n in notices if n["kind"] == "handed-out")
    local = handed_out_at.astimezone(ALMATY).strftime("%d.%m.%Y %H:%M")
    assert local in handed["text"]["en"] and "identity document" in handed["text"]["en"]
    page = await (await client.get(f"/cabinet/applications/{application}?lang=en")).text()
    assert 'data-event="handed_out"' in page


async def test_an_uncollected_portal_result_goes_back_after_a_month_and_comes_again(
    client, persona
) -> None:
    cabinet, application, shown = await handed_over_on_the_portal(client, persona)
    gk = await clerk(client, "gk-alm-2")
    (package,) = (await gk.call("GET", f"/api/v1/statecorp/packages?q={shown['provider_number']}"))[
        "packages"
    ]
    kept_until = when(package["kept_until"])
    assert kept_until == when(step(package, "storage")["deadline"])
    assert kept_until - when(package["arrived_at"]) >= timedelta(days=28)

    package, office, provider_id = await returned_after_the_month(client, gk, package, kept_until)
    assert step(package, "storage")["details"]["sent"] is True

    await advance(client, days=5)
    package = await requested_again(client, gk, package, office, provider_id)
    assert package["result"]["verification"]["indication"] == "TOTAL_PASSED"
    # The centre's dealings with the provider are not the cabinet's: only the hand-out is.
    shown = await cabinet.call("GET", f"/applications/{application}")
    actions = [e["details"].get("action") for e in shown["timeline"]]
    assert "returned_to_storage" not in actions and "send_again" not in actions

    package = await handed_to_representative(gk, package)
    steps = [s["step"] for s in package["timeline"]]
    assert steps == ["arrival", "storage", "request_again", "storage", "hand_out"]
    await deliver_all(client)
    shown = await cabinet.call("GET", f"/applications/{application}")
    last = shown["timeline"][-1]
    assert (last["step"], last["event"]) == ("P9", "handed_out")
    assert last["details"]["by_representative"] is True
