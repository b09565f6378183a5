"""Quick logins for the trainer: a portal session opened by the same C1 a user goes through
(IIN/BIN, password, a fresh challenge signed with the persona's AUTH key), and who may be
signed in at all."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from egovsim.pki.keystore import Keystore
from egovsim.pki.personas import COMPANY_BIN
from egovsim.portal.accounts import Accounts
from egovsim.portal.model import Applicant
from egovsim.signatures import cms


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
