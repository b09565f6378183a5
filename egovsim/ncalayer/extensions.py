"""egovsim's own modules beside NCALayer's: `kz.egovsim.keys` (list the key sets, choose one
for the connection with its password, forget the choice) and `kz.egovsim.cms` (`addSigner`: a
second signer added to an existing CMS, as `egovsim sign cms --add` does; NCALayer has no such
call)."""

from __future__ import annotations

import base64
from typing import Any

from egovsim.ncalayer.basics import stamped, tsa_request
from egovsim.ncalayer.calls import (
    KEY_TYPES,
    WRONG_PASSWORD,
    Failure,
    Session,
    arguments,
    common_failure,
    decode_base64,
    open_keystore,
)
from egovsim.ncalayer.keys import UnknownPersona, WrongPassword
from egovsim.signatures.cades import add_signer
from egovsim.signatures.encoding import to_der

EGOVSIM_KEYS = "kz.egovsim.keys"
EGOVSIM_CMS = "kz.egovsim.cms"
_EGOVSIM_KEYS: dict[str, tuple[type, ...]] = {
    "list": (),
    "choose": (str, str),
    "forget": (),
}
# -- kz.egovsim.keys ---------------------------------------------------------------------------


def egovsim_keys(session: Session, method: Any, args: Any) -> dict[str, Any]:
    """`kz.egovsim.keys`: `list` the key sets, `choose [id, password]` one for the
    connection, `forget` the choice."""
    if not isinstance(method, str) or method not in _EGOVSIM_KEYS:
        return common_failure(f"java.lang.NoSuchMethodException: {EGOVSIM_KEYS}.{method}")
    try:
        values = arguments(method, args, _EGOVSIM_KEYS[method])
        if method == "choose":
            return {"code": "200", "responseObject": _choose(session, values[0], values[1])}
    except Failure as failure:
        return common_failure(failure.message)
    if method == "forget":
        session.chosen = None
        return {"code": "200"}
    keyring = session.keyring
    server_wide = keyring.current.id if keyring.current is not None else None
    return {
        "code": "200",
        "responseObject": {
            "current": session.chosen[0] if session.chosen else server_wide,
            "chosen": session.chosen is not None,
            "serverCurrent": server_wide,
            "keys": [persona.describe() for persona in keyring.personas],
        },
    }


def _choose(session: Session, persona_id: str, password: str) -> dict[str, Any]:
    """Choose a key set for this connection once its keystores open with the password."""
    try:
        persona = session.keyring.persona(persona_id)
    except UnknownPersona:
        raise Failure(f"egovsim: there is no key set {persona_id!r}") from None
    try:
        session.keyring.unlock(persona, password)
    except WrongPassword:
        raise Failure(WRONG_PASSWORD) from None
    session.chosen = (persona.id, password)
    return persona.describe()


# -- kz.egovsim.cms ----------------------------------------------------------------------------


def egovsim_cms(session: Session, method: Any, args: Any) -> dict[str, Any]:
    """`addSigner [keyType, cms, data, tsaProfile]`: the CMS (base64 or PEM) with one more
    signer over the same data (`data` base64 for a detached CMS, "" for an attached one), the
    earlier signers and their timestamps untouched; a tsaProfile stamps the new signer."""
    if method != "addSigner":
        return common_failure(f"java.lang.NoSuchMethodException: {EGOVSIM_CMS}.{method}")
    try:
        key_type, existing, data, profile = arguments(method, args, (str, str, str, dict))
        stamping = tsa_request(session, profile)
        earlier = (
            to_der(existing.encode("ascii", "replace"))
            if existing.lstrip().startswith("-----BEGIN")
            else decode_base64(existing)
        )
        content = decode_base64(data) if data else None
        keystore = open_keystore(session, KEY_TYPES.get(key_type))
        try:
            signature = add_signer(
                earlier,
                content,
                keystore.key,
                keystore.certificate,
                keystore.chain,
                session.now(),
            )
        except ValueError as error:
            raise Failure(f"egovsim: {error}") from None
        signature = stamped(session, signature, stamping)
    except Failure as failure:
        return common_failure(failure.message)
    return {"code": "200", "responseObject": base64.b64encode(signature).decode("ascii")}
