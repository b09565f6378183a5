"""The CMS signatures the applicant's steps send, good or damaged on purpose: the ways a client
can get a signature wrong that C2 must refuse, each made the way a careless or hostile client
would make it (a real signature, then one part of it broken)."""

from __future__ import annotations

from datetime import datetime

from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from egovsim.pki.keystore import Keystore
from egovsim.scenarios.model import DIGESTS, TAMPERINGS
from egovsim.signatures import cms

#: What C2 answers each damage of `model.TAMPERINGS` with (`timestamp` is put on later, by
#: `cosigning`: TIMESTAMP_IMPRINT_MISMATCH; and `digest: sha1` with
#: WEAK_ALGORITHM).
REFUSED_AS: dict[str, str] = {
    "signature": "SIGNATURE_BROKEN",  # one bit of the signature value flipped
    "garbage": "SIGNATURE_MALFORMED",  # bytes that are no CMS at all
    "no-certs": "SIGNER_CERT_MISSING",  # the certificates left out of the SignedData
    "certificate": "CHAIN_INVALID",  # the signer's certificate with its CA's signature broken
}
#: What `garbage` sends: text no reader takes for DER, PEM or base64.
GARBAGE = b"this is not a CMS signature!\n"


def signature_over(
    keystore: Keystore,
    content: bytes,
    at: datetime,
    *,
    detached: bool = False,
    digest: str = "sha256",
    tamper: str | None = None,
) -> bytes:
    """A CMS SignedData over `content` made with `keystore` at `at`, damaged as `tamper`
    says (see `REFUSED_AS`); ValueError for a damage or digest there is no word for."""
    if tamper is not None and tamper not in TAMPERINGS:
        raise ValueError(f"tamper is one of {', '.join(TAMPERINGS)}, not {tamper!r}")
    if digest not in DIGESTS:
        raise ValueError(f"digest is one of {', '.join(DIGESTS)}, not {digest!r}")
    if tamper == "garbage":
        return GARBAGE
    certificate = keystore.certificate
    if tamper == "certificate":
        certificate = broken_certificate(certificate)
    signed = cms.sign(
        content, keystore.key, certificate, keystore.chain, at, detached=detached, digest=digest
    )
    if tamper == "signature":
        return flipped_signature(signed)
    if tamper == "no-certs":
        return without_certificates(signed)
    return signed


def broken_certificate(certificate: x509.Certificate) -> x509.Certificate:
    """The certificate with the last byte of its CA's signature changed: its names, key and
    extensions are untouched, so only a check of the issuer's signature finds it out."""
    raw = bytearray(certificate.public_bytes(serialization.Encoding.DER))
    raw[-1] ^= 0x01
    return x509.load_der_x509_certificate(bytes(raw))


def flipped_signature(signed: bytes) -> bytes:
    """The CMS with one bit of its (first) signer's signature value flipped."""
    info = asn1_cms.ContentInfo.load(signed)
    value: bytes = info["content"]["signer_infos"][0]["signature"].native
    damaged = bytearray(value)
    damaged[len(damaged) // 2] ^= 0x01
    # The value's bytes occur once: changing them in place keeps every other byte as signed.
    return signed.replace(value, bytes(damaged), 1)


def without_certificates(signed: bytes) -> bytes:
    """The CMS re-encoded without its `certificates` field (`openssl cms -nocerts`)."""
    info = asn1_cms.ContentInfo.load(signed)
    signed_data = info["content"]
    stripped = asn1_cms.SignedData(
        {
            "version": signed_data["version"],
            "digest_algorithms": signed_data["digest_algorithms"],
            "encap_content_info": signed_data["encap_content_info"],
            "signer_infos": signed_data["signer_infos"],
        }
    )
    encoded: bytes = asn1_cms.ContentInfo(
        {"content_type": "signed_data", "content": stripped}
    ).dump()
    return encoded
