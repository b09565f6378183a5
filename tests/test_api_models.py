"""The API's models: the OpenAPI document's body schemas are generated from the same models the
handlers read bodies with, and a body that does not fit is refused with the field's catalogue
code in our own words, never the library's."""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

import pytest
from aiohttp import web
from pydantic import BaseModel

from egovsim.config import Settings
from egovsim.errors import CATALOGUE, EgovsimError
from egovsim.web.app import create_app
from egovsim.web.common.models import json_schema, parse_body
from egovsim.web.common.openapi import build_document, request_model
from egovsim.web.portal.auth_models import AuthProof
from egovsim.web.portal.parameters import PortalCheckBody, PortalNewApplication
from tests.portal_helpers import log_in


def _modelled_routes(app: web.Application) -> list[tuple[str, str, Any, type[BaseModel]]]:
    """(method, path, handler, model) of each route whose handler declares a request model."""
    found = []
    for route in app.router.routes():
        model = request_model(route.handler)
        if model is not None and route.resource is not None:
            found.append((route.method.lower(), route.resource.canonical, route.handler, model))
    return found


def _models_read_by(handler: Any) -> set[str]:
    """The names of the models `handler` reads a body or a query with."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(handler)))
    return {
        call.args[1].id
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id in ("read_body", "parse_body")
        and len(call.args) == 2
        and isinstance(call.args[1], ast.Name)
    }


def test_the_documents_body_schemas_are_the_models_the_handlers_read_with(
    settings: Settings,
) -> None:
    app = create_app(settings)
    document = build_document(app)
    routes = _modelled_routes(app)
    assert len(routes) >= 5, routes  # the portal's and the accounts' bodies at least
    for method, path, handler, model in routes:
        declared = document["paths"][path][method]["requestBody"]["content"]["application/json"]
        assert declared["schema"] == {"$ref": f"#/components/schemas/{model.__name__}"}
        schema, _ = json_schema(model, "validation")
        assert document["components"]["schemas"][model.__name__] == schema, model
        read = _models_read_by(handler)
        if handler.__name__ == "check_document":
            # The check reads its JSON body in a helper, which reads it with the same model.
            from egovsim.web.portal import api as portal_api

            read |= _models_read_by(portal_api._signed_input)
        assert model.__name__ in read, (path, model.__name__, read)


#: For each request model, a body with one field wrong and the code that refuses it.
WRONG_FIELDS = (
    (PortalNewApplication, b'{"variant": "x"}', "BAD_REQUEST", "service"),
    (PortalNewApplication, b'{"service": 7}', "BAD_REQUEST", "service"),
    (PortalNewApplication, b'{"service": "s", "variant": ["x"]}', "FORM_INVALID", "variant"),
    (PortalNewApplication, b'{"service": "s", "category": 1}', "FORM_INVALID", "category"),
    (PortalNewApplication, b'{"service": "s", "form": [1]}', "FORM_INVALID", "form"),
    (PortalCheckBody, b'{"cms": "x", "data": 5}', "BAD_REQUEST", "data"),
    (
        AuthProof,
        b'{"login": "1", "password": "p", "challenge_id": "c"}',
        "BAD_REQUEST",
        "signature",
    ),
)


@pytest.mark.parametrize(("model", "body", "code", "field"), WRONG_FIELDS)
def test_a_wrong_field_is_refused_with_its_code_and_named(
    model: type[BaseModel], body: bytes, code: str, field: str
) -> None:
    with pytest.raises(EgovsimError) as refused:
        parse_body(body, model)
    assert refused.value.code == code
    assert refused.value.details["field"] == field
    assert refused.value.details["reason"] in _OUR_REASONS


_OUR_REASONS = {
    "it is missing",
    "a string is needed",
    "an object is needed",
}


@pytest.mark.parametrize(
    "body",
    [b"not json {", b"[1, 2]", b'"text"', b'{"service": "a\\ud800"}', b"\xff\xfe", b"null"],
)
def test_a_body_that_is_no_json_object_is_a_bad_request_in_our_words(body: bytes) -> None:
    with pytest.raises(EgovsimError) as refused:
        parse_body(body, PortalNewApplication)
    assert refused.value.code == "BAD_REQUEST"
    reason = refused.value.details["reason"]
    assert reason.startswith(("not JSON", "the body must be a JSON object")), reason
    assert "pydantic" not in reason and "Input should" not in reason


def test_unknown_fields_are_ignored_and_types_are_not_coerced() -> None:
    read = parse_body(b'{"service": "s", "extra": 1, "form": {"a": 1}}', PortalNewApplication)
    assert (read.service, read.variant, read.form) == ("s", None, {"a": 1})
    with pytest.raises(EgovsimError):
        parse_body(b'{"service": "s", "variant": 1}', PortalNewApplication)


def test_every_refusal_code_a_model_names_is_in_the_catalogue(settings: Settings) -> None:
    from egovsim.web.common.models import Refusal

    for _, _, _, model in _modelled_routes(create_app(settings)):
        for field in model.model_fields.values():
            for refusal in (m for m in field.metadata if isinstance(m, Refusal)):
                assert refusal.code in CATALOGUE, (model, refusal)


async def test_a_draft_with_a_variant_that_is_no_text_is_refused_form_invalid(
    client, persona
) -> None:
    csrf = await log_in(client, persona, "citizen-valid")
    reply = await client.post(
        "/api/v1/portal/applications",
        json={"service": "almaty-small-vessel-licence", "variant": 5},
        headers={"X-CSRF-Token": csrf},
    )
    assert reply.status == 422, await reply.text()
    error = (await reply.json())["error"]
    assert (error["code"], error["details"]["field"]) == ("FORM_INVALID", "variant")
    assert set(error["message"]) == {"kk", "ru", "en"}
