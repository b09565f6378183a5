"""Signing SOAP 1.1 envelopes with WS-Security: an X.509 BinarySecurityToken, a Timestamp, and
one XML-DSig Signature over the Body and the Timestamp.

The form is the one `egovsim.gateway.wssecurity.verify_envelope` accepts: same-document `wsu:Id`
references, exclusive canonicalization, SHA-256 digests, RSA-SHA256 or ECDSA with the curve's SHA-2.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from lxml import etree

from egovsim.clock import as_utc
from egovsim.gateway.wsnames import (
    BASE64_BINARY,
    SOAP,
    SOAP_BODY,
    WSSE,
    WSU,
    WSU_ID,
    WSU_TIMESTAMP,
    X509V3,
)
from egovsim.signatures.xmldsig import (
    DS,
    SigningKey,
    XmlSigningError,
    canonical,
    reference_xml,
    signed_info,
)
from egovsim.signatures.xmlsafe import parse_xml

__all__ = ["DEFAULT_TTL", "EnvelopeError", "sign_envelope", "signed_envelope"]

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
    try:
        signer = SigningKey.of(key, certificate)
    except XmlSigningError as error:
        raise EnvelopeError(str(error)) from None
    root = parse_xml(envelope)
    if root.tag != f"{{{SOAP}}}Envelope":
        raise EnvelopeError("the document is not a SOAP 1.1 Envelope")
    bodies = list(root.iter(SOAP_BODY))
    if len(bodies) != 1 or bodies[0].getparent() is not root:
        raise EnvelopeError("the Envelope must hold exactly one Body, directly")
    body = bodies[0]
    security = _security_to_fill(root, body)

    seed = hashlib.sha256(signer.fingerprint + envelope)
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
    binary_token.text = base64.b64encode(signer.certificate_der).decode("ascii")

    signature = _element(security, f"{{{DS}}}Signature", {"ds": DS})
    references = [
        reference_xml(f"#{body_id}", canonical(body)),
        reference_xml(f"#{timestamp_id}", canonical(timestamp)),
    ]
    _, info = signed_info(signer.method, references)
    # Parsed from the very bytes that are signed; moved under the Signature, the SignedInfo
    # drops its own declaration of the ds prefix, which the Signature already makes.
    signature.append(etree.fromstring(info))
    value = signer.sign(info)
    _element(signature, f"{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()
    key_info = _element(signature, f"{{{DS}}}KeyInfo")
    reference_holder = _element(key_info, f"{{{WSSE}}}SecurityTokenReference", {"wsse": WSSE})
    _element(
        reference_holder,
        f"{{{WSSE}}}Reference",
        attrib={"URI": f"#{token_id}", "ValueType": X509V3},
    )
    return bytes(etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8"))


def signed_envelope(
    content: etree._Element,
    signer: SigningKey,
    *,
    created: datetime,
    ttl: timedelta = DEFAULT_TTL,
) -> bytes:
    """A SOAP 1.1 envelope around `content` (the Body's one child), its Body and a new Timestamp
    signed as `sign_envelope` signs them, as UTF-8 bytes with an XML declaration.

    For the envelopes the gateway makes itself (replies, pushes, notices), whose structure is
    fixed: the Body is canonicalized once, the rest is written from a template in its canonical
    form (what a reader's canonicalization gives back), so nothing is parsed or built twice.
    `content` is moved into the new Body.
    """
    body = etree.Element(SOAP_BODY, nsmap={"soapenv": SOAP, "wsu": WSU})
    body.append(content)
    start = as_utc(created)
    token = secrets.token_hex(8)  # unique: the ids are the references' targets
    body_id, timestamp_id, token_id = f"id-{token}", f"TS-{token}", f"X509-{token}"
    body.set(WSU_ID, body_id)
    body_xml = canonical(body)
    timestamp_xml = (
        f'<wsu:Timestamp xmlns:wsu="{WSU}" wsu:Id="{timestamp_id}">'
        f"<wsu:Created>{_xsd_time(start)}</wsu:Created>"
        f"<wsu:Expires>{_xsd_time(start + ttl)}</wsu:Expires></wsu:Timestamp>"
    )
    references = [
        reference_xml(f"#{body_id}", body_xml),
        reference_xml(f"#{timestamp_id}", timestamp_xml.encode("ascii")),
    ]
    info_text, info = signed_info(signer.method, references)
    value = base64.b64encode(signer.sign(info)).decode("ascii")
    token_text = base64.b64encode(signer.certificate_der).decode("ascii")
    header = (
        f"<?xml version='1.0' encoding='UTF-8'?>\n"
        f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Header>'
        f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}" soapenv:mustUnderstand="1">'
        f"{timestamp_xml}"
        f'<wsse:BinarySecurityToken EncodingType="{BASE64_BINARY}" ValueType="{X509V3}" '
        f'wsu:Id="{token_id}">{token_text}</wsse:BinarySecurityToken>'
        f'<ds:Signature xmlns:ds="{DS}">{info_text}'
        f"<ds:SignatureValue>{value}</ds:SignatureValue>"
        f'<ds:KeyInfo><wsse:SecurityTokenReference><wsse:Reference URI="#{token_id}" '
        f'ValueType="{X509V3}"/></wsse:SecurityTokenReference></ds:KeyInfo></ds:Signature>'
        f"</wsse:Security></soapenv:Header>"
    )
    return header.encode("ascii") + body_xml + b"</soapenv:Envelope>"


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
    """A UTC moment as xsd:dateTime to the millisecond (`isoformat`, a fifth of `strftime`'s
    cost, and its year always of four digits)."""
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
