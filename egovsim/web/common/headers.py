"""The headers every answer carries, so a browser keeps the simulator's pages to themselves:
scripts and styles from this site only, never framed, no type sniffing, no address leaked to
other sites."""

from __future__ import annotations

from aiohttp import web

#: Scripts, styles, images and sockets from this site only (no inline script or style, which is
#: why the templates have none); no site may frame a page (clickjacking the console's buttons).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


async def secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Add the headers to an answer about to be sent (pages, the API, static files, errors)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
