"""NCALayer's JSON protocol: one request in, one answer out, shaped as the real NCALayer shapes
them (`reference/ncalayer/captured-exchanges.json`). No I/O here: the WebSocket is the web's.

- `kz.gov.pki.knca.commonUtils` answers `{"code": "200", "responseObject": ...}`, or
  `{"code": "500", "message": ...}`; arguments are matched by position and JSON type, as
  NCALayer's reflection matches them ("argument type mismatch").
- `kz.gov.pki.knca.basics` `sign` answers `{"status": true, "body": {"result": ...}}`, or
  `{"status": false, "code", "message", "details"}`. Its `signingParams.tsaProfile` `{}` (the
  captures) asks for no timestamp; a profile (`{"policy": OID}`) asks the simulator's TSA for
  a CAdES-T token on each CMS, and a refusal's details name the code (`egovsim: CODE: ...`).
- `kz.egovsim.keys` is egovsim's own: list the key sets, choose one for this connection with
  its password (as NCALayer's key window asks), or forget the choice.
- `kz.egovsim.cms` is egovsim's own too: `addSigner` adds the chosen key set's signature to an
  existing CMS (a company document's second signer), as `egovsim sign cms --add` does; NCALayer's
  own API has no such call.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from egovsim.gateway.xmlsafe import XmlRefused
from egovsim.ncalayer import signer
from egovsim.ncalayer.keys import (
    KeyFile,
    KeyRing,
    NoSuchKey,
    PersonaKeys,
    UnknownPersona,
    WrongPassword,
)
from egovsim.ncalayer.stamping import ProfileRefused, Stamper, TsaRequest, read_profile
from egovsim.ncalayer.xmldsig import XmlSigningError, document_bytes, sign_enveloped
from egovsim.pki.keystore import Keystore
from egovsim.pki.oids import Usage
from egovsim.signatures.cades import TimestampError, add_signer
from egovsim.signatures.encoding import to_der

__all__ = [
    "BASICS",
    "COMMON_UTILS",
    "EGOVSIM_CMS",
    "EGOVSIM_KEYS",
    "HEARTBEAT",
    "INIT_MESSAGE",
    "Session",
    "answer",
]

log = logging.getLogger("egovsim.ncalayer")

#: What NCALayer sends as soon as a client connects.
INIT_MESSAGE = '{"result":{"version":"1.2"}}'
#: Clients keep the socket alive with this text; NCALayer sends it back.
HEARTBEAT = "--heartbeat--"

COMMON_UTILS = "kz.gov.pki.knca.commonUtils"
BASICS = "kz.gov.pki.knca.basics"
EGOVSIM_KEYS = "kz.egovsim.keys"
EGOVSIM_CMS = "kz.egovsim.cms"

#: Java's own words for a PKCS#12 that does not open with the password given.
WRONG_PASSWORD = "java.io.IOException: keystore password was incorrect"

#: commonUtils methods and the JSON types of their arguments, by position.
_COMMON_UTILS: dict[str, tuple[type, ...]] = {
    "getActiveTokens": (),
    "getKeyInfo": (str,),
    "createCAdESFromBase64": (str, str, str, bool),
    "createCAdESFromBase64Hash": (str, str, str),
    "createCMSSignatureFromBase64": (str, str, str, bool),
    "signXml": (str, str, str, str, str),
    "signXmls": (str, str, list, str, str),
    "changeLocale": (str,),
}
_EGOVSIM_KEYS: dict[str, tuple[type, ...]] = {
    "list": (),
    "choose": (str, str),
    "forget": (),
}
_KEY_TYPES: dict[str, Usage] = {"SIGNATURE": "sign", "AUTHENTICATION": "auth"}
_KEY_TYPE_NAMES: dict[Usage, str] = {"sign": "SIGNATURE", "auth": "AUTHENTICATION"}
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
#: How NCALayer writes the attributes of a distinguished name (subjectDn, issuerDn).
_DN_NAMES = {
    NameOID.COMMON_NAME: "CN",
    NameOID.SURNAME: "SURNAME",
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.COUNTRY_NAME: "C",
    NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.GIVEN_NAME: "G",
    NameOID.EMAIL_ADDRESS: "E",
}


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


def answer(session: Session, text: str) -> str:
    """The answer to one message from a client, as the JSON text NCALayer would send."""
    if text == HEARTBEAT:
        return HEARTBEAT
    try:
        request = json.loads(text)
    except ValueError:
        request = None
    if not isinstance(request, dict):
        return _dump(_common_failure("org.json.JSONException: the message is not a JSON object"))
    module, method = request.get("module"), request.get("method")
    args = request.get("args")
    try:
        if module == BASICS:
            return _dump(_basics(session, method, args))
        if module == COMMON_UTILS:
            return _dump(_common_utils(session, method, args))
        if module == EGOVSIM_CMS:
            return _dump(_egovsim_cms(session, method, args))
        if module == EGOVSIM_KEYS:
            return _dump(_egovsim_keys(session, method, args))
        return _dump(_common_failure(f"java.lang.ClassNotFoundException: {module}"))
    except Exception:
        # A request must never take the socket down; the cause goes to the log.
        log.exception("NCALayer request %s.%s failed", module, method)
        failure = "java.lang.RuntimeException: egovsim could not answer; see its log"
        if module == BASICS:
            return _dump(_basics_failure(failure))
        return _dump(_common_failure(failure))


def _dump(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _common_failure(message: str | None) -> dict[str, Any]:
    return {"code": "500"} if message is None else {"code": "500", "message": message}


def _basics_failure(details: str | None) -> dict[str, Any]:
    return {
        "code": "INVOCATION_ERROR",
        "details": details,
        "message": "An invoked method threw an exception.",
        "status": False,
    }


def _arguments(method: str, args: Any, types: tuple[type, ...]) -> list[Any]:
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


# -- kz.gov.pki.knca.commonUtils -------------------------------------------------------------


def _common_utils(session: Session, method: Any, args: Any) -> dict[str, Any]:
    if not isinstance(method, str) or method not in _COMMON_UTILS:
        return _common_failure(f"java.lang.NoSuchMethodException: {COMMON_UTILS}.{method}")
    try:
        values = _arguments(method, args, _COMMON_UTILS[method])
        result = _call_common_utils(session, method, values)
    except Failure as failure:
        return _common_failure(failure.message)
    if method == "changeLocale":
        return {"code": "200"}
    return {"code": "200", "responseObject": result}


def _call_common_utils(session: Session, method: str, values: list[Any]) -> Any:
    if method == "getActiveTokens":
        return []  # no hardware tokens: every key is a PKCS#12 file
    if method == "changeLocale":
        session.locale = values[0]
        return None
    if method == "getKeyInfo":
        keystore = _open(session, None)
        return key_info(keystore)
    usage = _KEY_TYPES.get(values[1])
    if method in ("createCAdESFromBase64", "createCMSSignatureFromBase64"):
        content = _decode_base64(values[2])
        keystore = _open(session, usage)
        signature = signer.sign_data(content, keystore, session.now(), attached=values[3])
        return base64.b64encode(signature).decode("ascii")
    if method == "createCAdESFromBase64Hash":
        if not values[2]:
            raise Failure(None)  # NCALayer answers an empty hash with a bare 500
        digest = _decode_base64(values[2])
        keystore = _open(session, usage)
        return base64.b64encode(signer.sign_hash(digest, keystore, session.now())).decode("ascii")
    _refuse_xpaths(values[3], values[4])
    keystore = _open(session, usage)
    if method == "signXml":
        return _sign_xml(values[2], keystore)
    return [_sign_xml(document, keystore) for document in values[2]]


def _refuse_xpaths(tbs_element: str, signature_parent: str) -> None:
    if tbs_element or signature_parent:
        raise Failure(
            "egovsim: signing a part of a document (tbsElementXPath, signatureParentElementXPath) "
            "is not simulated; give empty strings to sign the whole document"
        )


def key_info(keystore: Keystore) -> dict[str, str]:
    """What getKeyInfo tells of the chosen key: its certificate's names, dates and PEM."""
    certificate = keystore.certificate
    key = certificate.public_key()
    algorithm = "RSA" if isinstance(key, rsa.RSAPublicKey) else "ECDSA"
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        algorithm = type(key).__name__
    key_id = _extension_hex(certificate, x509.SubjectKeyIdentifier)
    return {
        "alias": key_id,
        "keyId": key_id,
        "algorithm": algorithm,
        "subjectCn": _common_name(certificate.subject),
        "subjectDn": _distinguished_name(certificate.subject),
        "issuerCn": _common_name(certificate.issuer),
        "issuerDn": _distinguished_name(certificate.issuer),
        "serialNumber": format(certificate.serial_number, "x"),
        "certNotBefore": str(int(certificate.not_valid_before_utc.timestamp() * 1000)),
        "certNotAfter": str(int(certificate.not_valid_after_utc.timestamp() * 1000)),
        "authorityKeyIdentifier": _extension_hex(certificate, x509.AuthorityKeyIdentifier),
        "pem": certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    }


def _extension_hex(
    certificate: x509.Certificate,
    kind: type[x509.SubjectKeyIdentifier] | type[x509.AuthorityKeyIdentifier],
) -> str:
    try:
        value = certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return ""
    if isinstance(value, x509.SubjectKeyIdentifier):
        return value.digest.hex()
    assert isinstance(value, x509.AuthorityKeyIdentifier)
    return value.key_identifier.hex() if value.key_identifier else ""


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def _distinguished_name(name: x509.Name) -> str:
    # In the certificate's order (CN first), as NCALayer prints it; RFC 4514 reverses it.
    return ",".join(attribute.rfc4514_string(_DN_NAMES) for rdn in name.rdns for attribute in rdn)


def _decode_base64(text: str) -> bytes:
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


def _open(session: Session, usage: Usage | None) -> Keystore:
    """The keystore of the session's key set for a key type (None: any, signing first)."""
    persona, password = session.key_set()
    try:
        key = session.keyring.select(persona, usage)
    except NoSuchKey:
        assert usage is not None
        raise Failure(_missing_key(persona, usage)) from None
    return _unlock(session, key, password)


def _unlock(session: Session, key: KeyFile, password: str) -> Keystore:
    try:
        return session.keyring.open(key, password)
    except WrongPassword:
        raise Failure(WRONG_PASSWORD) from None


def _missing_key(persona: PersonaKeys, usage: Usage) -> str:
    has = ", ".join(_KEY_TYPE_NAMES[other] for other in persona.keys) or "no key"
    return (
        f"egovsim: the key set {persona.id} has no {_KEY_TYPE_NAMES[usage]} key (it has {has}); "
        'ask for keyType "" to sign with any key it has, or choose another key set'
    )


def _sign_xml(text: str, keystore: Keystore) -> str:
    try:
        return sign_enveloped(document_bytes(text), keystore.key, keystore.certificate)
    except XmlRefused as refused:
        raise Failure(f"org.xml.sax.SAXParseException; {refused.detail}") from None
    except XmlSigningError as error:
        raise Failure(f"egovsim: {error}") from None


# -- kz.gov.pki.knca.basics --------------------------------------------------------------------


def _basics(session: Session, method: Any, args: Any) -> dict[str, Any]:
    if method != "sign":
        return _basics_failure(f"java.lang.NoSuchMethodException: {BASICS}.{method}")
    try:
        result = _basics_sign(session, args)
    except Failure as failure:
        return _basics_failure(failure.message)
    return {"body": {"result": result}, "status": True}


def _member(container: dict[str, Any], name: str, kind: type, what: str, default: Any) -> Any:
    """A member of a JSON object as org.json reads it; `default` None means it is required."""
    if name not in container or container[name] is None:
        if default is None:
            raise Failure(f'org.json.JSONException: JSONObject["{name}"] not found.')
        return default
    value = container[name]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise Failure(f'org.json.JSONException: JSONObject["{name}"] is not a {what}.')
    return value


def _basics_sign(session: Session, args: Any) -> str | list[str]:
    if not isinstance(args, dict):
        raise Failure('org.json.JSONException: JSONObject["args"] is not a JSONObject.')
    storages = args.get("allowedStorages")
    if storages is not None and not (
        isinstance(storages, list) and all(isinstance(s, str) for s in storages)
    ):
        raise Failure('org.json.JSONException: JSONObject["allowedStorages"] is not a JSONArray.')
    form = _member(args, "format", str, "string", None)
    data = args.get("data")
    if isinstance(data, str):
        documents = [data]
    elif isinstance(data, list) and data and all(isinstance(d, str) for d in data):
        documents = list(data)
    else:
        raise Failure('org.json.JSONException: JSONObject["data"] is not a string or JSONArray.')
    signing = _member(args, "signingParams", dict, "JSONObject", None)
    signer_params = _member(args, "signerParams", dict, "JSONObject", None)
    wanted = _member(signer_params, "extKeyUsageOids", list, "JSONArray", [])
    if not all(isinstance(oid, str) for oid in wanted):
        raise Failure('org.json.JSONException: JSONArray["extKeyUsageOids"] is not a string.')
    session.locale = _member(args, "locale", str, "string", session.locale)
    if form == "xml":
        keystore = _basics_key(session, wanted)
        return [_sign_xml(document, keystore) for document in documents]
    if form != "cms":
        raise Failure(f"java.lang.IllegalArgumentException: unknown format: {form}")
    decode = _member(signing, "decode", bool, "Boolean", True)
    encapsulate = _member(signing, "encapsulate", bool, "Boolean", True)
    digested = _member(signing, "digested", bool, "Boolean", False)
    stamping = _tsa_request(session, _member(signing, "tsaProfile", dict, "JSONObject", {}))
    contents = [_decode_base64(d) if decode else d.encode("utf-8") for d in documents]
    if digested and not all(contents):
        raise Failure("java.lang.IllegalArgumentException: the hash to sign is empty")
    keystore = _basics_key(session, wanted)
    now = session.now()
    signatures = [
        signer.pem(
            _stamped(
                session,
                signer.sign_hash(content, keystore, now)
                if digested
                else signer.sign_data(content, keystore, now, attached=encapsulate),
                stamping,
            )
        )
        for content in contents
    ]
    return signatures[0] if isinstance(data, str) else signatures


def _tsa_request(session: Session, profile: dict[str, Any]) -> TsaRequest | None:
    own = session.stamper.url if session.stamper is not None else None
    try:
        request = read_profile(profile, own)
    except ProfileRefused as refused:
        raise Failure(f"egovsim: {refused}") from None
    if request is not None and session.stamper is None:
        raise Failure(
            "egovsim: TSA_UNAVAILABLE: this signer has no TSA to ask (tsaProfile); serve it "
            "with the simulator, or give tsaProfile {}"
        )
    return request


def _stamped(session: Session, signature: bytes, request: TsaRequest | None) -> bytes:
    """The CMS with the timestamp tokens the profile asked for (none for `{}`)."""
    if request is None:
        return signature
    assert session.stamper is not None
    try:
        return session.stamper.stamp(signature, request)
    except TimestampError as error:
        raise Failure(f"egovsim: {error.code}: {error}") from None


def _basics_key(session: Session, wanted: list[str]) -> Keystore:
    """The first key of the key set (signing first) whose certificate carries every extended
    key usage the signer parameters ask for, as NCALayer lists only such keys."""
    persona, password = session.key_set()
    for key in persona.keys.values():
        if set(wanted) <= key.extended_usages:
            return _unlock(session, key, password)
    raise Failure(
        f"egovsim: the key set {persona.id} has no key whose certificate carries the extended "
        f"key usages {', '.join(wanted)}; choose another key set"
    )


# -- kz.egovsim.keys ---------------------------------------------------------------------------


def _egovsim_keys(session: Session, method: Any, args: Any) -> dict[str, Any]:
    if not isinstance(method, str) or method not in _EGOVSIM_KEYS:
        return _common_failure(f"java.lang.NoSuchMethodException: {EGOVSIM_KEYS}.{method}")
    try:
        values = _arguments(method, args, _EGOVSIM_KEYS[method])
        if method == "choose":
            return {"code": "200", "responseObject": _choose(session, values[0], values[1])}
    except Failure as failure:
        return _common_failure(failure.message)
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


def _egovsim_cms(session: Session, method: Any, args: Any) -> dict[str, Any]:
    """`addSigner [keyType, cms, data, tsaProfile]`: the CMS (base64 or PEM) with one more
    signer over the same data (`data` base64 for a detached CMS, "" for an attached one), the
    earlier signers and their timestamps untouched; a tsaProfile stamps the new signer."""
    if method != "addSigner":
        return _common_failure(f"java.lang.NoSuchMethodException: {EGOVSIM_CMS}.{method}")
    try:
        key_type, existing, data, profile = _arguments(method, args, (str, str, str, dict))
        stamping = _tsa_request(session, profile)
        earlier = (
            to_der(existing.encode("ascii", "replace"))
            if existing.lstrip().startswith("-----BEGIN")
            else _decode_base64(existing)
        )
        content = _decode_base64(data) if data else None
        keystore = _open(session, _KEY_TYPES.get(key_type))
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
        signature = _stamped(session, signature, stamping)
    except Failure as failure:
        return _common_failure(failure.message)
    return {"code": "200", "responseObject": base64.b64encode(signature).decode("ascii")}
