"""The signed result a provider's message carries, as every receiver of results reads it."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from lxml import etree

from egovsim.gateway.delivery import Refused
from egovsim.storage.gateway import StoredMessage


def message_text(message: StoredMessage) -> str:
    """The text of a message's data, stripped."""
    return "".join(etree.fromstring(message.data_xml).itertext()).strip()


def json_object(text: str) -> dict[str, Any] | None:
    """The JSON object the text is, or None."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def signed_result(text: str, payload: dict[str, Any] | None) -> tuple[bytes, bytes | None]:
    """The CMS of a RESPONSE and the document it signs when detached: a JSON object's "cms"
    (and "document"), or, from a minimal system, the bare base64 CMS; Refused otherwise."""
    try:
        if payload is None:
            return base64.b64decode("".join(text.split()), validate=True), None
        cms = payload.get("cms")
        document = payload.get("document")
        if not isinstance(cms, str) or not isinstance(document, str | None):
            raise ValueError("cms and document must be base64 text")
        return (
            base64.b64decode(cms, validate=True),
            base64.b64decode(document, validate=True) if document is not None else None,
        )
    except (binascii.Error, ValueError):
        raise Refused(
            'a RESPONSE must carry the signed result as a base64 CMS, in data or as the "cms"'
            " of a JSON object"
        ) from None
