"""Validation at the time of signing and several signers, table-driven with the clock: a CMS is
signed and stamped at NOW, then the certificate expires or is revoked, and the verifier looks
later. Revocation is answered by the local PKI (nothing listens at the certificates' address)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from egovsim.pki.authority import Issued, TestPki
from egovsim.pki.profiles import Holder
from egovsim.pki.tsa import TimeStampAuthority, tsa_key
from egovsim.signatures import cades, cms
from egovsim.signatures.fetching_http import HttpFetcher
from egovsim.signatures.fetching_local import LocalPkiFetcher
from egovsim.signatures.report import Status
from egovsim.signatures.verifier import TimestampPolicy, Verifier
from tests.conftest import NOW
from tests.test_openssl_interop import openssl, write_cert

DATA = b'{"service": "company-licence", "bin": "040340041272"}\n'


class Clocked:
    """The verifier's world: the PKI answered locally at a time the test moves."""

    def __init__(self, pki: TestPki, http: HttpFetcher) -> None:
        self.pki = pki
        self.now = NOW
        self.fetcher = LocalPkiFetcher(http, pki, lambda: self.now)

    def verifier(self, **policy: bool) -> Verifier:
        return Verifier(
            self.pki.trust_anchors,
            fetcher=self.fetcher,
            clock=lambda: self.now,
            timestamp_policy=TimestampPolicy(**policy),
        )


@pytest.fixture
async def world(pki: TestPki) -> AsyncIterator[Clocked]:
    async with HttpFetcher(timeout=2) as http:
        yield Clocked(pki, http)


def person(pki: TestPki, iin: str, days: float = 30) -> Issued:
    return pki.issue(
        Holder(iin=iin, surname="ТЕСТОВ", name="ТЕСТ"),
        "sign",
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=days),
    )


def stamp(pki: TestPki, signature: bytes, at: datetime, *, over: bytes | None = None) -> bytes:
    """A token from the test PKI's TSA at `at` over `over` (default: the signature value)."""
    nonce = 5
    query = cades.time_stamp_query(over or signature, nonce)
    reply = TimeStampAuthority().respond(query, at, tsa_key(pki, at))
    return cades.token_from_reply(reply, over or signature, nonce)


def signed(pki: TestPki, *signers: Issued, stamped: bool = True, at: datetime = NOW) -> bytes:
    """A CMS over DATA signed by each of `signers` in turn, each stamped at `at`."""
    first, *others = signers
    result = cms.sign(DATA, first.key, first.certificate, [], at)
    for other in others:
        result = cades.add_signer(result, None, other.key, other.certificate, [], at)
    if stamped:
        tokens = {i: stamp(pki, value, at) for i, value in cades.unstamped(result)}
        result = cades.with_timestamps(result, tokens)
    return result


IIN = "850715301233"


@pytest.mark.parametrize(
    ("case", "stamped", "later", "revoke", "policy", "code", "note"),
    [
        ("stamped, then expired", True, timedelta(days=3), None, {}, None, None),
        ("unstamped, then expired", False, timedelta(days=3), None, {}, "CERT_EXPIRED", None),
        (
            "stamped, expired, checked at the validation time",
            True,
            timedelta(days=3),
            None,
            {"at_signing_time": False},
            "CERT_EXPIRED",
            None,
        ),
        (
            "revoked after the stamp",
            True,
            timedelta(hours=2),
            ("keyCompromise", timedelta(hours=1)),
            {},
            None,
            "after the timestamp",
        ),
        (
            "revoked before the stamp",
            True,
            timedelta(hours=2),
            ("keyCompromise", -timedelta(hours=1)),
            {},
            "CERT_REVOKED",
            None,
        ),
        (
            "unstamped where a stamp is required",
            False,
            timedelta(0),
            None,
            {"required": True},
            "TIMESTAMP_MISSING",
            None,
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
async def test_a_signature_is_judged_at_the_time_its_timestamp_proves(
    world: Clocked, case, stamped, later, revoke, policy, code, note
) -> None:
    signer = person(world.pki, IIN, days=1)
    signature = signed(world.pki, signer, stamped=stamped)
    if revoke is not None:
        reason, offset = revoke
        world.pki.revoke(signer.record.serial, reason, NOW + offset, NOW + offset)
    world.now = NOW + later

    report = await world.verifier(**policy).verify_cms(signature)

    assert report.code == code, (case, report.to_json()["checks"])
    [only] = report.signers
    if stamped:
        assert only.timestamp is not None and only.timestamp["time"] == NOW.isoformat()
    if code is None:
        assert report.passed
        assert only.times is not None
        assert only.times["validity"] == (NOW.isoformat() if stamped else world.now.isoformat())
    if note is not None:
        revocation = report.check("revocation")
        assert revocation is not None and revocation.status is Status.WARNING
        assert note in revocation.detail


async def test_a_timestamp_over_another_signature_is_refused(world: Clocked) -> None:
    signer = person(world.pki, IIN)
    signature = cms.sign(DATA, signer.key, signer.certificate, [], NOW)
    token = stamp(world.pki, b"", NOW, over=b"another signature value")
    forged = cades.with_timestamps(signature, {0: token})

    report = await world.verifier().verify_cms(forged)

    assert report.code == "TIMESTAMP_IMPRINT_MISMATCH"


async def test_a_timestamp_from_the_untrusted_tsa_is_refused(world: Clocked) -> None:
    signer = person(world.pki, IIN)
    signature = cms.sign(DATA, signer.key, signer.certificate, [], NOW)
    [(index, value)] = cades.unstamped(signature)
    query = cades.time_stamp_query(value, 1)
    reply = TimeStampAuthority().respond(query, NOW, tsa_key(world.pki, NOW, untrusted=True))
    stamped = cades.with_timestamps(signature, {index: cades.token_from_reply(reply, value, 1)})

    report = await world.verifier().verify_cms(stamped)

    assert report.code == "TSA_UNTRUSTED"


async def test_three_signers_with_the_second_broken_are_refused_naming_the_second(
    world: Clocked,
) -> None:
    first, second, third = (person(world.pki, iin) for iin in (IIN, "900501322012", "061240000003"))
    world.pki.revoke(second.record.serial, "keyCompromise", NOW - timedelta(hours=1), NOW)
    signature = signed(world.pki, first, second, third)

    report = await world.verifier().verify_cms(signature)

    assert (report.code, len(report.signers)) == ("SIGNER_REFUSED", 3)
    assert [s.verdict.code for s in report.signers] == [None, "CERT_REVOKED", None]
    refused = report.check("signer 2")
    assert refused is not None and refused.code == "SIGNER_REFUSED"
    assert "signer 2" in refused.detail and "900501322012" in refused.detail
    body = report.to_json()
    assert body["signer"]["iin"] == IIN  # the top-level keys stay, naming the first signer
    assert [s["index"] for s in body["signers"]] == [1, 2, 3]


async def test_openssl_sign_then_resign_verifies_with_both_signers_reported(
    world: Clocked, tmp_path: Path
) -> None:
    first, second = person(world.pki, IIN), person(world.pki, "900501322012")
    (tmp_path / "data").write_bytes(DATA)
    for name, party in (("first", first), ("second", second)):
        write_cert(tmp_path / f"{name}.pem", party.certificate)
        (tmp_path / f"{name}.key").write_bytes(_pem(party))
    made = openssl(
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-in",
        tmp_path / "data",
        "-signer",
        tmp_path / "first.pem",
        "-inkey",
        tmp_path / "first.key",
        "-outform",
        "DER",
        "-out",
        tmp_path / "one.p7s",
    )
    assert made.returncode == 0, made.stderr
    again = openssl(
        "cms",
        "-resign",
        "-inform",
        "DER",
        "-in",
        tmp_path / "one.p7s",
        "-signer",
        tmp_path / "second.pem",
        "-inkey",
        tmp_path / "second.key",
        "-outform",
        "DER",
        "-out",
        tmp_path / "two.p7s",
    )
    assert again.returncode == 0, again.stderr

    report = await world.verifier().verify_cms((tmp_path / "two.p7s").read_bytes())

    assert report.passed, report.to_json()["checks"]
    # OpenSSL keeps the SET OF signerInfos in DER order, not in the order of signing.
    assert sorted(s.verdict.signer.iin for s in report.signers if s.verdict.signer) == [
        IIN,
        "900501322012",
    ]


def _pem(party: Issued) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return party.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
