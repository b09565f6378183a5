"""Every route of the JSON API answers what a user or a peer system can send with a refusal that
has a stable code, never a 500: each route's methods with no body, a body that is not JSON,
JSON of the wrong shapes, and path parameters that name nothing or cannot be read."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import PASSWORD
from tests.portal_helpers import log_in

#: Bodies a careless or hostile client sends.
BODIES: tuple[Any, ...] = (None, b"not json {", b"[1, 2]", b'{"x": {"y": [null]}}', b'"text"')
#: The routes that end a session.
SIGN_OUTS = {
    ("POST", "/api/v1/auth/logout"),
    ("DELETE", "/api/v1/workstation/session"),
    ("DELETE", "/api/v1/statecorp/session"),
}
#: What a path parameter may be given instead of a real id.
PARAMETERS = ("nothing-here", "999999999", "-1", "%00", "x" * 300)


def _paths(app: web.Application) -> list[tuple[str, str]]:
    """(method, path) of every /api/v1/ route, path parameters left as `{name}`."""
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter")
        if path and path.startswith("/api/v1/") and route.method not in ("HEAD", "*"):
            found.add((route.method, path))
    return sorted(found)


async def _answer_is_a_refusal_or_success(
    client: Any, method: str, path: str, body: Any, signed_in: dict[str, str]
) -> str | None:
    headers = dict(signed_in)
    if body is not None:
        headers["Content-Type"] = "application/json"
    reply = await client.request(method, path, data=body, headers=headers)
    raw = await reply.read()
    assert reply.status < 500 or reply.status in (502, 503), (method, path, body, raw[:300])
    if reply.status >= 400 and reply.content_type == "application/json":
        error = (await reply.json())["error"]
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", error["code"]), (method, path, error)
        return str(error["code"])
    return None


async def _every_route(client: Any, filler: str, signed_in: dict[str, str]) -> set[str]:
    """The refusal codes the routes answered."""
    codes = set()
    routes = _paths(client.app)
    assert len(routes) > 60, routes  # the whole API, not a part of it
    for method, template in routes:
        if template.endswith("/console/reset"):
            continue  # empties the demo whatever it is sent; its own tests hold it
        if signed_in and (method, template) in SIGN_OUTS:
            continue  # signing out would leave the rest of the run signed out
        path = re.sub(r"\{[^}]+\}", filler, template)
        for body in BODIES if method in ("POST", "PUT", "PATCH") else (None,):
            code = await _answer_is_a_refusal_or_success(client, method, path, body, signed_in)
            if code is not None:
                codes.add(code)
    return codes


@pytest.mark.parametrize("filler", PARAMETERS)
async def test_every_api_route_refuses_bad_input_with_a_code_and_never_a_500(
    client, filler: str
) -> None:
    await _every_route(client, filler, {})


@pytest.mark.parametrize("office", ["workstation", "statecorp"])
async def test_signed_in_everywhere_bad_input_is_still_refused_with_a_code(
    client, persona, office: str
) -> None:
    # Past the sign-in checks, so the bodies and addresses reach the handlers themselves: the
    # citizen's portal session (cookie and CSRF token) and a staff member's or an operator's
    # bearer token.
    csrf = await log_in(client, persona, "citizen-valid")
    login = "alm-office" if office == "workstation" else "gk-alm-1"
    reply = await client.post(
        f"/api/v1/{office}/session", json={"login": login, "password": PASSWORD}
    )
    token = (await reply.json())["token"]
    headers = {"X-CSRF-Token": csrf, "Authorization": f"Bearer {token}"}
    for filler in ("999999999", "nothing-here"):
        codes = await _every_route(client, filler, headers)
        assert {"NOT_SIGNED_IN", "CSRF_TOKEN_INVALID"}.isdisjoint(codes), codes
        assert ("STAFF" if office == "workstation" else "OPERATOR") + "_NOT_SIGNED_IN" not in codes
        assert {"BAD_REQUEST", "NOT_FOUND"} <= codes, codes
