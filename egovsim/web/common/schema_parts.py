"""The building blocks of the hand-written JSON Schemas of the routes not yet described by models
(`egovsim.web.gateway.schemas`): the plain types and the shapes of an object with required
properties, an array and a nullable value."""

from __future__ import annotations

from collections.abc import Mapping

from egovsim.web.common.openapi import Schema

STRING: Schema = {"type": "string"}
TEXT_OR_NULL: Schema = {"type": ["string", "null"]}
TIME: Schema = {"type": "string", "format": "date-time"}
TIME_OR_NULL: Schema = {"type": ["string", "null"], "format": "date-time"}
OBJECT: Schema = {"type": "object"}


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
