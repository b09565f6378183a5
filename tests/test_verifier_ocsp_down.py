"""An OCSP responder that cannot be reached is not asked again for every certificate: the CRLs
answer for a stated interval (`OCSP_RETRY_AFTER`), the responder is asked again after it, and
forgetting the revocation caches (the trainer's switches) asks it again at once. An answer
refused for one certificate does not count the responder as down."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from egovsim.pki.authority import NCA, TestPki
from egovsim.signatures import cms
from egovsim.signatures.certs import CertCache
from egovsim.signatures.path import PathBuilder
from egovsim.signatures.revocation import OCSP_RETRY_AFTER, RevocationChecker
from egovsim.signatures.verifier import Verifier
from tests.conftest import NOW, RoutedFetcher

CONTENT = b'{"service": "vessel-licence"}\n'


async def _ocsp_down(client: TestClient, on: bool = True) -> None:
    if on:
        reply = await client.put("/api/v1/faults/ocsp-down", json={"on": True})
    else:
        reply = await client.delete("/api/v1/faults/ocsp-down")
    assert reply.status == 200, await reply.text()


def _ocsp_requests(fetcher: RoutedFetcher) -> int:
    return sum(1 for url in fetcher.requests if "/ocsp" in url)


class Timer:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _checker(
    pki: TestPki, fetcher: RoutedFetcher, timer: Timer
) -> tuple[RevocationChecker, CertCache]:
    certs = CertCache()
    paths = PathBuilder(pki.trust_anchors, certs, fetcher)
    return RevocationChecker(fetcher, certs=certs, paths=paths, timer=timer), certs


async def test_a_responder_down_is_asked_once_per_interval_while_the_crls_answer(
    client: TestClient, fetcher: RoutedFetcher, pki: TestPki, persona
) -> None:
    await _ocsp_down(client)
    timer = Timer()
    checker, certs = _checker(pki, fetcher, timer)
    leaf = certs.add(persona("citizen-valid").sign.certificate)
    issuer = certs.add(pki.authority(NCA).certificate)
    first = await checker.status(leaf, issuer, NOW)
    assert first.status == "good" and first.source.startswith("crl")
    assert _ocsp_requests(fetcher) == 1
    # Within the interval: the responder is not asked, the warm path has the CRLs' verdict.
    timer.now += OCSP_RETRY_AFTER - 1
    assert checker.cached(leaf, issuer, NOW) is first
    again = await checker.status(leaf, issuer, NOW)
    assert again == first
    assert _ocsp_requests(fetcher) == 1
    # After it: asked again (still down), then, once it is back, answered by OCSP.
    timer.now += 1
    assert checker.cached(leaf, issuer, NOW) is None
    await checker.status(leaf, issuer, NOW)
    assert _ocsp_requests(fetcher) == 2
    await _ocsp_down(client, on=False)
    timer.now += OCSP_RETRY_AFTER
    back = await checker.status(leaf, issuer, NOW)
    assert (back.status, back.source) == ("good", "ocsp")
    assert _ocsp_requests(fetcher) == 3


async def test_forgetting_the_caches_asks_a_responder_that_was_down_at_once(
    client: TestClient, fetcher: RoutedFetcher, pki: TestPki, persona
) -> None:
    await _ocsp_down(client)
    checker, certs = _checker(pki, fetcher, Timer())
    leaf = certs.add(persona("citizen-valid").sign.certificate)
    issuer = certs.add(pki.authority(NCA).certificate)
    assert (await checker.status(leaf, issuer, NOW)).source.startswith("crl")
    await _ocsp_down(client, on=False)
    checker.forget()
    assert (await checker.status(leaf, issuer, NOW)).source == "ocsp"
    assert _ocsp_requests(fetcher) == 2


async def test_an_answer_refused_for_one_certificate_does_not_count_the_responder_down(
    fetcher: RoutedFetcher, pki: TestPki, persona
) -> None:
    checker, certs = _checker(pki, fetcher, Timer())
    issuer = certs.add(pki.authority(NCA).certificate)
    valid = certs.add(persona("citizen-valid").sign.certificate)
    second = certs.add(persona("citizen-second").sign.certificate)
    assert (await checker.status(valid, issuer, NOW)).source == "ocsp"
    # The responder is told the wrong issuer for this one: refused, not down.
    wrong = await checker.status(second, valid, NOW)
    assert wrong.source != "ocsp"
    assert (await checker.status(second, issuer, NOW)).source == "ocsp"


async def test_verifications_while_the_responder_is_down_ask_it_once(
    client: TestClient, fetcher: RoutedFetcher, pki: TestPki, persona
) -> None:
    await _ocsp_down(client)
    keystore = persona("citizen-valid").sign
    verifier = Verifier(pki.trust_anchors, fetcher=fetcher, clock=lambda: NOW)
    for index in range(5):
        content = CONTENT + str(index).encode()
        signature = cms.sign(content, keystore.key, keystore.certificate, keystore.chain, NOW)
        report = await verifier.verify_cms(signature)
        assert report.passed, report.to_json()
        assert "CRL" in report.check("revocation").detail  # type: ignore[union-attr]
    # The leaf's responder was asked once; the NCA's certificate names none.
    assert _ocsp_requests(fetcher) == 1
