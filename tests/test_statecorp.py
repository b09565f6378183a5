"""The State Corporation's counter over its JSON API, in the real app: the whole path of each
vessel licence variant with the clock moved (acceptance, forwarding through the gateway, the
provider's route, the paper result back, the hand-out), the Annex 3 refusal, and the month of
storage with the return to the provider and the later request, across public holidays."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.regulations.model import Duration
from egovsim.statecorp.centres import CENTRES
from egovsim.web.app import create_app
from egovsim.web.common.keys import SIMULATOR
from tests.conftest import NOW
from tests.test_portal import deliver_all, staff, working_morning
from tests.test_workstation import ALMATY, CALENDAR, PASSWORD, ApiUser, advance, set_clock
from tests.vessel_licence import DOCUMENTS, RESULTS, TERMS

LICENCE = "almaty-small-vessel-licence"
APPLICANT = {"iin": "850715301233", "name": "ТЕСТОВ ТЕСТ"}


class Clerk(ApiUser):
    """A State Corporation operator at the counter, over the API."""

    async def act(self, package: int, action: str, status: int = 200, **body: Any) -> Any:
        return await self.call(
            "POST", f"/api/v1/statecorp/packages/{package}/actions/{action}", body, status
        )

    async def take(self, variant: str, documents: list[str]) -> dict[str, Any]:
        """Open a package for the applicant and check the documents presented (a licence
        after the exam passed today)."""
        form = {}
        if variant == "licence-after-exam":
            today = self.client.app[SIMULATOR].clock.now().astimezone(ALMATY).date()
            form["exam-date"] = today.isoformat()
        opened = await self.call(
            "POST",
            "/api/v1/statecorp/packages",
            {"service": LICENCE, "variant": variant, "applicant": APPLICANT, "form": form},
            201,
        )
        assert opened["status"] == "at_counter"
        return await self.act(opened["id"], "check", documents=documents)  # type: ignore[no-any-return]


async def clerk(client: Any, login: str = "gk-alm-1") -> Clerk:
    reply = await client.post(
        "/api/v1/statecorp/session", json={"login": login, "password": PASSWORD}
    )
    body = await reply.json()
    assert reply.status == 200, body
    return Clerk(client, body["token"])


@pytest.fixture
async def counter_client(gateway_settings) -> AsyncIterator[TestClient]:
    """The whole app, delivery worker off, its clock on a working morning after NOW."""
    clock = Clock(frozen_at=working_morning())
    async with TestClient(TestServer(create_app(gateway_settings, clock), host="127.0.0.1")) as c:
        yield c


def step(package: dict[str, Any], name: str) -> dict[str, Any]:
    return [s for s in package["timeline"] if s["step"] == name][-1]


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def working_days_after(first: date, last: date) -> int:
    """How many working days lie after `first` up to and including `last`."""
    days = (last - first).days
    return sum(CALENDAR.is_working_day(first + timedelta(days=n)) for n in range(1, days + 1))


async def provider_route(client: Any, variant: str, documents: list[str]) -> str:
    """The provider's staff run the forwarded application's route; its number."""
    office, head = await staff(client, "alm-office"), await staff(client, "alm-head")
    executor = await staff(client, "alm-executor")
    found = (await office.call("GET", "/api/v1/workstation/inbox"))["applications"]
    assert len(found) == 1, found
    number = int(found[0]["id"])
    view = await office.act(number, "register")
    assert view["channel"] == "state_corporation"
    await advance(client, minutes=20)
    await head.act(number, "resolve")
    await advance(client, hours=1)
    await executor.act(number, "check", documents=dict.fromkeys(documents, "compliant"))
    await executor.act(number, "prepare", result=RESULTS[variant])
    await advance(client, hours=1)
    await head.act(number, "sign")
    await advance(client, minutes=10)
    view = await office.act(number, "hand_over")
    assert view["status"] == "completed"
    return str(view["number"])


async def counter_path(client: Any, variant: str) -> dict[str, Any]:
    """Accept, forward, the provider's route, the paper result at the centre."""
    gk = await clerk(client)
    accepted_at = client.app[SIMULATOR].clock.now()
    package = await gk.take(variant, DOCUMENTS[variant])
    assert package["status"] == "accepted"
    receipt = package["receipt"]
    assert receipt["kind"] == "acceptance"
    assert receipt["number"].startswith("GK-ALA-")
    assert receipt["documents"] == DOCUMENTS[variant]
    ready_by = date.fromisoformat(receipt["ready_by"])
    # The ready date is the route's deadline: the specialist's term counts from the acceptance
    # (whose day does not count) or from the exam passed that day, then the head's 2 hours and
    # the office's 30 minutes spill into one more working day.
    accepted_day = accepted_at.astimezone(ALMATY).date()
    assert working_days_after(accepted_day, ready_by) == TERMS[variant] + 1
    assert CALENDAR.is_working_day(ready_by)
    accept = step(package, "accept")
    assert when(accept["deadline"]) - when(accept["started_at"]) == timedelta(minutes=20)
    assert accept["outcome"] == "accepted" and not accept["overdue"]
    forward_deadline = when(step(package, "forward")["deadline"])
    assert forward_deadline == CALENDAR.deadline(accepted_at, Duration(1, "working_days"))

    await advance(client, hours=2)
    package = await gk.act(package["id"], "forward")
    assert package["status"] == "forwarded"
    assert step(package, "forward")["outcome"] == "forwarded"
    assert not step(package, "forward")["overdue"]
    await deliver_all(client)

    provider_number = await provider_route(client, variant, DOCUMENTS[variant])
    await deliver_all(client)
    package = await gk.call("GET", f"/api/v1/statecorp/packages/{package['id']}")
    assert package["status"] == "at_centre"
    assert package["provider_number"] == provider_number
    assert package["result"]["kind"] == RESULTS[variant]
    assert package["result"]["verification"]["indication"] == "TOTAL_PASSED"
    assert step(package, "provider")["outcome"] == "arrived"
    assert not step(package, "provider")["overdue"]
    waiting = await gk.call("GET", "/api/v1/statecorp/packages?status=at_centre")
    assert [p["id"] for p in waiting["packages"]] == [package["id"]]
    return package


# Every variant on the SQLite file, and the first on PostgreSQL too (the same path, other store).
@pytest.mark.parametrize(
    ("variant", "database_url"),
    [*((variant, "sqlite") for variant in sorted(TERMS)), (sorted(TERMS)[0], "postgresql")],
    indirect=["database_url"],
)
async def test_the_counter_path_of_each_variant_ends_in_a_recorded_hand_out(
    counter_client, variant
) -> None:
    package = await counter_path(counter_client, variant)
    gk = await clerk(counter_client, "gk-alm-2")
    await advance(counter_client, days=1)
    package = await gk.act(package["id"], "serve")
    assert step(package, "hand_out")["finished_at"] is None
    refused = await gk.act(package["id"], "hand_out", 422, document="passport-photo")
    assert refused["error"]["code"] == "HANDOUT_DOCUMENT_INVALID"
    assert refused["error"]["step"] == "state_corporation"
    await advance(counter_client, minutes=5)
    package = await gk.act(
        package["id"], "hand_out", document="identity-document", document_number="045612378"
    )
    assert package["status"] == "handed_out"
    assert package["handout"]["document"] == "identity-document"
    assert package["handout"]["operator"] == "gk-alm-2"
    assert not step(package, "hand_out")["overdue"]
    assert step(package, "storage")["outcome"] == "handed_out"
    steps = [s["step"] for s in package["timeline"]]
    assert steps == ["accept", "forward", "provider", "storage", "hand_out"]
    again = await gk.act(package["id"], "hand_out", 409, document="identity-document")
    assert again["error"]["code"] == "RESULT_NOT_AT_CENTRE"


async def test_an_incomplete_package_gets_the_annex_3_refusal_receipt(counter_client) -> None:
    gk = await clerk(counter_client)
    await advance(counter_client, minutes=25)  # the applicant waited: the 20 minutes are over
    opened = await gk.call(
        "POST",
        "/api/v1/statecorp/packages",
        {"service": LICENCE, "variant": "renewal-after-expiry", "applicant": APPLICANT},
        201,
    )
    opened_required = [i["document"] for i in opened["checklist"] if i["required"]]
    assert not any(i["presented"] for i in opened["checklist"])
    listed = await gk.call(
        "GET", f"/api/v1/statecorp/checklist?service={LICENCE}&variant=renewal-after-expiry"
    )
    required = [d["document"] for d in listed["documents"] if d["required"]]
    assert required == opened_required == DOCUMENTS["renewal-after-expiry"]
    await advance(counter_client, minutes=25)
    package = await gk.act(opened["id"], "check", documents=["application", "photo"])
    assert package["status"] == "refused"
    receipt = package["receipt"]
    assert receipt["kind"] == "refusal"
    assert receipt["code"] == "PACKAGE_INCOMPLETE"
    assert receipt["step"] == "state_corporation"
    assert receipt["missing"] == ["identity-document", "medical-certificate", "expired-licence"]
    assert "Annex 3" in receipt["message"]["en"]
    assert step(package, "accept")["outcome"] == "refused"
    assert step(package, "accept")["overdue"]  # 25 minutes at the counter, 20 allowed
    refused = await gk.act(package["id"], "forward", 409)
    assert refused["error"]["code"] == "PACKAGE_STATE_WRONG"


async def test_refusals_at_the_counter_have_their_codes(counter_client) -> None:
    reply = await counter_client.post(
        "/api/v1/statecorp/session", json={"login": "gk-alm-1", "password": "wrong"}
    )
    assert (await reply.json())["error"]["code"] == "OPERATOR_LOGIN_FAILED"
    reply = await counter_client.get("/api/v1/statecorp/packages")
    assert (await reply.json())["error"]["code"] == "OPERATOR_NOT_SIGNED_IN"
    gk = await clerk(counter_client)
    body = {"service": LICENCE, "variant": "renewal", "applicant": APPLICANT}
    wrong = await gk.call("POST", "/api/v1/statecorp/packages", body, 422)
    assert wrong["error"]["code"] == "UNKNOWN_VARIANT"
    body = {"service": LICENCE, "variant": "duplicate", "applicant": {"iin": "123"}}
    wrong = await gk.call("POST", "/api/v1/statecorp/packages", body, 422)
    assert wrong["error"]["code"] == "APPLICANT_ID_INVALID"
    body = {"service": "shymkent-energy-readiness-passport", "applicant": APPLICANT}
    wrong = await gk.call("POST", "/api/v1/statecorp/packages", body, 422)
    assert wrong["error"]["code"] == "CHANNEL_NOT_ALLOWED"
    opened = await gk.call(
        "POST",
        "/api/v1/statecorp/packages",
        {"service": LICENCE, "variant": "duplicate", "applicant": APPLICANT},
        201,
    )
    wrong = await gk.act(opened["id"], "check", 422, documents=["passport"])
    assert wrong["error"]["code"] == "UNKNOWN_DOCUMENT"
    wrong = await gk.call("GET", "/api/v1/statecorp/packages/99999", status=404)
    assert wrong["error"]["code"] == "PACKAGE_NOT_FOUND"


def _one_month_later(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError(day)


def month_with_holidays() -> datetime:
    """10:00 on a working day after NOW whose month of storage holds a public holiday (not a
    weekend) by the calendar, early enough that the certificates outlive the whole test."""
    start = NOW.astimezone(ALMATY).date()
    for offset in range(1, 260):
        day = start + timedelta(days=offset)
        if not CALENDAR.is_working_day(day):
            continue
        end = _one_month_later(day)
        span = (day + timedelta(days=n) for n in range(1, (end - day).days + 1))
        if any(
            (CALENDAR.day_off_reason(d) or "Sunday") not in ("Saturday", "Sunday") for d in span
        ):
            return datetime.combine(day, time(10), tzinfo=ALMATY)
    raise AssertionError("no month with a public holiday within the certificates' validity")


async def returned_after_the_month(
    client: Any, gk: Clerk, package: dict[str, Any], kept_until: datetime
) -> tuple[dict[str, Any], Any, int]:
    """The result waits at the centre to the end of its month of storage, then goes back to the
    provider, whose office sees it returned, and the centre can no longer hand it out: (the
    package, the provider's office, the office's id of the application)."""
    await set_clock(client, kept_until - timedelta(minutes=1))
    waiting = await gk.call("GET", "/api/v1/statecorp/packages?status=at_centre")
    assert [p["id"] for p in waiting["packages"]] == [package["id"]]
    # Moving the clock past the month runs the sweep: the result goes back at once, and
    # nothing is left for the sweep asked for later.
    await set_clock(client, kept_until + timedelta(minutes=1))
    swept = await gk.call("POST", "/api/v1/statecorp/sweep")
    assert swept["returned"] == []
    package = await gk.call("GET", f"/api/v1/statecorp/packages/{package['id']}")
    assert package["status"] == "returned"
    assert step(package, "storage")["outcome"] == "returned_to_provider"
    await deliver_all(client)
    office = await staff(client, "alm-office")
    (provider_view,) = (await office.call("GET", "/api/v1/workstation/applications"))[
        "applications"
    ]
    detail = await office.call("GET", f"/api/v1/workstation/applications/{provider_view['id']}")
    assert detail["history"][-1]["action"] == "returned_to_storage"
    refused = await gk.act(package["id"], "hand_out", 409, document="identity-document")
    assert refused["error"]["code"] == "RESULT_NOT_AT_CENTRE"
    return package, office, int(provider_view["id"])


async def requested_again(
    client: Any, gk: Clerk, package: dict[str, Any], office: Any, provider_id: int
) -> dict[str, Any]:
    """The applicant asks for the returned result: the provider sends it again within a working
    day, as its history says; the package, at the centre again."""
    asked_at = client.app[SIMULATOR].clock.now()
    package = await gk.act(package["id"], "request_again")
    assert package["status"] == "requested_again"
    again = step(package, "request_again")
    assert when(again["deadline"]) == CALENDAR.deadline(asked_at, Duration(1, "working_days"))
    await deliver_all(client)
    package = await gk.call("GET", f"/api/v1/statecorp/packages/{package['id']}")
    assert package["status"] == "at_centre"
    assert step(package, "request_again")["outcome"] == "arrived"
    assert not step(package, "request_again")["overdue"]
    detail = await office.call("GET", f"/api/v1/workstation/applications/{provider_id}")
    assert [h["action"] for h in detail["history"]][-2:] == ["returned_to_storage", "send_again"]
    return package


async def handed_to_representative(gk: Clerk, package: dict[str, Any]) -> dict[str, Any]:
    """The result handed out to the applicant's representative on a notarized power of
    attorney; the package."""
    package = await gk.act(
        package["id"],
        "hand_out",
        document="power-of-attorney",
        document_number="PoA-17",
        notarized=True,
        representative={"name": "ӨКІЛОВ Өкіл", "iin": APPLICANT["iin"]},
    )
    assert package["status"] == "handed_out"
    assert package["handout"]["representative"]["name"] == "ӨКІЛОВ Өкіл"
    return package  # type: ignore[no-any-return]


async def test_an_uncollected_result_goes_back_after_a_month_and_comes_again_on_request(
    counter_client,
) -> None:
    await set_clock(counter_client, month_with_holidays())
    package = await counter_path(counter_client, "duplicate")
    gk = await clerk(counter_client)
    arrived = when(package["arrived_at"])
    kept_until = when(package["kept_until"])
    month_later = _one_month_later(arrived.astimezone(ALMATY).date())
    assert kept_until.astimezone(ALMATY).date() >= month_later
    assert kept_until == CALENDAR.next_working_moment(
        datetime.combine(month_later, arrived.astimezone(ALMATY).timetz())
    )
    holidays = [
        arrived.astimezone(ALMATY).date() + timedelta(days=n)
        for n in range(1, (month_later - arrived.astimezone(ALMATY).date()).days + 1)
    ]
    assert any(
        (CALENDAR.day_off_reason(d) or "Saturday") not in ("Saturday", "Sunday") for d in holidays
    )

    package, office, provider_id = await returned_after_the_month(
        counter_client, gk, package, kept_until
    )

    # The applicant comes a week later: the provider must send it again within a working day.
    await advance(counter_client, days=7)
    package = await requested_again(counter_client, gk, package, office, provider_id)

    refused = await gk.act(
        package["id"],
        "hand_out",
        422,
        document="power-of-attorney",
        document_number="PoA-17",
        representative={"name": "ӨКІЛОВ Өкіл", "iin": "900101300011"},
    )
    assert refused["error"]["code"] == "HANDOUT_DOCUMENT_INVALID"  # not notarized
    package = await handed_to_representative(gk, package)
    assert package["handout"]["notarized"] is True


def test_the_seeded_centre_has_two_operators_and_its_words_in_three_languages() -> None:
    (almaty,) = CENTRES
    assert len(almaty.operators) == 2
    for words in (almaty.name, almaty.address, almaty.hours):
        assert set(words) == {"kk", "ru", "en"}


async def test_the_clerk_takes_a_package_in_pages_and_gets_a_printable_receipt(
    counter_client,
) -> None:
    page = await counter_client.get("/statecorp?lang=en")
    assert 'action="/statecorp/login"' in await page.text()
    reply = await counter_client.post(
        "/statecorp/login", data={"login": "gk-alm-1", "password": PASSWORD}
    )
    assert reply.status == 200 and "/statecorp" in str(reply.url)
    home = await (await counter_client.get("/statecorp?lang=en")).text()
    csrf = home.split('name="csrf" value="')[1].split('"')[0]
    opened = await counter_client.post(
        "/statecorp/packages",
        data={
            "csrf": csrf,
            "service": f"{LICENCE}:duplicate",
            "iin": APPLICANT["iin"],
            "name": APPLICANT["name"],
        },
    )
    assert opened.status == 200
    checklist = await opened.text()
    assert 'value="identity-document"' in checklist
    form = [("csrf", csrf)] + [("documents", d) for d in DOCUMENTS["duplicate"]]
    checked = await counter_client.post(f"{opened.url.path}/check", data=form)
    receipt = await checked.text()
    assert checked.status == 200, receipt
    assert "Receipt of acceptance" in receipt
    assert "GK-ALA-" in receipt
    assert 'data-action="print"' in receipt and "/static/statecorp.js" in receipt
    stylesheet = await counter_client.get("/static/egovsim.css")
    assert "body:has(.receipt)" in await stylesheet.text()  # its print rules
    stale = await counter_client.post(f"{opened.url.path}/forward", data={"csrf": "x"})
    assert stale.status == 400
    forwarded = await counter_client.post(f"{opened.url.path}/forward", data={"csrf": csrf})
    assert "Forwarded to the provider" in await forwarded.text()
