"""The State Corporation's API in the OpenAPI document: every route declares its answer, behind
the operator's bearer token, and real answers of the counter (a receipt of acceptance, a refusal
receipt, the forward, the lists, the sweep) fit the declared schemas."""

from __future__ import annotations

from tests.test_openapi import Api, _document
from tests.test_statecorp import APPLICANT, DOCUMENTS, LICENCE, counter_client
from tests.test_workstation import PASSWORD

__all__ = ["counter_client"]

BASE = "/api/v1/statecorp"


async def test_every_statecorp_operation_declares_its_answer_and_security(counter_client) -> None:
    document = await _document(counter_client)
    operations = {
        (method, path): operation
        for path, methods in document["paths"].items()
        if path.startswith(BASE + "/")
        for method, operation in methods.items()
    }
    assert len(operations) == 8
    public = {("post", BASE + "/session"), ("delete", BASE + "/session")}
    for (method, path), operation in operations.items():
        (status,) = set(operation["responses"]) - {"default"}
        ((_, declared),) = operation["responses"][status]["content"].items()
        assert "schema" in declared, (method, path)
        expected = None if (method, path) in public else [{"operatorToken": []}]
        assert operation.get("security") == expected, (method, path)
    scheme = document["components"]["securitySchemes"]["operatorToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


async def test_the_counters_answers_fit_their_schemas(counter_client) -> None:
    api = Api(counter_client, await _document(counter_client))
    session = BASE + "/session"
    signed_in = await api.call(
        "POST", session, session, {"login": "gk-alm-1", "password": PASSWORD}
    )
    token = signed_in["token"]
    checklist = BASE + "/checklist"
    await api.call(
        "GET", f"{checklist}?service={LICENCE}&variant=duplicate", checklist, token=token
    )

    packages = BASE + "/packages"
    act = packages + "/{package}/actions/{action}"
    opened = {"service": LICENCE, "variant": "duplicate", "applicant": APPLICANT}
    accepted = await api.call("POST", packages, packages, opened, token, 201)
    number = accepted["id"]
    documents = {"documents": DOCUMENTS["duplicate"]}
    view = await api.call("POST", f"{packages}/{number}/actions/check", act, documents, token)
    assert view["receipt"]["kind"] == "acceptance"
    view = await api.call("POST", f"{packages}/{number}/actions/forward", act, {}, token)
    assert view["status"] == "forwarded"

    refused = await api.call("POST", packages, packages, opened, token, 201)
    view = await api.call(
        "POST", f"{packages}/{refused['id']}/actions/check", act, {"documents": []}, token
    )
    assert view["receipt"]["kind"] == "refusal"
    assert view["receipt"]["code"] == "PACKAGE_INCOMPLETE"

    await api.call("GET", f"{packages}/{number}", packages + "/{package}", token=token)
    listed = await api.call("GET", packages, packages, token=token)
    assert {p["id"] for p in listed["packages"]} == {number, refused["id"]}
    found = await api.call("GET", f"{packages}?q={APPLICANT['iin']}", packages, token=token)
    assert len(found["packages"]) == 2
    swept = await api.call("POST", BASE + "/sweep", BASE + "/sweep", token=token)
    assert swept == {"returned": []}
    await api.call("DELETE", session, session, token=token)
    assert len(api.checked) == 8
