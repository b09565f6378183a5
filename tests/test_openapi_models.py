"""Every JSON shape of the API is declared once, as a model: the handlers read and answer with
the models the OpenAPI document is generated from, and no JSON Schema is written by hand."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import BaseModel

import egovsim.web
from egovsim.config import Settings
from egovsim.web.app import create_app
from egovsim.web.common.models import RequestModel, ResponseModel
from egovsim.web.common.openapi import PREFIX, ApiDoc, api, build_document

WEB = Path(egovsim.web.__file__).parent
#: The one module that writes JSON Schema: the document's frame and its one error shape.
GENERATOR = WEB / "common" / "openapi.py"


def _declared(app: web.Application) -> Iterator[tuple[str, ApiDoc]]:
    for route in app.router.routes():
        resource = route.resource
        doc = getattr(route.handler, "__egovsim_openapi__", None)
        if resource is not None and resource.canonical.startswith(PREFIX) and doc is not None:
            yield f"{route.method} {resource.canonical}", doc


def _objects(schema: Any) -> Iterator[Any]:
    """Every part of `schema` that describes a JSON object."""
    if isinstance(schema, dict):
        kinds = schema.get("type")
        if kinds == "object" or (isinstance(kinds, list) and "object" in kinds):
            yield schema
        for value in schema.values():
            yield from _objects(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _objects(value)


def _hand_written(doc: ApiDoc) -> list[str]:
    """What `doc` declares by hand that a model should declare."""
    found = []
    if doc.request is not None and not issubclass(doc.request, RequestModel):
        found.append(f"request {doc.request!r} is no RequestModel")
    if doc.response is not None and not issubclass(doc.response, ResponseModel):
        found.append(f"response {doc.response!r} is no ResponseModel")
    for media_type, body in doc.request_types.items():
        if isinstance(body, type):
            if not issubclass(body, RequestModel):
                found.append(f"{media_type} {body!r} is no RequestModel")
        elif any(_objects(body)):
            found.append(f"{media_type} is a hand-written object schema")
    parameters = {} if isinstance(doc.parameters, type) else doc.parameters
    for name, schema in {**parameters, **doc.headers}.items():
        if any(_objects(schema)):
            found.append(f"parameter {name} is a hand-written object schema")
    return found


def test_every_body_and_answer_of_the_api_is_a_model(settings: Settings) -> None:
    app = create_app(settings)
    declared = dict(_declared(app))
    assert "POST /api/v1/workstation/applications" in declared
    assert "GET /api/v1/console" in declared
    wrong = {route: found for route, doc in declared.items() if (found := _hand_written(doc))}
    assert not wrong, wrong


def test_a_handler_that_declares_a_schema_by_hand_is_found() -> None:
    class Thing(BaseModel):
        name: str

    by_hand: dict[str, Any] = {"type": ["object", "null"], "properties": {}}
    assert _hand_written(ApiDoc(request_types={"multipart/form-data": by_hand}))
    assert _hand_written(ApiDoc(response=Thing))
    assert _hand_written(ApiDoc(parameters={"filter": {"anyOf": [by_hand]}}))
    assert not _hand_written(ApiDoc(request_types={"text/plain": {"type": "string"}}))


def test_api_takes_no_schema_for_a_json_body() -> None:
    with pytest.raises(TypeError, match="model"):
        api(response={"type": "object"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="model"):
        api(request={"type": "object"})  # type: ignore[arg-type]


def _schema_dicts(tree: ast.AST) -> Iterator[int]:
    """The lines of the dict literals of `tree` that say `"type": "object"`."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Dict):
            continue
        for key, value in zip(node.keys, node.values, strict=True):
            if not (isinstance(key, ast.Constant) and key.value == "type"):
                continue
            kinds = value.elts if isinstance(value, ast.List) else [value]
            if any(isinstance(k, ast.Constant) and k.value == "object" for k in kinds):
                yield node.lineno


def test_no_module_of_the_web_layer_writes_a_json_schema_by_hand() -> None:
    found = {
        f"{path.relative_to(WEB)}:{line}"
        for path in sorted(WEB.rglob("*.py"))
        if path != GENERATOR
        for line in _schema_dicts(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert not found, sorted(found)
    assert list(_schema_dicts(ast.parse('x = {"type": ["object", "null"]}'))) == [1]


def test_json_bodies_are_read_only_through_the_models() -> None:
    # `read_body` and `parse_body` read a body with its model (and the refusal codes it names);
    # a handler that read raw JSON itself would check it by hand again.
    readers = {
        path.relative_to(WEB).as_posix()
        for path in WEB.rglob("*.py")
        if "read_json" in path.read_text(encoding="utf-8")
    }
    assert readers == {"common/models.py", "common/requests.py"}


def test_the_document_names_the_models_the_handlers_use(settings: Settings) -> None:
    document = build_document(create_app(settings))
    schemas = document["components"]["schemas"]
    act = "/api/v1/workstation/applications/{application_id}/actions/{action}"
    body = document["paths"][act]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/WorkstationAction"}
    assert "refusal" in schemas["WorkstationAction"]["properties"]
    for name in ("ConsoleOverview", "PkiFaults", "RefusalTrial", "MagicNumberList", "ConsoleTour"):
        assert name in schemas, name
