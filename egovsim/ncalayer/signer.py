"""CMS signatures as NCALayer makes them: over data (attached or detached) or over a hash."""

from __future__ import annotations

import base64
import textwrap
from datetime import datetime

from asn1crypto import cms as asn1_cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from egovsim.pki.keystore import Keystore
from egovsim.signatures import cms

__all__ = ["pem", "sign_data", "sign_hash"]


def sign_data(content: bytes, keystore: Keystore, at: datetime, *, attached: bool) -> bytes:
    """A CAdES-BES-shaped CMS SignedData (DER) over `content`, with the keystore's chain."""
    return cms.sign(
        content, keystore.key, keystore.certificate, keystore.chain, at, detached=not attached
    )


def sign_hash(digest: bytes, keystore: Keystore, at: datetime) -> bytes:
    """A detached CMS SignedData (DER) whose message-digest is `digest`, a SHA-256 hash the
    client computed, as createCAdESFromBase64Hash makes one.

    `cms.sign` builds the structure over empty content; its message-digest is then replaced and
    the signed attributes signed again, so both signatures share one encoder.
    """
    info = asn1_cms.ContentInfo.load(sign_data(b"", keystore, at, attached=False))
    signer = info["content"]["signer_infos"][0]
    attributes = asn1_cms.CMSAttributes(
        [
            asn1_cms.CMSAttribute({"type": "message_digest", "values": [digest]})
            if attribute["type"].native == "message_digest"
            else attribute.copy()
            for attribute in signer["signed_attrs"]
        ]
    )
    to_sign = attributes.dump()
    key = keystore.key
    if isinstance(key, rsa.RSAPrivateKey):
        value = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        value = key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
    else:  # cms.sign has refused other keys already
        raise TypeError(f"cannot sign with a {type(key).__name__}")
    signer["signed_attrs"] = attributes
    signer["signature"] = value
    encoded: bytes = info.dump(force=True)
    return encoded


def pem(der: bytes) -> str:
    """A CMS in the PEM armour the basics module answers with."""
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode("ascii"), 64))
    return f"-----BEGIN CMS-----\n{body}\n-----END CMS-----\n"
