"""The OCSP responder names a CA by the hash of its subjectPublicKey BIT STRING (RFC 6960 §4.1.1)
whatever the key type: an EC CA is matched and answered as an RSA one is, and the hash is the one
OpenSSL's and `cryptography`'s requests carry and the verifier expects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp

from egovsim.pki.ocsp import OcspResponder, issuer_key_hash
from egovsim.pki.paths import Party, PathKit
from egovsim.signatures.certs import CertCache
from egovsim.signatures.ocsp_check import _key_hash
from tests.conftest import NOW


class OneCaPki:
    """Just what the responder asks of a PKI, with every authority the same CA and no
    certificate on record (so every answer is a signed 'unknown')."""

    version = 1

    def __init__(self, ca: Party) -> None:
        self._ca = ca

    def reload(self) -> None:
        return None

    def authority(self, name: str) -> Party:
        return self._ca

    def has_authority(self, name: str) -> bool:
        return True

    def find(self, serial: int, issuer: str) -> None:
        return None


def request_for(leaf: Party, ca: Party, algorithm: hashes.HashAlgorithm) -> ocsp.OCSPRequest:
    return (
        ocsp.OCSPRequestBuilder()
        .add_certificate(leaf.certificate, ca.certificate, algorithm)
        .build()
    )


@pytest.mark.parametrize("algorithm", [hashes.SHA1(), hashes.SHA256()], ids=["sha1", "sha256"])
@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_the_issuer_key_hash_is_the_hash_of_the_subject_public_key_bits(
    kind: str, algorithm: hashes.HashAlgorithm
) -> None:
    kit = PathKit(NOW)
    key = rsa.generate_private_key(65537, 2048) if kind == "rsa" else None
    ca = kit.root("Key Hash CA", key=key) if key is not None else kit.root("Key Hash CA")
    leaf = kit.leaf("Aigerim", ca)

    request = request_for(leaf, ca, algorithm)

    assert issuer_key_hash(ca.certificate, algorithm) == request.issuer_key_hash
    assert _key_hash(CertCache().add(ca.certificate), algorithm) == request.issuer_key_hash


def test_the_responder_answers_for_an_ec_ca() -> None:
    kit = PathKit(NOW)
    ca = kit.root("EC Issuing CA")
    leaf = kit.leaf("Aigerim", ca)
    responder = OcspResponder(OneCaPki(ca), timedelta(hours=1))  # type: ignore[arg-type]
    request = request_for(leaf, ca, hashes.SHA1())

    answer = ocsp.load_der_ocsp_response(
        responder.respond(request.public_bytes(serialization.Encoding.DER), NOW)
    )

    assert answer.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.issuer_key_hash == request.issuer_key_hash
    assert answer.serial_number == leaf.certificate.serial_number
    assert answer.certificate_status is ocsp.OCSPCertStatus.UNKNOWN
