"""The provider's side end to end over the JSON API: each seed service's route with the clock
moved between steps, deadlines against the regulation, C3 refusals and permissions."""

from __future__ import annotations

import base64
import subprocess
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from egovsim.pki.personas import COMPANY_BIN
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Duration
from egovsim.web.common.keys import SIMULATOR
from tests.conftest import NOW
from tests.vessel_licence import DOCUMENTS, RESULTS, TERMS

ALMATY = ZoneInfo("Asia/Almaty")
CALENDAR = WorkingCalendar.kazakhstan()
PASSWORD = "Qwerty12"
PASSPORT = "shymkent-energy-readiness-passport"
LICENCE = "almaty-small-vessel-licence"


def day_in_certificate_window(month: int, day: int, hour: int = 10) -> datetime:
    """That month and day, at `hour` local time, in the year the staff's certificates are valid
    (they run from NOW - 30 days to NOW + 335 days); moved to a working day if need be."""
    for year in (NOW.year - 1, NOW.year, NOW.year + 1):
        moment = datetime(year, month, day, hour, tzinfo=ALMATY)
        while not CALENDAR.is_working_day(moment.date()):
            moment += timedelta(days=1)
        if NOW - timedelta(days=29) <= moment <= NOW + timedelta(days=300):
            return moment
    raise AssertionError("no such day in the certificates' window")


class ApiUser:
    """Someone signed in to the JSON API with a bearer token."""

    def __init__(self, client: Any, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    async def call(
        self, method: str, path: str, body: Any = None, status: int = 200
    ) -> dict[str, Any]:
        reply = await self.client.request(method, path, json=body, headers=self.headers)
        data = await reply.json()
        assert reply.status == status, data
        return data  # type: ignore[no-any-return]


class Desk(ApiUser):
    """One staff member at the workstation, over the API."""

    async def open_attachments(self, application: int) -> list[bytes]:
        """Open every electronic copy the application's REQUEST named (C3 asks for it before
        a verdict on a document's content); their contents."""
        view = await self.call("GET", f"/api/v1/workstation/applications/{application}")
        contents = []
        for attached in view["attachments"]:
            reply = await self.client.get(attached["href"], headers=self.headers)
            assert reply.status == 200, await reply.text()
            contents.append(await reply.read())
        return contents

    async def act(
        self, application: int, action: str, status: int = 200, **params: Any
    ) -> dict[str, Any]:
        return await self.call(
            "POST",
            f"/api/v1/workstation/applications/{application}/actions/{action}",
            params,
            status,
        )


@pytest.fixture
def desk(client):
    async def sign_in(login: str) -> Desk:
        reply = await client.post(
            "/api/v1/workstation/session", json={"login": login, "password": PASSWORD}
        )
        body = await reply.json()
        assert reply.status == 200, body
        return Desk(client, body["token"])

    return sign_in


async def set_clock(client, moment: datetime) -> None:
    reply = await client.post("/api/v1/clock", json={"set": moment.isoformat()})
    assert reply.status == 200, await reply.json()


async def advance(client, **amount: float) -> None:
    reply = await client.post("/api/v1/clock", json={"advance": amount})
    assert reply.status == 200, await reply.json()


def passport_request(category: str = "energy-producing-organization") -> dict[str, Any]:
    return {
        "service": PASSPORT,
        "category": category,
        "applicant": {"bin": COMPANY_BIN, "name": "ТОО «ОҢТҮСТІК ЭНЕРГО TEST»"},
        "form": {"bin": COMPANY_BIN, "applicant-category": category, "heating-season": 2027},
        "documents": ["application", "supporting-documents"],
    }


def licence_request(variant: str, documents: list[str], exam: date | None = None) -> dict[str, Any]:
    form = {"iin": "850715301233", "request-kind": variant}
    if exam is not None:
        form["exam-date"] = exam.isoformat()
    return {
        "service": LICENCE,
        "channel": "state_corporation",
        "category": "individual",
        "variant": variant,
        "applicant": {"iin": "850715301233", "name": "ТЕСТОВ ТЕСТ"},
        "form": form,
        "documents": documents,
    }


def step(view: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in view["steps"] if s["id"] == step_id)


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def expect_deadline(view: dict[str, Any], step_id: str, amount: int, unit: str) -> datetime:
    """The step's deadline is the calendar's deadline of the regulation's term."""
    record = step(view, step_id)
    deadline = when(record["deadline"])
    assert deadline == CALENDAR.deadline(when(record["started_at"]), Duration(amount, unit))
    return deadline


async def test_readiness_passport_runs_its_whole_route_against_its_deadlines(
    client, desk, tmp_path, certs_dir
) -> None:
    start = day_in_certificate_window(8, 28)
    await set_clock(client, start)
    office, head = await desk("shym-office"), await desk("shym-head")
    dept, executor = await desk("shym-dept"), await desk("shym-executor")

    view = await office.call("POST", "/api/v1/workstation/applications", passport_request(), 201)
    number = view["id"]
    assert view["current_step"] == "register"
    assert expect_deadline(view, "register", 15, "minutes") == start + timedelta(minutes=15)

    await advance(client, minutes=10)
    view = await office.act(number, "register")
    assert view["current_step"] == "pass-to-department"
    expect_deadline(view, "pass-to-department", 15, "minutes")
    await advance(client, minutes=5)
    view = await head.act(number, "resolve")
    expect_deadline(view, "assign-executor", 15, "minutes")
    view = await dept.act(number, "assign", executor="shym-executor")
    assert view["current_step"] == "prepare-result"
    executor_deadline = expect_deadline(view, "prepare-result", 16, "calendar_days")
    started = when(step(view, "prepare-result")["started_at"]).astimezone(ALMATY)
    assert executor_deadline.astimezone(ALMATY).date() >= started.date() + timedelta(days=16)
    assert executor_deadline.astimezone(ALMATY).time().isoformat() == "18:30:00"

    await advance(client, days=5)
    view = await executor.act(
        number, "check", documents={"application": "compliant", "supporting-documents": "compliant"}
    )
    view = await executor.act(number, "prepare", result="passport")
    assert view["current_step"] == "sign"
    sign_deadline = expect_deadline(view, "sign", 1, "working_days")
    assert (
        sign_deadline.astimezone(ALMATY).date()
        > when(step(view, "sign")["started_at"]).astimezone(ALMATY).date()
    )

    await advance(client, hours=3)
    view = await head.act(number, "sign")
    assert view["result"]["signed"]
    expect_deadline(view, "hand-over", 15, "minutes")
    view = await office.act(number, "hand_over")
    assert view["status"] == "completed"
    assert view["current_step"] is None
    assert not any(s["overdue"] for s in view["steps"])
    assert [h["action"] for h in view["history"]] == [
        "receive",
        "register",
        "resolve",
        "assign",
        "check",
        "prepare",
        "sign",
        "hand_over",
    ]

    printable = await client.get(
        f"/workstation/applications/{number}/result?lang=en", headers=office.headers
    )
    page = await printable.text()
    assert printable.status == 200
    assert "Passport" in page or "passport" in page
    assert "TOTAL_PASSED" in page

    result = await office.call("GET", f"/api/v1/workstation/applications/{number}/result")
    assert result["verification"]["indication"] == "TOTAL_PASSED"
    assert result["verification"]["signer"]["role"] == "first-head"
    cms = tmp_path / "passport.cms"
    cms.write_bytes(base64.b64decode(result["cms"]))
    _verify_with_cli_and_openssl(
        cms,
        certs_dir,
        tmp_path,
        result["document"]["provider"]["bin"],
        at=start + timedelta(days=6),
    )


def _verify_with_cli_and_openssl(cms, certs_dir, tmp_path, provider_bin: str, at: datetime) -> None:
    from tests.conftest import console

    run = console(
        "verify",
        "cms",
        cms,
        "--certs",
        certs_dir,
        "--expect-bin",
        provider_bin,
        "--json",
        cwd=tmp_path,
        clock=at,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    root = tmp_path / "root.pem"
    subprocess.run(
        [
            "openssl",
            "x509",
            "-inform",
            "DER",
            "-in",
            str(certs_dir / "ca" / "root_rsa.cer"),
            "-out",
            str(root),
        ],
        check=True,
    )
    checked = subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(cms),
            "-CAfile",
            str(root),
            "-purpose",
            "any",
            "-attime",
            str(int(at.timestamp())),
            "-out",
            str(tmp_path / "content.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "Verification successful" in checked.stderr
    assert provider_bin in (tmp_path / "content.json").read_text()


async def test_a_missing_document_ends_in_a_reasoned_refusal_signed_by_the_signer(
    client, desk
) -> None:
    await set_clock(client, day_in_certificate_window(9, 10))
    office, head = await desk("shym-office"), await desk("shym-head")
    dept, executor = await desk("shym-dept"), await desk("shym-executor")
    signer = await desk("shym-signer")
    number = (
        await office.call("POST", "/api/v1/workstation/applications", passport_request(), 201)
    )["id"]
    await office.act(number, "register")
    await head.act(number, "resolve")
    await dept.act(number, "assign", executor="shym-executor")

    refused = await executor.act(number, "prepare", 409, result="passport")
    assert refused["error"]["code"] == "DOCUMENTS_NOT_CHECKED"
    await executor.act(
        number,
        "check",
        documents={
            "application": "compliant",
            "supporting-documents": {"verdict": "missing", "note": "no act of readiness"},
        },
    )
    refused = await executor.act(number, "prepare", 422, result="passport")
    assert refused["error"] == {
        "code": "DOCUMENTS_INCOMPLETE",
        "step": "C3",
        "message": refused["error"]["message"],
        "details": {"documents": ["supporting-documents"]},
    }
    refused = await executor.act(number, "prepare", 422, refusal=True, grounds=" ")
    assert refused["error"]["code"] == "REFUSAL_NEEDS_GROUNDS"
    assert refused["error"]["step"] == "P7"  # the documents' refusal as Shymkent numbers it

    view = await executor.act(
        number, "prepare", refusal=True, grounds="Item 9: the supporting documents are missing."
    )
    assert view["result"]["kind"] == "reasoned-refusal"
    assert view["current_step"] == "sign"
    view = await signer.act(number, "sign")
    view = await office.act(number, "hand_over")
    assert view["status"] == "refused"
    document = view["result"]["document"]
    assert document["result"]["refusal"] is True
    assert document["grounds"] == (
        "Item 9: the supporting documents are missing."
        " [supporting-documents: missing (no act of readiness)]"
    )


async def test_vessel_licence_variants_have_their_own_terms(client, desk) -> None:
    await set_clock(client, day_in_certificate_window(3, 3))
    office, head, executor = (
        await desk("alm-office"),
        await desk("alm-head"),
        await desk("alm-executor"),
    )
    exam = client.app[SIMULATOR].clock.now().astimezone(ALMATY).date() - timedelta(days=1)
    for variant, days in TERMS.items():
        after_exam = variant == "licence-after-exam"
        view = await office.call(
            "POST",
            "/api/v1/workstation/applications",
            licence_request(variant, DOCUMENTS[variant], exam if after_exam else None),
            201,
        )
        number = view["id"]
        expect_deadline(view, "register", 30, "minutes")
        view = await office.act(number, "register")
        expect_deadline(view, "resolution", 2, "hours")
        view = await head.act(number, "resolve")
        # Condition 1 counts from the passed exam, conditions 2 and 3 from the submission.
        start = (
            datetime.combine(exam, CALENDAR.hours.start, ALMATY)
            if after_exam
            else when(view["received_at"])
        )
        step_view = step(view, "prepare-draft")
        term = Duration(days, "working_days")
        assert when(step_view["deadline"]) == CALENDAR.deadline(start, term)
        assert (
            step_view["refusal_deadline"]
            == CALENDAR.deadline(
                when(step_view["started_at"]), Duration(1, "working_days")
            ).isoformat()
        )
        await executor.act(
            number, "check", documents=dict.fromkeys(DOCUMENTS[variant], "compliant")
        )
        view = await executor.act(number, "prepare", result=RESULTS[variant])
        expect_deadline(view, "sign", 2, "hours")
        view = await head.act(number, "sign")
        expect_deadline(view, "send-to-state-corporation", 30, "minutes")
        view = await office.act(number, "hand_over")
        assert view["status"] == "completed"
        assert view["result"]["document"]["result"]["kind"] == RESULTS[variant]


async def test_an_overdue_step_is_flagged(client, desk) -> None:
    await set_clock(client, day_in_certificate_window(3, 3))
    office = await desk("alm-office")
    view = await office.call(
        "POST",
        "/api/v1/workstation/applications",
        licence_request("duplicate", ["application", "identity-document", "photo"]),
        201,
    )
    assert not step(view, "register")["overdue"]
    await advance(client, minutes=31)
    view = await office.call("GET", f"/api/v1/workstation/applications/{view['id']}")
    assert step(view, "register")["overdue"]
    inbox = await office.call("GET", "/api/v1/workstation/inbox")
    assert [a["id"] for a in inbox["applications"]] == [view["id"]]


@pytest.mark.parametrize(
    ("month", "day", "category", "accepted"),
    [
        (8, 15, "energy-producing-organization", True),
        (9, 30, "energy-transmitting-organization", True),
        (10, 1, "energy-producing-organization", False),
        (8, 14, "energy-producing-organization", False),
        (10, 25, "system-operator", True),
        (10, 26, "system-operator", False),
    ],
)
async def test_the_acceptance_window_of_the_readiness_passport(
    client, desk, month, day, category, accepted
) -> None:
    moment = datetime(NOW.year, month, day, 10, tzinfo=ALMATY)
    await set_clock(client, moment)
    office = await desk("shym-office")
    reply = await office.call(
        "POST",
        "/api/v1/workstation/applications",
        passport_request(category),
        201 if accepted else 422,
    )
    if not accepted:
        assert reply["error"]["code"] == "OUTSIDE_ACCEPTANCE_WINDOW"
        assert reply["error"]["step"] == "P3"


async def test_permissions_hold_at_every_step(client, desk) -> None:
    await set_clock(client, day_in_certificate_window(9, 1))
    office, head = await desk("shym-office"), await desk("shym-head")
    dept, executor = await desk("shym-dept"), await desk("shym-executor")
    stranger = await desk("alm-office")
    number = (
        await office.call("POST", "/api/v1/workstation/applications", passport_request(), 201)
    )["id"]

    assert (await head.act(number, "register", 403))["error"]["code"] == "STEP_NOT_FOR_ROLE"
    assert (await office.act(number, "sign", 409))["error"]["code"] == "ACTION_NOT_EXPECTED"
    hidden = await stranger.call("GET", f"/api/v1/workstation/applications/{number}", None, 404)
    assert hidden["error"]["code"] == "APPLICATION_NOT_FOUND"
    assert (await stranger.act(number, "register", 404))["error"]["code"] == (
        "APPLICATION_NOT_FOUND"
    )
    await office.act(number, "register")
    await head.act(number, "resolve")
    await dept.act(number, "assign", executor="shym-executor")
    await executor.act(
        number, "check", documents={"application": "compliant", "supporting-documents": "compliant"}
    )
    await executor.act(number, "prepare", result="passport")
    refused = await executor.act(number, "sign", 403)
    assert refused["error"]["code"] == "STEP_NOT_FOR_ROLE"
    assert refused["error"]["details"]["expected"] == ["head", "signer"]
    await head.act(number, "sign")
    await office.act(number, "hand_over")
    assert (await office.act(number, "hand_over", 409))["error"]["code"] == "APPLICATION_CLOSED"

    client.session.cookie_jar.clear()  # the sign-ins above left their cookies
    anonymous = await client.get("/api/v1/workstation/inbox")
    assert anonymous.status == 401
    assert (await anonymous.json())["error"]["code"] == "STAFF_NOT_SIGNED_IN"
    wrong = await client.post(
        "/api/v1/workstation/session", json={"login": "shym-office", "password": "nope"}
    )
    assert (await wrong.json())["error"]["code"] == "STAFF_LOGIN_FAILED"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"service": "no-such-service"}, "SERVICE_NOT_PROVIDED"),
        ({"service": LICENCE}, "SERVICE_NOT_PROVIDED"),
        ({"category": "bakery"}, "APPLICANT_NOT_ELIGIBLE"),
        ({"applicant": {"bin": "123456789012", "name": "X"}}, "APPLICANT_ID_INVALID"),
        ({"form": {"bin": COMPANY_BIN}}, "FORM_INVALID"),
        ({"documents": ["a-cake"]}, "UNKNOWN_DOCUMENT"),
        ({"variant": "duplicate"}, "UNKNOWN_VARIANT"),
        # JSON of the wrong shape is a refusal too, never a 500:
        ({"variant": ["a"]}, "FORM_INVALID"),
        ({"category": {"x": 1}}, "FORM_INVALID"),
        ({"documents": "application"}, "FORM_INVALID"),
        ({"form": {"bin": ["x"], "applicant-category": "x", "heating-season": 1}}, "FORM_INVALID"),
        ({"applicant": {"bin": 40340041272, "name": "X"}}, "APPLICANT_ID_INVALID"),
    ],
)
async def test_every_refused_registration_has_its_code(client, desk, change, code) -> None:
    await set_clock(client, day_in_certificate_window(9, 1))
    office = await desk("shym-office")
    reply = await office.call(
        "POST", "/api/v1/workstation/applications", passport_request() | change, 422
    )
    assert reply["error"]["code"] == code


async def test_the_history_is_never_rewritten(server, client, desk) -> None:

    await set_clock(client, day_in_certificate_window(9, 1))
    office = await desk("shym-office")
    number = (
        await office.call("POST", "/api/v1/workstation/applications", passport_request(), 201)
    )["id"]
    database = server.app[SIMULATOR].database
    for statement in ("UPDATE transitions SET actor = 'someone else'", "DELETE FROM transitions"):
        with pytest.raises(Exception, match="never"):
            async with database.write() as connection:
                await connection.execute(statement)
    view = await office.call("GET", f"/api/v1/workstation/applications/{number}")
    assert view["history"][0]["actor"] == "shym-office"


async def test_the_clock_moves_by_working_days_and_survives_a_restart(
    aiohttp_client, settings
) -> None:
    from egovsim.clock import Clock
    from egovsim.web.app import create_app

    unfrozen = settings.with_overrides(clock_frozen_at=None)
    first = await aiohttp_client(create_app(unfrozen, Clock(frozen_at=NOW)))
    friday = datetime(2026, 3, 20, 10, tzinfo=ALMATY)  # before Nauryz, 21-25 March 2026
    assert (await first.post("/api/v1/clock", json={"set": friday.isoformat()})).status == 200
    moved = await (await first.post("/api/v1/clock", json={"advance": {"working_days": 1}})).json()
    assert datetime.fromisoformat(moved["local"]) == datetime(2026, 3, 26, 10, tzinfo=ALMATY)
    assert moved["working_day"] is True
    bad = await first.post("/api/v1/clock", json={"advance": {"fortnights": 1}})
    assert (await bad.json())["error"]["code"] == "CLOCK_CHANGE_INVALID"
    await first.close()
    second = await aiohttp_client(create_app(unfrozen, Clock(frozen_at=NOW)))
    shown = await (await second.get("/api/v1/clock")).json()
    assert shown["local"].startswith("2026-03-26")

    from egovsim.cli.common import clock_for

    assert clock_for(unfrozen).now().astimezone(ALMATY).date() == date(2026, 3, 26)


async def test_the_catalogue_lists_both_services_with_their_routes(client) -> None:
    body = await (await client.get("/api/v1/services")).json()
    services = {s["id"]: s for s in body["services"]}
    assert set(services) == {PASSPORT, LICENCE}
    route = services[PASSPORT]["route"]
    assert [(s["role"], s["duration"]["amount"], s["duration"]["unit"]) for s in route] == [
        ("office", 15, "minutes"),
        ("head", 15, "minutes"),
        ("department_head", 15, "minutes"),
        ("executor", 16, "calendar_days"),
        ("head", 1, "working_days"),
        ("office", 15, "minutes"),
    ]
    assert services[LICENCE]["effective"]["to"].startswith("2020")


def test_staff_of_both_providers_exist_for_every_role() -> None:
    from egovsim.workstation.providers import PROVIDERS, ROLES

    for provider in PROVIDERS:
        assert sorted(s.role for s in provider.staff) == sorted(ROLES)
