"""The OpenAPI document at /api/v1/openapi.json: valid, complete, and true to the app's answers."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.identity import generate_iin
from egovsim.pki.profiles import Holder
from egovsim.portal.attachments import ACCEPTED_TYPES
from egovsim.web.app import create_app
from egovsim.web.common.models import RequestModel, ResponseModel
from egovsim.web.common.openapi import ERROR_RESPONSE, api, build_document
from egovsim.web.gateway.operator_models import FAULTS
from egovsim.web.portal.session import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE
from egovsim.web.portal.uploads import FILE_NAME_HEADER
from egovsim.workstation.steps import VERDICTS
from tests.conftest import NOW
from tests.portal_helpers import challenge, log_in, sign_nonce
from tests.test_accounts_api import issued_keystore
from tests.test_gateway import deliver
from tests.test_gateway_faults import _sent
from tests.test_portal import (
    DUPLICATE_DOCUMENTS,
    JPEG,
    LICENCE,
    PDF,
    PNG,
    deliver_all,
    inbox_number,
    staff,
    working_morning,
)
from tests.test_portal_api import Cabinet, egovsim_cms
from tests.test_workstation import advance, day_in_certificate_window, passport_request, set_clock

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
    """Calls the API and holds every answer to the document's declaration for its route: a JSON
    answer to its schema, a binary one to its media type."""

    def __init__(self, client: Any, document: dict[str, Any]) -> None:
        self.client = client
        self.document = document
        self.checked: set[tuple[str, str]] = set()
        self.raw = b""  # the last answer's bytes

    async def call(
        self,
        method: str,
        url: str,
        route: str,
        body: Any = None,
        token: str | None = None,
        status: int = 200,
        *,
        headers: dict[str, str] | None = None,
        data: Any = None,
    ) -> Any:
        sent = {"Authorization": f"Bearer {token}"} if token else {}
        reply = await self.client.request(
            method, url, json=body, data=data, headers=sent | (headers or {})
        )
        self.raw = await reply.read()
        is_json = reply.content_type == "application/json"
        answer = json.loads(self.raw) if is_json else self.raw
        assert reply.status == status, answer
        operation = self.document["paths"][route][method.lower()]
        if str(status) not in operation["responses"]:
            fits(self.document, "#/components/schemas/Error", answer)
            return answer
        if body is not None:
            request = (route, method.lower(), "requestBody", "content", "application/json")
            fits(self.document, _pointer("paths", *request, "schema"), body)
        ((media_type, declared),) = operation["responses"][str(status)]["content"].items()
        if "schema" in declared:
            assert is_json, reply.content_type
            where = ("paths", route, method.lower(), "responses", str(status), "content")
            fits(self.document, _pointer(*where, media_type, "schema"), answer)
        else:
            assert media_type in ("*/*", reply.content_type), (media_type, reply.content_type)
        self.checked.add((method.lower(), route))
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


class ThingOrder(RequestModel):
    """A thing to make."""

    colour: str


class ThingMade(ResponseModel):
    """The thing made."""

    colour: str


def test_a_new_route_appears_without_being_listed(settings: Settings) -> None:
    app = create_app(settings)

    @api(request=ThingOrder, response=ThingMade, status=201)
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
    order = {"$ref": "#/components/schemas/ThingOrder"}
    assert made["requestBody"]["content"]["application/json"]["schema"] == order
    assert document["components"]["schemas"]["ThingOrder"]["required"] == ["colour"]
    assert set(made["responses"]) == {"201", "default"}
    other = document["paths"]["/api/v1/things/{kind}/other"]["get"]
    assert other["summary"] == "GET /api/v1/things/{kind}/other"
    assert other["responses"]["default"] == {"$ref": ERROR_RESPONSE}


def test_a_route_may_take_other_media_types_and_headers(settings: Settings) -> None:
    app = create_app(settings)

    @api(
        request=ThingOrder,
        request_types={"image/png": {}, "text/plain": {"type": "string"}},
        headers={"X-Thing": {"type": "string", "description": "Which thing."}},
    )
    async def put_thing(request: web.Request) -> web.Response:
        """Put a thing."""
        return web.json_response({})

    app.router.add_put("/api/v1/things/{kind}", put_thing)
    document = build_document(app)
    validate(document)
    operation = document["paths"]["/api/v1/things/{kind}"]["put"]
    assert operation["requestBody"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/ThingOrder"}},
        "image/png": {},
        "text/plain": {"schema": {"type": "string"}},
    }
    assert operation["parameters"][1] == {
        "name": "X-Thing",
        "in": "header",
        "required": False,
        "description": "Which thing.",
        "schema": {"type": "string"},
    }


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
    fault = schemas["GatewayRoute"]["properties"]["fault"]["anyOf"][0]
    assert fault == {"$ref": "#/components/schemas/GatewayFault"}
    assert tuple(schemas["GatewayFault"]["properties"]["kind"]["enum"]) == FAULTS
    checks = schemas["WorkstationApplication"]["properties"]["checks"]
    assert checks["items"] == {"$ref": "#/components/schemas/WorkstationCheck"}
    verdict = schemas["WorkstationCheck"]["properties"]["verdict"]
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


# -- the applicant's side: accounts and the portal ----------------------------------------------

AUTH, PORTAL = "/api/v1/auth", "/api/v1/portal"
APPLICATION = PORTAL + "/applications/{id}"
ATTACHMENT = APPLICATION + "/attachments/{document_id}"


def _applicant_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method, path)
        for method, path in _document_operations(document)
        if path.startswith((AUTH + "/", PORTAL + "/"))
    }


@pytest.fixture
async def portal_app(gateway_settings: Settings) -> AsyncIterator[TestClient[Any, Any]]:
    """The whole app, delivery worker off, its clock frozen on a working morning after NOW."""
    clock = Clock(frozen_at=working_morning())
    async with TestClient(TestServer(create_app(gateway_settings, clock), host="127.0.0.1")) as c:
        yield c


async def test_every_applicant_operation_declares_its_answer(client) -> None:
    document = await _document(client)
    operations = _applicant_operations(document)
    assert len(operations) == 17
    for method, path in operations:
        operation = document["paths"][path][method]
        (status,) = set(operation["responses"]) - {"default"}
        ((media_type, declared),) = operation["responses"][status]["content"].items()
        assert "schema" in declared or media_type != "application/json", (method, path)
    created = {
        (method, path)
        for method, path in operations
        if "201" in document["paths"][path][method]["responses"]
    }
    assert created == {("post", AUTH + "/register"), ("post", PORTAL + "/applications")}
    result = document["paths"][APPLICATION + "/result"]["get"]["responses"]["200"]["content"]
    assert set(result) == {"application/pkcs7-signature"}
    check = document["paths"][PORTAL + "/check-document"]["post"]
    assert {p["name"]: p["in"] for p in check["parameters"]} == {
        "expect_iin": "query",
        "expect_bin": "query",
        "purpose": "query",
        "require_timestamp": "query",
    }
    assert check["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PortalVerificationReport"
    }


async def test_the_cabinet_is_behind_the_session_cookie(client) -> None:
    document = await _document(client)
    scheme = document["components"]["securitySchemes"]["portalSession"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "cookie", SESSION_COOKIE)
    assert CSRF_HEADER in scheme["description"]
    public = {
        ("post", AUTH + "/challenge"),
        ("post", AUTH + "/register"),
        ("post", AUTH + "/login"),
        ("get", PORTAL + "/services"),
        ("post", PORTAL + "/check-document"),
    }
    for method, path in _applicant_operations(document):
        operation = document["paths"][path][method]
        assert operation.get("security") == (
            None if (method, path) in public else [{"portalSession": []}]
        ), path
        if method == "post" and (method, path) not in public:
            headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
            assert CSRF_HEADER in headers, path


async def test_uploads_and_signatures_may_be_forms_or_raw_bodies(client) -> None:
    document = await _document(client)
    paths, schemas = document["paths"], document["components"]["schemas"]
    attach = paths[ATTACHMENT]["post"]
    content = attach["requestBody"]["content"]
    assert set(content) == {"multipart/form-data", *ACCEPTED_TYPES}
    form = {"$ref": "#/components/schemas/PortalAttachmentForm"}
    assert content["multipart/form-data"]["schema"] == form
    assert schemas["PortalAttachmentForm"]["required"] == ["file"]
    assert set(schemas["PortalAttachmentForm"]["properties"]) == {"file", CSRF_FIELD}
    headers = {p["name"]: p["required"] for p in attach["parameters"] if p["in"] == "header"}
    assert headers == {CSRF_HEADER: False, FILE_NAME_HEADER: False}
    signature = paths[APPLICATION + "/signature"]["post"]["requestBody"]["content"]
    assert set(signature) == {"application/json", "application/pkcs7-signature", "text/plain"}
    check = paths[PORTAL + "/check-document"]["post"]["requestBody"]["content"]
    check_form = {"$ref": "#/components/schemas/PortalCheckForm"}
    assert check["multipart/form-data"]["schema"] == check_form
    assert set(schemas["PortalCheckForm"]["properties"]) == {"cms", "data"}


async def test_the_applicants_answers_fit_their_schemas_from_login_to_result(
    portal_app, persona
) -> None:
    client = portal_app
    api_ = Api(client, await _document(client))
    nonce = await api_.call("POST", AUTH + "/challenge", AUTH + "/challenge")
    citizen = persona("citizen-valid")
    proof = {
        "login": citizen.iin,
        "password": PASSWORD,
        "challenge_id": nonce["challenge_id"],
        "signature": sign_nonce(citizen.auth, base64.b64decode(nonce["nonce"]), client),
    }
    signed_in = await api_.call("POST", AUTH + "/login", AUTH + "/login", proof)
    csrf = {CSRF_HEADER: signed_in["csrf_token"]}
    await api_.call("GET", AUTH + "/session", AUTH + "/session")
    catalogue = await api_.call("GET", PORTAL + "/services?lang=en", PORTAL + "/services")
    assert {s["id"]: s["eligible"] for s in catalogue["services"]}[LICENCE] is True

    listing = PORTAL + "/applications"
    order = {"service": LICENCE, "variant": "duplicate", "form": {"request-kind": "duplicate"}}
    draft = await api_.call("POST", listing, listing, order, status=201, headers=csrf)
    one = f"{listing}/{draft['id']}"
    form = FormData()
    form.add_field("file", io.BytesIO(PDF), filename="application.pdf")
    await api_.call("POST", one + "/attachments/application", ATTACHMENT, headers=csrf, data=form)
    raw = csrf | {"Content-Type": "image/jpeg", "X-File-Name": "id.jpg"}
    await api_.call(
        "POST", one + "/attachments/identity-document", ATTACHMENT, headers=raw, data=JPEG
    )
    raw = csrf | {"Content-Type": "image/png"}
    attached = await api_.call(
        "POST", one + "/attachments/photo", ATTACHMENT, headers=raw, data=PNG
    )
    photo = next(d["attachment"] for d in attached["documents"] if d["id"] == "photo")
    assert await api_.call("GET", photo["href"], ATTACHMENT) == PNG
    await api_.call("GET", one + "/document", APPLICATION + "/document")
    signature = egovsim_cms(client, citizen.sign, api_.raw)
    sent = await api_.call(
        "POST",
        one + "/signature",
        APPLICATION + "/signature",
        {"cms": base64.b64encode(signature).decode()},
        headers=csrf,
    )
    assert sent["status"] == "sent"
    await api_.call("GET", listing, listing)

    await _provider_grants_the_duplicate(client)
    shown = await api_.call("GET", one, APPLICATION)
    assert shown["result"]["kind"] == "duplicate"
    notices = await api_.call("GET", PORTAL + "/notifications", PORTAL + "/notifications")
    assert notices["notifications"]
    result = await api_.call("GET", one + "/result", APPLICATION + "/result")
    await api_.call("GET", one + "/result/document", APPLICATION + "/result/document")

    check = PORTAL + "/check-document"
    form = FormData()
    form.add_field("cms", result, filename="result.cms")
    report = await api_.call("POST", check + "?purpose=sign", check, data=form)
    assert report["indication"] == "TOTAL_PASSED"
    as_json = {"cms": base64.b64encode(signature).decode()}
    report = await api_.call("POST", f"{check}?expect_iin={citizen.iin}", check, as_json)
    assert report["signer"]["iin"] == citizen.iin
    await api_.call("POST", AUTH + "/logout", AUTH + "/logout", headers=csrf)
    assert api_.checked == _applicant_operations(api_.document) - {("post", AUTH + "/register")}


async def _provider_grants_the_duplicate(client: Any) -> None:
    """The Almaty provider's route for a duplicate licence, through the workstation's API."""
    await deliver_all(client)
    office, head = await staff(client, "alm-office"), await staff(client, "alm-head")
    executor = await staff(client, "alm-executor")
    provider_id = await inbox_number(office)
    await office.act(provider_id, "register")  # item 8.2: no resolution for the portal
    await advance(client, working_days=1)
    await executor.open_attachments(provider_id)
    await executor.act(
        provider_id, "check", documents=dict.fromkeys(DUPLICATE_DOCUMENTS, "compliant")
    )
    await executor.act(provider_id, "prepare", result="duplicate")
    await head.act(provider_id, "sign")
    await office.act(provider_id, "hand_over")
    await deliver_all(client)


async def test_a_registration_fits_its_schema_and_answers_201(settings, pki) -> None:
    holder = Holder(generate_iin(date(1999, 9, 9), "male", serial=9090), "ЖАҢА", "ҚОЛДАНУШЫ")
    keystore = issued_keystore(pki, holder)
    app = create_app(settings, Clock(frozen_at=NOW))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        api_ = Api(client, await _document(client))
        challenge_id, nonce = await challenge(client)
        proof = {
            "login": holder.iin,
            "password": "NewPassw0rd",
            "challenge_id": challenge_id,
            "signature": sign_nonce(keystore, nonce, client),
        }
        registered = await api_.call(
            "POST", AUTH + "/register", AUTH + "/register", proof, None, 201
        )
    assert registered["applicant"]["iin"] == holder.iin


async def test_a_c2_refusal_carries_the_verifiers_report_as_declared(portal_app, persona) -> None:
    client = portal_app
    api_ = Api(client, await _document(client))
    csrf = {CSRF_HEADER: await log_in(client, persona, "citizen-valid")}
    cabinet = Cabinet(client, csrf[CSRF_HEADER])
    number = await cabinet.licence_draft()
    document = await cabinet.document(number)
    stranger = egovsim_cms(client, persona("citizen-second").sign, document)
    refused = await api_.call(
        "POST",
        f"{PORTAL}/applications/{number}/signature",
        APPLICATION + "/signature",
        headers=csrf | {"Content-Type": "application/pkcs7-signature"},
        data=stranger,
        status=422,
    )
    assert refused["error"]["code"] == "IIN_MISMATCH"
    report = "#/components/schemas/PortalVerificationReport"
    fits(api_.document, report, refused["error"]["details"]["report"])

    detached = egovsim_cms(client, persona("citizen-revoked").sign, document, detached=True)
    form = FormData()
    form.add_field("cms", detached, filename="request.cms")
    form.add_field("data", document, filename="request.json")
    check = PORTAL + "/check-document"
    found = await api_.call("POST", check, check, data=form)
    assert (found["code"], found["step"]) == ("CERT_REVOKED", "C2")


async def test_the_ncalayer_persona_answers_fit_their_schemas(client) -> None:
    api_ = Api(client, await _document(client))
    persona = "/api/v1/ncalayer/persona"
    shown = await api_.call("GET", persona, persona)
    chosen = shown["available"][-1]["id"]
    changed = await api_.call("PUT", persona, persona, {"persona": chosen})
    assert (changed["persona"], changed["key"]["id"]) == (chosen, chosen)
    assert len(api_.checked) == 2
