"""Signing SOAP 1.1 envelopes with WS-Security: an X.509 BinarySecurityToken, a Timestamp, and
one XML-DSig Signature over the Body and the Timestamp.

The form is the one `egovsim.gateway.wssecurity.verify_envelope` accepts: same-document `wsu:Id`
references, exclusive canonicalization, SHA-256 digests, RSA-SHA256 or ECDSA with the curve's SHA-2.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree

from egovsim.clock import as_utc
from egovsim.gateway.wsnames import (
    BASE64_BINARY,
    DS,
    ECDSA_SHA256,
    ECDSA_SHA384,
    ECDSA_SHA512,
    EXC_C14N,
    RSA_SHA256,
    SHA256,
    SOAP,
    SOAP_BODY,
    WSSE,
    WSU,
    WSU_ID,
    WSU_TIMESTAMP,
    X509V3,
)
from egovsim.gateway.xmlsafe import canonical, parse_xml

__all__ = ["DEFAULT_TTL", "EnvelopeError", "sign_envelope"]

#: Signature algorithms by the size of the EC key's curve.
_EC_METHODS: dict[int, tuple[str, hashes.HashAlgorithm]] = {
    256: (ECDSA_SHA256, hashes.SHA256()),
    384: (ECDSA_SHA384, hashes.SHA384()),
    521: (ECDSA_SHA512, hashes.SHA512()),
}

DEFAULT_TTL = timedelta(minutes=5)


class EnvelopeError(ValueError):
    """An envelope that cannot be signed, or a key that cannot sign it."""


def sign_envelope(
    envelope: bytes,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    *,
    created: datetime,
    ttl: timedelta = DEFAULT_TTL,
) -> bytes:
    """Sign the Body and a new Timestamp of a SOAP 1.1 envelope; return it as UTF-8 bytes with
    an XML declaration. `created` is the Timestamp's Created (the caller's clock, never ours)."""
    method, algorithm, fingerprint = _signer(key, certificate)
    root = parse_xml(envelope)
    if root.tag != f"{{{SOAP}}}Envelope":
        raise EnvelopeError("the document is not a SOAP 1.1 Envelope")
    bodies = list(root.iter(SOAP_BODY))
    if len(bodies) != 1 or bodies[0].getparent() is not root:
        raise EnvelopeError("the Envelope must hold exactly one Body, directly")
    body = bodies[0]
    security = _security_to_fill(root, body)

    seed = hashlib.sha256(fingerprint + envelope)
    seed.update(created.isoformat().encode())
    token = seed.hexdigest()[:16]
    taken = {element.get(WSU_ID) for element in root.iter(etree.Element)}
    if body.get(WSU_ID) is None:
        body = _with_wsu_prefix(root, body)
        body.set(WSU_ID, _fresh(f"id-{token}", taken))
    body_id = body.get(WSU_ID)
    assert body_id is not None
    timestamp_id, token_id = _fresh(f"TS-{token}", taken), _fresh(f"X509-{token}", taken)

    start = as_utc(created)
    timestamp = _element(security, WSU_TIMESTAMP, {"wsu": WSU}, {WSU_ID: timestamp_id})
    _element(timestamp, f"{{{WSU}}}Created").text = _xsd_time(start)
    _element(timestamp, f"{{{WSU}}}Expires").text = _xsd_time(start + ttl)
    binary_token = _element(
        security,
        f"{{{WSSE}}}BinarySecurityToken",
        {"wsse": WSSE, "wsu": WSU},
        {"EncodingType": BASE64_BINARY, "ValueType": X509V3, WSU_ID: token_id},
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    binary_token.text = base64.b64encode(der).decode("ascii")

    signature = _element(security, f"{{{DS}}}Signature", {"ds": DS})
    signed_info = _element(signature, f"{{{DS}}}SignedInfo")
    _element(signed_info, f"{{{DS}}}CanonicalizationMethod", attrib={"Algorithm": EXC_C14N})
    _element(signed_info, f"{{{DS}}}SignatureMethod", attrib={"Algorithm": method})
    for target, target_id in ((body, body_id), (timestamp, timestamp_id)):
        reference = _element(signed_info, f"{{{DS}}}Reference", attrib={"URI": f"#{target_id}"})
        transforms = _element(reference, f"{{{DS}}}Transforms")
        _element(transforms, f"{{{DS}}}Transform", attrib={"Algorithm": EXC_C14N})
        _element(reference, f"{{{DS}}}DigestMethod", attrib={"Algorithm": SHA256})
        digest = hashlib.sha256(canonical(target)).digest()
        _element(reference, f"{{{DS}}}DigestValue").text = base64.b64encode(digest).decode()
    value = _sign(key, canonical(signed_info), algorithm)
    _element(signature, f"{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()
    key_info = _element(signature, f"{{{DS}}}KeyInfo")
    reference_holder = _element(key_info, f"{{{WSSE}}}SecurityTokenReference", {"wsse": WSSE})
    _element(
        reference_holder,
        f"{{{WSSE}}}Reference",
        attrib={"URI": f"#{token_id}", "ValueType": X509V3},
    )
    return bytes(etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8"))


#: What `_method_for` found for a key and certificate, by their identity: the gateway signs
#: every push with the same pair, and comparing the keys costs a tenth of a signature.
_SIGNERS: dict[
    tuple[int, int], tuple[PrivateKeyTypes, x509.Certificate, str, hashes.HashAlgorithm, bytes]
] = {}


def _signer(
    key: PrivateKeyTypes, certificate: x509.Certificate
) -> tuple[str, hashes.HashAlgorithm, bytes]:
    """The signature method, its hash, and the certificate's SHA-256 fingerprint."""
    known = _SIGNERS.get((id(key), id(certificate)))
    if known is not None and known[0] is key and known[1] is certificate:
        return known[2], known[3], known[4]
    method, algorithm = _method_for(key, certificate)
    fingerprint = certificate.fingerprint(hashes.SHA256())
    if len(_SIGNERS) > 64:
        _SIGNERS.clear()
    _SIGNERS[(id(key), id(certificate))] = (key, certificate, method, algorithm, fingerprint)
    return method, algorithm, fingerprint


def _method_for(
    key: PrivateKeyTypes, certificate: x509.Certificate
) -> tuple[str, hashes.HashAlgorithm]:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    mine = key.public_key().public_bytes(serialization.Encoding.DER, spki)
    theirs = certificate.public_key().public_bytes(serialization.Encoding.DER, spki)
    if mine != theirs:
        raise EnvelopeError("the key is not the certificate's key")
    if isinstance(key, rsa.RSAPrivateKey):
        return RSA_SHA256, hashes.SHA256()
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size in _EC_METHODS:
        return _EC_METHODS[key.curve.key_size]
    raise EnvelopeError(f"a {type(key).__name__} cannot sign a WS-Security envelope here")


def _sign(key: PrivateKeyTypes, data: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), algorithm)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    # XML-DSig's ECDSA value is r and s side by side, each as long as the curve's order.
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(algorithm)))
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _security_to_fill(root: etree._Element, body: etree._Element) -> etree._Element:
    """The Security header to add to: the envelope's own if it has one, else a new one."""
    headers = [child for child in root if child.tag == f"{{{SOAP}}}Header"]
    if len(headers) > 1:
        raise EnvelopeError("the Envelope holds more than one Header")
    if headers:
        header = headers[0]
    else:
        # Made in place, so that it takes the Envelope's prefix; a Header comes first.
        header = etree.SubElement(root, f"{{{SOAP}}}Header")
        body.addprevious(header)
    securities = [child for child in header if child.tag == f"{{{WSSE}}}Security"]
    if len(securities) > 1:
        raise EnvelopeError("the Header holds more than one Security")
    if securities:
        security = securities[0]
        if (
            security.find(f"{{{DS}}}Signature") is not None
            or security.find(WSU_TIMESTAMP) is not None
        ):
            raise EnvelopeError("the Security header already holds a Signature or a Timestamp")
        return security
    prefixes = {"wsse": WSSE, "wsu": WSU, "soapenv": SOAP}
    security = _element(header, f"{{{WSSE}}}Security", prefixes)
    security.set(f"{{{SOAP}}}mustUnderstand", "1")
    return security


def _element(
    parent: etree._Element,
    tag: str,
    prefixes: dict[str, str] | None = None,
    attrib: dict[str, str] | None = None,
) -> etree._Element:
    """A new child; `prefixes` are declared on it unless their namespaces already have one."""
    declare = None
    if prefixes:  # reading the namespaces in scope walks up the tree: only when needed
        in_scope = {uri for prefix, uri in parent.nsmap.items() if prefix is not None}
        declare = {p: uri for p, uri in prefixes.items() if uri not in in_scope} or None
    return etree.SubElement(parent, tag, attrib=attrib, nsmap=declare)


def _with_wsu_prefix(root: etree._Element, body: etree._Element) -> etree._Element:
    """The Body, made anew if needed so that the wsu namespace is declared on it by a prefix.

    lxml cannot add a declaration to an element, and would otherwise name the namespace "ns0".
    The new Body keeps the old one's own declarations, attributes, text and children.
    """
    scope = body.nsmap
    if WSU in {uri for prefix, uri in scope.items() if prefix is not None}:
        return body
    prefix, number = "wsu", 0
    while prefix in scope:  # never shadow a prefix the Body's content may use
        number += 1
        prefix = f"wsu{number}"
    parent_scope = root.nsmap
    own = {p: uri for p, uri in scope.items() if parent_scope.get(p) != uri}
    fresh = etree.SubElement(root, body.tag, nsmap={**own, prefix: WSU})
    for name, value in body.attrib.items():
        fresh.set(name, value)
    fresh.text = body.text
    fresh.extend(list(body))
    fresh.tail = body.tail
    body.addprevious(fresh)
    root.remove(body)
    return fresh


def _fresh(candidate: str, taken: set[str | None]) -> str:
    if candidate in taken:
        raise EnvelopeError(f"the envelope already uses the id {candidate}")
    taken.add(candidate)
    return candidate


def _xsd_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond // 1000:03d}Z"
