"""Routes that machines call at volume and that answer every input themselves (the test PKI's
OCSP responder): the telemetry middleware counts and times them and calls them directly, past
the error and operator middlewares, which have nothing to do for them.

A lean handler is public (never operator-only), turns every bad input into an answer of its own
protocol (an OCSP malformedRequest, not a JSON refusal), and raises nothing it means; what it
raises by mistake is still logged and answered INTERNAL_ERROR, never a traceback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: The handlers marked `@lean` (compared by identity: the route's own handler function).
LEAN: set[object] = set()


def lean(handler: Handler) -> Handler:
    """Mark a route's handler as lean (see the module's description)."""
    LEAN.add(handler)
    return handler
