"""What the NCALayer-compatible signer's modules share: the connection's session, the failure
a call answers with, arguments read as Java's reflection reads them, and the keystores opened
for the chosen key set."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from egovsim.ncalayer.keys import KeyFile, KeyRing, NoSuchKey, PersonaKeys, WrongPassword
from egovsim.ncalayer.stamping import Stamper
from egovsim.ncalayer.xmldsig import XmlSigningError, document_bytes, sign_document
from egovsim.pki.keystore import Keystore
from egovsim.pki.oids import Usage
from egovsim.signatures.xmlsafe import XmlRefused

#: Java's own words for a PKCS#12 that does not open with the password given.
WRONG_PASSWORD = "java.io.IOException: keystore password was incorrect"

KEY_TYPES: dict[str, Usage] = {"SIGNATURE": "sign", "AUTHENTICATION": "auth"}
KEY_TYPE_NAMES: dict[Usage, str] = {"sign": "SIGNATURE", "auth": "AUTHENTICATION"}
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


class Failure(Exception):
    """An answer other than success; `message` None answers without one, as NCALayer does when
    its exception had no message."""

    def __init__(self, message: str | None) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Session:
    """One connection: the key sets, the simulator's clock, and the key set chosen on it."""

    keyring: KeyRing
    now: Callable[[], datetime]
    #: The persona chosen on this connection and the password that opened its keystores.
    chosen: tuple[str, str] | None = None
    locale: str = "ru"
    #: The simulator's TSA, asked when a page's tsaProfile wants a timestamp.
    stamper: Stamper | None = None

    def key_set(self) -> tuple[PersonaKeys, str]:
        """The persona to sign with and the password to open its keystores."""
        if self.chosen is not None:
            persona_id, password = self.chosen
            return self.keyring.persona(persona_id), password
        persona = self.keyring.current
        if persona is None:
            raise Failure("egovsim: the test PKI has no personas; run 'egovsim pki init'")
        return persona, persona.password


def dump(body: dict[str, Any]) -> str:
    """An answer as the compact JSON text NCALayer sends."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def common_failure(message: str | None) -> dict[str, Any]:
    """commonUtils' failure: code 500 with the exception's message, if it had one."""
    return {"code": "500"} if message is None else {"code": "500", "message": message}


def basics_failure(details: str | None) -> dict[str, Any]:
    """basics' failure: an invocation error whose details are the exception's message."""
    return {
        "code": "INVOCATION_ERROR",
        "details": details,
        "message": "An invoked method threw an exception.",
        "status": False,
    }


def arguments(method: str, args: Any, types: tuple[type, ...]) -> list[Any]:
    """The arguments of a positional method, checked the way Java's reflection checks them."""
    values = [] if args is None else args
    if not isinstance(values, list) or len(values) != len(types):
        raise Failure(
            f"java.lang.IllegalArgumentException: wrong number of arguments. Method: {method}"
        )
    for value, kind in zip(values, types, strict=True):
        # JSON's true is not a string, null is nothing, and a number is not a boolean.
        fits = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if kind is list and fits:
            fits = all(isinstance(item, str) for item in value)
        if not fits:
            raise Failure(
                f"java.lang.IllegalArgumentException: argument type mismatch. Method: {method}"
            )
    return values


def decode_base64(text: str) -> bytes:
    """Base64 as Java's decoder reads it: padding may be left out, nothing else may."""
    compact = "".join(text.split())
    for character in compact:
        if character not in _BASE64:
            raise Failure(
                f"java.lang.IllegalArgumentException: Illegal base64 character {ord(character):x}"
            )
    compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise Failure(
            "java.lang.IllegalArgumentException: Input byte array has wrong 4-byte ending unit"
        ) from None


def open_keystore(session: Session, usage: Usage | None) -> Keystore:
    """The keystore of the session's key set for a key type (None: any, signing first)."""
    persona, password = session.key_set()
    try:
        key = session.keyring.select(persona, usage)
    except NoSuchKey:
        assert usage is not None
        raise Failure(missing_key(persona, usage)) from None
    return unlock(session, key, password)


def unlock(session: Session, key: KeyFile, password: str) -> Keystore:
    """The key's keystore opened with `password`; Java's words when it does not open."""
    try:
        return session.keyring.open(key, password)
    except WrongPassword:
        raise Failure(WRONG_PASSWORD) from None


def missing_key(persona: PersonaKeys, usage: Usage) -> str:
    """What the signer says when the key set has no key of the type asked for."""
    has = ", ".join(KEY_TYPE_NAMES[other] for other in persona.keys) or "no key"
    return (
        f"egovsim: the key set {persona.id} has no {KEY_TYPE_NAMES[usage]} key (it has {has}); "
        'ask for keyType "" to sign with any key it has, or choose another key set'
    )


def sign_xml(text: str, keystore: Keystore) -> str:
    """An XML document with an enveloped signature; a parser refusal in Java's words."""
    try:
        return sign_document(document_bytes(text), keystore.key, keystore.certificate)
    except XmlRefused as refused:
        raise Failure(f"org.xml.sax.SAXParseException; {refused.detail}") from None
    except XmlSigningError as error:
        raise Failure(f"egovsim: {error}") from None
