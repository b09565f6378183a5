"""Acting on the portal as an applicant would: get a challenge, sign it, log in (P1, C1)."""

from __future__ import annotations

import base64
from typing import Any

from egovsim.pki.keystore import Keystore
from egovsim.signatures import cms
from egovsim.web.common.keys import SIMULATOR

PASSWORD = "Qwerty12"


def sign_nonce(keystore: Keystore, nonce: bytes, client: Any) -> str:
    """Base64 of an attached CMS over `nonce` made with `keystore` at the server's clock."""
    signed = cms.sign(
        nonce, keystore.key, keystore.certificate, keystore.chain, client.app[SIMULATOR].clock.now()
    )
    return base64.b64encode(signed).decode()


async def challenge(client: Any) -> tuple[str, bytes]:
    """A fresh login challenge: its id and the nonce bytes to sign."""
    reply = await client.post("/api/v1/auth/challenge")
    assert reply.status == 200, await reply.text()
    body = await reply.json()
    return body["challenge_id"], base64.b64decode(body["nonce"])


async def login_reply(client: Any, keystore: Keystore, login: str, password: str = PASSWORD) -> Any:
    """POST /api/v1/auth/login with a fresh challenge signed by `keystore`; the raw reply."""
    challenge_id, nonce = await challenge(client)
    return await client.post(
        "/api/v1/auth/login",
        json={
            "login": login,
            "password": password,
            "challenge_id": challenge_id,
            "signature": sign_nonce(keystore, nonce, client),
        },
    )


async def log_in(
    client: Any,
    persona: Any,
    persona_id: str,
    password: str = PASSWORD,
    *,
    login: str | None = None,
) -> str:
    """Log in as a demo persona through the API and return the session's CSRF token.

    `persona` is conftest's `persona` fixture, `persona_id` a persona's id such as
    "citizen-valid" or "company-first-head": its AUTH keystore signs the challenge. The login is
    the persona's BIN for a company employee (the legal entity's account), its IIN otherwise,
    unless `login` says another. The client keeps the session cookie for the next requests.
    """
    who = persona(persona_id)
    reply = await login_reply(client, who.auth, login or who.bin or who.iin, password)
    assert reply.status == 200, await reply.text()
    token: str = (await reply.json())["csrf_token"]
    return token
