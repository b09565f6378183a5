"""NCALayer's signXml: a whole XML document signed with an enveloped XML-DSig signature (made by
`signatures.xmldsig.sign_enveloped`), returned as text after NCALayer's own XML declaration."""

from __future__ import annotations

import re

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from lxml import etree

from egovsim.signatures.xmldsig import SigningKey, XmlSigningError, sign_enveloped
from egovsim.signatures.xmlsafe import parse_xml

__all__ = ["DECLARATION", "XmlSigningError", "document_bytes", "sign_document"]

#: The declaration NCALayer puts before the signed document.
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>'

_ENCODING = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


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


def sign_document(document: bytes, key: PrivateKeyTypes, certificate: x509.Certificate) -> str:
    """Sign a whole XML document with an enveloped signature; return it as text after NCALayer's
    declaration. The document is parsed with `parse_xml`, whose `XmlRefused` is raised as it is."""
    signer = SigningKey.of(key, certificate)
    root = parse_xml(document)
    sign_enveloped(root, signer)
    signed: str = etree.tostring(root.getroottree(), encoding="unicode")
    return DECLARATION + signed
