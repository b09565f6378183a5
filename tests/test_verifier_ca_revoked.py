"""A CA of the signer's path revoked after the timestamp, or before it (ETSI EN 319 102-1's
past-signature validation): a root, an intermediate CA revoked on the root's CRL at a time the
table sets, a signer under it, and the test PKI's TSA stamping the signature two hours ago."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from egovsim.pki.authority import TestPki
from egovsim.pki.paths import PathKit
from egovsim.signatures import cades, cms
from egovsim.signatures.checks import EXPECT_NOTHING
from egovsim.signatures.fetching_http import HttpFetcher
from egovsim.signatures.fetching_local import LocalPkiFetcher
from egovsim.signatures.report import Status
from egovsim.signatures.verifier import TimestampPolicy, Verifier
from tests.conftest import NOW
from tests.test_verifier_timestamps import DATA, stamp

SIGNED_AT = NOW - timedelta(hours=2)


@pytest.fixture
async def http() -> AsyncIterator[HttpFetcher]:
    async with HttpFetcher(timeout=2) as fetcher:
        yield fetcher


@pytest.mark.parametrize(
    ("case", "revoked", "stamped", "policy", "code", "subindication"),
    [
        ("CA revoked after the stamp", timedelta(hours=1), True, {}, None, None),
        (
            "CA revoked before the stamp",
            -timedelta(hours=1),
            True,
            {},
            "CERT_REVOKED",
            "REVOKED_CA_NO_POE",
        ),
        (
            "CA revoked after signing, no stamp to prove it",
            timedelta(hours=1),
            False,
            {},
            "CERT_REVOKED",
            "REVOKED_CA_NO_POE",
        ),
        (
            "CA revoked after the stamp, judged at the validation time",
            timedelta(hours=1),
            True,
            {"at_signing_time": False},
            "CERT_REVOKED",
            "REVOKED_CA_NO_POE",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
async def test_a_ca_revoked_is_judged_against_the_time_the_stamp_proves(
    pki: TestPki,
    http: HttpFetcher,
    case: str,
    revoked: timedelta,
    stamped: bool,
    policy: dict[str, bool],
    code: str | None,
    subindication: str | None,
) -> None:
    kit = PathKit(NOW)
    root = kit.root("Test Root for CA revocation")
    ca = kit.ca("Test Intermediate CA", root)
    signer = kit.leaf("Aigerim Testova", ca)
    signature = cms.sign(DATA, signer.key, signer.certificate, [ca.certificate], SIGNED_AT)
    if stamped:
        (index, value), *_ = cades.unstamped(signature)
        signature = cades.with_timestamps(signature, {index: stamp(pki, value, SIGNED_AT)})
    crls = [
        kit.crl(root, [(ca.certificate.serial_number, SIGNED_AT + revoked)]),
        kit.crl(ca),
    ]
    verifier = Verifier(
        [root.certificate, *pki.trust_anchors],
        # The TSA's own revocation is the test PKI's, answered locally.
        fetcher=LocalPkiFetcher(http, pki, lambda: NOW),
        crls=crls,
        clock=lambda: NOW,
        timestamp_policy=TimestampPolicy(**policy),
    )

    report = await verifier.verify_cms(signature, expect=EXPECT_NOTHING)

    assert (report.code, report.subindication) == (code, subindication), (
        case,
        report.to_json()["checks"],
    )
    revocation = report.check("revocation")
    assert revocation is not None
    if code is None:
        assert revocation.status is Status.WARNING
        assert "Test Intermediate CA" in revocation.detail
        assert "after the timestamp" in revocation.detail
        assert report.signers[0].times is not None
        assert report.signers[0].times["validity"] == SIGNED_AT.isoformat()
