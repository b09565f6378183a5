"""Quick logins for the trainer: a portal session opened by the same C1 a user goes through
(IIN/BIN, password, a fresh challenge signed with the persona's AUTH key), and who may be
signed in at all; and the session a tour's "show" opens to look over the room's shoulder."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from egovsim.errors import EgovsimError
from egovsim.passwords import new_token
from egovsim.pki.keystore import Keystore
from egovsim.pki.personas import COMPANY_BIN
from egovsim.portal.accounts import SESSION_LIFETIME, Accounts
from egovsim.portal.model import Applicant
from egovsim.signatures import cms
from egovsim.storage.accounts import AccountStore


def portal_personas(listing: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The personas with a portal account: every individual, and the demo company's employees
    (who sign in with the company's BIN). Provider officials and the gateway have none."""
    return [p for p in listing if p.get("bin") is None or p.get("bin") == COMPANY_BIN]


def portal_login_id(persona: Mapping[str, Any]) -> str:
    """The login a persona signs in with: the company's BIN for its employees, else the IIN."""
    return str(persona.get("bin") or persona["iin"])


async def sign_in(
    accounts: Accounts,
    login: str,
    password: str,
    keystore: Keystore,
    now: datetime,
) -> tuple[str, Applicant, str]:
    """C1 for `login`: a challenge from the portal, signed with `keystore` (the AUTH key) at
    `now`; the session token, the applicant and the CSRF token. Refused as a user would be."""
    challenge_id, nonce, _ = await accounts.challenge()
    signature = cms.sign(nonce, keystore.key, keystore.certificate, keystore.chain, now)
    return await accounts.login(
        login, password, challenge_id, base64.b64encode(signature).decode("ascii")
    )


async def open_watching_session(
    store: AccountStore, persona: Mapping[str, Any], now: datetime, real_now: datetime
) -> str:
    """A portal session of the persona's account opened by the console itself, without C1, so
    the room sees the cabinet whatever C1 would say of the persona's key at this hour (a tour
    ends where its persona's AUTH certificate is revoked); the session token. ACCOUNT_UNKNOWN
    when the account is gone (a reset since)."""
    login = portal_login_id(persona)
    account = await store.account(login)
    if account is None:
        raise EgovsimError("ACCOUNT_UNKNOWN", {"login": login})
    legal = account.kind == "legal_entity"
    token, hashed = new_token()
    await store.open_session(
        hashed,
        account.id,
        str(persona["iin"]),
        str(persona["name"]) if legal else account.name,
        str(persona["role"]) if legal and persona.get("role") else None,
        secrets.token_urlsafe(32),
        now,
        real_now + SESSION_LIFETIME,
        real_now,
    )
    return token
