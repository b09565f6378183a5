"""The `soap` step: a request to the gateway's /shep/async or /shep/sync as a peer system sends
it, optionally signed with WS-Security by a persona's key (in the form the gateway accepts, or
in another one, or changed after signing, to reach each of its WS-Security refusals), optionally
followed through the gateway's delivery to the message's final state."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree

from egovsim.gateway.wsnames import SOAP, SOAP_BODY, WSSE, WSU_ID, WSU_TIMESTAMP
from egovsim.gateway.wssign import EnvelopeError, sign_envelope
from egovsim.pki.keystore import Keystore
from egovsim.scenarios.actors import ActorError, Reply, signed
from egovsim.scenarios.model import WSS_PARTS
from egovsim.scenarios.steps.base import Run, StepFailed
from egovsim.signatures.xmldsig import (
    DS,
    ECDSA_SHA256,
    ECDSA_SHA384,
    ECDSA_SHA512,
    RSA_SHA256,
    RSA_SHA384,
    RSA_SHA512,
    SHA256,
    SHA384,
    SHA512,
    canonical,
)
from egovsim.signatures.xmlsafe import XmlRefused, parse_xml

#: XML-DSig's names of the digests and signature methods a `wss` option may ask for, with the
#: hash each computes (SHA-1 is there to be refused: WSS_WEAK_ALGORITHM).
DIGESTS: dict[str, tuple[str, str]] = {
    "sha256": (SHA256, "sha256"),
    "sha384": (SHA384, "sha384"),
    "sha512": (SHA512, "sha512"),
    "sha1": ("http://www.w3.org/2000/09/xmldsig#sha1", "sha1"),
}
METHODS: dict[str, tuple[str, hashes.HashAlgorithm]] = {
    "rsa-sha256": (RSA_SHA256, hashes.SHA256()),
    "rsa-sha384": (RSA_SHA384, hashes.SHA384()),
    "rsa-sha512": (RSA_SHA512, hashes.SHA512()),
    "rsa-sha1": ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", hashes.SHA1()),
    "ecdsa-sha256": (ECDSA_SHA256, hashes.SHA256()),
    "ecdsa-sha384": (ECDSA_SHA384, hashes.SHA384()),
    "ecdsa-sha512": (ECDSA_SHA512, hashes.SHA512()),
}
#: Inclusive canonicalization: well formed, and not what the gateway accepts (WSS_UNSUPPORTED).
INCLUSIVE_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#: What the signed result of a `cms` option signs unless it says otherwise.
CMS_CONTENT = "egovsim: a signed result"
#: A namespace for what a wrapping attack adds to the envelope.
ATTACKER = "urn:egovsim:scenario:wrapping"
XML = {"Content-Type": "text/xml"}


async def soap(run: Run, args: dict[str, Any]) -> list[Reply]:
    """POST the body to /shep/{channel}: `${cms}` first becomes the `cms` option's signed
    result, then placeholders are filled, then `wss` signs (and changes) the envelope; with
    `deliver`, an accepted message is followed through the gateway's deliveries and its log
    entry is the step's last reply."""
    channel = str(args.get("channel", "async"))
    text = str(args["body"])
    if "cms" in args:
        text = text.replace("${cms}", await _cms(run, args["cms"]))
    body = str(run.fill(text)).encode()
    if "wss" in args:
        body = await _signed(run, body, dict(args["wss"]))
    reply = await run.http.request("POST", f"/shep/{channel}", data=body, headers=XML)
    if args.get("again") and reply.status == 200:
        # The same bytes once more: a replay, as an eavesdropper would send it.
        reply = await run.http.request("POST", f"/shep/{channel}", data=body, headers=XML)
    if not args.get("deliver") or reply.status != 200:
        return [reply]
    message_id = _text_of(reply.raw, "messageId")
    if not message_id:
        raise StepFailed("the gateway's answer names no messageId to follow", reply.evidence())
    try:
        await run.deliver()
    except ActorError as error:
        raise StepFailed(error.message, error.evidence) from None
    return [reply, await run.http.request("GET", f"/api/v1/gateway/messages/{message_id}")]


async def _cms(run: Run, spec: Any) -> str:
    """Base64 of an attached CMS by the persona's signing key: a result as a provider signs it."""
    if isinstance(spec, str):
        persona, content = spec, CMS_CONTENT
    elif isinstance(spec, dict) and isinstance(spec.get("persona"), str):
        persona, content = spec["persona"], str(spec.get("content", CMS_CONTENT))
    else:
        raise StepFailed("cms is a persona or {persona, content}")
    made = signed(_signing_key(run, persona), content.encode(), await run.http.now())
    return base64.b64encode(made).decode()


def _signing_key(run: Run, persona: str) -> Keystore:
    stores = run.personas.entry(persona)["keystores"]
    return run.personas.keystore(persona, "sign" if "sign" in stores else "auth")


async def _signed(run: Run, envelope: bytes, wss: dict[str, Any]) -> bytes:
    keystore = _signing_key(run, str(wss["signer"]))
    try:
        created = await run.http.now() + timedelta(minutes=int(wss.get("created", 0)))
        made = sign_envelope(envelope, keystore.key, keystore.certificate, created=created)
        return reshape(made, keystore.key, wss)
    except (EnvelopeError, XmlRefused) as error:
        raise StepFailed(f"the envelope cannot be signed: {error}") from None


def reshape(envelope: bytes, key: PrivateKeyTypes, wss: dict[str, Any]) -> bytes:
    """A signed envelope (`sign_envelope`'s) made into what `wss` asks for: signed over only
    the parts in `sign`, with the `digest`, `method` and `c14n` named (signed again, honestly,
    with `key`), then changed after signing as `tamper` says."""
    root = parse_xml(envelope)
    signature = _one(root, f".//{{{DS}}}Signature")
    signed_info = _one(signature, f"{{{DS}}}SignedInfo")
    by_id = {e.get(WSU_ID): e for e in root.iter(etree.Element) if e.get(WSU_ID)}
    changed = False
    for part, target in (("body", _one(root, SOAP_BODY)), ("timestamp", _timestamp(root))):
        if part not in wss.get("sign", WSS_PARTS):
            reference = _one(signed_info, f"{{{DS}}}Reference[@URI='#{target.get(WSU_ID)}']")
            signed_info.remove(reference)
            changed = True
    if wss.get("digest", "sha256") != "sha256":
        uri, name = DIGESTS[wss["digest"]]
        for reference in signed_info.iterfind(f"{{{DS}}}Reference"):
            target = by_id[reference.get("URI", "#")[1:]]
            _one(reference, f"{{{DS}}}DigestMethod").set("Algorithm", uri)
            digest = hashlib.new(name, canonical(target)).digest()
            _one(reference, f"{{{DS}}}DigestValue").text = base64.b64encode(digest).decode()
        changed = True
    method = wss.get("method")
    if method is not None:
        _one(signed_info, f"{{{DS}}}SignatureMethod").set("Algorithm", METHODS[method][0])
        changed = True
    exclusive = wss.get("c14n", "exclusive") == "exclusive"
    if not exclusive:
        _one(signed_info, f"{{{DS}}}CanonicalizationMethod").set("Algorithm", INCLUSIVE_C14N)
        changed = True
    if changed:
        value = _sign(key, canonical(signed_info, exclusive=exclusive), method)
        _one(signature, f"{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()
    tamper = wss.get("tamper")
    if tamper is not None:
        TAMPERINGS[tamper](root)
    return bytes(etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8"))


def _sign(key: PrivateKeyTypes, data: bytes, method: str | None) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey) and (method or "rsa-").startswith("rsa-"):
        algorithm = METHODS[method or "rsa-sha256"][1]
        return key.sign(data, padding.PKCS1v15(), algorithm)
    if isinstance(key, ec.EllipticCurvePrivateKey) and (method or "ecdsa-").startswith("ecdsa-"):
        algorithm = METHODS[method or f"ecdsa-sha{min(key.curve.key_size, 512)}"][1]
        # XML-DSig's ECDSA value is r and s side by side, each as long as the curve's order.
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(algorithm)))
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    raise StepFailed(f"the signer's {type(key).__name__} cannot sign with {method}")


# -- what is changed after signing ------------------------------------------------------------


def _change_body(root: etree._Element) -> None:
    """The Body's last text gets more words: its digest no longer matches (WSS_DIGEST_MISMATCH)."""
    _change_text(_one(root, SOAP_BODY))


def _change_text(body: etree._Element) -> None:
    texts = [e for e in body.iter(etree.Element) if e is not body and (e.text or "").strip()]
    if not texts:
        raise StepFailed("the Body holds no text to change after signing")
    texts[-1].text = f"{texts[-1].text} (changed)"


def _flip_signature(root: etree._Element) -> None:
    """One bit of the SignatureValue flipped (WSS_SIGNATURE_INVALID)."""
    node = _one(root, f".//{{{DS}}}SignatureValue")
    value = bytearray(base64.b64decode(node.text or ""))
    value[len(value) // 2] ^= 0x01
    node.text = base64.b64encode(bytes(value)).decode()


def _spoil_token(root: etree._Element) -> None:
    """The BinarySecurityToken holds bytes that are no certificate (WSS_TOKEN_INVALID)."""
    token = _one(root, f".//{{{WSSE}}}BinarySecurityToken")
    token.text = base64.b64encode(b"not a certificate").decode()


def _wrap(root: etree._Element) -> None:
    """The signed Body moved into a wrapper in the Header, and a changed copy of it put in its
    place: the classic wrapping attack (SIGNATURE_WRAPPING)."""
    body = _one(root, SOAP_BODY)
    header = _one(root, f"{{{SOAP}}}Header")
    forged = etree.SubElement(root, SOAP_BODY)
    for child in body:
        forged.append(etree.fromstring(etree.tostring(child)))
    _change_text(forged)
    etree.SubElement(header, f"{{{ATTACKER}}}Wrapper").append(body)


def _comment_in_text(root: etree._Element) -> None:
    """A comment in the first signed text of the Body (`X<!---->-rest`): canonicalization
    leaves it out, so the digest still matches (WSS_SIGNED_CONTENT_AMBIGUOUS)."""
    _split_text(root, etree.Comment(""))


def _instruction_in_text(root: etree._Element) -> None:
    """A processing instruction in the first signed text of the Body, as `comment` does."""
    _split_text(root, etree.ProcessingInstruction("egovsim"))


def _split_text(root: etree._Element, node: etree._Element) -> None:
    body = _one(root, SOAP_BODY)
    texts = [e for e in body.iter(etree.Element) if e is not body and (e.text or "").strip()]
    if not texts:
        raise StepFailed("the Body holds no text to put a comment into")
    first = texts[0]
    text = first.text or ""
    first.text, node.tail = text[:1], text[1:]
    first.insert(0, node)


TAMPERINGS = {
    "comment": _comment_in_text,
    "instruction": _instruction_in_text,
    "body": _change_body,
    "signature": _flip_signature,
    "token": _spoil_token,
    "wrap": _wrap,
}


def _timestamp(root: etree._Element) -> etree._Element:
    return _one(root, f".//{WSU_TIMESTAMP}")


def _one(parent: etree._Element, path: str) -> etree._Element:
    found = parent.find(path)
    if found is None:
        raise StepFailed(f"the signed envelope has no {path.rsplit('}', 1)[-1]}")
    return found


def _text_of(raw: bytes, name: str) -> str | None:
    """The text of the first element called `name` in an XML answer."""
    try:
        root = parse_xml(raw)
    except XmlRefused:
        return None
    found = next((e for e in root.iter(etree.Element) if etree.QName(e).localname == name), None)
    return (found.text or "").strip() if found is not None else None
