"""The API's models (pydantic): each JSON shape declared once, from which come the check of a
request's body (a refused field answers with its catalogue code, never the library's words),
the answer's JSON and the OpenAPI document's schemas.

A request model names the refusal code of a field with `Refusal` (BAD_REQUEST unless it says
otherwise); `read_body` reads the body and answers a bad one with that code and the field's
name; `answer` writes a response model. `json_schema` is what `egovsim.web.common.openapi` puts in
the document, so the document describes exactly what the handlers check and send.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, TypeVar, get_args

from aiohttp import web
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode
from pydantic_core import ErrorDetails

from egovsim.errors import EgovsimError
from egovsim.web.common.requests import MAX_FIELD, MAX_JSON, read_json

Schema = dict[str, Any]
Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Refusal:
    """The catalogue code a request field is refused with (`Annotated[str, Refusal("...")]`)."""

    code: str


# -- the shapes of values ---------------------------------------------------------------------

#: A moment, written as `datetime.isoformat()` writes it (the pages and the API always have).
Time = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
#: A day, as ISO 8601 writes it.
Day = Annotated[
    date,
    PlainSerializer(date.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date"}),
]


def _no_control_character(value: str) -> str:
    # No id, name, password or URL holds one, and logs and pages would show it raw.
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("it holds a control character")
    return value


#: A text an operator or a trainer types (an id, a name, a password, a URL): not empty, at most
#: MAX_FIELD characters, no control character.
Text = Annotated[
    str, Field(min_length=1, max_length=MAX_FIELD), AfterValidator(_no_control_character)
]


def _as_text(value: Any) -> Any:
    # Identifiers may come as numbers (a script's 123456789012): they are read as text, as
    # the gateway's REQUEST data is; a true or a 1.5 stays what it is, and is refused.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


#: An identifier a request names (an IIN, a BIN, a login, a service's id, a category), as text
#: or as a whole number (read as its text).
Identifier = Annotated[
    str, BeforeValidator(_as_text), WithJsonSchema({"type": ["string", "integer"]})
]


class ResponseModel(BaseModel):
    """An answer's shape: every field is always sent (null when it has no value)."""

    model_config = ConfigDict(
        frozen=True,
        populate_by_name=True,
        json_schema_serialization_defaults_required=True,
    )


def absent(value: Any) -> bool:
    """Whether an optional field is left out of an answer: `Field(None, exclude_if=absent)`, in
    a model whose config sets `json_schema_serialization_defaults_required=False`."""
    return value is None


class Words(ResponseModel):
    """A text in Kazakh, Russian and English."""

    kk: str
    ru: str
    en: str


class RequestModel(BaseModel):
    """A request body's shape: types are not coerced (`"1"` is no number), unknown fields are
    ignored, and a field without `Refusal` is refused BAD_REQUEST."""

    model_config = ConfigDict(frozen=True, strict=True, extra="ignore", populate_by_name=True)
    #: The code of a field that names no `Refusal`, and of a body that is no JSON object.
    refusal: ClassVar[str] = "BAD_REQUEST"


# -- reading a body ---------------------------------------------------------------------------


async def read_body(request: web.Request, model: type[Model], limit: int = MAX_JSON) -> Model:
    """The request's JSON body as `model`; a body that does not fit is refused with the code
    of the first field at fault (`Refusal`), naming the field and why in plain words."""
    return parse_body(await read_json(request, limit), model)


def read_query(request: web.Request, model: type[Model]) -> Model:
    """The request's query as `model` (the first value of a name given twice), refused as
    `read_body` refuses a body."""
    given = {name: request.query.get(name) for name in request.query}
    try:
        return model.model_validate(given)
    except ValidationError as error:
        raise refusal_of(model, error) from None


def parse_body(raw: bytes | str, model: type[Model]) -> Model:
    """`raw` JSON as `model`, or the refusal `read_body` answers with."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise refusal_of(model, error) from None


def refusal_of(model: type[BaseModel], error: ValidationError) -> EgovsimError:
    """The catalogue's refusal for a body `model` did not take: the first error decides.
    A body that is no JSON object is BAD_REQUEST; a field is refused with its `Refusal`, or
    that of the field holding it, or the model's `refusal`."""
    first = error.errors(include_url=False, include_input=False)[0]
    location = [str(part) for part in first["loc"]]
    default = getattr(model, "refusal", RequestModel.refusal)
    if first["type"] == "json_invalid":
        reason = "not JSON (UTF-8, with no lone surrogate \\ud800-\\udfff)"
        return EgovsimError("BAD_REQUEST", {"reason": reason})
    if not location:
        if first["type"] == "value_error":
            # A check of the whole body (a model's own validator) says why in its words.
            return EgovsimError(default, {"reason": _reason(first)})
        return EgovsimError("BAD_REQUEST", {"reason": "the body must be a JSON object"})
    return EgovsimError(
        _field_code(model, location, default),
        {"field": ".".join(location), "reason": _reason(first)},
    )


def _field_code(model: type[BaseModel], location: list[str], default: str) -> str:
    """The code of the innermost field on `location` that names one."""
    code, current = default, model
    for part in location:
        field = next((f for n, f in current.model_fields.items() if part in (n, f.alias)), None)
        if field is None:
            break
        named = next((m for m in field.metadata if isinstance(m, Refusal)), None)
        code = named.code if named else code
        inner = _model_in(field.annotation)
        if inner is None:
            break
        own = getattr(inner, "refusal", RequestModel.refusal)
        code = own if own != RequestModel.refusal else code
        current = inner
    return code


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (itself, or in `Model | None`), if it holds one."""
    for kind in (annotation, *get_args(annotation)):
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return kind
    return None


#: The reason a field is refused, by the kind of error (the library's own words never reach
#: a user: they change between its versions and speak of Python).
_REASONS = {
    "missing": "it is missing",
    "string_type": "a string is needed",
    "int_type": "an integer is needed",
    "float_type": "a number is needed",
    "bool_type": "true or false is needed",
    "dict_type": "an object is needed",
    "model_type": "an object is needed",
    "model_attributes_type": "an object is needed",
    "list_type": "a list is needed",
    "none_required": "null is needed",
    "literal_error": "not one of the values it takes",
    "enum": "not one of the values it takes",
    "string_too_short": "it is empty",
    "string_pattern_mismatch": "it is not of the expected form",
    "string_unicode": "it holds a lone surrogate (\\ud800-\\udfff)",
    "datetime_type": "a date and time (ISO 8601) is needed",
    "datetime_from_date_parsing": "a date and time (ISO 8601) is needed",
    "datetime_parsing": "a date and time (ISO 8601) is needed",
    "timezone_aware": "a date and time with its offset is needed",
    "greater_than": "it is too small",
    "greater_than_equal": "it is too small",
    "less_than_equal": "it is too large",
    "finite_number": "a finite number is needed",
    "extra_forbidden": "this body takes no such field",
}


def _reason(error: ErrorDetails) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "string_too_long":
        return f"more than {context.get('max_length')} characters"
    if kind in ("literal_error", "enum") and "expected" in context:
        # The values it takes, as the library lists them ('a', 'b' or 'c'): a user's own words.
        return f"not one of the values it takes: {context['expected']}"
    if kind == "value_error":
        # Our own validators' words (a ValueError raised in a model of this project).
        return str(context.get("error", "not a valid value"))
    return _REASONS.get(kind, "not a valid value")


# -- answering --------------------------------------------------------------------------------


def answer(model: BaseModel, status: int = 200) -> web.Response:
    """`model` as the JSON answer."""
    return web.Response(
        text=model.model_dump_json(by_alias=True),
        status=status,
        content_type="application/json",
    )


def shown(model: BaseModel) -> dict[str, Any]:
    """`model` as the plain dict the pages' templates read (the answer's JSON, as Python)."""
    return model.model_dump(mode="json", by_alias=True)


# -- the schemas ------------------------------------------------------------------------------


class _Generator(GenerateJsonSchema):
    """JSON Schema 2020-12 without a title on every property (names say it already)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


REF_TEMPLATE = "#/components/schemas/{model}"


def json_schema(model: type[BaseModel], mode: JsonSchemaMode) -> tuple[Schema, dict[str, Schema]]:
    """`model`'s schema (`validation` for a request, `serialization` for an answer) with its
    nested models apart, each referred to as an OpenAPI component by its class name."""
    schema = model.model_json_schema(
        ref_template=REF_TEMPLATE, schema_generator=_Generator, mode=mode
    )
    nested = schema.pop("$defs", {})
    for each in (schema, *nested.values()):
        # The component's name is the title already.
        each.pop("title", None)
        for field in each.get("properties", {}).values():
            # A field left out is None in Python; a null default its schema refuses only says
            # "may be absent", which `required` says already (and validators check defaults).
            if field.get("default", ...) is None and not _takes_null(field):
                del field["default"]
    return schema, nested


def _takes_null(schema: Schema) -> bool:
    kinds = schema.get("type")
    if kinds == "null" or (isinstance(kinds, list) and "null" in kinds):
        return True
    return any(_takes_null(s) for s in schema.get("anyOf", []) + schema.get("oneOf", []))
