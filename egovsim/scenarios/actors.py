"""The people a scenario acts as, over the simulator's public HTTP interfaces only: the
applicant (a portal session opened with a signed login challenge), the provider's staff and the
State Corporation's operators (bearer tokens), and the trainer (clock, faults, gateway)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from egovsim.clock import parse_time
from egovsim.pki.keystore import Keystore, load_keystore
from egovsim.pki.personas import load_personas
from egovsim.signatures import cms


class ActorError(Exception):
    """A step could not be carried out: the reason and the evidence (the reply, if any)."""

    def __init__(self, message: str, evidence: str = "") -> None:
        self.message = message
        self.evidence = evidence
        super().__init__(message)


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: its status, its JSON body (None if it was not JSON) and raw bytes."""

    method: str
    path: str
    status: int
    body: Any
    raw: bytes

    def error_code(self) -> str | None:
        """The refusal code of a JSON error reply."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            code = self.body["error"].get("code")
            return str(code) if code is not None else None
        return None

    def evidence(self) -> str:
        """The reply as a report shows it."""
        shown = (
            json.dumps(self.body, ensure_ascii=False, indent=1)
            if self.body is not None
            else self.raw[:2000].decode("utf-8", "replace")
        )
        return f"{self.method} {self.path} -> HTTP {self.status}\n{shown[:4000]}"


class Personas:
    """The demo personas' keystores in a certs directory, opened on first use."""

    def __init__(self, certs_dir: Path, password: str) -> None:
        self.certs_dir = certs_dir
        self.password = password
        self._listing = {entry["id"]: entry for entry in load_personas(certs_dir)}
        self._opened: dict[Path, Keystore] = {}

    def entry(self, persona_id: str) -> dict[str, Any]:
        """The persona's listing (iin, bin, keystores), or ActorError if there is none."""
        try:
            return self._listing[persona_id]
        except KeyError:
            raise ActorError(
                f"no persona {persona_id!r} in {self.certs_dir} (is it the simulator's certs "
                "directory?)"
            ) from None

    def keystore(self, persona_id: str, usage: str) -> Keystore:
        """The persona's `sign` or `auth` keystore."""
        stores = self.entry(persona_id)["keystores"]
        if usage not in stores:
            raise ActorError(f"persona {persona_id!r} has no {usage} key")
        path = self.certs_dir / stores[usage]["file"]
        if path not in self._opened:
            self._opened[path] = load_keystore(path, self.password)
        return self._opened[path]

    def issued_at(self) -> datetime | None:
        """When the PKI's personas were issued (valid certificates start 30 days earlier)."""
        from datetime import timedelta

        if "citizen-valid" not in self._listing:
            return None
        certificate = self.keystore("citizen-valid", "auth").certificate
        return certificate.not_valid_before_utc + timedelta(days=30)


class Http:
    """The simulator at one base URL, with one cookie jar (the applicant's portal session);
    with the operator's secret, sent as a bearer token where no other is."""

    def __init__(self, base_url: str, operator_token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._operator = {"Authorization": f"Bearer {operator_token}"} if operator_token else {}
        # Cookies from an IP address (127.0.0.1) are refused by aiohttp's default jar.
        self._session = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=aiohttp.ClientTimeout(total=60),
        )

    @property
    def operator_headers(self) -> dict[str, str]:
        """The operator's bearer token, for connections made outside this client (NCALayer's
        socket answers the operator from another machine)."""
        return dict(self._operator)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._session.close()

    def forget_cookies(self) -> None:
        """Drop the portal session."""
        self._session.cookie_jar.clear()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """One request; network failures become ActorError."""
        try:
            async with self._session.request(
                method,
                self.base_url + path,
                json=json_body,
                data=data,
                headers={**self._operator, **(headers or {})},
            ) as response:
                raw = await response.read()
                body: Any = None
                if "json" in response.content_type:
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = None
                return Reply(method, path, response.status, body, raw)
        except aiohttp.ClientError as error:
            raise ActorError(f"{method} {path}: {error}") from None

    async def now(self) -> datetime:
        """The simulator's time."""
        reply = await self.request("GET", "/api/v1/clock")
        if reply.status != 200 or not isinstance(reply.body, dict):
            raise ActorError("cannot read the simulator's clock", reply.evidence())
        return parse_time(str(reply.body["now"]))


def signed(keystore: Keystore, data: bytes, at: datetime, detached: bool = False) -> bytes:
    """A CMS over `data` made with `keystore`, with `at` as its signing time."""
    return cms.sign(data, keystore.key, keystore.certificate, keystore.chain, at, detached=detached)


async def portal_login(
    http: Http, keystore: Keystore, login: str, password: str
) -> tuple[Reply, str | None]:
    """P1/C1: a fresh challenge signed with the AUTH key; the reply and the CSRF token."""
    http.forget_cookies()
    challenge = await http.request("POST", "/api/v1/auth/challenge")
    if challenge.status != 200 or not isinstance(challenge.body, dict):
        raise ActorError("the login challenge was not given", challenge.evidence())
    nonce = base64.b64decode(challenge.body["nonce"])
    signature = signed(keystore, nonce, await http.now())
    reply = await http.request(
        "POST",
        "/api/v1/auth/login",
        json_body={
            "login": login,
            "password": password,
            "challenge_id": challenge.body["challenge_id"],
            "signature": base64.b64encode(signature).decode(),
        },
    )
    token = reply.body.get("csrf_token") if isinstance(reply.body, dict) else None
    return reply, str(token) if token else None


async def bearer_login(http: Http, path: str, login: str, password: str) -> str:
    """A workstation or State Corporation login; its bearer token."""
    reply = await http.request("POST", path, json_body={"login": login, "password": password})
    if reply.status != 200 or not isinstance(reply.body, dict) or "token" not in reply.body:
        raise ActorError(f"{login} could not sign in", reply.evidence())
    return str(reply.body["token"])
