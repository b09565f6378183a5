"""The operator's secret: privileged routes refused without it on a simulator started with one,
the console's sign-in, the refusal to listen beyond loopback without one, and `next` staying on
the site."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from egovsim.cli import main
from egovsim.clock import Clock
from egovsim.config import Settings, is_loopback
from egovsim.web.app import create_app
from egovsim.web.common.operator import bind_refusal
from egovsim.web.common.requests import local_path

SECRET = "correct horse battery staple"

#: The calls the issue lists as taking the simulator over, each with a body that would succeed.
PRIVILEGED = [
    ("POST", "/api/v1/console/login", {"persona": "citizen-valid"}),
    ("POST", "/api/v1/gateway/routes", {"service_id": "x", "url": "http://127.0.0.1:9/x"}),
    ("GET", "/api/v1/gateway/messages", None),
    ("POST", "/api/v1/clock", {"freeze": True}),
    ("PUT", "/api/v1/faults/ocsp-down", {"on": True}),
    ("POST", "/api/v1/console/reset", None),
    ("POST", "/api/v1/gateway/senders", {"sender_id": "s", "password": "p"}),
    ("PUT", "/api/v1/ncalayer/persona", {"persona": "citizen-valid"}),
    ("GET", "/api/v1/gateway/messages/x/envelope", None),
]

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def guarded(settings: Settings, clock: Clock) -> AsyncIterator[Client]:
    """The simulator as `serve --host 0.0.0.0 --operator-token ...` starts it (the test server
    itself listens on loopback)."""
    app = create_app(settings.with_overrides(host="0.0.0.0", operator_token=SECRET), clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


def as_operator(secret: str = SECRET) -> dict[str, str]:
    """The header a script sends to act as the simulator's operator."""
    return {"Authorization": f"Bearer {secret}"}


async def sign_in_to_console(client: Client, secret: str = SECRET, next_path: str = "/console"):
    """What the trainer does in a browser: open the sign-in page, type the secret, submit."""
    page = await client.get(f"/console/sign-in?next={next_path}")
    assert page.status == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert csrf is not None
    return await client.post(
        "/console/sign-in",
        data={"csrf": csrf.group(1), "secret": secret, "next": next_path},
        allow_redirects=False,
    )


async def test_a_privileged_call_without_the_secret_is_refused_operator_required(
    guarded: Client,
) -> None:
    for method, path, body in PRIVILEGED:
        reply = await guarded.request(method, path, json=body)
        assert reply.status == 401, path
        assert (await reply.json())["error"]["code"] == "OPERATOR_REQUIRED", path
        assert reply.headers["WWW-Authenticate"].startswith("Bearer"), path
        wrong = await guarded.request(method, path, json=body, headers=as_operator("guess"))
        assert wrong.status == 401, path


async def test_the_secret_as_a_bearer_token_admits_the_operator(guarded: Client) -> None:
    reply = await guarded.post("/api/v1/clock", json={"freeze": True}, headers=as_operator())
    assert reply.status == 200
    login = await guarded.post(
        "/api/v1/console/login", json={"persona": "citizen-valid"}, headers=as_operator()
    )
    assert login.status == 200, await login.text()


async def test_what_everyone_may_do_needs_no_secret(guarded: Client) -> None:
    for path in ("/api/v1/clock", "/api/v1/services", "/healthz", "/api/v1/faults", "/"):
        assert (await guarded.get(path)).status == 200, path
    challenge = await guarded.post("/api/v1/auth/challenge")
    assert challenge.status == 200


async def test_a_loopback_simulator_without_a_secret_stays_open(client: Client) -> None:
    reply = await client.post("/api/v1/clock", json={"freeze": True})
    assert reply.status == 200


async def test_the_console_sends_a_browser_without_a_session_to_sign_in(guarded: Client) -> None:
    reply = await guarded.get("/console", allow_redirects=False)
    assert reply.status == 303
    assert reply.headers["Location"] == "/console/sign-in?next=/console"
    gateway = await guarded.get("/gateway", allow_redirects=False)
    assert gateway.headers["Location"].startswith("/console/sign-in")


async def test_signing_in_with_the_secret_opens_the_console_and_its_forms_act(
    guarded: Client,
) -> None:
    signed_in = await sign_in_to_console(guarded)
    assert signed_in.status == 303
    assert signed_in.headers["Location"] == "/console"
    page = await guarded.get("/console")
    assert page.status == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert csrf is not None
    # The console's form calls the clock API at the simulator's own address, with the secret.
    frozen = await guarded.post(
        "/console/clock",
        data={"csrf": csrf.group(1), "action": "unfreeze"},
        allow_redirects=False,
    )
    assert frozen.status == 303, await frozen.text()
    assert (await guarded.get("/api/v1/clock")).status == 200
    assert (await (await guarded.get("/api/v1/clock")).json())["mode"] != "frozen"


async def test_a_wrong_secret_on_the_sign_in_page_is_refused_and_sets_no_session(
    guarded: Client,
) -> None:
    refused = await sign_in_to_console(guarded, secret="guess")
    assert refused.status == 401
    assert "OPERATOR_REQUIRED" in await refused.text()
    assert (await guarded.get("/console", allow_redirects=False)).status == 303


async def test_the_sign_in_form_without_its_csrf_token_is_refused(guarded: Client) -> None:
    reply = await guarded.post(
        "/console/sign-in", data={"secret": SECRET, "next": "/console"}, allow_redirects=False
    )
    assert reply.status == 400
    assert "egovsim_operator" not in reply.cookies


async def test_the_openapi_document_declares_the_operator_scheme_on_privileged_operations(
    client: Client,
) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()
    assert document["components"]["securitySchemes"]["operatorToken"]["scheme"] == "bearer"
    for method, path, _ in PRIVILEGED:
        template = path.replace("/x/envelope", "/{message_id}/envelope").replace(
            "faults/ocsp-down", "faults/{name}"
        )
        operation = document["paths"][template][method.lower()]
        assert {"operatorToken": []} in operation["security"], path
    assert "security" not in document["paths"]["/api/v1/auth/challenge"]["post"]


def test_serve_beyond_loopback_without_a_secret_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    monkeypatch.delenv("EGOVSIM_OPERATOR_TOKEN", raising=False)
    code = main(["serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path)])
    assert code == 2
    said = capsys.readouterr().err
    assert "--operator-token" in said and "EGOVSIM_OPERATOR_TOKEN" in said


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("127.8.9.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_only_a_loopback_bind_may_go_without_a_secret(host: str, allowed: bool) -> None:
    assert is_loopback(host) is allowed
    assert (bind_refusal(Settings(host=host)) is None) is allowed
    assert bind_refusal(Settings(host=host, operator_token="s")) is None


@pytest.mark.parametrize(
    "target",
    [
        "/\\evil.example",
        "/\t/evil.example",
        "//evil.example",
        "https://evil.example",
        " /x",
        "/\n/evil.example",
        "\\\\evil.example",
        "",
        "evil.example",
    ],
)
def test_next_after_sign_in_never_leaves_the_site(target: str) -> None:
    assert local_path(target, "/home") == "/home"


async def test_the_portal_login_page_keeps_next_on_the_site(client: Client) -> None:
    for target in ("/%5Cevil.example", "/%09/evil.example", "//evil.example", "https://x"):
        page = await client.get(f"/login?next={target}")
        assert 'data-next="/cabinet"' in await page.text(), target
    kept = await client.get("/login?next=/cabinet/applications/1")
    assert 'data-next="/cabinet/applications/1"' in await kept.text()
