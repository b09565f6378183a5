"""`kz.gov.pki.knca.basics` `sign`: a CMS (PEM) or signed XML with the first key whose extended
key usages the signer parameters ask for, and, when `signingParams.tsaProfile` is not `{}`, a
timestamp from the simulator's TSA on each CMS (answered `egovsim: CODE: ...` when it fails)."""

from __future__ import annotations

from typing import Any

from egovsim.ncalayer import signer
from egovsim.ncalayer.calls import (
    Failure,
    Session,
    basics_failure,
    decode_base64,
    sign_xml,
    unlock,
)
from egovsim.ncalayer.stamping import ProfileRefused, TsaRequest, read_profile
from egovsim.pki.keystore import Keystore
from egovsim.signatures.cades import TimestampError

BASICS = "kz.gov.pki.knca.basics"


def basics(session: Session, method: Any, args: Any) -> dict[str, Any]:
    """`kz.gov.pki.knca.basics`: its one method, `sign`."""
    if method != "sign":
        return basics_failure(f"java.lang.NoSuchMethodException: {BASICS}.{method}")
    try:
        result = _basics_sign(session, args)
    except Failure as failure:
        return basics_failure(failure.message)
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
        return [sign_xml(document, keystore) for document in documents]
    if form != "cms":
        raise Failure(f"java.lang.IllegalArgumentException: unknown format: {form}")
    decode = _member(signing, "decode", bool, "Boolean", True)
    encapsulate = _member(signing, "encapsulate", bool, "Boolean", True)
    digested = _member(signing, "digested", bool, "Boolean", False)
    stamping = tsa_request(session, _member(signing, "tsaProfile", dict, "JSONObject", {}))
    contents = [decode_base64(d) if decode else d.encode("utf-8") for d in documents]
    if digested and not all(contents):
        raise Failure("java.lang.IllegalArgumentException: the hash to sign is empty")
    keystore = _basics_key(session, wanted)
    now = session.now()
    signatures = [
        signer.pem(
            stamped(
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


def tsa_request(session: Session, profile: dict[str, Any]) -> TsaRequest | None:
    """What a page's tsaProfile asks of the TSA (None for `{}`), refused before anything is
    signed."""
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


def stamped(session: Session, signature: bytes, request: TsaRequest | None) -> bytes:
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
            return unlock(session, key, password)
    raise Failure(
        f"egovsim: the key set {persona.id} has no key whose certificate carries the extended "
        f"key usages {', '.join(wanted)}; choose another key set"
    )
