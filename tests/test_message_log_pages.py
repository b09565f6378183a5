"""The gateway's message log is read a page at a time, newest first, by an opaque cursor, in
its JSON API and on the operator's page; the filters hold across pages."""

from __future__ import annotations

from egovsim.web.gateway.pages import PAGE
from tests.test_gateway import post, send_message


async def _sent(shep, count: int, correlation: str | None = None) -> list[str]:
    made = []
    for index in range(count):
        message_id = f"page-{correlation or 'x'}-{index:03d}"
        await post(
            shep, "/shep/async", send_message(message_id=message_id, correlation=correlation)
        )
        made.append(message_id)
    return made


async def test_the_log_api_walks_every_message_newest_first_by_its_next_address(shep) -> None:
    made = await _sent(shep, 5, correlation="walk")
    await _sent(shep, 2)
    seen: list[str] = []
    address: str | None = "/api/v1/gateway/messages?correlation_id=walk&limit=2"
    pages = 0
    while address is not None and pages < 10:
        reply = await shep.get(address)
        assert reply.status == 200
        body = await reply.json()
        assert len(body["messages"]) <= 2
        seen += [m["message_id"] for m in body["messages"]]
        address = body["next"]
        pages += 1
    assert seen == list(reversed(made))
    assert pages == 3


async def test_a_cursor_that_is_not_one_is_a_bad_request_naming_it(shep) -> None:
    reply = await shep.get("/api/v1/gateway/messages?after=not-a-cursor")
    assert reply.status == 400
    error = (await reply.json())["error"]
    assert (error["code"], error["details"]["parameter"]) == ("BAD_REQUEST", "after")


async def test_the_log_page_shows_one_page_and_links_the_older_messages(shep) -> None:
    made = await _sent(shep, PAGE + 3)
    first = await (await shep.get("/gateway")).text()
    assert made[-1] in first and made[2] not in first
    older = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = await (await shep.get(older)).text()
    assert made[2] in second and made[-1] not in second
    assert 'rel="next"' not in second
    assert 'href="/gateway"' in second  # back to the newest
