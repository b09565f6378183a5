"""What the verifier keeps between checks never outlives what it rests on: a certificate's kept
verdict gives way to a revocation fetched anew and to the end of the certificate's validity; the
signature and the content are checked every time; a timestamp token read before binds only the
signature it was made over, and its own signature is checked once per token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from egovsim.pki.authority import TestPki
from egovsim.signatures import cades, cms, timestamps
from egovsim.signatures.fetching_http import HttpFetcher
from egovsim.signatures.verifier import Verifier
from tests.conftest import NOW
from tests.test_verifier_timestamps import DATA, IIN, Clocked, person, signed

WARM = 3  # the verdict is kept from the second check on; the third uses it


@pytest.fixture
async def world(pki: TestPki) -> AsyncIterator[Clocked]:
    async with HttpFetcher(timeout=2) as http:
        yield Clocked(pki, http)


async def warm(verifier: Verifier, signature: bytes, **options: object) -> None:
    for _ in range(WARM):
        report = await verifier.verify_cms(signature, **options)  # type: ignore[arg-type]
        assert report.passed, report.to_json()["checks"]


async def test_a_kept_verdict_gives_way_to_a_revocation_fetched_anew(world: Clocked) -> None:
    signer = person(world.pki, IIN)
    signature = signed(world.pki, signer, stamped=False)
    verifier = world.verifier()
    await warm(verifier, signature)
    world.pki.revoke(signer.record.serial, "keyCompromise", NOW, NOW)
    world.now = NOW + timedelta(minutes=1)

    verifier.clear_revocation_caches()
    report = await verifier.verify_cms(signature)

    assert report.code == "CERT_REVOKED", report.to_json()["checks"]


async def test_a_kept_verdict_at_the_time_of_a_timestamp_gives_way_to_a_revocation(
    world: Clocked,
) -> None:
    signer = person(world.pki, IIN)
    signature = signed(world.pki, signer)
    verifier = world.verifier()
    world.now = NOW + timedelta(minutes=1)  # validity is judged at the stamp, NOW
    await warm(verifier, signature)
    world.pki.revoke(signer.record.serial, "keyCompromise", NOW - timedelta(hours=1), world.now)

    verifier.clear_revocation_caches()
    report = await verifier.verify_cms(signature)

    assert report.code == "CERT_REVOKED", report.to_json()["checks"]
    assert report.signers[0].times is not None
    assert report.signers[0].times["validity"] == NOW.isoformat()


async def test_a_kept_verdict_does_not_outlive_the_certificate(world: Clocked) -> None:
    # Two minutes of validity: the revocation answers kept stay fresh past its end, so only the
    # kept verdict's own window can refuse it.
    signer = person(world.pki, IIN, days=2 / 1440)
    signature = signed(world.pki, signer, stamped=False)
    verifier = world.verifier()
    await warm(verifier, signature)
    last_second = signer.certificate.not_valid_after_utc

    world.now = last_second + timedelta(microseconds=999_999)
    still = await verifier.verify_cms(signature)
    world.now = last_second + timedelta(seconds=1)
    after = await verifier.verify_cms(signature)

    assert still.passed, still.to_json()["checks"]
    assert after.code == "CERT_EXPIRED", after.to_json()["checks"]


async def test_the_signature_and_the_content_are_checked_every_time(world: Clocked) -> None:
    signer = person(world.pki, IIN)
    detached = cms.sign(DATA, signer.key, signer.certificate, [], NOW, detached=True)
    verifier = world.verifier()
    await warm(verifier, detached, content=DATA)
    value = cms.parse(detached).signers[0].signature
    broken = detached.replace(value, value[:-1] + bytes([value[-1] ^ 1]))

    other_content = await verifier.verify_cms(detached, content=DATA + b" ")
    other_signature = await verifier.verify_cms(broken, content=DATA)

    assert (other_content.code, other_content.subindication) == ("SIGNATURE_BROKEN", "HASH_FAILURE")
    assert other_signature.code == "SIGNATURE_BROKEN"
    assert other_signature.check("signature") is not None


async def test_a_token_read_before_binds_only_the_signature_it_stamps(world: Clocked) -> None:
    signer = person(world.pki, IIN)
    first = signed(world.pki, signer)
    verifier = world.verifier()
    await warm(verifier, first)
    [(_, token_der)] = [
        (index, node.children()[0].encoded)
        for index, info in enumerate(cms.parse(first).signers)
        if (node := info.unsigned.get(timestamps.ATTR_SIGNATURE_TIME_STAMP)) is not None
    ]
    second = cms.sign(DATA + b"!", signer.key, signer.certificate, [], NOW)

    report = await verifier.verify_cms(cades.with_timestamps(second, {0: token_der}))

    assert report.code == "TIMESTAMP_IMPRINT_MISMATCH", report.to_json()["checks"]


async def test_each_tokens_signature_is_checked_once_however_often_the_cms_is(
    world: Clocked, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = person(world.pki, IIN), person(world.pki, "900501322012")
    signature = signed(world.pki, first, second)
    checked = []
    original = timestamps.token_signature_check

    def counting(token: timestamps.Token, tsa: object) -> object:
        checked.append(token.imprint)
        return original(token, tsa)  # type: ignore[arg-type]

    monkeypatch.setattr(timestamps, "token_signature_check", counting)
    verifier = world.verifier()

    await warm(verifier, signature)

    assert len(checked) == 2 and len(set(checked)) == 2
