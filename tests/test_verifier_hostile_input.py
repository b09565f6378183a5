"""Every input a report: damaged certificates, CRLs and OCSP responses anywhere in the evidence
give a verdict with a code, never an exception (a fixed-seed mutation of generated evidence)."""

from __future__ import annotations

import random

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import AuthorityInformationAccessOID

from egovsim.cli.ocsp_verdict import ocsp_verdict
from egovsim.pki.paths import PathKit
from egovsim.signatures.fetching import FetchError
from egovsim.signatures.revocation import load_crl
from egovsim.signatures.verifier import Verifier
from tests.conftest import NOW

MUTATIONS = 150


def mutations(data: bytes, seed: int) -> list[bytes]:
    """Copies of `data` with one to three bytes changed, or cut short, reproducibly."""
    chance = random.Random(seed)
    found = []
    for _ in range(MUTATIONS):
        damaged = bytearray(data)
        if chance.random() < 0.2:
            damaged = damaged[: chance.randrange(1, len(damaged))]
        else:
            for _ in range(chance.randint(1, 3)):
                damaged[chance.randrange(len(damaged))] = chance.randrange(256)
        found.append(bytes(damaged))
    return found


class Answers:
    def __init__(self, body: bytes) -> None:
        self.body = body

    async def get(self, url: str) -> bytes:
        raise FetchError("only OCSP here")

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        return self.body


@pytest.fixture(scope="module")
def evidence() -> dict[str, object]:
    kit = PathKit(NOW)
    root = kit.root("Root")
    ca = kit.ca("CA", root)
    access = x509.AccessDescription(
        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier("http://127.0.0.1:9/")
    )
    leaf = kit.leaf("Aigerim", ca, extensions=[(x509.AuthorityInformationAccess([access]), False)])
    return {
        "root": root,
        "ca": ca,
        "leaf": leaf,
        "crls": [kit.crl(root), kit.crl(ca)],
        "ocsp": kit.ocsp_response(leaf, ca, kit.responder(ca)),
    }


def _der(item: x509.Certificate | x509.CertificateRevocationList) -> bytes:
    return item.public_bytes(serialization.Encoding.DER)


async def test_damaged_intermediates_give_a_report(evidence) -> None:
    root, ca, leaf = evidence["root"], evidence["ca"], evidence["leaf"]
    for damaged in mutations(_der(ca.certificate), seed=13):
        verifier = Verifier(
            [root.certificate], intermediates=[damaged], crls=evidence["crls"], prefer="crl"
        )
        report = await verifier.verify_certificate(_der(leaf.certificate), at=NOW)
        assert report.passed or report.code is not None


async def test_damaged_crls_give_a_report(evidence) -> None:
    root, ca, leaf = evidence["root"], evidence["ca"], evidence["leaf"]
    root_crl, ca_crl = evidence["crls"]
    for damaged in mutations(_der(ca_crl), seed=14):
        try:
            crl = load_crl(damaged)
        except ValueError:
            continue  # the command line says "not a CRL" (exit 2) for these
        verifier = Verifier(
            [root.certificate], intermediates=[ca.certificate], crls=[root_crl, crl], prefer="crl"
        )
        report = await verifier.verify_certificate(_der(leaf.certificate), at=NOW)
        assert report.passed or report.code is not None


async def test_damaged_ocsp_responses_give_a_verdict(evidence) -> None:
    root, ca, leaf = evidence["root"], evidence["ca"], evidence["leaf"]
    body = evidence["ocsp"].public_bytes(serialization.Encoding.DER)
    for damaged in mutations(body, seed=15):
        verifier = Verifier(
            [root.certificate],
            intermediates=[ca.certificate],
            crls=[evidence["crls"][0]],
            fetcher=Answers(damaged),
        )
        report = await verifier.verify_certificate(_der(leaf.certificate), at=NOW)
        assert report.code is not None or report.passed
        verdict = ocsp_verdict(damaged, _der(leaf.certificate), _der(ca.certificate), NOW)
        assert verdict["acceptable"] in (True, False)
