"""Reading what a client sends: JSON bodies, with a refusal code for anything else."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from egovsim.errors import EgovsimError
from egovsim.signatures.revocation import FetchError
from egovsim.web.fetch import read_limited

MAX_JSON = 1024 * 1024


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request's body as a JSON object; BAD_REQUEST when it is not one.

    Only `application/json` is read, which also keeps forms on other sites from posting to the
    API with a user's cookie.
    """
    if request.content_type != "application/json":
        raise EgovsimError("BAD_REQUEST", {"reason": "send application/json"})
    if request.content_length is not None and request.content_length > MAX_JSON:
        raise EgovsimError("REQUEST_TOO_LARGE", {"limit": MAX_JSON})
    try:
        raw = await read_limited(request.content, MAX_JSON)
    except FetchError:
        raise EgovsimError("REQUEST_TOO_LARGE", {"limit": MAX_JSON}) from None
    try:
        body = json.loads(raw or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EgovsimError("BAD_REQUEST", {"reason": f"not JSON: {error}"}) from None
    if not isinstance(body, dict):
        raise EgovsimError("BAD_REQUEST", {"reason": "the body must be a JSON object"})
    return body
