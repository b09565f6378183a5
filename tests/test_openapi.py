"""The OpenAPI document at /api/v1/openapi.json: valid, complete, and true to the app's answers."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from egovsim.config import Settings
from egovsim.web.app import create_app
from egovsim.web.openapi import ERROR_RESPONSE, api, build_document, declared_routes
from egovsim.web.shep_routes import FAULTS
from egovsim.workstation.service import VERDICTS
from tests.test_gateway import deliver
from tests.test_gateway_faults import _sent
from tests.test_workstation import day_in_certificate_window, passport_request, set_clock

PASSWORD = "Qwerty12"


def _router_operations(app: web.Application) -> set[tuple[str, str]]:
    return {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/api/v1/")
        and route.method not in ("HEAD", "*")
    }


def _document_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, path) for path, item in document["paths"].items() for method in item}


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def fits(document: dict[str, Any], pointer: str, body: Any) -> None:
    """Raise when `body` does not fit the schema at `pointer` of the document."""
    validator = Draft202012Validator({**document, "$ref": pointer})
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


class Api:
    """Calls the API and holds every JSON answer to the document's schema for its route."""

    def __init__(self, client: Any, document: dict[str, Any]) -> None:
        self.client = client
        self.document = document
        self.checked: set[tuple[str, str]] = set()

    async def call(
        self,
        method: str,
        url: str,
        route: str,
        body: Any = None,
        token: str | None = None,
        status: int = 200,
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        reply = await self.client.request(method, url, json=body, headers=headers)
        answer = await reply.json()
        assert reply.status == status, answer
        operation = self.document["paths"][route][method.lower()]
        if str(status) in operation["responses"]:
            if body is not None:
                request = (route, method.lower(), "requestBody", "content", "application/json")
                fits(self.document, _pointer("paths", *request, "schema"), body)
            where = ("paths", route, method.lower(), "responses", str(status), "content")
            fits(self.document, _pointer(*where, "application/json", "schema"), answer)
            self.checked.add((method.lower(), route))
        else:
            fits(self.document, "#/components/schemas/Error", answer)
        return answer


async def _document(client: Any) -> dict[str, Any]:
    reply = await client.get("/api/v1/openapi.json")
    assert reply.status == 200
    return await reply.json()  # type: ignore[no-any-return]


async def test_the_document_is_valid_openapi_3_1(client) -> None:
    document = await _document(client)
    assert document["openapi"].startswith("3.1")
    validate(document)


async def test_every_api_route_of_the_router_is_in_the_document(client) -> None:
    document = await _document(client)
    expected = _router_operations(client.app)
    assert ("get", "/api/v1/services/{service_id}") in expected
    assert _document_operations(document) == expected


async def test_every_operation_refers_to_the_one_error_shape(client) -> None:
    document = await _document(client)
    assert document["components"]["responses"]["Error"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/Error"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["responses"]["default"] == {"$ref": ERROR_RESPONSE}, (method, path)


async def test_operations_carry_their_docstring_tag_and_path_parameters(client) -> None:
    document = await _document(client)
    operation = document["paths"]["/api/v1/services/{service_id}"]["get"]
    assert operation["summary"] == "One service."
    assert operation["tags"] == ["services"]
    assert operation["parameters"][0] == {
        "name": "service_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    act = document["paths"]["/api/v1/workstation/applications/{application_id}/actions/{action}"]
    assert {p["name"] for p in act["post"]["parameters"]} == {"application_id", "action"}
    assert act["post"]["tags"] == ["workstation"]
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    assert {tag["name"] for tag in document["tags"]} >= {"clock", "services", "gateway"}


async def test_the_soap_gateway_is_left_to_its_wsdl(client) -> None:
    document = await _document(client)
    assert not any(path.startswith("/shep") for path in document["paths"])
    for wsdl in ("/shep/sync?wsdl", "/shep/async?wsdl"):
        assert wsdl in document["info"]["description"]


def test_declarations_name_routes_that_exist(settings: Settings) -> None:
    app = create_app(settings)
    build_document(app)  # loads the declarations
    operations = {(method.lower(), path) for method, path in declared_routes()}
    assert operations <= _router_operations(app)


def test_a_new_route_appears_without_being_listed(settings: Settings) -> None:
    app = create_app(settings)

    @api(request={"type": "object"}, response={"type": "object"}, status=201)
    async def make_thing(request: web.Request) -> web.Response:
        """Make a thing of a kind.

        Longer words about it."""
        return web.json_response({}, status=201)

    async def undocumented(request: web.Request) -> web.Response:
        return web.json_response({})

    app.router.add_post("/api/v1/things/{kind}", make_thing)
    app.router.add_get("/api/v1/things/{kind}/other", undocumented)
    document = build_document(app)
    validate(document)
    made = document["paths"]["/api/v1/things/{kind}"]["post"]
    assert made["summary"] == "Make a thing of a kind."
    assert made["description"].endswith("Longer words about it.")
    assert made["tags"] == ["things"]
    assert made["parameters"][0]["name"] == "kind"
    assert made["requestBody"]["content"]["application/json"]["schema"] == {"type": "object"}
    assert set(made["responses"]) == {"201", "default"}
    other = document["paths"]["/api/v1/things/{kind}/other"]["get"]
    assert other["summary"] == "GET /api/v1/things/{kind}/other"
    assert other["responses"]["default"] == {"$ref": ERROR_RESPONSE}


async def test_a_refusal_fits_the_error_component(client) -> None:
    document = await _document(client)
    for reply in (
        await client.get("/api/v1/services/no-such-service"),
        await client.post("/api/v1/clock", json={"jump": 1}),
        await client.get("/api/v1/workstation/me"),
        await client.get("/api/v1/nowhere"),
    ):
        assert reply.status >= 400
        fits(document, "#/components/schemas/Error", await reply.json())


async def test_the_enums_of_the_schemas_are_the_codes_own(client) -> None:
    document = await _document(client)
    schemas = document["components"]["schemas"]
    fault = schemas["GatewayRoute"]["properties"]["fault"]["oneOf"][1]
    assert tuple(fault["properties"]["kind"]["enum"]) == FAULTS
    checks = schemas["WorkstationApplication"]["properties"]["checks"]
    verdict = checks["items"]["properties"]["verdict"]
    assert tuple(verdict["enum"]) == VERDICTS


async def test_the_workstation_and_clock_answers_fit_their_schemas(client) -> None:
    api_ = Api(client, await _document(client))
    await api_.call("GET", "/api/v1/clock", "/api/v1/clock")
    await set_clock(client, day_in_certificate_window(8, 28))
    await api_.call("POST", "/api/v1/clock", "/api/v1/clock", {"advance": {"minutes": 5}})
    await api_.call("GET", "/api/v1/services", "/api/v1/services")
    one = "/api/v1/services/{service_id}"
    await api_.call("GET", "/api/v1/services/shymkent-energy-readiness-passport", one)

    session = "/api/v1/workstation/session"
    tokens = {}
    for login in ("shym-office", "shym-head", "shym-dept", "shym-executor"):
        signed_in = await api_.call(
            "POST", session, session, {"login": login, "password": PASSWORD}
        )
        tokens[login] = signed_in["token"]
    office = tokens["shym-office"]
    await api_.call("GET", "/api/v1/workstation/me", "/api/v1/workstation/me", token=office)
    listing = "/api/v1/workstation/applications"
    view = await api_.call("POST", listing, listing, passport_request(), office, 201)
    number = view["id"]
    act = "/api/v1/workstation/applications/{application_id}/actions/{action}"
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("shym-office", "register", {}),
        ("shym-head", "resolve", {}),
        ("shym-dept", "assign", {"executor": "shym-executor"}),
        (
            "shym-executor",
            "check",
            {"documents": {"application": "compliant", "supporting-documents": "compliant"}},
        ),
        ("shym-executor", "prepare", {"result": "passport"}),
        ("shym-head", "sign", {}),
        ("shym-office", "hand_over", {}),
    ]
    for login, action, body in steps:
        url = f"/api/v1/workstation/applications/{number}/actions/{action}"
        view = await api_.call("POST", url, act, body, tokens[login])
    assert view["status"] == "completed"
    one_application = "/api/v1/workstation/applications/{application_id}"
    await api_.call("GET", f"{listing}/{number}", one_application, token=office)
    result = f"{listing}/{number}/result"
    await api_.call("GET", result, one_application + "/result", token=office)
    await api_.call("GET", "/api/v1/workstation/inbox", "/api/v1/workstation/inbox", token=office)
    await api_.call("GET", listing, listing, token=office)
    await api_.call("DELETE", session, session, token=office)
    assert len(api_.checked) == 13


async def test_the_gateway_answers_fit_their_schemas(shep) -> None:
    api_ = Api(shep, await _document(shep))
    senders = "/api/v1/gateway/senders"
    await api_.call(
        "POST", senders, senders, {"sender_id": "openapi-test", "password": "pw"}, status=201
    )
    await api_.call("GET", senders, senders)
    routes = "/api/v1/gateway/routes"
    await api_.call(
        "POST",
        routes,
        routes,
        {"service_id": "openapi-svc", "url": "http://127.0.0.1:9/x"},
        status=201,
    )
    await api_.call("GET", routes, routes)
    fault = "/api/v1/gateway/routes/{service_id}/fault"
    url = "/api/v1/gateway/routes/openapi-svc/fault"
    await api_.call("PUT", url, fault, {"kind": "delay", "seconds": 3})
    await api_.call("DELETE", url, fault)
    message_id = await _sent(shep)
    log = "/api/v1/gateway/messages"
    found = await api_.call("GET", f"{log}?message_id={message_id}", log)
    assert [m["message_id"] for m in found["messages"]] == [message_id]
    await deliver(shep)
    detail = await api_.call("GET", f"{log}/{message_id}", log + "/{message_id}")
    assert detail["attempts"], "one delivery attempt, held to its schema"
    assert len(api_.checked) == 8
