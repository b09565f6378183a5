"""The workstation's and the centres' lists cost what they show: each page is a fixed few
queries however many applications there are, each served by an index (no full scan of a large
table, no sort of a whole set), paged by an opaque cursor with its `next` address."""

from __future__ import annotations

import re
from typing import Any

import pytest

from egovsim.storage.application_lists import ApplicationLists, InboxQuery
from egovsim.storage.database import Database
from egovsim.storage.gateway import GatewayStore
from egovsim.storage.portal_cabinet import CabinetStore
from egovsim.storage.statecorp import StateCorpStore
from egovsim.storage.statecorp_lists import PackageLists
from egovsim.web.common.keys import SIMULATOR
from tests.conftest import later
from tests.test_workstation import (
    PASSWORD,
    Desk,
    day_in_certificate_window,
    licence_request,
    set_clock,
)

#: Tables that grow with the history: a list must never scan one whole.
LARGE = (
    "statecorp_packages",
    "statecorp_steps",
    "applications",
    "application_steps",
    "transitions",
    "document_checks",
    "results",
    "gateway_messages",
    "portal_applications",
    "message_bodies",
    "portal_notifications",
)


@pytest.fixture
def desk(client):
    async def sign_in(login: str) -> Desk:
        reply = await client.post(
            "/api/v1/workstation/session", json={"login": login, "password": PASSWORD}
        )
        assert reply.status == 200
        return Desk(client, (await reply.json())["token"])

    return sign_in


async def _receive(office: Any, count: int) -> list[int]:
    made = []
    for _ in range(count):
        view = await office.call(
            "POST",
            "/api/v1/workstation/applications",
            licence_request("duplicate", ["application", "identity-document", "photo"]),
            201,
        )
        made.append(view["id"])
    return made


async def _queries(database: Database, action: Any) -> list[str]:
    seen: list[str] = []
    await database.trace(seen.append)
    try:
        await action()
    finally:
        await database.trace(None)
    # The delivery worker polls beside the pages, whenever its turn comes: not a page's cost.
    seen[:] = [sql for sql in seen if "'ON_DELIVERY'" not in sql]
    return [sql for sql in seen if sql.lstrip().upper().startswith("SELECT")]


async def test_a_page_of_the_inbox_and_of_every_application_costs_the_same_queries_at_any_length(
    client, desk
) -> None:
    await set_clock(client, day_in_certificate_window(3, 3))
    office = await desk("alm-office")
    database = client.server.app[SIMULATOR].database

    async def pages() -> None:
        await office.call("GET", "/api/v1/workstation/inbox")
        await office.call("GET", "/api/v1/workstation/applications")
        reply = await client.get("/workstation", headers=office.headers)
        assert reply.status == 200

    await _receive(office, 2)
    few = await _queries(database, pages)
    await _receive(office, 12)
    many = await _queries(database, pages)
    assert len(many) == len(few), "\n".join(many)


async def test_the_inbox_pages_by_cursor_nearest_deadline_first_and_says_where_the_next_is(
    client, desk
) -> None:
    await set_clock(client, day_in_certificate_window(3, 3))
    office = await desk("alm-office")
    made = await _receive(office, 5)

    first = await office.call("GET", "/api/v1/workstation/inbox?limit=2")
    assert len(first["applications"]) == 2 and first["next"]
    seen = [a["id"] for a in first["applications"]]
    following = first["next"]
    while following:
        page = await office.call("GET", following)
        seen += [a["id"] for a in page["applications"]]
        following = page["next"]
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))

    everything = await office.call("GET", "/api/v1/workstation/applications?limit=3")
    assert [a["id"] for a in everything["applications"]] == sorted(made, reverse=True)[:3]
    rest = await office.call("GET", everything["next"])
    assert [a["id"] for a in rest["applications"]] == sorted(made, reverse=True)[3:]
    assert rest["next"] is None

    none_due = await office.call("GET", "/api/v1/workstation/inbox?overdue=true")
    assert none_due["applications"] == []
    at_register = await office.call("GET", "/api/v1/workstation/inbox?step=register&limit=200")
    assert len(at_register["applications"]) == 5


async def test_a_list_row_says_where_the_application_is_and_points_at_the_whole_of_it(
    client, desk
) -> None:
    await set_clock(client, day_in_certificate_window(3, 3))
    office = await desk("alm-office")
    (made,) = await _receive(office, 1)
    for listing in ("inbox", "applications"):
        (row,) = (await office.call("GET", f"/api/v1/workstation/{listing}"))["applications"]
        assert row["id"] == made and row["current_step"] == row["step"]["id"] == "register"
        # A row is what a list shows: the route, history, checks and form are the whole view's.
        assert not {"steps", "history", "checks", "form", "attachments", "result"} & row.keys()
        whole = await office.call("GET", row["href"])
        assert whole["id"] == made and whole["history"] and whole["steps"] == [row["step"]]


@pytest.mark.parametrize(
    "query",
    ["after=not-a-cursor", "limit=0", "limit=201", "limit=x", "overdue=maybe", "status=lost"],
)
async def test_a_list_query_it_cannot_read_is_refused_with_the_parameter_named(
    client, desk, query
) -> None:
    office = await desk("alm-office")
    listing = "inbox" if "status" not in query else "applications"
    reply = await office.call("GET", f"/api/v1/workstation/{listing}?{query}", status=400)
    assert reply["error"]["code"] == "BAD_REQUEST"
    assert reply["error"]["details"]["parameter"] == query.split("=")[0]


async def test_every_list_query_is_served_by_an_index(client, desk) -> None:
    await set_clock(client, day_in_certificate_window(3, 3))
    office = await desk("alm-office")
    made = await _receive(office, 3)
    database = client.server.app[SIMULATOR].database
    lists = ApplicationLists(database)

    async def every_list() -> None:
        for role in ("office", "head", "executor", "signer"):
            query = InboxQuery("almaty", role, "alm-executor", 51, ("2026-01-01T00:00", 0))
            await lists.inbox(query)
            await lists.inbox(InboxQuery("almaty", role, "x", 51, None, "register", "2030"))
        await lists.newest("almaty", 51)
        await lists.newest("almaty", 51, made[-1], "in_progress")
        await lists.by_number("almaty", "ALM-000001")
        await lists.details(made)
        await lists.owing_answers(0, 200)
        packages = PackageLists(database)
        await packages.newest("almaty-centre-1", 51)
        await packages.newest("almaty-centre-1", 51, 10, "at_centre")
        await packages.steps_of([1, 2, 3])
        await packages.due_back(later(days=40), 200)
        await StateCorpStore(database).find("almaty-centre-1", "850715301233")
        log = GatewayStore(database)
        await log.search(bodies=False)
        await log.search(service_id="almaty-small-vessel-licence", bodies=False)
        await log.search(sender_id="egov-portal", bodies=False)
        await log.search(correlation_id="x", message_id="y")
        await log.search(before=10, bodies=False)
        await log.search(service_id="almaty-small-vessel-licence", before=10, bodies=False)
        await log.search(sender_id="egov-portal", before=10, bodies=False)
        await log.message("y")
        await log.for_receiver("almaty-small-vessel-licence", "x", 10)
        cabinet = CabinetStore(database)
        await cabinet.applications(1, 51)
        await cabinet.applications(1, 51, 10, "draft")
        await cabinet.applications(1, 51, 10)
        await cabinet.drafts(1)
        await cabinet.notifications(1)

    for sql in await _queries(database, every_list):
        if "ON_DELIVERY" in sql:
            continue  # the delivery worker's, beside the lists
        plan = await database.fetch_all("EXPLAIN QUERY PLAN " + sql)
        steps = [str(row["detail"]) for row in plan]
        aliases = {alias: table for table, alias in re.findall(r"(?:FROM|JOIN) (\w+) (\w+)", sql)}
        for step in steps:
            table = step.split()[1] if step.startswith(("SCAN", "SEARCH")) else ""
            table = aliases.get(table, table)
            # Walking a table in id order is bounded by the LIMIT only when nothing filters it.
            walk = " WHERE " not in sql and re.search(r"ORDER BY (\w+\.)?id DESC LIMIT", sql)
            assert not (step.startswith("SCAN") and table in LARGE and not walk), f"{sql}\n{steps}"
            # Sorting is allowed only within a page's own ids (its steps, history, checks).
            assert "TEMP B-TREE" not in step or " IN (" in sql, f"{sql}\n{steps}"
