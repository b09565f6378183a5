"""Who may use the NCALayer socket: as the real NCALayer, which listens on 127.0.0.1 only and
answers the pages of the sites on its allow-list, the socket answers this machine (a room's
machines when the trainer opens it with `--ncalayer-remote`) and, from a browser, only the pages
of the simulator's own origin and the origins the operator names (`--ncalayer-origin`).

A browser always sends `Origin` with a WebSocket handshake, so a page of another site cannot
sign with the current key set; a client that is not a browser sends none and is taken at its
address alone."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from egovsim.config import Settings, is_loopback
from egovsim.errors import EgovsimError
from egovsim.web.common.operator import is_operator


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL, lower-cased, the default port left out, as a browser
    writes it in `Origin`."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(scheme)
    port = parts.port if parts.port not in (None, default) else None
    return f"{scheme}://{host}" + (f":{port}" if port is not None else "")


def allowed_origins(settings: Settings, request: web.Request | None) -> set[str]:
    """The simulator's own origin (its public address, and the address the request came to)
    and the origins the operator named."""
    own = {origin_of(settings.base_url)}
    if request is not None:
        own.add(origin_of(f"{request.scheme}://{request.host}"))
    return own | {origin_of(name) for name in settings.ncalayer_origins}


def check_client(request: web.Request, settings: Settings, *, any_origin: bool = False) -> None:
    """NCALAYER_CLIENT_REFUSED for a peer off this machine (unless the socket was opened to a
    room, or the operator's secret comes with it) or a page of an origin not on the allow-list
    (unless `any_origin`, and the operator named none)."""
    peer = request.remote or ""
    # The operator, carrying the secret, may sign from anywhere (a scenario run from afar).
    trusted = settings.ncalayer_remote or (
        settings.operator_token is not None and is_operator(request)
    )
    if not trusted and not is_loopback(peer):
        raise EgovsimError(
            "NCALAYER_CLIENT_REFUSED",
            {
                "peer": peer,
                "reason": "NCALayer answers this machine only; the trainer opens it to a room "
                "with serve --ncalayer-remote",
            },
        )
    origin = request.headers.get("Origin")
    if origin is None or (any_origin and not settings.ncalayer_origins):
        return
    allowed = allowed_origins(settings, None if any_origin else request)
    if origin_of(origin) not in allowed:
        raise EgovsimError(
            "NCALAYER_CLIENT_REFUSED",
            {
                "origin": origin,
                "allowed": sorted(allowed),
                "reason": "a page of another site may not sign with these keys; the operator "
                "names more origins with --ncalayer-origin",
            },
        )
