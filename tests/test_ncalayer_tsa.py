"""NCALayer's `tsaProfile` in `kz.gov.pki.knca.basics` `sign`: `{}` (the captured exchanges)
makes a CAdES-BES CMS; a profile asks the simulator's TSA for a token on the signature, and the
TSA's fault switches reach the page as the signer's refusal, with the code."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from egovsim.pki.tsa import TSA_POLICY, TSA_POLICY_ALTERNATE
from egovsim.signatures import cms, timestamps
from egovsim.signatures.encoding import to_der
from egovsim.signatures.verifier import Expectations, TimestampPolicy, Verifier
from tests.conftest import BASE_URL, NOW
from tests.test_ncalayer import BASICS, DATA, Socket, _basics

B64 = base64.b64encode(DATA).decode()
DETACHED = {"decode": True, "encapsulate": False, "digested": False}


@pytest.fixture
async def connect(client) -> Any:
    """`await connect()`: a connection to the signer's socket, greeted; closed after the test."""
    opened = []

    async def open_socket() -> Socket:
        ws = await client.ws_connect("/ncalayer")
        opened.append(ws)
        return Socket(ws, await ws.receive_str())

    yield open_socket
    for ws in opened:
        await ws.close()


@pytest.fixture
def verifier(pki, fetcher) -> Verifier:
    return Verifier(pki.trust_anchors, fetcher=fetcher, clock=lambda: NOW)


async def _sign(connect: Any, profile: Any, **signing: Any) -> dict[str, Any]:
    ws = await connect()
    params = {**DETACHED, **signing, "tsaProfile": profile}
    answer: dict[str, Any] = await ws.ask(BASICS, "sign", _basics(B64, signing=params))
    return answer


def _token(pem: str) -> timestamps.Token | None:
    signed = cms.parse(to_der(pem.encode()))
    (signer,) = signed.signers
    return timestamps.token_of(signer)


async def test_an_empty_tsa_profile_asks_for_no_timestamp_as_in_the_captures(connect) -> None:
    answer = await _sign(connect, {})
    assert answer["status"] is True
    assert _token(answer["body"]["result"]) is None


@pytest.mark.parametrize("policy", [TSA_POLICY, TSA_POLICY_ALTERNATE])
async def test_a_tsa_profile_adds_a_token_the_verifier_takes_for_the_time_of_signing(
    connect, verifier, persona, policy: str
) -> None:
    answer = await _sign(connect, {"policy": policy})
    assert answer["status"] is True, answer
    pem = answer["body"]["result"]
    token = _token(pem)
    assert token is not None and token.policy == policy and token.gen_time == NOW
    who = persona("citizen-valid")
    report = await verifier.verify_cms(
        pem.encode(),
        content=DATA,
        expect=Expectations(iin=who.iin),
        policy=TimestampPolicy(required=True),
    )
    assert report.passed, report.to_json()
    assert report.check("timestamp").status.value == "passed"
    assert report.signers[0].timestamp is not None


async def test_a_profile_naming_the_simulators_own_tsa_is_honoured_for_a_hash_too(
    connect,
) -> None:
    import hashlib

    digest = base64.b64encode(hashlib.sha256(DATA).digest()).decode()
    ws = await connect()
    params = {**DETACHED, "digested": True, "tsaProfile": {"url": BASE_URL + "/tsp"}}
    answer = await ws.ask(BASICS, "sign", _basics(digest, signing=params))
    assert answer["status"] is True, answer
    assert _token(answer["body"]["result"]) is not None


@pytest.mark.parametrize(
    ("switch", "code"),
    [("tsa-down", "TSA_UNAVAILABLE"), ("tsa-wrong-imprint", "TIMESTAMP_IMPRINT_MISMATCH")],
)
async def test_a_tsa_that_fails_refuses_the_signing_with_its_code(
    connect, client, switch: str, code: str
) -> None:
    on = await client.put(f"/api/v1/faults/{switch}", json={"on": True})
    assert on.status == 200, await on.text()
    answer = await _sign(connect, {"policy": TSA_POLICY})
    assert answer["status"] is False
    assert answer["code"] == "INVOCATION_ERROR"
    assert answer["details"].startswith(f"egovsim: {code}: ")


@pytest.mark.parametrize(
    ("profile", "said"),
    [
        ({"server": "x"}, "tsaProfile has no member server"),
        ({"url": "http://192.0.2.1/tsp"}, "stamps with"),
        ({"policy": 5}, "policy is an OID"),
        ([], 'JSONObject["tsaProfile"] is not a JSONObject'),
    ],
)
async def test_a_profile_the_signer_cannot_honour_is_refused_before_signing(
    connect, profile: Any, said: str
) -> None:
    answer = await _sign(connect, profile)
    assert answer["status"] is False
    assert said in answer["details"]


# -- kz.egovsim.cms addSigner: a second person's signature added in the browser ---------------


async def test_add_signer_adds_the_chosen_key_sets_signature_after_the_earlier_one(
    connect, verifier, persona
) -> None:
    ws = await connect()
    first = await ws.ask(BASICS, "sign", _basics(B64, signing={**DETACHED, "tsaProfile": {}}))
    head_pem = first["body"]["result"]
    chosen = await ws.ask("kz.egovsim.keys", "choose", ["citizen-second", "Qwerty12"])
    assert chosen["code"] == "200", chosen
    profile = {"policy": TSA_POLICY}

    added = await ws.ask("kz.egovsim.cms", "addSigner", ["SIGNATURE", head_pem, B64, profile])

    assert added["code"] == "200", added
    both = base64.b64decode(added["responseObject"])
    earlier = cms.parse(to_der(head_pem.encode())).signers[0]
    signers = cms.parse(both).signers
    assert len(signers) == 2 and signers[0].signature == earlier.signature
    # As `sign cms --add --tsp`: every signer without a token gets one, the earlier signature
    # untouched (the token is an unsigned attribute).
    assert all(timestamps.token_of(signer) is not None for signer in signers)
    report = await verifier.verify_cms(both, content=DATA)
    assert report.passed, report.to_json()["checks"]
    iins = [s.verdict.signer.iin for s in report.signers if s.verdict.signer]
    assert iins == [persona("citizen-valid").iin, persona("citizen-second").iin]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["SIGNATURE", "bm90IGEgY21z", "", {}], "egovsim: not a CMS SignedData"),
        (["SIGNATURE", "-----BEGIN CMS-----\n-----END CMS-----\n", "", {}], "egovsim:"),
        (["SIGNATURE", "", ""], "wrong number of arguments"),
    ],
    ids=["not-a-cms", "empty-pem", "three-arguments"],
)
async def test_add_signer_refuses_what_it_cannot_add_to(connect, args: Any, said: str) -> None:
    ws = await connect()
    answer = await ws.ask("kz.egovsim.cms", "addSigner", args)
    assert answer["code"] == "500" and said in answer["message"]
