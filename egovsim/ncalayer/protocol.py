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
import json
import logging
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from egovsim.ncalayer import signer
from egovsim.ncalayer.basics import BASICS, basics
from egovsim.ncalayer.calls import (
    KEY_TYPES,
    Failure,
    Session,
    arguments,
    basics_failure,
    common_failure,
    decode_base64,
    dump,
    open_keystore,
    sign_xml,
)
from egovsim.ncalayer.extensions import EGOVSIM_CMS, EGOVSIM_KEYS, egovsim_cms, egovsim_keys
from egovsim.pki.keystore import Keystore

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


def answer(session: Session, text: str) -> str:
    """The answer to one message from a client, as the JSON text NCALayer would send."""
    if text == HEARTBEAT:
        return HEARTBEAT
    try:
        request = json.loads(text)
    except ValueError:
        request = None
    if not isinstance(request, dict):
        return dump(common_failure("org.json.JSONException: the message is not a JSON object"))
    module, method = request.get("module"), request.get("method")
    args = request.get("args")
    try:
        if module == BASICS:
            return dump(basics(session, method, args))
        if module == COMMON_UTILS:
            return dump(_common_utils(session, method, args))
        if module == EGOVSIM_CMS:
            return dump(egovsim_cms(session, method, args))
        if module == EGOVSIM_KEYS:
            return dump(egovsim_keys(session, method, args))
        return dump(common_failure(f"java.lang.ClassNotFoundException: {module}"))
    except Exception:
        # A request must never take the socket down; the cause goes to the log.
        log.exception("NCALayer request %s.%s failed", module, method)
        failure = "java.lang.RuntimeException: egovsim could not answer; see its log"
        if module == BASICS:
            return dump(basics_failure(failure))
        return dump(common_failure(failure))


# -- kz.gov.pki.knca.commonUtils -------------------------------------------------------------


def _common_utils(session: Session, method: Any, args: Any) -> dict[str, Any]:
    if not isinstance(method, str) or method not in _COMMON_UTILS:
        return common_failure(f"java.lang.NoSuchMethodException: {COMMON_UTILS}.{method}")
    try:
        values = arguments(method, args, _COMMON_UTILS[method])
        result = _call_common_utils(session, method, values)
    except Failure as failure:
        return common_failure(failure.message)
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
        keystore = open_keystore(session, None)
        return key_info(keystore)
    usage = KEY_TYPES.get(values[1])
    if method in ("createCAdESFromBase64", "createCMSSignatureFromBase64"):
        content = decode_base64(values[2])
        keystore = open_keystore(session, usage)
        signature = signer.sign_data(content, keystore, session.now(), attached=values[3])
        return base64.b64encode(signature).decode("ascii")
    if method == "createCAdESFromBase64Hash":
        if not values[2]:
            raise Failure(None)  # NCALayer answers an empty hash with a bare 500
        digest = decode_base64(values[2])
        keystore = open_keystore(session, usage)
        return base64.b64encode(signer.sign_hash(digest, keystore, session.now())).decode("ascii")
    _refuse_xpaths(values[3], values[4])
    keystore = open_keystore(session, usage)
    if method == "signXml":
        return sign_xml(values[2], keystore)
    return [sign_xml(document, keystore) for document in values[2]]


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
