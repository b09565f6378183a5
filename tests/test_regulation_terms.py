"""Each regulation's terms as its text counts them, and the deviations of issue 15 each held by
a test named for it: Almaty's conditions 2 and 3 from the submission (the State Corporation's
acceptance), condition 1 from the exam date across a public holiday, item 8.2 through the
portal, the receipt's ready date equal to the route's deadline, C3 as a real check, and the
counter's effective period."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from egovsim.config import Settings
from egovsim.errors import EgovsimError
from egovsim.regulations.loader import load_regulations
from egovsim.regulations.model import Duration
from egovsim.regulations.terms import route_deadline, step_deadline
from egovsim.web.common.keys import SIMULATOR
from tests.test_portal import (
    LICENCE,
    app_client,
    citizen,
    deliver_all,
    inbox_number,
    licence_draft,
    sign_and_send,
    staff,
)
from tests.test_statecorp import APPLICANT, clerk, counter_client, step, when
from tests.test_workstation import ALMATY, CALENDAR, Desk, set_clock
from tests.vessel_licence import DOCUMENTS, RESULTS

REGULATIONS = load_regulations(Settings().regulations_dir)
VESSEL = REGULATIONS[LICENCE]
PREPARE = VESSEL.step("prepare-draft")
__all__ = ["app_client", "counter_client"]  # the fixtures this module's tests take


def nth_working_day_after(first: date, count: int) -> date:
    """The `count`-th working day after `first`, counted day by day."""
    day, found = first, 0
    while found < count:
        day += timedelta(days=1)
        found += CALENDAR.is_working_day(day)
    return day


async def view_of(desk: Desk, number: int) -> dict[str, Any]:
    return await desk.call("GET", f"/api/v1/workstation/applications/{number}")


def open_step(view: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in view["steps"] if s["finished_at"] is None)


# -- the terms ------------------------------------------------------------------------------------


def test_almaty_condition_1_counts_from_the_exam_date_across_a_public_holiday() -> None:
    # Nauryz 2026: 21-23 March, the weekend's two days off moved to 24 and 25 March.
    exam = date(2026, 3, 19)  # a Thursday
    span = [exam + timedelta(days=n) for n in range(1, 20)]
    holidays = [d for d in span if d.weekday() < 5 and not CALENDAR.is_working_day(d)]
    assert date(2026, 3, 23) in holidays
    opened = datetime(2026, 3, 30, 10, 0, tzinfo=ALMATY)  # the step opens long after the exam
    form = {"request-kind": "licence-after-exam", "exam-date": exam.isoformat()}
    deadline = step_deadline(CALENDAR, PREPARE, "licence-after-exam", form, opened, opened)
    local = deadline.astimezone(ALMATY)
    assert local.date() == nth_working_day_after(exam, 8) == date(2026, 4, 3)
    assert local.time() == CALENDAR.hours.end
    # The same exam a week later is 8 working days from that day, not from the step's start.
    later = {**form, "exam-date": "2026-03-26"}
    moved = step_deadline(CALENDAR, PREPARE, "licence-after-exam", later, opened, opened)
    assert moved.astimezone(ALMATY).date() == nth_working_day_after(date(2026, 3, 26), 8)


def test_almaty_conditions_2_and_3_count_from_the_submission_not_the_steps_start() -> None:
    submitted = datetime(2026, 3, 16, 10, 0, tzinfo=ALMATY)  # a Monday
    opened = datetime(2026, 3, 17, 15, 0, tzinfo=ALMATY)  # the specialist's step, a day later
    form = {"request-kind": "duplicate"}
    for variant, days in (("duplicate", 1), ("renewal-after-expiry", 2)):
        deadline = step_deadline(CALENDAR, PREPARE, variant, form, submitted, opened)
        assert deadline == CALENDAR.deadline(submitted, Duration(days, "working_days"))
        # The day of the submission does not count.
        assert deadline.astimezone(ALMATY).date() == nth_working_day_after(submitted.date(), days)


async def test_almaty_condition_2_counts_from_the_state_corporation_acceptance(
    counter_client,
) -> None:
    client = counter_client
    gk = await clerk(client)
    accepted_at = client.app[SIMULATOR].clock.now()
    package = await gk.take("duplicate", DOCUMENTS["duplicate"])
    await set_clock(client, when(step(package, "forward")["deadline"]))  # forwarded at the last
    await gk.act(package["id"], "forward")
    await deliver_all(client)
    office, head = await staff(client, "alm-office"), await staff(client, "alm-head")
    number = await inbox_number(office)
    view = await office.act(number, "register")
    assert view["channel"] == "state_corporation"
    view = await head.act(number, "resolve")  # item 8.2 skips it only for the portal
    prepare = open_step(view)
    assert prepare["id"] == "prepare-draft"
    # 1 working day from the acceptance (its day not counted), not from the step's start: the
    # day the State Corporation took to forward the package is the specialist's day too.
    assert when(prepare["deadline"]) == CALENDAR.deadline(accepted_at, Duration(1, "working_days"))
    assert when(prepare["deadline"]) < CALENDAR.deadline(
        when(prepare["started_at"]), Duration(1, "working_days")
    )


@pytest.mark.parametrize("variant", ["duplicate", "licence-after-exam"])
async def test_the_receipts_ready_date_is_the_routes_deadline(counter_client, variant) -> None:
    client = counter_client
    gk = await clerk(client)
    form: dict[str, str] = {}
    if variant == "licence-after-exam":
        exam = client.app[SIMULATOR].clock.now().astimezone(ALMATY).date() - timedelta(days=2)
        form = {"exam-date": exam.isoformat()}
    opened = await gk.call(
        "POST",
        "/api/v1/statecorp/packages",
        {"service": LICENCE, "variant": variant, "applicant": APPLICANT, "form": form},
        201,
    )
    package = await gk.act(opened["id"], "check", documents=DOCUMENTS[variant])
    ready_by = date.fromisoformat(package["receipt"]["ready_by"])
    await gk.act(package["id"], "forward")
    await deliver_all(client)
    office, head = await staff(client, "alm-office"), await staff(client, "alm-head")
    executor = await staff(client, "alm-executor")
    number = await inbox_number(office)
    documents = dict.fromkeys(DOCUMENTS[variant], "compliant")
    moves: list[tuple[Desk, str, dict[str, Any]]] = [
        (office, "register", {}),
        (head, "resolve", {}),
        (executor, "check", {"documents": documents}),
        (executor, "prepare", {"result": RESULTS[variant]}),
        (head, "sign", {}),
    ]
    # Each step takes its whole term: the route's deadline is the last step's deadline.
    for desk, action, params in moves:
        deadline = when(open_step(await view_of(desk, number))["deadline"])
        if action != "check" and deadline > client.app[SIMULATOR].clock.now():
            await set_clock(client, deadline)
        await desk.act(number, action, **params)
    last = open_step(await view_of(office, number))
    assert last["id"] == "send-to-state-corporation"
    assert when(last["deadline"]).astimezone(ALMATY).date() == ready_by
    # And the counter's rule is the route's: the same function gives the same day.
    accepted = when(package["receipt"]["date"])
    arrives = CALENDAR.deadline(accepted, Duration(1, "working_days"))
    full = {"request-kind": variant, **form}
    computed = route_deadline(
        CALENDAR, VESSEL, variant, full, "state_corporation", accepted, arrives
    )
    assert computed.astimezone(ALMATY).date() == ready_by


# -- the deviations -----------------------------------------------------------------------------


async def portal_duplicate_at_the_provider(client: Any, persona: Any) -> None:
    """A citizen's duplicate licence ordered, signed and delivered to the provider's inbox."""
    who = persona("citizen-valid")
    applicant = citizen(who)
    application_id = await licence_draft(client, applicant)
    await sign_and_send(client, applicant, application_id, who.sign)
    await deliver_all(client)


async def test_almaty_item_8_2_a_portal_application_skips_the_heads_resolution(
    app_client, persona
) -> None:
    await portal_duplicate_at_the_provider(app_client, persona)
    office, head = await staff(app_client, "alm-office"), await staff(app_client, "alm-head")
    executor = await staff(app_client, "alm-executor")
    number = await inbox_number(office)
    view = await office.act(number, "register")
    assert view["channel"] == "portal"
    assert view["current_step"] == "prepare-draft"  # the specialist's check, right away
    assert [s["id"] for s in view["steps"]] == ["register", "prepare-draft"]
    assert (await head.call("GET", "/api/v1/workstation/inbox"))["applications"] == []
    refused = await head.act(number, "resolve", 409)
    assert refused["error"]["code"] == "ACTION_NOT_EXPECTED"
    assert await inbox_number(executor) == number
    # Condition 2 from the submission: the request's arrival at the provider.
    prepare = open_step(view)
    received = when(view["received_at"])
    assert when(prepare["deadline"]) == CALENDAR.deadline(received, Duration(1, "working_days"))


async def test_the_licence_after_the_exam_needs_an_exam_date_not_in_the_future(
    app_client, persona
) -> None:
    portal = app_client.app[SIMULATOR].portal
    applicant = citizen(persona("citizen-valid"))
    kind = {"request-kind": "licence-after-exam"}
    with pytest.raises(EgovsimError) as missing:
        await portal.start(applicant, LICENCE, "licence-after-exam", kind)
    assert (missing.value.code, missing.value.step) == ("TERM_DATE_INVALID", "P3")
    assert missing.value.details["field"] == "exam-date"
    tomorrow = app_client.app[SIMULATOR].clock.now().astimezone(ALMATY).date() + timedelta(days=1)
    with pytest.raises(EgovsimError) as future:
        await portal.start(
            applicant, LICENCE, "licence-after-exam", {**kind, "exam-date": tomorrow.isoformat()}
        )
    assert future.value.code == "TERM_DATE_INVALID"
    today = tomorrow - timedelta(days=1)
    taken = await portal.start(
        applicant, LICENCE, "licence-after-exam", {**kind, "exam-date": today.isoformat()}
    )
    assert taken.application.status == "draft"


async def test_a_refusal_for_incompleteness_needs_a_failing_document_and_lists_it(
    app_client, persona
) -> None:
    await portal_duplicate_at_the_provider(app_client, persona)
    office, executor = (
        await staff(app_client, "alm-office"),
        await staff(app_client, "alm-executor"),
    )
    number = await inbox_number(office)
    await office.act(number, "register")
    view = await view_of(executor, number)
    assert view["checks"] == []  # no document starts as compliant
    # Not attached, the damaged licence can only be missing; a non-compliant verdict needs its
    # reason.
    for documents in ({"damaged-licence": "compliant"}, {"photo": "non_compliant"}):
        refused = await executor.act(number, "check", 422, documents=documents)
        assert refused["error"]["code"] == "VERDICT_INVALID"
        assert refused["error"]["step"] == "C3"
    everything = {"application": "compliant", "identity-document": "compliant"}
    await executor.open_attachments(number)
    await executor.act(number, "check", documents={**everything, "photo": "compliant"})
    refused = await executor.act(number, "prepare", 422, refusal=True, grounds="incomplete")
    assert refused["error"]["code"] == "REFUSAL_DOCUMENTS_COMPLIANT"
    photo = {"verdict": "non_compliant", "note": "not 3x4"}
    await executor.act(number, "check", documents={"photo": photo, "damaged-licence": "missing"})
    view = await executor.act(number, "prepare", refusal=True, grounds="the photograph")
    assert view["result"]["refusal"] is True
    grounds = view["result"]["grounds"]
    assert grounds.startswith("the photograph [")
    assert "photo: non_compliant (not 3x4)" in grounds
    assert "damaged-licence: missing" in grounds
    prepared = [s for s in view["steps"] if s["id"] == "prepare-draft"][-1]
    assert prepared["outcome"] == "refusal"


async def test_the_counter_refuses_the_repealed_service_when_periods_are_enforced(
    counter_client,
) -> None:
    gk = await clerk(counter_client)
    reply = await counter_client.put("/api/v1/faults/effective-period", json={"on": True})
    assert reply.status == 200, await reply.json()
    body = {"service": LICENCE, "variant": "duplicate", "applicant": APPLICANT}
    refused = await gk.call("POST", "/api/v1/statecorp/packages", body, 422)
    assert (refused["error"]["code"], refused["error"]["step"]) == ("SERVICE_NOT_EFFECTIVE", "P3")
    packages = await gk.call("GET", "/api/v1/statecorp/packages")
    assert packages["packages"] == []  # no receipt, nothing to forward


async def test_the_services_api_lists_each_regulations_sequence_and_the_dates_its_terms_need(
    client,
) -> None:
    for service, refusal in (("shymkent-energy-readiness-passport", "P4"), (LICENCE, "P5")):
        reply = await client.get(f"/api/v1/services/{service}")
        body = await reply.json()
        assert reply.status == 200, body
        sequence = body["sequence"]
        assert [e["id"] for e in sequence] == [e.id for e in REGULATIONS[service].portal.entries]
        refused = next(e for e in sequence if "signature-refusal" in e["stages"])
        assert refused["id"] == refusal
        assert refused["kind"] == "process"
        assert set(refused["name"]) == {"kk", "ru", "en"}
    body = await (await client.get(f"/api/v1/services/{LICENCE}")).json()
    exam = next(f for f in body["form"] if f["id"] == "exam-date")
    assert (exam["required"], exam["required_in"]) == (False, ["licence-after-exam"])
