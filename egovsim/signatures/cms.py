"""CMS SignedData (RFC 5652): reading the parts the verifier needs, and signing.

Reading walks the DER with `der` (the hot path); signing builds the structure with asn1crypto.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import asn1crypto.tsp  # noqa: F401  (registers the ESS signing-certificate attributes)
from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from egovsim.signatures import der
from egovsim.signatures.algorithms import DIGESTS, hash_algorithm

SIGNED_DATA = "1.2.840.113549.1.7.2"
DATA = "1.2.840.113549.1.7.1"
ATTR_CONTENT_TYPE = "1.2.840.113549.1.9.3"
ATTR_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
ATTR_SIGNING_TIME = "1.2.840.113549.1.9.5"


@dataclass(frozen=True, slots=True)
class SignerInfo:
    """The parts of one SignerInfo the verifier checks."""

    issuer: bytes | None  # the DER of the issuer Name, when the sid is issuerAndSerialNumber
    serial: int | None
    subject_key_id: bytes | None  # when the sid is subjectKeyIdentifier
    digest_oid: str
    signature_oid: str
    signature_parameters: bytes | None
    signature: bytes
    signed_attributes: bytes | None  # re-encoded as a SET, exactly what was signed
    attributes: dict[str, der.Node]  # type -> its SET OF values

    def values(self, attribute: str) -> list[der.Node]:
        """The values of a signed attribute (none when it is absent)."""
        node = self.attributes.get(attribute)
        return node.children() if node is not None else []


@dataclass(frozen=True, slots=True)
class SignedData:
    """A parsed CMS SignedData."""

    content_type: str
    content: bytes | None  # None when the signature is detached
    certificates: list[bytes]
    signers: list[SignerInfo]


def parse(data: bytes) -> SignedData:
    """Parse a DER (or BER) CMS ContentInfo holding SignedData; `der.DerError` when it is not."""
    info = der.expect(der.read_whole(data), 0x30, "ContentInfo")
    parts = info.children()
    if len(parts) != 2 or der.oid(parts[0]) != SIGNED_DATA:
        raise der.DerError("not a CMS SignedData ContentInfo")
    explicit = der.expect(parts[1], 0xA0, "ContentInfo content")
    inner = explicit.children()
    if len(inner) != 1:
        raise der.DerError("ContentInfo content must hold one value")
    fields = der.expect(inner[0], 0x30, "SignedData").children()
    if len(fields) < 4:
        raise der.DerError("SignedData is too short")
    der.integer(fields[0])  # version
    der.expect(fields[1], 0x31, "digestAlgorithms")
    encapsulated = der.expect(fields[2], 0x30, "encapContentInfo").children()
    if not encapsulated:
        raise der.DerError("empty encapContentInfo")
    content_type = der.oid(encapsulated[0])
    content = None
    if len(encapsulated) > 1:
        wrapper = der.expect(encapsulated[1], 0xA0, "eContent").children()
        if len(wrapper) != 1:
            raise der.DerError("eContent must hold one octet string")
        content = der.octets(wrapper[0])
    certificates: list[bytes] = []
    position = 3
    if fields[position].tag == 0xA0:
        certificates = [c.encoded for c in fields[position].children() if c.tag == 0x30]
        position += 1
    if position < len(fields) and fields[position].tag == 0xA1:
        position += 1  # CRLs carried in the CMS are not used: revocation comes from the PKI
    if position != len(fields) - 1:
        raise der.DerError("unexpected fields in SignedData")
    signer_nodes = der.expect(fields[position], 0x31, "signerInfos").children()
    if not signer_nodes:
        raise der.DerError("SignedData has no SignerInfo")
    signers = [_signer_info(node) for node in signer_nodes]
    return SignedData(content_type, content, certificates, signers)


def _algorithm(node: der.Node) -> tuple[str, bytes | None]:
    parts = der.expect(node, 0x30, "AlgorithmIdentifier").children()
    if not parts:
        raise der.DerError("empty AlgorithmIdentifier")
    parameters = parts[1].encoded if len(parts) > 1 and parts[1].tag != 0x05 else None
    return der.oid(parts[0]), parameters


def _signer_info(node: der.Node) -> SignerInfo:
    fields = der.expect(node, 0x30, "SignerInfo").children()
    if len(fields) < 5:
        raise der.DerError("SignerInfo is too short")
    der.integer(fields[0])
    sid = fields[1]
    issuer = serial = subject_key_id = None
    if sid.tag == 0x30:
        issuer_and_serial = sid.children()
        if len(issuer_and_serial) != 2:
            raise der.DerError("malformed IssuerAndSerialNumber")
        issuer = der.expect(issuer_and_serial[0], 0x30, "issuer Name").encoded
        serial = der.integer(issuer_and_serial[1])
    elif sid.tag == 0x80:
        subject_key_id = sid.content
    else:
        raise der.DerError("unknown SignerIdentifier")
    digest_oid, _ = _algorithm(fields[2])
    position = 3
    signed_attributes = None
    attributes: dict[str, der.Node] = {}
    if fields[position].tag == 0xA0:
        implicit = fields[position]
        # The signature covers the attributes with the SET OF tag, not the [0] IMPLICIT one.
        signed_attributes = b"\x31" + implicit.data[implicit.start + 1 : implicit.end]
        for attribute in implicit.children():
            pair = der.expect(attribute, 0x30, "Attribute").children()
            if len(pair) != 2:
                raise der.DerError("malformed Attribute")
            # Only a few attributes are read; their values are unpacked when asked for.
            attributes[der.oid(pair[0])] = der.expect(pair[1], 0x31, "Attribute values")
        position += 1
    if position + 2 > len(fields):
        raise der.DerError("SignerInfo lacks a signature")
    signature_oid, signature_parameters = _algorithm(fields[position])
    signature = der.expect(fields[position + 1], 0x04, "signature").content
    return SignerInfo(
        issuer,
        serial,
        subject_key_id,
        digest_oid,
        signature_oid,
        signature_parameters,
        signature,
        signed_attributes,
        attributes,
    )


def parse_time(node: der.Node) -> datetime:
    """A UTCTime or GeneralizedTime value in the `...Z` form DER requires (signing-time)."""
    text = node.content.decode("ascii", "replace")
    if node.tag == 0x17 and len(text) == 13 and text.endswith("Z"):
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif node.tag != 0x18:
        raise der.DerError("signing-time is neither UTCTime nor GeneralizedTime")
    try:
        if len(text) != 15 or not text.endswith("Z") or not text[:14].isdigit():
            raise ValueError(text)
        return datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[8:10]),
            int(text[10:12]),
            int(text[12:14]),
            tzinfo=UTC,
        )
    except ValueError:
        raise der.DerError(f"signing-time {text!r} is not a DER time") from None


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
    signer_info = cms.SignerInfo(
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
    encapsulated: dict[str, object] = {"content_type": "data"}
    if not detached:
        encapsulated["content"] = content
    certificates = [asn1_cert] + [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in chain
    ]
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [digest_algorithm],
            "encap_content_info": encapsulated,
            "certificates": certificates,
            "signer_infos": [signer_info],
        }
    )
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    encoded: bytes = info.dump()
    return encoded


def digest_of(content: bytes, digest_oid: str) -> bytes | None:
    """The digest of `content` by a digest OID, or None when the OID is unknown."""
    name = DIGESTS.get(digest_oid)
    if name is None:
        return None
    return hashlib.new(name, content).digest()
