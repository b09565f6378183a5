"""Signing a CMS SignedData (RFC 5652) in the CAdES-BES shape, with asn1crypto: what egovsim's
`sign` command, NCALayer and the scenarios make, and what the verifier reads with `cms`."""

from __future__ import annotations

import hashlib
from datetime import datetime

import asn1crypto.tsp  # noqa: F401  (registers the ESS signing-certificate attributes)
from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from egovsim.signatures.algorithms import hash_algorithm


def sign(
    content: bytes,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    signing_time: datetime,
    *,
    detached: bool = False,
    digest: str = "sha256",
) -> bytes:
    """A CAdES-BES-shaped CMS SignedData over `content` (DER): signed attributes with the content
    type, the message digest, the signing time and the ESS signing-certificate-v2."""
    signer_info = signer_info_for(content, key, certificate, signing_time, digest)
    encapsulated: dict[str, object] = {"content_type": "data"}
    if not detached:
        encapsulated["content"] = content
    certificates = [asn1_certificate(c) for c in (certificate, *chain)]
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [signer_info["digest_algorithm"]],
            "encap_content_info": encapsulated,
            "certificates": certificates,
            "signer_infos": [signer_info],
        }
    )
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    encoded: bytes = info.dump()
    return encoded


def asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    """The certificate as asn1crypto holds it."""
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def signer_info_for(
    content: bytes,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    signing_time: datetime,
    digest: str = "sha256",
) -> cms.SignerInfo:
    """One signer's SignerInfo over `content`, with the signed attributes of `sign`."""
    hash_name = digest
    message_digest = hashlib.new(hash_name, content).digest()
    cert_der = certificate.public_bytes(serialization.Encoding.DER)
    asn1_cert = asn1_x509.Certificate.load(cert_der)
    digest_algorithm = algos.DigestAlgorithm({"algorithm": hash_name})
    signing_certificate = {
        "certs": [
            {
                "hash_algorithm": {"algorithm": "sha256"},
                "cert_hash": hashlib.sha256(cert_der).digest(),
                "issuer_serial": {
                    "issuer": [asn1_x509.GeneralName({"directory_name": asn1_cert.issuer})],
                    "serial_number": asn1_cert.serial_number,
                },
            }
        ]
    }
    signed_attributes = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute(
                {
                    "type": "signing_time",
                    "values": [
                        cms.Time({"utc_time": signing_time})
                        if 1950 <= signing_time.year < 2050
                        else cms.Time({"generalized_time": signing_time})
                    ],
                }
            ),
            cms.CMSAttribute({"type": "message_digest", "values": [message_digest]}),
            cms.CMSAttribute({"type": "signing_certificate_v2", "values": [signing_certificate]}),
        ]
    )
    to_sign = signed_attributes.dump()
    hash_algorithm_ = hash_algorithm(hash_name)
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(to_sign, padding.PKCS1v15(), hash_algorithm_)
        signature_algorithm = {"algorithm": f"{hash_name}_rsa"}
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(to_sign, ec.ECDSA(hash_algorithm_))
        signature_algorithm = {"algorithm": f"{hash_name}_ecdsa"}
    else:
        raise TypeError(f"cannot sign with a {type(key).__name__}")
    signer_info: cms.SignerInfo = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": {
                        "issuer": asn1_cert.issuer,
                        "serial_number": asn1_cert.serial_number,
                    }
                }
            ),
            "digest_algorithm": digest_algorithm,
            "signed_attrs": signed_attributes,
            "signature_algorithm": signature_algorithm,
            "signature": signature,
        }
    )
    return signer_info
