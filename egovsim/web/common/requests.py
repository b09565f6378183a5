"""Reading what a client sends: JSON bodies, with a refusal code for anything else."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from egovsim.errors import EgovsimError
from egovsim.signatures.fetching_http import read_limited
from egovsim.signatures.revocation import FetchError

#: The largest JSON body a route takes (a request form, a login; never a file).
MAX_JSON = 1024 * 1024


async def read_json(request: web.Request, limit: int = MAX_JSON) -> bytes:
    """The raw JSON body (an empty one as `{}`), at most `limit` bytes; BAD_REQUEST for another
    media type, which also keeps forms on other sites from posting to the API with a user's
    cookie."""
    if request.content_type != "application/json":
        raise EgovsimError("BAD_REQUEST", {"reason": "send application/json"})
    if request.content_length is not None and request.content_length > limit:
        raise EgovsimError("REQUEST_TOO_LARGE", {"limit": limit})
    try:
        raw = await read_limited(request.content, limit)
    except FetchError:
        raise EgovsimError("REQUEST_TOO_LARGE", {"limit": limit}) from None
    return raw or b"{}"


#: The longest text an operator's or a console's field takes (ids, names, passwords, URLs).
MAX_FIELD = 2048


def path_id(request: web.Request, name: str, code: str, detail: str) -> int:
    """A numeric id from the address (`{name}`); `code` when it is not one that can exist (not
    ASCII digits, or beyond SQLite's 64-bit integers), with the text given under `detail`."""
    text = request.match_info[name]
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise EgovsimError(code, {detail: text})
    return int(text)


def session_token(request: web.Request, cookie: str) -> str | None:
    """The session token a staff client sends: a Bearer token, else the session cookie."""
    header = request.headers.get("Authorization", "")
    return header[7:] if header.startswith("Bearer ") else request.cookies.get(cookie)


def local_path(value: Any, default: str) -> str:
    """`value` if it is a path of this site, else `default`: never another site's address,
    however a browser reads it (two slashes, a backslash, a tab between, a scheme)."""
    if (
        isinstance(value, str)
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        # Browsers drop tabs and newlines from an address (slash, tab, slash is `//`) and trim
        # spaces, so none of them is kept.
        and value.isprintable()
        and value == value.strip()
    ):
        return value
    return default
