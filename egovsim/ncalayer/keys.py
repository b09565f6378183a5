"""The key sets egovsim's NCALayer signs with: each persona's keystores, and which one is current.

Where NCALayer asks the user for a keystore file and its password, egovsim answers from the
"current key set": a persona chosen server-wide (the trainer's console, `egovsim ncalayer
--persona`), or for one connection by egovsim's own page dialog with the keystore's password.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from egovsim.pki.authority import TestPki
from egovsim.pki.keystore import Keystore, KeystoreError, load_keystore
from egovsim.pki.oids import Usage
from egovsim.pki.personas import load_personas

__all__ = [
    "DEFAULT_PERSONA",
    "KeyRing",
    "NoSuchKey",
    "PersonaKeys",
    "UnknownPersona",
    "WrongPassword",
]

#: The key set a client that knows nothing of egovsim signs with: a valid individual.
DEFAULT_PERSONA = "citizen-valid"


class UnknownPersona(LookupError):
    """No persona has this id."""


class WrongPassword(ValueError):
    """The keystore does not open with the password given."""


class NoSuchKey(LookupError):
    """The persona has no key of the kind asked for (the auth-only persona cannot sign)."""


@dataclass(frozen=True, slots=True)
class KeyFile:
    """One keystore of a persona, with its certificate as the PKI recorded it."""

    usage: Usage
    path: Path
    certificate: x509.Certificate | None

    @property
    def not_before(self) -> datetime | None:
        """When the certificate becomes valid."""
        return self.certificate.not_valid_before_utc if self.certificate else None

    @property
    def not_after(self) -> datetime | None:
        """When the certificate expires."""
        return self.certificate.not_valid_after_utc if self.certificate else None

    @property
    def extended_usages(self) -> set[str]:
        """The dotted EKU OIDs of the certificate: its usage and the NCA's role OIDs."""
        if self.certificate is None:
            return set()
        try:
            eku = self.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
        except x509.ExtensionNotFound:
            return set()
        return {oid.dotted_string for oid in eku.value}


@dataclass(frozen=True, slots=True)
class PersonaKeys:
    """A persona as a key set: who it is and its keystores, signing one first."""

    id: str
    name: str
    iin: str
    bin: str | None
    organization: str | None
    role: str
    summary: str
    password: str
    keys: Mapping[Usage, KeyFile]

    def describe(self) -> dict[str, Any]:
        """The persona as the page's key dialog and the API show it (no password)."""
        return {
            "id": self.id,
            "name": self.name,
            "iin": self.iin,
            "bin": self.bin,
            "organization": self.organization,
            "role": self.role,
            "summary": self.summary,
            "usages": list(self.keys),
            "keys": [
                {
                    "usage": key.usage,
                    "notBefore": _iso(key.not_before),
                    "notAfter": _iso(key.not_after),
                }
                for key in self.keys.values()
            ],
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class KeyRing:
    """Every persona's key set, the server-wide current one, and the keystores opened so far.

    Opening a PKCS#12 runs its key derivation (a tenth of a second), so an opened keystore is
    kept, with a digest of the password that opened it: another password opens the file again.
    Methods may be called from worker threads.
    """

    def __init__(self, personas: Sequence[PersonaKeys], current: str | None = None) -> None:
        self._personas = {persona.id: persona for persona in personas}
        self._opened: dict[Path, tuple[bytes, Keystore]] = {}
        self._lock = threading.Lock()
        self._current = self._default() if current is None else self.persona(current).id

    @classmethod
    def load(
        cls, certs_dir: Path, pki: TestPki, password: str, current: str | None = None
    ) -> KeyRing:
        """The personas of the PKI in `certs_dir`; `password` opens keystores whose listing
        does not name one. `UnknownPersona` when `current` is not a persona."""
        personas = []
        for entry in load_personas(certs_dir):
            keys: dict[Usage, KeyFile] = {}
            for usage in ("sign", "auth"):
                info = entry["keystores"].get(usage)
                if info is None:
                    continue
                # Read from the PKI, not the keystore: listing keys must not need a password.
                record = pki.find(int(info["serial"], 16))
                try:
                    certificate = pki.certificate(record) if record is not None else None
                except OSError:
                    certificate = None  # listed without dates; signing still opens the file
                keys[usage] = KeyFile(usage, certs_dir / info["file"], certificate)
            personas.append(
                PersonaKeys(
                    id=entry["id"],
                    name=entry["name"],
                    iin=entry["iin"],
                    bin=entry.get("bin"),
                    organization=entry.get("organization"),
                    role=entry.get("role") or "individual",
                    summary=entry.get("summary") or "",
                    password=entry.get("password") or password,
                    keys=keys,
                )
            )
        return cls(personas, current)

    def _default(self) -> str | None:
        if DEFAULT_PERSONA in self._personas:
            return DEFAULT_PERSONA
        individuals = [p.id for p in self._personas.values() if p.role == "individual"]
        candidates = individuals or list(self._personas)
        return candidates[0] if candidates else None

    @property
    def personas(self) -> list[PersonaKeys]:
        """Every key set, in the listing's order."""
        return list(self._personas.values())

    def persona(self, persona_id: str) -> PersonaKeys:
        """A key set by its persona's id; `UnknownPersona` when there is none."""
        try:
            return self._personas[persona_id]
        except KeyError:
            raise UnknownPersona(persona_id) from None

    @property
    def current(self) -> PersonaKeys | None:
        """The server-wide key set (None only when the PKI has no personas)."""
        return None if self._current is None else self._personas[self._current]

    def make_current(self, persona_id: str) -> PersonaKeys:
        """Choose the server-wide key set."""
        persona = self.persona(persona_id)
        self._current = persona.id
        return persona

    def select(self, persona: PersonaKeys, usage: Usage | None) -> KeyFile:
        """The persona's key of a usage, or with None any key, the signing one first;
        `NoSuchKey` when it has none."""
        wanted: tuple[Usage, ...] = ("sign", "auth") if usage is None else (usage,)
        for candidate in wanted:
            key = persona.keys.get(candidate)
            if key is not None:
                return key
        raise NoSuchKey(f"{persona.id} has no {usage or 'key'}")

    def open(self, key: KeyFile, password: str) -> Keystore:
        """The opened keystore; `WrongPassword` when the password does not open it."""
        seal = hashlib.sha256(password.encode()).digest()
        with self._lock:
            known = self._opened.get(key.path)
        if known is not None and hmac.compare_digest(known[0], seal):
            return known[1]
        try:
            keystore = load_keystore(key.path, password)
        except KeystoreError as error:
            raise WrongPassword(str(error)) from None
        with self._lock:
            self._opened[key.path] = (seal, keystore)
        return keystore

    def unlock(self, persona: PersonaKeys, password: str) -> None:
        """Check a password against the persona's keystores, as NCALayer does when a key is
        picked; `WrongPassword` when one does not open."""
        for key in persona.keys.values():
            self.open(key, password)
