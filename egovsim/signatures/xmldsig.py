"""XML-DSig as egovsim signs and checks it, for the gateway's WS-Security and NCALayer's signXml:
exclusive canonicalization, references to the whole document or to an element by its Id, SHA-2
digests, RSA and ECDSA signature values.

Where the signed structure is fixed (the gateway's replies and pushes), `signed_info` writes the
SignedInfo directly in its canonical form, so that it is signed without being built as a tree and
canonicalized again; whatever reads it canonicalizes it to the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
)
from lxml import etree

from egovsim.signatures.xmlsafe import XmlRefused

__all__ = [
    "DS",
    "EXC_C14N",
    "SignatureRefused",
    "SigningKey",
    "XmlSigningError",
    "canonical",
    "reference_xml",
    "sign_enveloped",
    "signed_info",
]

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
ECDSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
ECDSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"

#: Signature methods accepted, by URI: the key's family and the hash.
SIGNATURE_METHODS: dict[str, tuple[str, hashes.HashAlgorithm]] = {
    RSA_SHA256: ("rsa", hashes.SHA256()),
    RSA_SHA384: ("rsa", hashes.SHA384()),
    RSA_SHA512: ("rsa", hashes.SHA512()),
    ECDSA_SHA256: ("ec", hashes.SHA256()),
    ECDSA_SHA384: ("ec", hashes.SHA384()),
    ECDSA_SHA512: ("ec", hashes.SHA512()),
}
#: Digest methods accepted, by URI: hashlib's name for them.
DIGEST_METHODS: dict[str, str] = {SHA256: "sha256", SHA384: "sha384", SHA512: "sha512"}
#: Algorithms known and refused as too weak, with the name a refusal gives them.
WEAK: dict[str, str] = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": "RSA-SHA1",
    "http://www.w3.org/2000/09/xmldsig#dsa-sha1": "DSA-SHA1",
    "http://www.w3.org/2000/09/xmldsig#hmac-sha1": "HMAC-SHA1",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-md5": "RSA-MD5",
    "http://www.w3.org/2001/04/xmldsig-more#hmac-md5": "HMAC-MD5",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1": "ECDSA-SHA1",
    "http://www.w3.org/2000/09/xmldsig#sha1": "SHA-1",
    "http://www.w3.org/2001/04/xmldsig-more#md5": "MD5",
}
#: Signature methods for EC keys, by the size of the curve.
_EC_METHODS: dict[int, tuple[str, hashes.HashAlgorithm]] = {
    256: (ECDSA_SHA256, hashes.SHA256()),
    384: (ECDSA_SHA384, hashes.SHA384()),
    521: (ECDSA_SHA512, hashes.SHA512()),
}
# A bare same-document reference: "#" and an NCName (no XPointer, no external document).
SAME_DOCUMENT = re.compile(r"#[A-Za-z_][\w.\-]*")


class XmlSigningError(ValueError):
    """A key that cannot sign XML here, or that is not its certificate's key."""


Reason = Literal["weak", "unsupported", "digest", "invalid", "key"]


class SignatureRefused(Exception):
    """A signature refused by a check; `reason` says which kind of refusal (the caller names
    it with its own codes): a weak or unsupported algorithm, a changed digest, a value that does
    not verify, or a key that cannot be read."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(reason, detail)
        self.reason: Reason = reason
        self.detail = detail


def canonical(
    element: etree._Element,
    *,
    exclusive: bool = True,
    with_comments: bool = False,
    inclusive_prefixes: Sequence[str] = (),
) -> bytes:
    """The element's canonical form (exclusive XML canonicalization unless told otherwise).

    The element is canonicalized in place, with the namespaces in scope from its ancestors, as
    XML-DSig canonicalizes a referenced subtree of a document; `inclusive_prefixes` is the
    PrefixList of exc-c14n's InclusiveNamespaces. XmlRefused ("malformed") for what canonical
    XML cannot hold (a relative namespace URI).
    """
    try:
        return bytes(
            etree.tostring(
                element,
                method="c14n",
                exclusive=exclusive,
                with_comments=with_comments,
                inclusive_ns_prefixes=list(inclusive_prefixes) or None,
            )
        )
    except etree.C14NError:
        raise XmlRefused("malformed", "not canonicalizable (a relative namespace URI?)") from None


# -- signing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private key with its certificate, and what signing with them needs, worked out once:
    the signature method, its hash, the certificate's DER and SHA-256 fingerprint."""

    key: PrivateKeyTypes
    certificate: x509.Certificate
    method: str
    algorithm: hashes.HashAlgorithm
    certificate_der: bytes
    fingerprint: bytes

    @classmethod
    def of(cls, key: PrivateKeyTypes, certificate: x509.Certificate) -> SigningKey:
        """The pair, checked to belong together; kept by identity, as the gateway signs every
        message with the same pair and comparing the keys costs a tenth of a signature."""
        known = _KEYS.get((id(key), id(certificate)))
        if known is not None and known.key is key and known.certificate is certificate:
            return known
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        mine = key.public_key().public_bytes(serialization.Encoding.DER, spki)
        theirs = certificate.public_key().public_bytes(serialization.Encoding.DER, spki)
        if mine != theirs:
            raise XmlSigningError("the key is not the certificate's key")
        method, algorithm = signature_method(key)
        found = cls(
            key,
            certificate,
            method,
            algorithm,
            certificate.public_bytes(serialization.Encoding.DER),
            certificate.fingerprint(hashes.SHA256()),
        )
        if len(_KEYS) > 64:
            _KEYS.clear()
        _KEYS[(id(key), id(certificate))] = found
        return found

    def sign(self, signed_info: bytes) -> bytes:
        """The SignatureValue (raw bytes) of a canonical SignedInfo."""
        return sign_value(self.key, signed_info, self.algorithm)


_KEYS: dict[tuple[int, int], SigningKey] = {}
_ECDSA: dict[str, ec.ECDSA] = {}


def signature_method(key: PrivateKeyTypes) -> tuple[str, hashes.HashAlgorithm]:
    """The signature method's URI and hash for a key: RSA-SHA256, or ECDSA with its curve's."""
    if isinstance(key, rsa.RSAPrivateKey):
        return RSA_SHA256, hashes.SHA256()
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size in _EC_METHODS:
        return _EC_METHODS[key.curve.key_size]
    raise XmlSigningError(f"a {type(key).__name__} cannot sign XML here")


def sign_value(key: PrivateKeyTypes, data: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
    """The raw SignatureValue of `data`."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), algorithm)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise XmlSigningError(f"a {type(key).__name__} cannot sign XML here")
    ecdsa = _ECDSA.get(algorithm.name)
    if ecdsa is None:  # made once: the gateway signs every answer with it
        ecdsa = _ECDSA[algorithm.name] = ec.ECDSA(algorithm)
    # XML-DSig's ECDSA value is r and s side by side, each as long as the curve's order.
    r, s = decode_dss_signature(key.sign(data, ecdsa))
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def reference_xml(uri: str, canonical_target: bytes) -> str:
    """A Reference to a same-document element (`#id`), with one exc-c14n transform and a SHA-256
    digest of the target's canonical form, written as canonical XML."""
    digest = base64.b64encode(hashlib.sha256(canonical_target).digest()).decode("ascii")
    return (
        f'<ds:Reference URI="{_attribute(uri)}"><ds:Transforms>'
        f'<ds:Transform Algorithm="{EXC_C14N}"></ds:Transform></ds:Transforms>'
        f'<ds:DigestMethod Algorithm="{SHA256}"></ds:DigestMethod>'
        f"<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference>"
    )


def signed_info(method: str, references: Sequence[str]) -> tuple[str, bytes]:
    """A SignedInfo (exclusive c14n, `method`) over `references` (from `reference_xml`): the
    text to put inside a `ds:Signature` that declares the `ds` prefix, and the canonical bytes
    that are signed, which every reader's exclusive canonicalization of that text gives."""
    inner = (
        f'<ds:CanonicalizationMethod Algorithm="{EXC_C14N}"></ds:CanonicalizationMethod>'
        f'<ds:SignatureMethod Algorithm="{method}"></ds:SignatureMethod>' + "".join(references)
    )
    text = f"<ds:SignedInfo>{inner}</ds:SignedInfo>"
    signed = f'<ds:SignedInfo xmlns:ds="{DS}">{inner}</ds:SignedInfo>'
    return text, signed.encode("utf-8")


def sign_enveloped(root: etree._Element, signer: SigningKey) -> None:
    """Sign a whole document in place, as NCALayer's signXml does: `Reference URI=""` with the
    enveloped-signature and exc-c14n transforms, the Signature as the root's last child with the
    signer's certificate in its KeyInfo, a line break around each of its elements."""
    # With URI="" and the enveloped-signature transform, the digest covers the document as it
    # is now, before the Signature is added: comments are left out, processing instructions in.
    try:
        tree = root.getroottree()
        whole = bytes(etree.tostring(tree, method="c14n", exclusive=True, with_comments=False))
    except etree.C14NError:
        raise XmlRefused("malformed", "not canonicalizable (a relative namespace URI?)") from None
    digest = base64.b64encode(hashlib.sha256(whole).digest()).decode("ascii")
    signature = _ds(root, "Signature", nsmap={"ds": DS})
    info = _ds(signature, "SignedInfo")
    _ds(info, "CanonicalizationMethod", Algorithm=EXC_C14N)
    _ds(info, "SignatureMethod", Algorithm=signer.method)
    ref = _ds(info, "Reference", URI="")
    transforms = _ds(ref, "Transforms")
    _ds(transforms, "Transform", Algorithm=ENVELOPED)
    _ds(transforms, "Transform", Algorithm=EXC_C14N)
    _ds(ref, "DigestMethod", Algorithm=SHA256)
    _ds(ref, "DigestValue").text = digest
    _lay_out(signature)
    value = signer.sign(canonical(info))
    _ds(signature, "SignatureValue").text = base64.b64encode(value).decode("ascii")
    x509_data = _ds(_ds(signature, "KeyInfo"), "X509Data")
    _ds(x509_data, "X509Certificate").text = base64.b64encode(signer.certificate_der).decode()
    _lay_out(signature)


def _ds(
    parent: etree._Element, name: str, nsmap: dict[str, str] | None = None, **attributes: str
) -> etree._Element:
    return etree.SubElement(parent, f"{{{DS}}}{name}", attrib=attributes, nsmap=nsmap)


def _lay_out(signature: etree._Element) -> None:
    """A line break before and after each element inside the Signature, as NCALayer lays its
    signatures out; done before SignedInfo is signed, since its white space is signed too."""
    for element in signature.iter():
        if len(element):
            element.text = "\n"
        if element is not signature:
            element.tail = "\n"


def _attribute(value: str) -> str:
    # Canonical XML's escaping of an attribute value.
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace('"', "&quot;")
        .replace("\t", "&#x9;")
        .replace("\n", "&#xA;")
        .replace("\r", "&#xD;")
    )
