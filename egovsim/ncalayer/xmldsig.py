"""Enveloped XML-DSig signatures, as NCALayer's signXml makes them.

The whole document is signed (`Reference URI=""` with the enveloped-signature transform) and the
Signature becomes the root element's last child, with the signer's certificate in its KeyInfo.
Exclusive canonicalization, SHA-256 digests, RSA-SHA256 (or ECDSA with SHA-256 for EC keys).
"""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree

from egovsim.gateway.wsnames import DS, ECDSA_SHA256, EXC_C14N, RSA_SHA256, SHA256
from egovsim.gateway.xmlsafe import canonical, parse_xml

__all__ = ["DECLARATION", "ENVELOPED", "XmlSigningError", "sign_enveloped"]

ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#: The declaration NCALayer puts before the signed document.
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>'

_ENCODING = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class XmlSigningError(ValueError):
    """The key cannot sign XML here, or the text cannot be encoded as its declaration says."""


def document_bytes(text: str) -> bytes:
    """The XML text as bytes in the encoding its declaration names (UTF-8 without one), so that
    the parser reads back exactly the characters the client sent."""
    match = _ENCODING.match(text)
    encoding = match.group(1) if match else "utf-8"
    try:
        return text.encode(encoding)
    except LookupError:
        raise XmlSigningError(f"unknown encoding {encoding!r} in the XML declaration") from None
    except UnicodeEncodeError as error:
        raise XmlSigningError(
            f"the text has characters the declared encoding {encoding} cannot hold: {error.reason}"
        ) from None


def sign_enveloped(document: bytes, key: PrivateKeyTypes, certificate: x509.Certificate) -> str:
    """Sign a whole XML document with an enveloped signature; return it as text after NCALayer's
    declaration. The document is parsed with `parse_xml`, whose `XmlRefused` is raised as it is."""
    method, algorithm = _method(key)
    root = parse_xml(document)
    tree = root.getroottree()
    # With URI="" and the enveloped-signature transform, the digest covers the document as it
    # is now, before the Signature is added: comments are left out, processing instructions in.
    whole = bytes(etree.tostring(tree, method="c14n", exclusive=True, with_comments=False))
    digest = base64.b64encode(hashlib.sha256(whole).digest()).decode("ascii")

    signature = _child(root, "Signature", nsmap={"ds": DS})
    signed_info = _child(signature, "SignedInfo")
    _child(signed_info, "CanonicalizationMethod", Algorithm=EXC_C14N)
    _child(signed_info, "SignatureMethod", Algorithm=method)
    reference = _child(signed_info, "Reference", URI="")
    transforms = _child(reference, "Transforms")
    _child(transforms, "Transform", Algorithm=ENVELOPED)
    _child(transforms, "Transform", Algorithm=EXC_C14N)
    _child(reference, "DigestMethod", Algorithm=SHA256)
    _child(reference, "DigestValue").text = digest
    _lay_out(signature)
    value = _sign(key, canonical(signed_info), algorithm)
    _child(signature, "SignatureValue").text = base64.b64encode(value).decode("ascii")
    x509_data = _child(_child(signature, "KeyInfo"), "X509Data")
    der = certificate.public_bytes(serialization.Encoding.DER)
    _child(x509_data, "X509Certificate").text = base64.b64encode(der).decode("ascii")
    _lay_out(signature)
    signed: str = etree.tostring(tree, encoding="unicode")
    return DECLARATION + signed


def _child(
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


def _method(key: PrivateKeyTypes) -> tuple[str, hashes.HashAlgorithm]:
    if isinstance(key, rsa.RSAPrivateKey):
        return RSA_SHA256, hashes.SHA256()
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size == 256:
        return ECDSA_SHA256, hashes.SHA256()
    raise XmlSigningError(f"a {type(key).__name__} cannot sign XML here")


def _sign(key: PrivateKeyTypes, data: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), algorithm)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    # XML-DSig's ECDSA value is r and s side by side, each as long as the curve's order.
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(algorithm)))
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")
