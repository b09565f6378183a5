"""The gateway operator's JSON API reads its bodies and query with its models: a field at fault
is refused with its code and name before anything changes, and answers keep their values."""

from __future__ import annotations

import pytest

from tests.test_gateway import PASSPORT

FAULT = f"/api/v1/gateway/routes/{PASSPORT}/fault"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"kind": "drop", "seconds": -1}', "seconds"),
        ('{"kind": "drop", "seconds": true}', "seconds"),
        ('{"kind": "drop", "seconds": "5"}', "seconds"),
        ('{"kind": "drop", "seconds": 1e999}', "seconds"),
        ('{"kind": "gremlins"}', "kind"),
        ("{}", "kind"),
    ],
)
async def test_a_fault_switch_at_fault_is_refused_naming_its_field(shep, body, field) -> None:
    before = await (await shep.get("/api/v1/gateway/routes")).json()
    reply = await shep.put(FAULT, data=body, headers={"Content-Type": "application/json"})
    error = (await reply.json())["error"]
    assert (reply.status, error["code"], error["details"]["field"]) == (400, "BAD_REQUEST", field)
    assert await (await shep.get("/api/v1/gateway/routes")).json() == before


async def test_a_fault_keeps_its_length_and_defaults_to_five_seconds(shep) -> None:
    whole = await (await shep.put(FAULT, json={"kind": "delay", "seconds": 3})).json()
    assert whole["fault"] == {"kind": "delay", "seconds": 3}
    default = await (await shep.put(FAULT, json={"kind": "drop"})).json()
    assert default["fault"] == {"kind": "drop", "seconds": 5}


async def test_a_route_names_one_receiver_and_a_url_with_a_host(shep) -> None:
    for body, field in (
        ({"service_id": "x"}, None),
        ({"service_id": "x", "url": "ftp://127.0.0.1/"}, "url"),
        ({"service_id": "x", "url": "/relative"}, "url"),
        ({"service_id": "", "provider": "shymkent-energy"}, "service_id"),
    ):
        reply = await shep.post("/api/v1/gateway/routes", json=body)
        error = (await reply.json())["error"]
        assert (reply.status, error["code"]) == (400, "BAD_REQUEST"), body
        assert error["details"].get("field") == field, body


async def test_a_sender_is_registered_with_its_policy(shep) -> None:
    reply = await shep.post(
        "/api/v1/gateway/senders",
        json={"sender_id": "policy-test", "password": "pw", "signature": "optional"},
    )
    assert (reply.status, await reply.json()) == (
        201,
        {"sender_id": "policy-test", "signature": "optional"},
    )
    listed = await (await shep.get("/api/v1/gateway/senders")).json()
    assert {"sender_id": "policy-test", "signature": "optional", "name": ""} in listed["senders"]


async def test_the_log_takes_a_page_length_out_of_range_as_its_nearest_bound(shep) -> None:
    for limit in ("0", "5000"):
        reply = await shep.get(f"/api/v1/gateway/messages?limit={limit}")
        assert reply.status == 200
    bad = await shep.get("/api/v1/gateway/messages?limit=many")
    error = (await bad.json())["error"]
    assert (error["code"], error["details"]["field"]) == ("BAD_REQUEST", "limit")
