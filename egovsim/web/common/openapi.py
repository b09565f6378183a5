"""The OpenAPI 3.1 document of the JSON API, served at `/api/v1/openapi.json`.

The document is generated from the running app's router, so every route under `/api/v1/` is in
it without being listed anywhere. For each operation: the summary (the docstring's first
sentence) and description (the whole docstring) of the handler, the path parameters of the route,
a tag for its area (the path segment after `/api/v1/`, described by the first paragraph of
the handler module's docstring), and the one error shape every refusal has (`Error`, declared once).

Request and response bodies are declared by their models (`egovsim.web.common.models`: pydantic),
the same the handler reads the body with and answers with, so the document describes what
runs. A route module declares them with the decorator (above or below `@routes.post`):

    from egovsim.web.common.models import answer, read_body
    from egovsim.web.common.openapi import api

    @routes.post("/api/v1/auth/login")
    @api(request=AuthProof, response=AuthSignedIn, status=200, security=("portalSession",))
    async def login(request: web.Request) -> web.Response:
        '''C1: check the login. The rest of the docstring becomes the description.'''
        proof = await read_body(request, AuthProof)
        ...
        return answer(AuthSignedIn(...))

Each model becomes a component under its class name (name it with its area first,
`PortalApplication`), and so does each model it holds; two different schemas under one name
are refused. A JSON body is always a model: no JSON Schema is written by hand
(`tests/test_openapi_models.py` holds every route to it).

`api(...)` takes `request`, `response` (models), `status` (of success, default 200),
`response_type` (default application/json; a binary answer names its type and no model),
`request_types` (the other media types the body may come in: a multipart form's model, the
schema of a text, or `{}` for any bytes), `parameters` (a query model read with
`models.read_query`, or a schema per path or query parameter name; a `description` key in it
becomes the parameter's description), `headers` (the same, for optional request headers),
`security` (names of schemes registered with `security_scheme`) and `summary` (when the
docstring's first sentence is not one).
This module imports no route module, so any of them may import it.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, Field
from pydantic.json_schema import JsonSchemaMode

from egovsim import __version__
from egovsim.errors import CATALOGUE, LANGUAGES
from egovsim.web.common import operator
from egovsim.web.common.models import RequestModel, ResponseModel, answer, json_schema
from egovsim.web.common.models import Schema as Schema

#: What a body of another media type than JSON is declared by: a multipart form's model, the
#: schema of a text, or `{}` for any bytes.
Body = Schema | type[BaseModel]
Handler = TypeVar("Handler", bound=Callable[..., Any])

PREFIX = "/api/v1/"
ERROR_RESPONSE = "#/components/responses/Error"
_ATTRIBUTE = "__egovsim_openapi__"


@dataclass(frozen=True, slots=True)
class ApiDoc:
    """What a handler declares beyond its docstring and its route."""

    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    response_type: str = "application/json"
    parameters: Mapping[str, Schema] | type[RequestModel] = field(default_factory=dict)
    security: tuple[str, ...] = ()
    summary: str | None = None
    request_types: Mapping[str, Body] = field(default_factory=dict)
    headers: Mapping[str, Schema] = field(default_factory=dict)


_COMPONENTS: dict[str, Schema] = {}
_SECURITY: dict[str, Schema] = {}


def api(
    *,
    request: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    response_type: str = "application/json",
    parameters: Mapping[str, Schema] | type[RequestModel] | None = None,
    security: tuple[str, ...] = (),
    summary: str | None = None,
    request_types: Mapping[str, Body] | None = None,
    headers: Mapping[str, Schema] | None = None,
) -> Callable[[Handler], Handler]:
    """Declare a handler's request body (JSON, and other media types), its success response
    (status and schema), the schemas of its path, query and header parameters (by name), and
    the security schemes that admit a caller."""
    for body in (request, response):
        if body is not None and not (isinstance(body, type) and issubclass(body, BaseModel)):
            # One description of each shape: a JSON body is a model, never a schema by hand.
            raise TypeError(f"a JSON body is declared by its model, not {body!r}")
    doc = ApiDoc(
        request,
        response,
        status,
        response_type,
        parameters if isinstance(parameters, type) else dict(parameters or {}),
        security,
        summary,
        dict(request_types or {}),
        dict(headers or {}),
    )

    def mark(handler: Handler) -> Handler:
        setattr(handler, _ATTRIBUTE, doc)
        return handler

    return mark


def _component(name: str, schema: Schema) -> Schema:
    """Register a model's schema under `#/components/schemas/<name>`; its `$ref`."""
    if _COMPONENTS.get(name, schema) != schema:
        raise ValueError(f"the schema component {name!r} is declared twice, differently")
    _COMPONENTS[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


def model_component(model: type[BaseModel], mode: JsonSchemaMode = "serialization") -> Schema:
    """Register `model` (as a request reads it, `validation`, or as an answer writes it,
    `serialization`) and the models it holds as components; the `$ref` of `model`."""
    schema, nested = json_schema(model, mode)
    for name, each in nested.items():
        _component(name, each)
    return _component(model.__name__, schema)


def body_schema(body: Body, mode: JsonSchemaMode) -> Schema:
    """The schema of a declared body: its model's component, or the schema it is."""
    if isinstance(body, type):
        return model_component(body, mode)
    return body


def request_model(handler: Callable[..., Any]) -> type[RequestModel] | None:
    """The request model `handler` declares with `api`, if it declares one."""
    doc = getattr(handler, _ATTRIBUTE, None)
    found = doc.request if doc is not None else None
    return found if isinstance(found, type) and issubclass(found, RequestModel) else None


def security_scheme(name: str, scheme: Schema) -> None:
    """Register a security scheme under `#/components/securitySchemes/<name>`."""
    _SECURITY[name] = scheme


# -- the document -----------------------------------------------------------------------------


def error_schema() -> Schema:
    """The one shape of every refusal (`egovsim.web.common.errors.error_body`)."""
    return {
        "type": "object",
        "description": "A refusal: a stable code from the catalogue, the step of the portal "
        "sequence it arises at, the message in Kazakh, Russian and English, and details.",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "step", "message", "details"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "enum": sorted(CATALOGUE)},
                    "step": {"type": "string", "examples": ["C1", "C2", "C3", "P8", "gateway"]},
                    "message": {
                        "type": "object",
                        "required": list(LANGUAGES),
                        "properties": {lang: {"type": "string"} for lang in LANGUAGES},
                    },
                    "details": {"type": "object"},
                },
            }
        },
    }


_DESCRIPTION = """\
The JSON API of egovsim, a simulator of Kazakhstan's e-government portal: everything the web UI \
does. Every refusal answers with the HTTP status of its catalogue entry and the body `Error`.

The e-government gateway's SOAP 1.1 endpoints are described by their WSDLs, not here: \
`GET /shep/sync?wsdl` (SyncChannel), `GET /shep/async?wsdl` (AsyncChannel) and \
`GET /shep/async?wsdl&client` (the IAsyncChannelClient a provider's system implements). \
The test PKI's certificates, CRLs and OCSP responder are at `/cert/`, `/crl/` and `/ocsp`."""


def build_document(app: web.Application) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route under /api/v1/ of `app`'s router."""
    paths: dict[str, dict[str, Any]] = {}
    tags: dict[str, str] = {}
    for route in app.router.routes():
        resource = route.resource
        method = route.method.upper()
        if resource is None or method in ("HEAD", "*"):
            continue
        path = resource.canonical
        if not path.startswith(PREFIX):
            continue
        doc = getattr(route.handler, _ATTRIBUTE, None) or ApiDoc()
        tag = _tag(path)
        tags.setdefault(tag, _module_line(route.handler))
        paths.setdefault(path, {})[method.lower()] = _operation(
            method, path, route.handler, doc, tag
        )
    components: dict[str, Any] = {
        "schemas": {"Error": error_schema(), **dict(sorted(_COMPONENTS.items()))},
        "responses": {
            "Error": {
                "description": "A refusal, with the HTTP status of its catalogue entry.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        },
    }
    schemes = {**_SECURITY, operator.SCHEME_NAME: operator.SCHEME}
    components["securitySchemes"] = dict(sorted(schemes.items()))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "egovsim API",
            "version": __version__,
            "description": _DESCRIPTION,
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "tags": [
            {"name": name, "description": text} if text else {"name": name}
            for name, text in sorted(tags.items())
        ],
        "paths": dict(sorted(paths.items())),
        "components": components,
    }


def _operation(
    method: str, path: str, handler: Callable[..., Any], doc: ApiDoc, tag: str
) -> dict[str, Any]:
    docstring = inspect.getdoc(handler) or ""
    operation: dict[str, Any] = {
        "operationId": _operation_id(method, path),
        "summary": doc.summary or _summary(docstring) or f"{method} {path}",
        "tags": [tag],
    }
    if docstring:
        operation["description"] = docstring
    parameters = _parameters(path, doc.parameters, doc.headers)
    if parameters:
        operation["parameters"] = parameters
    content: dict[str, Any] = {}
    if doc.request is not None:
        content["application/json"] = {"schema": model_component(doc.request, "validation")}
    for media_type, body in doc.request_types.items():
        content[media_type] = {"schema": body_schema(body, "validation")} if body else {}
    if content:
        operation["requestBody"] = {"required": True, "content": content}
    success: dict[str, Any] = {"description": _STATUS_WORDS.get(doc.status, "Success.")}
    if doc.response is not None:
        schema = model_component(doc.response, "serialization")
        success["content"] = {doc.response_type: {"schema": schema}}
    elif doc.response_type != "application/json":
        success["content"] = {doc.response_type: {}}
    operation["responses"] = {str(doc.status): success, "default": {"$ref": ERROR_RESPONSE}}
    security = [*doc.security]
    if operator.is_operator_only(handler):
        # The operator's secret admits to every operation (the scheme is declared only here).
        security.append(operator.SCHEME_NAME)
    if security:
        operation["security"] = [{name: []} for name in security]
    return operation


_STATUS_WORDS = {200: "Success.", 201: "Created.", 202: "Accepted.", 204: "No content."}


def _parameters(
    path: str, given: Mapping[str, Schema] | type[RequestModel], headers: Mapping[str, Schema]
) -> list[dict[str, Any]]:
    declared = _query_of(given) if isinstance(given, type) else given
    in_path = re.findall(r"\{(\w+)\}", path)
    parameters = [
        _parameter(name, "path", declared.get(name, {"type": "string"})) for name in in_path
    ]
    parameters += [
        _parameter(name, "query", given) for name, given in declared.items() if name not in in_path
    ]
    parameters += [_parameter(name, "header", given) for name, given in headers.items()]
    return parameters


def _query_of(model: type[RequestModel]) -> dict[str, Schema]:
    """The schema of each parameter of a query read with `model` (`models.read_query`)."""
    schema, _ = json_schema(model, "validation")
    properties: dict[str, Schema] = schema.get("properties", {})
    return properties


def _parameter(name: str, where: str, given: Schema) -> dict[str, Any]:
    schema = dict(given)
    parameter: dict[str, Any] = {"name": name, "in": where, "required": where == "path"}
    if "description" in schema:
        parameter["description"] = schema.pop("description")
    return parameter | {"schema": schema}


def _summary(docstring: str) -> str:
    paragraph = " ".join(docstring.split("\n\n", 1)[0].split())
    sentence = re.match(r"(.+?[.!?])(?:\s|$)", paragraph)
    return sentence.group(1) if sentence else paragraph


def _operation_id(method: str, path: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "_", path[len(PREFIX) :].lower()).strip("_")
    return f"{method.lower()}_{words}"


def _tag(path: str) -> str:
    return path[len(PREFIX) :].split("/", 1)[0].split(".", 1)[0]


def _module_line(handler: Callable[..., Any]) -> str:
    module = sys.modules.get(getattr(handler, "__module__", ""), None)
    text = inspect.getdoc(module) if module is not None else None
    return " ".join(text.split("\n\n", 1)[0].split()) if text else ""


routes = web.RouteTableDef()


class OpenApiDocument(ResponseModel):
    """An OpenAPI 3.1 document (its parts as the OpenAPI specification describes them)."""

    openapi: str = Field(examples=["3.1.0"])
    info: dict[str, Any]
    tags: list[dict[str, Any]]
    paths: dict[str, Any]
    components: dict[str, Any]


@routes.get("/api/v1/openapi.json")
@api(response=OpenApiDocument)
async def openapi_document(request: web.Request) -> web.Response:
    """This document: the OpenAPI 3.1 description of every route under /api/v1/."""
    return answer(OpenApiDocument.model_validate(build_document(request.app)))
