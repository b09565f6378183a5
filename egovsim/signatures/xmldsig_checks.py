"""Reading and checking an XML-DSig signature as the gateway's WS-Security check asks it
(`egovsim.gateway.wssecurity`): the SignedInfo and its References, each read in one pass over
its children, their digests, and the SignatureValue against the signer's key. Refusals are
`SignatureRefused`, named by the caller's codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from egovsim.signatures.xmldsig import (
    DIGEST_METHODS,
    DS,
    EXC_C14N,
    SAME_DOCUMENT,
    SIGNATURE_METHODS,
    WEAK,
    Reason,
    SignatureRefused,
    canonical,
)

__all__ = [
    "Reference",
    "SignedInfo",
    "check_algorithm",
    "check_digest",
    "check_value",
    "decode_base64",
    "only",
    "prefix_list",
    "read_signed_info",
    "reference",
]


@dataclass(frozen=True, slots=True)
class Reference:
    """A same-document Reference of a SignedInfo, as read."""

    uri: str
    digest: str  # hashlib's name
    digest_value: str
    prefixes: tuple[str, ...]


def check_algorithm(algorithm: str, allowed: set[str] | Mapping[str, object], what: str) -> None:
    """Refuse an algorithm outside `allowed`: "weak" when it is a known weak one."""
    if algorithm in allowed:
        return
    if algorithm in WEAK:
        raise SignatureRefused("weak", f"the {what} {WEAK[algorithm]} is too weak")
    raise SignatureRefused("unsupported", f"the {what} {algorithm or '(none)'} is not accepted")


def only(parent: etree._Element, name: str) -> etree._Element:
    """The one `ds:name` child of `parent`."""
    found = _children(parent).get(f"{{{DS}}}{name}", ())
    if len(found) != 1:
        raise SignatureRefused("invalid", f"the signature must hold exactly one {name}")
    return found[0]


def _children(parent: etree._Element) -> dict[str, list[etree._Element]]:
    """The child elements of `parent` by tag, in one pass (each `find` walks the children and
    parses its path again, and a Reference's are asked for four times)."""
    by_tag: dict[str, list[etree._Element]] = {}
    for child in parent:
        tag = child.tag
        if isinstance(tag, str):
            found = by_tag.get(tag)
            if found is None:
                by_tag[tag] = [child]
            else:
                found.append(child)
    return by_tag


def _one(by_tag: dict[str, list[etree._Element]], name: str) -> etree._Element:
    found = by_tag.get(f"{{{DS}}}{name}", ())
    if len(found) != 1:
        raise SignatureRefused("invalid", f"the signature must hold exactly one {name}")
    return found[0]


@dataclass(frozen=True, slots=True)
class SignedInfo:
    """A SignedInfo, as read: its canonicalization's PrefixList, its signature method and its
    References (each checked by `reference`), in one pass over its children."""

    prefixes: tuple[str, ...]
    method: str
    references: tuple[Reference, ...]


def read_signed_info(node: etree._Element) -> SignedInfo:
    """Read a SignedInfo whose canonicalization is exc-c14n and signature method is accepted."""
    by_tag = _children(node)
    c14n = _one(by_tag, "CanonicalizationMethod")
    method = _one(by_tag, "SignatureMethod").get("Algorithm", "")
    check_algorithm(c14n.get("Algorithm", ""), {EXC_C14N}, "canonicalization")
    check_algorithm(method, SIGNATURE_METHODS, "signature algorithm")
    references = tuple(reference(ref) for ref in by_tag.get(f"{{{DS}}}Reference", ()))
    return SignedInfo(prefix_list(c14n), method, references)


_TRANSFORMS = f"{{{DS}}}Transforms"
_TRANSFORM = f"{{{DS}}}Transform"
_INCLUSIVE = f"{{{EXC_C14N}}}InclusiveNamespaces"


def reference(node: etree._Element) -> Reference:
    """Read a Reference: a same-document `#id` URI with exactly one exc-c14n transform (without
    it the digest would be taken over something else) and an accepted digest method."""
    uri = node.get("URI")
    if uri is None or not SAME_DOCUMENT.fullmatch(uri):
        raise SignatureRefused(
            "unsupported", f"Reference URI {uri!r} is not a same-document '#id' reference"
        )
    by_tag = _children(node)
    transforms = by_tag.get(_TRANSFORMS)
    steps = [] if not transforms else _children(transforms[0]).get(_TRANSFORM, [])
    if len(steps) != 1:
        raise SignatureRefused("unsupported", f"Reference {uri} must have one exc-c14n transform")
    check_algorithm(steps[0].get("Algorithm", ""), {EXC_C14N}, "transform")
    digest = _one(by_tag, "DigestMethod").get("Algorithm", "")
    check_algorithm(digest, DIGEST_METHODS, "digest algorithm")
    value = _one(by_tag, "DigestValue").text or ""
    return Reference(uri, DIGEST_METHODS[digest], value, prefix_list(steps[0]))


def prefix_list(method: etree._Element) -> tuple[str, ...]:
    """The InclusiveNamespaces PrefixList of an exc-c14n method or transform."""
    if not len(method):
        return ()
    inclusive = method.find(_INCLUSIVE)
    return () if inclusive is None else tuple(inclusive.get("PrefixList", "").split())


def check_digest(ref: Reference, target: etree._Element) -> None:
    """Refuse ("digest") a target whose canonical form no longer has the Reference's digest."""
    expected = decode_base64(ref.digest_value, "digest", "a DigestValue")
    actual = hashlib.new(ref.digest, canonical(target, inclusive_prefixes=ref.prefixes))
    if not hmac.compare_digest(actual.digest(), expected):
        name = etree.QName(target).localname
        raise SignatureRefused("digest", f"{name} {ref.uri} changed after signing")


def check_value(
    certificate: x509.Certificate, method: str, value: bytes, signed_info_bytes: bytes
) -> None:
    """Refuse a SignatureValue that the certificate's key does not verify over the canonical
    SignedInfo ("invalid"), or a key that cannot be read ("key")."""
    family, algorithm = SIGNATURE_METHODS[method]
    try:
        public_key = certificate.public_key()
    except (ValueError, UnsupportedAlgorithm) as error:
        raise SignatureRefused("key", f"the token's key cannot be read: {error}") from None
    try:
        if family == "rsa" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(value, signed_info_bytes, padding.PKCS1v15(), algorithm)
            return
        if family == "ec" and isinstance(public_key, ec.EllipticCurvePublicKey):
            size = (public_key.curve.key_size + 7) // 8
            if len(value) != 2 * size:
                raise InvalidSignature
            r, s = int.from_bytes(value[:size], "big"), int.from_bytes(value[size:], "big")
            public_key.verify(encode_dss_signature(r, s), signed_info_bytes, ec.ECDSA(algorithm))
            return
    except InvalidSignature:
        raise SignatureRefused(
            "invalid", "the SignatureValue does not verify with the token's key"
        ) from None
    raise SignatureRefused("invalid", "the signature algorithm does not fit the token's key")


def decode_base64(text: str, reason: Reason, what: str) -> bytes:
    """Base64 text (white space allowed between the characters) as bytes, or a refusal."""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except ValueError:  # binascii.Error, and a character outside ASCII
        raise SignatureRefused(reason, f"{what} is not base64") from None
