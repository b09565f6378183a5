"""Full CMS verifications per second next to the raw RSA-2048 verify rate, and the two ways of
validating a certification path (egovsim's own, `cryptography.x509.verification`)."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Callable

from asn1crypto import cms as asn1_cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import verification

from bench.common import PASSWORD, Figure, load_average, make_pki, report
from egovsim.pki.authority import TestPki
from egovsim.pki.keystore import load_keystore
from egovsim.pki.paths import PathKit
from egovsim.pki.personas import load_personas
from egovsim.pki.tsa import TimeStampAuthority, tsa_key
from egovsim.signatures import cades, cms, signing_keys
from egovsim.signatures.certs import CertCache
from egovsim.signatures.path import PathBuilder
from egovsim.signatures.revocation import FetchError
from egovsim.signatures.verifier import Verifier

#: Distinct plain signatures verified in turn, and distinct two-signer CAdES-T ones (each with
#: its own two tokens): every verification meets a signature, content and tokens it has not
#: met just before, as a gateway does.
DISTINCT = 200
STAMPED = 50


class PkiFetcher:
    """Serves the PKI's CRLs in-process: the benchmark measures the verifier, not HTTP."""

    def __init__(self, pki: TestPki) -> None:
        self._pki = pki
        self.fetches = 0

    async def get(self, url: str) -> bytes:
        self.fetches += 1
        name = url.rsplit("/", 1)[-1].removesuffix(".crl")
        return self._pki.crl(name, _now())

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        raise FetchError("the benchmark reads revocation from CRLs")


def _now():  # type: ignore[no-untyped-def]
    from egovsim.clock import utcnow

    return utcnow()


def cpu_rate(action: Callable[[], object], batch: int, rounds: int = 3) -> float:
    """Calls per second of this process's CPU time, the best of `rounds` of about a second: on
    a machine shared with other work, wall time measures the others as much as the verifier."""
    for _ in range(batch):
        action()
    best = 0.0
    for _ in range(rounds):
        count = 0
        started = time.process_time()
        while time.process_time() - started < 1.0:
            for _ in range(batch):
                action()
            count += batch
        best = max(best, count / (time.process_time() - started))
    return best


def run() -> dict[str, object]:
    """Measure and print; return the figures."""
    pki = make_pki("http://127.0.0.1:9")
    persona = next(p for p in load_personas(pki.directory) if p["id"] == "citizen-valid")
    keystore = load_keystore(pki.directory / persona["keystores"]["sign"]["file"], PASSWORD)
    content = os.urandom(1024)
    # Distinct signatures over distinct content, made before the clock starts: nothing about a
    # signature itself may be remembered from one verification to the next.
    signatures = [
        cms.sign(os.urandom(1024), keystore.key, keystore.certificate, keystore.chain, _now())
        for _ in range(DISTINCT)
    ]
    signature = signatures[0]

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key()
    raw_signature = key.sign(content, padding.PKCS1v15(), hashes.SHA256())

    def raw() -> None:
        public.verify(raw_signature, content, padding.PKCS1v15(), hashes.SHA256())

    fetcher = PkiFetcher(pki)
    verifier = Verifier(pki.trust_anchors, fetcher=fetcher, prefer="crl")
    loop = asyncio.new_event_loop()
    first = loop.run_until_complete(verifier.verify_cms(signature))
    assert first.passed, first.to_json()

    turn = itertools.count()

    async def batch(count: int) -> None:
        for _ in range(count):
            await verifier.verify_cms(signatures[next(turn) % DISTINCT])

    def full() -> None:
        loop.run_until_complete(batch(50))

    # CAdES-T with two signers, each with a timestamp from the test PKI's TSA.
    second_persona = next(p for p in load_personas(pki.directory) if p["id"] == "citizen-second")
    second = load_keystore(pki.directory / second_persona["keystores"]["sign"]["file"], PASSWORD)
    authority, tsa = TimeStampAuthority(), tsa_key(pki, _now())
    stamped_ones = []
    for one in signatures[:STAMPED]:
        co_signed = cades.add_signer(
            one, None, second.key, second.certificate, second.chain, _now()
        )
        tokens = {}
        for index, value in cades.unstamped(co_signed):
            query = cades.time_stamp_query(value, index + 1)
            tokens[index] = cades.token_from_reply(
                authority.respond(query, _now(), tsa), value, index + 1
            )
        stamped_ones.append(cades.with_timestamps(co_signed, tokens))
    checked = loop.run_until_complete(verifier.verify_cms(stamped_ones[0]))
    assert checked.passed, checked.to_json()
    assert len(checked.signers) == 2
    assert all(s.timestamp for s in checked.signers)
    stamped_turn = itertools.count()

    async def stamped_batch(count: int) -> None:
        for _ in range(count):
            await verifier.verify_cms(stamped_ones[next(stamped_turn) % STAMPED])

    def two_signers() -> None:
        loop.run_until_complete(stamped_batch(20))

    # Raw and full measured in turns, each at its best: the ratio is what the target holds.
    raw_rate = full_rate = 0.0
    for _ in range(3):
        raw_rate = max(raw_rate, cpu_rate(raw, batch=200, rounds=1))
        full_rate = max(full_rate, cpu_rate(full, batch=4, rounds=1) * 50)
    cades_rate = cpu_rate(two_signers, batch=2) * 20
    assert fetcher.fetches <= 6, "CRLs must come from the cache once warm"

    # Path validation of the signer's certificate, nothing cached, both ways.
    root = pki.trust_anchors[0]
    nca = pki.authority("nca_rsa").certificate
    leaf = keystore.certificate
    permissive = verification.ExtensionPolicy.permit_all()
    policy = (
        verification.PolicyBuilder()
        .store(verification.Store([root]))
        .time(_now())
        .extension_policies(
            ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(), ee_policy=permissive
        )
    )

    def with_cryptography() -> None:
        policy.build_client_verifier().verify(leaf, [nca])

    def with_egovsim() -> None:
        certs = CertCache()
        builder = PathBuilder([root], certs, None, [nca])
        loop.run_until_complete(builder.build(certs.add(leaf), []))
        signing_keys._VERIFIED_ISSUERS.clear()
        signing_keys._FAILED_ISSUERS.clear()

    # A hostile bundle: 1,000 certificates with the issuer's name and a wrong key beside the
    # real issuer; every search checks signatures anew (caches cleared).
    kit = PathKit(_now())
    hostile_root = kit.root("Root")
    decoy_key = kit.ca("Decoy", hostile_root).key
    decoys = [kit.ca("Issuing CA", hostile_root, key=decoy_key).certificate for _ in range(1000)]
    real = kit.ca("Issuing CA", hostile_root)
    hostile_leaf = kit.leaf("Aigerim", real)

    hostile_certs = CertCache()
    hostile_pool = [hostile_certs.add(c) for c in [*decoys, real.certificate]]
    hostile_info = hostile_certs.add(hostile_leaf.certificate)

    def with_hostile_bundle() -> None:
        # The bundle comes with the signature and is parsed once (the verifier's certificate
        # cache); what is measured is the search through it, signature checks included.
        builder = PathBuilder([hostile_root.certificate], hostile_certs, None)
        found = loop.run_until_complete(builder.build(hostile_info, hostile_pool))
        assert found.code is None, found.detail
        signing_keys._VERIFIED_ISSUERS.clear()
        signing_keys._FAILED_ISSUERS.clear()

    def parse_with_asn1crypto() -> None:
        info = asn1_cms.ContentInfo.load(signature)
        signer = info["content"]["signer_infos"][0]
        signer["signed_attrs"].dump()
        for attribute in signer["signed_attrs"]:
            attribute["values"].native  # noqa: B018 (parsing is the point)
        for certificate in info["content"]["certificates"]:
            certificate.dump()

    def parse_with_egovsim() -> None:
        cms.parse(signature)

    asn1_rate = cpu_rate(parse_with_asn1crypto, batch=50)
    walker_rate = cpu_rate(parse_with_egovsim, batch=50)
    crypto_rate = cpu_rate(with_cryptography, batch=50)
    own_rate = cpu_rate(with_egovsim, batch=50)
    hostile_rate = cpu_rate(with_hostile_bundle, batch=5)
    loop.close()
    return report(
        f"signature verification (one core, CPU time; load average {load_average()})",
        [
            Figure("raw cryptography RSA-2048 verify", raw_rate, "/s"),
            Figure("full CMS verification, cached CRL, warm caches", full_rate, "/s"),
            Figure("ratio full / raw", full_rate / raw_rate, "", ">= 0.3"),
            Figure("CAdES-T, two signers each with a timestamp, warm caches", cades_rate, "/s"),
            Figure(
                "CAdES-T two signers: cost relative to one plain signer",
                full_rate / cades_rate,
                "x",
                "about 2 (each token checked once)",
            ),
            Figure("CMS parse: asn1crypto", asn1_rate, "/s"),
            Figure("CMS parse: egovsim's DER walker", walker_rate, "/s"),
            Figure("path validation, cold: cryptography.x509.verification", crypto_rate, "/s"),
            Figure("path validation, cold: egovsim (parse + RFC 5280 §6.1)", own_rate, "/s"),
            Figure(
                "path building, cold, among 1,000 decoy issuers",
                1000 / hostile_rate,
                " ms",
            ),
        ],
    )
