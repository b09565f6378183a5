"""The demo personas as a test uses them: their keystores (AUTH and signing), CMS and
WS-Security signing at a given moment, and a portal session opened through C1."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from egovsim.gateway.wssecurity import sign_envelope
from egovsim.pki.keystore import Keystore
from egovsim.scenarios.actors import ActorError, Http, Personas, Reply, portal_login, signed


@dataclass(frozen=True)
class Persona:
    """A demo persona of the simulator's test PKI: who it is, and its keystores."""

    id: str
    iin: str
    bin: str | None
    name: str
    #: The refusal the persona's keys lead to (None for a persona whose keys pass).
    expected_code: str | None
    auth: Keystore
    sign: Keystore | None

    @property
    def login(self) -> str:
        """What the persona signs in to the portal with: the company's BIN, else the IIN."""
        return self.bin or self.iin

    def signer(self) -> Keystore:
        """The signing keystore (the AUTH one for a persona that has no other)."""
        return self.sign or self.auth

    def sign_cms(self, data: bytes, at: datetime, *, detached: bool = False) -> bytes:
        """A CMS SignedData over `data` with the signing key, its signing time `at` (the
        simulator's clock, so the signature is checked where the simulator stands)."""
        return signed(self.signer(), data, at, detached)

    def sign_envelope(self, envelope: bytes, at: datetime) -> bytes:
        """A SOAP envelope WS-Security signed (Body and Timestamp, RSA-SHA256) with the signing
        key, its Timestamp created at `at`, as the gateway checks a sender's messages."""
        keystore = self.signer()
        return sign_envelope(envelope, keystore.key, keystore.certificate, created=at)


def load_persona(personas: Personas, persona_id: str) -> Persona:
    """A persona of the certs directory behind `personas`; KeyError names the known ones."""
    try:
        entry = personas.entry(persona_id)
    except ActorError as error:
        raise KeyError(error.message) from None
    usages = set(entry["keystores"])
    return Persona(
        persona_id,
        str(entry["iin"]),
        str(entry["bin"]) if entry.get("bin") else None,
        str(entry.get("name", persona_id)),
        entry.get("expected_code"),
        personas.keystore(persona_id, "auth"),
        personas.keystore(persona_id, "sign") if "sign" in usages else None,
    )


class PortalSession:
    """A persona signed in to the portal (a cookie and the session's CSRF token), for the
    portal's JSON API: `await session.request("POST", "/api/v1/applications", json={...})`."""

    def __init__(self, base_url: str, persona: Persona) -> None:
        self.persona = persona
        self.http = Http(base_url)
        self.csrf: str | None = None

    async def sign_in(self, password: str) -> Reply:
        """C1: a fresh challenge signed with the persona's AUTH key, with the password."""
        reply, self.csrf = await portal_login(
            self.http, self.persona.auth, self.persona.login, password
        )
        return reply

    async def request(self, method: str, path: str, json: Any = None) -> Reply:
        """One request in the session, with its CSRF token on every change."""
        headers = {"X-CSRF-Token": self.csrf} if self.csrf and method != "GET" else None
        return await self.http.request(method, path, json_body=json, headers=headers)

    async def close(self) -> None:
        """End the connection pool (the session itself lives on at the portal)."""
        await self.http.close()

    async def __aenter__(self) -> PortalSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
