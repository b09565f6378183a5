"""WS-Security X.509 signatures of SOAP 1.1 envelopes: checking a signature's form and integrity,
and the public face of the gateway's WS-Security (signing lives in `wssign`, names in `wsnames`).

The check stops at the signature: whether the token's certificate may be trusted (its path,
validity and revocation) is the shared verifier's question, asked by the gateway with
`Verifier.verify_certificate(check.certificate...)` under the same rules as C2.

Only what a SOAP sender needs is accepted: same-document references by `wsu:Id`, exclusive
canonicalization, SHA-2 digests, RSA and ECDSA with SHA-2, and a BinarySecurityToken referenced
from KeyInfo. Anything else (external URIs, XPath or XSLT transforms) is refused, never guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from cryptography import x509
from lxml import etree

from egovsim.clock import as_utc

# The `NAME as NAME` imports re-export names that callers have always imported from this module.
from egovsim.gateway.wsnames import BASE64_BINARY as BASE64_BINARY
from egovsim.gateway.wsnames import SOAP as SOAP
from egovsim.gateway.wsnames import SOAP_BODY, WSU_ID, WSU_TIMESTAMP
from egovsim.gateway.wsnames import WSSE as WSSE
from egovsim.gateway.wsnames import WSU as WSU
from egovsim.gateway.wsnames import X509V3 as X509V3
from egovsim.gateway.wssign import DEFAULT_TTL as DEFAULT_TTL
from egovsim.gateway.wssign import EnvelopeError, sign_envelope
from egovsim.signatures import xmldsig, xmldsig_checks
from egovsim.signatures.xmldsig import DS as DS
from egovsim.signatures.xmldsig import ECDSA_SHA256 as ECDSA_SHA256
from egovsim.signatures.xmldsig import ECDSA_SHA384 as ECDSA_SHA384
from egovsim.signatures.xmldsig import ECDSA_SHA512 as ECDSA_SHA512
from egovsim.signatures.xmldsig import EXC_C14N as EXC_C14N
from egovsim.signatures.xmldsig import RSA_SHA256 as RSA_SHA256
from egovsim.signatures.xmldsig import RSA_SHA384 as RSA_SHA384
from egovsim.signatures.xmldsig import RSA_SHA512 as RSA_SHA512
from egovsim.signatures.xmldsig import SHA256 as SHA256
from egovsim.signatures.xmldsig import SHA384 as SHA384
from egovsim.signatures.xmldsig import SHA512 as SHA512
from egovsim.signatures.xmldsig import SignatureRefused, canonical
from egovsim.signatures.xmlsafe import parse_xml

__all__ = [
    "CODES",
    "EnvelopeError",
    "SecurityCheck",
    "sign_envelope",
    "verify_envelope",
]

#: The codes a check can end with (all in the refusal catalogue, step "gateway").
CODES = (
    "ENVELOPE_MALFORMED",
    "SIGNATURE_WRAPPING",
    "WSS_SIGNATURE_MISSING",
    "WSS_UNSUPPORTED",
    "WSS_WEAK_ALGORITHM",
    "WSS_BODY_NOT_SIGNED",
    "WSS_DIGEST_MISMATCH",
    "WSS_TOKEN_INVALID",
    "WSS_SIGNATURE_INVALID",
)

#: The refusal code of each kind of XML-DSig refusal.
_CODES: dict[xmldsig.Reason, str] = {
    "weak": "WSS_WEAK_ALGORITHM",
    "unsupported": "WSS_UNSUPPORTED",
    "digest": "WSS_DIGEST_MISMATCH",
    "invalid": "WSS_SIGNATURE_INVALID",
    "key": "WSS_TOKEN_INVALID",
}


@dataclass(frozen=True, slots=True)
class SecurityCheck:
    """What the WS-Security header of an envelope comes to.

    `signed` says the envelope carries a WS-Security signature (also when it fails); `code` is
    None when the envelope may go on (signed and intact, or unsigned where that is allowed);
    `certificate` is the token's certificate, given only when the signature verified;
    `signed_at` and `expires_at` are the signed Timestamp's Created and Expires.
    """

    signed: bool
    certificate: x509.Certificate | None
    code: str | None
    detail: str
    signed_at: datetime | None = None
    expires_at: datetime | None = None
    #: The certificate as the token carried it (DER), for the verifier.
    certificate_der: bytes | None = None

    @property
    def passed(self) -> bool:
        """True when nothing was refused."""
        return self.code is None


class _Refused(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


def verify_envelope(envelope: bytes | etree._Element, *, require: bool) -> SecurityCheck:
    """Check the WS-Security signature of a SOAP 1.1 envelope (bytes or its parsed root).

    Bytes are parsed with `parse_xml`, whose `XmlRefused` is raised as it is. The certificate's
    trust is not checked here: give `certificate` to `Verifier.verify_certificate`.
    """
    root = parse_xml(envelope) if isinstance(envelope, bytes) else envelope
    signed = False
    try:
        body = _the_body(root)
        security = _the_security(root)
        signature = _the_signature(security)
        if signature is None:
            if require:
                raise _Refused("WSS_SIGNATURE_MISSING", "the envelope has no WS-Security signature")
            return SecurityCheck(False, None, None, "the envelope is not signed")
        assert security is not None
        signed = True
        return _verify_signature(root, body, security, signature)
    except _Refused as refused:
        return SecurityCheck(signed, None, refused.code, refused.detail)
    except SignatureRefused as refused:
        return SecurityCheck(signed, None, _CODES[refused.reason], refused.detail)


def _the_body(root: etree._Element) -> etree._Element:
    if root.tag != f"{{{SOAP}}}Envelope":
        raise _Refused("ENVELOPE_MALFORMED", "the document is not a SOAP 1.1 Envelope")
    bodies = list(root.iter(SOAP_BODY))
    if not bodies:
        raise _Refused("ENVELOPE_MALFORMED", "the Envelope has no Body")
    if len(bodies) > 1:
        raise _Refused("SIGNATURE_WRAPPING", f"the document holds {len(bodies)} Body elements")
    if bodies[0].getparent() is not root:
        raise _Refused("SIGNATURE_WRAPPING", "the Body is not a child of the Envelope")
    return bodies[0]


def _the_security(root: etree._Element) -> etree._Element | None:
    headers = [child for child in root if child.tag == f"{{{SOAP}}}Header"]
    if len(headers) > 1:
        raise _Refused("ENVELOPE_MALFORMED", "the Envelope holds more than one Header")
    if not headers:
        return None
    securities = [child for child in headers[0] if child.tag == f"{{{WSSE}}}Security"]
    if len(securities) > 1:
        raise _Refused("WSS_UNSUPPORTED", "more than one Security header")
    return securities[0] if securities else None


def _the_signature(security: etree._Element | None) -> etree._Element | None:
    if security is None:
        return None
    signatures = security.findall(f"{{{DS}}}Signature")
    if len(signatures) > 1:
        raise _Refused("WSS_UNSUPPORTED", f"the Security header holds {len(signatures)} signatures")
    timestamps = security.findall(WSU_TIMESTAMP)
    if len(timestamps) > 1:
        raise _Refused("SIGNATURE_WRAPPING", "the Security header holds more than one Timestamp")
    return signatures[0] if signatures else None


def _verify_signature(
    root: etree._Element,
    body: etree._Element,
    security: etree._Element,
    signature: etree._Element,
) -> SecurityCheck:
    signed_info = xmldsig_checks.only(signature, "SignedInfo")
    read = xmldsig_checks.read_signed_info(signed_info)
    references = read.references

    by_id = _elements_by_id(root)
    timestamp = security.find(WSU_TIMESTAMP)
    targets: list[tuple[xmldsig_checks.Reference, etree._Element]] = []
    for reference in references:
        target = by_id.get(reference.uri[1:])
        if target is None:
            raise _Refused("WSS_SIGNATURE_INVALID", f"{reference.uri} points at no element")
        if target.tag == SOAP_BODY and target is not body:
            raise _Refused("SIGNATURE_WRAPPING", f"{reference.uri} is not the Envelope's Body")
        if target.tag == WSU_TIMESTAMP and target is not timestamp:
            raise _Refused("SIGNATURE_WRAPPING", f"{reference.uri} is not the header's Timestamp")
        targets.append((reference, target))
    if not any(target is body for _, target in targets):
        raise _Refused("WSS_BODY_NOT_SIGNED", "no Reference of the signature is the Body")
    for reference, target in targets:
        xmldsig_checks.check_digest(reference, target)

    certificate, subject, der = _token(signature, by_id, security)
    value_text = xmldsig_checks.only(signature, "SignatureValue").text or ""
    value = xmldsig_checks.decode_base64(value_text, "invalid", "the SignatureValue")
    xmldsig_checks.check_value(
        certificate, read.method, value, canonical(signed_info, inclusive_prefixes=read.prefixes)
    )

    signed_at = expires_at = None
    parts = sorted({etree.QName(target).localname for _, target in targets})
    if timestamp is not None and any(target is timestamp for _, target in targets):
        signed_at = _timestamp_field(timestamp, "Created")
        expires_at = _timestamp_field(timestamp, "Expires")
    detail = f"signed by {subject} over {', '.join(parts)}"
    return SecurityCheck(True, certificate, None, detail, signed_at, expires_at, der)


#: The elements that carry a wsu:Id, found by libxml2 in one walk of the document.
_WITH_ID = etree.XPath("//*[@wsu:Id]", namespaces={"wsu": WSU})


def _elements_by_id(root: etree._Element) -> dict[str, etree._Element]:
    found: dict[str, etree._Element] = {}
    elements = _WITH_ID(root)
    assert isinstance(elements, list)
    for element in elements:
        value = element.get(WSU_ID)
        assert value is not None
        if value in found:
            raise _Refused("SIGNATURE_WRAPPING", f"more than one element has wsu:Id {value!r}")
        found[value] = element
    return found


def _token(
    signature: etree._Element, by_id: dict[str, etree._Element], security: etree._Element
) -> _Token:
    key_info = signature.find(f"{{{DS}}}KeyInfo")
    holder = None if key_info is None else key_info.find(f"{{{WSSE}}}SecurityTokenReference")
    if holder is None:
        raise _Refused("WSS_TOKEN_INVALID", "KeyInfo holds no SecurityTokenReference")
    pointer = holder.find(f"{{{WSSE}}}Reference")
    uri = None if pointer is None else pointer.get("URI")
    if uri is None or not xmldsig.SAME_DOCUMENT.fullmatch(uri):
        raise _Refused(
            "WSS_UNSUPPORTED", "only a reference to a BinarySecurityToken in the header is accepted"
        )
    token = by_id.get(uri[1:])
    if (
        token is None
        or token.tag != f"{{{WSSE}}}BinarySecurityToken"
        or token.getparent() is not security
    ):
        raise _Refused("WSS_TOKEN_INVALID", f"{uri} is not a BinarySecurityToken of the header")
    if token.get("ValueType") != X509V3:
        raise _Refused("WSS_UNSUPPORTED", f"the token's ValueType {token.get('ValueType')!r}")
    if token.get("EncodingType", BASE64_BINARY) != BASE64_BINARY:
        raise _Refused("WSS_TOKEN_INVALID", "the token is not Base64Binary")
    return _certificate(token.text or "")


class _Token(NamedTuple):
    certificate: x509.Certificate
    subject: str
    der: bytes


#: Tokens already read, by their text: a busy sender sends the same certificate with every
#: message, and reading it (and naming its subject) costs more than the signature check.
_TOKENS: dict[str, _Token] = {}
_TOKENS_KEPT = 256


def _certificate(text: str) -> _Token:
    known = _TOKENS.get(text)
    if known is not None:
        return known
    der = xmldsig_checks.decode_base64(text, "key", "the token")
    try:
        certificate = x509.load_der_x509_certificate(der)
        subject = certificate.subject.rfc4514_string()
    except ValueError as error:
        raise _Refused(
            "WSS_TOKEN_INVALID", f"the token is not an X.509 certificate: {error}"
        ) from None
    if len(_TOKENS) >= _TOKENS_KEPT:
        _TOKENS.clear()
    _TOKENS[text] = found = _Token(certificate, subject, der)
    return found


def _timestamp_field(timestamp: etree._Element, name: str) -> datetime | None:
    node = timestamp.find(f"{{{WSU}}}{name}")
    if node is None:
        return None
    try:
        return as_utc(datetime.fromisoformat((node.text or "").strip()))
    except ValueError:
        raise _Refused("ENVELOPE_MALFORMED", f"the Timestamp's {name} is not a dateTime") from None
