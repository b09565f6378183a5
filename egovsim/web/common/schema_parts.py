"""The building blocks of the API's JSON Schemas, shared by the modules that declare them
(`openapi_schemas`, `portal_schemas`, `statecorp_schemas`): the plain types and the shapes of an
object with required properties, an array and a nullable value."""

from __future__ import annotations

from collections.abc import Mapping

from egovsim.web.common.openapi import Schema

STRING: Schema = {"type": "string"}
TEXT_OR_NULL: Schema = {"type": ["string", "null"]}
TIME: Schema = {"type": "string", "format": "date-time"}
TIME_OR_NULL: Schema = {"type": ["string", "null"], "format": "date-time"}
DATE: Schema = {"type": "string", "format": "date"}
DATE_OR_NULL: Schema = {"type": ["string", "null"], "format": "date"}
BOOLEAN: Schema = {"type": "boolean"}
INTEGER: Schema = {"type": "integer"}
OBJECT: Schema = {"type": "object"}
OBJECT_OR_NULL: Schema = {"type": ["object", "null"]}
BASE64: Schema = {"type": "string", "contentEncoding": "base64"}
#: An IIN's or a BIN's shape (the checksum is the domain's to check).
TWELVE_DIGITS = r"^\d{12}$"
IIN_OR_NULL: Schema = {"type": ["string", "null"], "pattern": TWELVE_DIGITS}


def obj(properties: Mapping[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """An object whose properties are all present, but the optional ones."""
    return {
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": dict(properties),
    }


def array(item: Schema) -> Schema:
    """An array of `item`."""
    return {"type": "array", "items": item}


def list_of(name: str, item: Schema) -> Schema:
    """An object holding one array of `item` under `name` (`{"messages": [...]}`)."""
    return obj({name: array(item)})


def or_null(schema: Schema) -> Schema:
    """`schema` or null."""
    return {"oneOf": [schema, {"type": "null"}]}
