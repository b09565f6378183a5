"""The personal cabinet is read a page at a time, newest first, by an opaque cursor (its API and
its page), filtered by status; the draft limit counts drafts without reading the cabinet."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.storage.paging import PAGE_SIZE
from egovsim.web.app import create_app
from tests.test_portal import LICENCE, working_morning
from tests.test_portal_api import signed_in


@pytest.fixture
async def api(gateway_settings) -> AsyncIterator[TestClient]:
    """The whole app on a working morning; an account may keep more drafts than a page."""
    settings = gateway_settings.with_overrides(max_open_drafts=PAGE_SIZE + 10)
    clock = Clock(frozen_at=working_morning())
    async with TestClient(TestServer(create_app(settings, clock), host="127.0.0.1")) as client:
        yield client


async def _drafts(cabinet, count: int) -> list[int]:
    made = []
    for _ in range(count):
        draft = await cabinet.start(LICENCE, "duplicate", {"request-kind": "duplicate"})
        made.append(int(draft["id"]))
    return made


async def test_the_cabinet_api_walks_every_application_by_its_next_address(api, persona) -> None:
    cabinet = await signed_in(api, persona, "citizen-valid")
    made = await _drafts(cabinet, 5)
    seen: list[int] = []
    address: str | None = "/api/v1/portal/applications?limit=2"
    pages = 0
    while address is not None and pages < 10:
        reply = await api.get(address)
        assert reply.status == 200
        body = await reply.json()
        seen += [a["id"] for a in body["applications"]]
        address = body["next"]
        pages += 1
    assert (seen, pages) == (list(reversed(made)), 3)
    drafts = await (await api.get("/api/v1/portal/applications?status=draft&limit=200")).json()
    assert [a["id"] for a in drafts["applications"]] == list(reversed(made))
    signed = await (await api.get("/api/v1/portal/applications?status=signed")).json()
    assert signed == {"applications": [], "next": None}


async def test_an_unreadable_page_parameter_is_a_bad_request_naming_it(api, persona) -> None:
    await signed_in(api, persona, "citizen-valid")
    for query, parameter in (("limit=0", "limit"), ("status=lost", "status"), ("after=x", "after")):
        reply = await api.get(f"/api/v1/portal/applications?{query}")
        assert reply.status == 400, query
        error = (await reply.json())["error"]
        assert (error["code"], error["details"]["parameter"]) == ("BAD_REQUEST", parameter)


async def test_the_cabinet_page_shows_a_page_and_links_the_older_ones(api, persona) -> None:
    cabinet = await signed_in(api, persona, "citizen-valid")
    made = await _drafts(cabinet, PAGE_SIZE + 2)
    first = await (await api.get("/cabinet")).text()
    assert f"/cabinet/applications/{made[-1]}" in first
    assert f'/cabinet/applications/{made[0]}"' not in first
    older = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = await (await api.get(older)).text()
    assert f'/cabinet/applications/{made[0]}"' in second
    assert 'rel="next"' not in second
