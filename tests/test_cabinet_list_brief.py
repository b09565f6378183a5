"""The cabinet's list costs what it shows: its rows are read without the e-document, the CMS and
the verifier's report each application keeps (inflating 150 bodies and parsing 50 reports for a
page of numbers and statuses), which the application's own page still shows whole."""

from __future__ import annotations

from egovsim.web.common.keys import SIMULATOR
from tests.test_pages_time import _completed_licence
from tests.test_portal_api import api  # noqa: F401


async def test_the_cabinet_list_reads_no_bodies_and_the_application_still_shows_its_signature(
    api,  # noqa: F811
    persona,
) -> None:
    cabinet, application_id = await _completed_licence(api, persona)
    database = api.server.app[SIMULATOR].database
    seen: list[str] = []
    await database.trace(seen.append)
    try:
        listed = (await cabinet.call("GET", "/applications"))["applications"]
        page = await cabinet.client.get("/cabinet", headers=cabinet.headers)
        assert page.status == 200
        assert listed[0]["number"] in await page.text()
    finally:
        await database.trace(None)
    assert [item["id"] for item in listed] == [application_id]
    read = [sql for sql in seen if "portal_applications" in sql]
    assert read and not any("message_bodies" in sql for sql in read), "\n".join(read)
    whole = await cabinet.call("GET", f"/applications/{application_id}")
    assert whole["signature"]["indication"] == "TOTAL_PASSED"
