"""The gateway's own key (the `egov-gateway` persona): what signs its answers to signed requests
and its pushes to other systems."""

from __future__ import annotations

import asyncio
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from egovsim.config import Settings
from egovsim.gateway.service import ReplySigner
from egovsim.gateway.wssign import signed_envelope
from egovsim.pki.keystore import Keystore, load_keystore
from egovsim.pki.personas import load_personas
from egovsim.signatures.xmldsig import SigningKey


def reply_signer(keystore: Keystore | None) -> ReplySigner | None:
    """How the gateway signs its answers to signed requests: as `egov-gateway`."""
    if keystore is None:
        return None

    async def sign(content: etree._Element, at: datetime) -> bytes:
        return await signed_as_gateway(keystore, content, at)

    return sign


async def signed_as_gateway(keystore: Keystore, content: etree._Element, at: datetime) -> bytes:
    """An envelope around `content` (the Body's one element) signed with the gateway's key, its
    Timestamp created `at`. An RSA key signs
    beside the event loop (its private-key operation takes about a millisecond and releases the
    GIL, so acceptance goes on meanwhile); an ECDSA one, a tenth of that, signs in place, as
    handing it to a thread would cost more than the signature."""
    signer = SigningKey.of(keystore.key, keystore.certificate)
    if isinstance(keystore.key, ec.EllipticCurvePrivateKey):
        return signed_envelope(content, signer, created=at)
    return await asyncio.to_thread(signed_envelope, content, signer, created=at)


def gateway_keystore(settings: Settings) -> Keystore | None:
    """The gateway's own signing key (the `egov-gateway` persona), if the PKI has it."""
    persona = next(
        (p for p in load_personas(settings.certs_dir) if p["id"] == "egov-gateway"), None
    )
    if persona is None:
        return None
    return load_keystore(
        settings.certs_dir / persona["keystores"]["sign"]["file"], persona["password"]
    )
