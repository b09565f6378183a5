"""C2 against every demo persona, over the real OCSP responder and CRLs of the test's server."""

from __future__ import annotations

import pytest

from egovsim.signatures import cms
from egovsim.signatures.verifier import Expectations, Verifier
from tests.conftest import NOW, Persona

#: persona -> (indication, subindication, code) when it signs its own request.
OUTCOMES = {
    "citizen-valid": ("TOTAL_PASSED", None, None),
    "citizen-second": ("TOTAL_PASSED", None, None),
    "citizen-expired": ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE", "CERT_EXPIRED"),
    "citizen-not-yet-valid": ("TOTAL_FAILED", "NOT_YET_VALID", "CERT_NOT_YET_VALID"),
    "citizen-revoked": ("INDETERMINATE", "REVOKED_NO_POE", "CERT_REVOKED"),
    "citizen-on-hold": ("INDETERMINATE", "REVOKED_NO_POE", "CERT_ON_HOLD"),
    "citizen-untrusted": ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND", "CERT_UNTRUSTED"),
    "citizen-auth-only": ("INDETERMINATE", "CHAIN_CONSTRAINTS_FAILURE", "CERT_WRONG_KEY_USAGE"),
    "company-first-head": ("TOTAL_PASSED", None, None),
    "company-signer": ("TOTAL_PASSED", None, None),
    "company-finance": ("INDETERMINATE", "SIG_CONSTRAINTS_FAILURE", "NO_SIGNING_RIGHT"),
    "company-hr": ("INDETERMINATE", "SIG_CONSTRAINTS_FAILURE", "NO_SIGNING_RIGHT"),
    "company-employee": ("INDETERMINATE", "SIG_CONSTRAINTS_FAILURE", "NO_SIGNING_RIGHT"),
    "shymkent-energy-head": ("TOTAL_PASSED", None, None),
    "shymkent-energy-signer": ("TOTAL_PASSED", None, None),
    "almaty-transport-head": ("TOTAL_PASSED", None, None),
    "almaty-transport-signer": ("TOTAL_PASSED", None, None),
    "egov-gateway": ("TOTAL_PASSED", None, None),
}


def _sign(who: Persona, content: bytes = b'{"service": "vessel-licence"}') -> bytes:
    keystore = who.sign or who.auth  # the auth-only persona signs with what it has
    return cms.sign(content, keystore.key, keystore.certificate, keystore.chain, NOW)


@pytest.mark.parametrize(("persona_id", "outcome"), OUTCOMES.items())
@pytest.mark.parametrize("prefer", ["ocsp", "crl"])
async def test_each_persona_gets_its_own_outcome(
    persona, pki, fetcher, persona_id, outcome, prefer
) -> None:
    who = persona(persona_id)
    verifier = Verifier(pki.trust_anchors, fetcher=fetcher, prefer=prefer, clock=lambda: NOW)
    report = await verifier.verify_cms(_sign(who), expect=Expectations(iin=who.iin, bin=who.bin))
    assert (str(report.indication), report.subindication, report.code) == outcome
    assert report.code == who.expected_code
    assert report.signer is not None
    assert report.signer.iin == who.iin


async def test_every_persona_in_the_listing_has_an_expected_outcome(certs_dir) -> None:
    from egovsim.pki.personas import load_personas

    assert {entry["id"] for entry in load_personas(certs_dir)} == set(OUTCOMES)


async def test_revocation_answers_name_their_source(persona, pki, fetcher) -> None:
    verifier = Verifier(pki.trust_anchors, fetcher=fetcher, prefer="ocsp", clock=lambda: NOW)
    report = await verifier.verify_cms(_sign(persona("citizen-revoked")))
    check = report.check("revocation")
    assert check is not None and check.data is not None
    assert check.data["reason"] == "keyCompromise"
    assert check.data["source"] == "ocsp"
    assert check.data["revoked_at"] < NOW.isoformat()
