"""The id of the HTTP request under way, for whatever it leads to in this task: the log lines
written for it, the gateway messages it brings in."""

from __future__ import annotations

import random
import re
from contextvars import ContextVar

#: The request id of the request being answered (None outside one: the delivery worker).
REQUEST_ID: ContextVar[str | None] = ContextVar("egovsim_request_id", default=None)

#: What a caller's `X-Request-Id` may be to be kept: printable ASCII without spaces, as proxies
#: and tracing tools make them (UUIDs, hex, base64); anything else is replaced by a new id.
_USABLE = re.compile(r"^[!-~]{1,128}$")


#: Request ids name requests, they guard nothing: a generator seeded once from the system's
#: randomness makes them without a system call per request.
_IDS = random.Random()


def new_request_id() -> str:
    """A new id: 32 hex digits (128 random bits, as a UUID without its dashes)."""
    return f"{_IDS.getrandbits(128):032x}"


def request_id_for(sent: str | None) -> str:
    """The id a request goes by: the one its caller sent, if usable, else a new one."""
    if sent is not None and _USABLE.match(sent):
        return sent
    return new_request_id()


def current_request_id() -> str | None:
    """The id of the request this task works for, if any."""
    return REQUEST_ID.get()
