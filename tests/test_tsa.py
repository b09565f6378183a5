"""The test PKI's time-stamping authority (RFC 3161) at /tsp, against `openssl ts`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from asn1crypto import tsp

from egovsim.pki.tsa import TSA_POLICY, TimeStampAuthority, TimeStampResp, tsa_key
from tests.conftest import NOW
from tests.test_openssl_interop import openssl, write_cert

QUERY = "application/timestamp-query"


def request(data: bytes = b"a document", *, algorithm: str = "sha256", **fields: object) -> bytes:
    """A DER TimeStampReq over `data`."""
    digest = hashlib.new(algorithm if algorithm != "md5" else "md5", data).digest()
    return tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": algorithm},
                "hashed_message": digest,
            },
            **fields,
        }
    ).dump()


async def test_openssl_query_is_answered_and_verifies_against_the_test_root(
    client: TestClient, pki, tmp_path: Path
) -> None:
    data = tmp_path / "document.txt"
    data.write_bytes(b"a legal entity's request\n")
    query = tmp_path / "query.tsq"
    made = openssl("ts", "-query", "-data", data, "-sha256", "-cert", "-out", query)
    assert made.returncode == 0, made.stderr
    reply = await client.post("/tsp", data=query.read_bytes(), headers={"Content-Type": QUERY})
    assert reply.status == 200
    assert reply.content_type == "application/timestamp-reply"
    answer = tmp_path / "reply.tsr"
    answer.write_bytes(await reply.read())
    root = write_cert(tmp_path / "root.pem", pki.authority("root_rsa").certificate)
    checked = openssl(
        "ts",
        "-verify",
        "-queryfile",
        query,
        "-in",
        answer,
        "-CAfile",
        root,
        "-attime",
        str(int(NOW.timestamp())),
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Verification: OK" in checked.stdout
    printed = openssl("ts", "-reply", "-in", answer, "-text")
    assert f"Policy OID: {TSA_POLICY}" in printed.stdout
    assert "Nonce: 0x" in printed.stdout
    assert "Accuracy: unspecified seconds, 0x01F4 millis, unspecified micros" in printed.stdout


def granted(reply: bytes) -> tsp.TSTInfo:
    response = TimeStampResp.load(reply)
    assert response["status"]["status"].native == "granted"
    content = response["time_stamp_token"]["content"]
    return content["encap_content_info"]["content"].parsed


@pytest.mark.parametrize(
    ("query", "failure"),
    [
        (request(algorithm="md5"), "bad_alg"),
        (request(algorithm="sha1"), "bad_alg"),
        (request(req_policy="1.2.3.4"), "unaccepted_policy"),
        (b"\x30\x03\x02\x01\x01", "bad_data_format"),
        (b"not DER at all", "bad_data_format"),
    ],
    ids=["md5", "sha1", "unknown-policy", "no-imprint", "garbage"],
)
def test_a_request_the_tsa_cannot_answer_is_refused_with_its_failure_info(
    pki, query: bytes, failure: str
) -> None:
    reply = TimeStampAuthority().respond(query, NOW, tsa_key(pki, NOW))
    status = TimeStampResp.load(reply)["status"]
    assert status["status"].native == "rejection"
    assert status["fail_info"].native == {failure}
    assert status["status_string"].native


def test_the_token_carries_the_nonce_the_time_and_the_certificate_only_when_asked(pki) -> None:
    authority = TimeStampAuthority()
    without = TimeStampResp.load(authority.respond(request(nonce=7), NOW, tsa_key(pki, NOW)))
    assert not without["time_stamp_token"]["content"]["certificates"]
    info = granted(authority.respond(request(nonce=7, cert_req=True), NOW, tsa_key(pki, NOW)))
    assert info["nonce"].native == 7
    assert info["gen_time"].native == NOW
    assert info["policy"].native == TSA_POLICY
    assert (
        info["message_imprint"]["hashed_message"].native == hashlib.sha256(b"a document").digest()
    )


def test_the_tsa_certificate_has_the_critical_time_stamping_usage_alone(pki) -> None:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    certificate = tsa_key(pki, NOW).certificate
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical
    assert list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert certificate.issuer == pki.authority("root_rsa").certificate.subject


@pytest.mark.parametrize(
    ("switch", "expect"),
    [("tsa-down", 503), ("tsa-wrong-imprint", "imprint"), ("tsa-untrusted", "issuer")],
)
async def test_the_tsa_fault_switches_act_at_tsp(
    client: TestClient, pki, switch: str, expect: object
) -> None:
    on = await client.put(f"/api/v1/faults/{switch}", json={"on": True})
    assert on.status == 200, await on.text()
    reply = await client.post("/tsp", data=request(cert_req=True), headers={"Content-Type": QUERY})
    if expect == 503:
        assert reply.status == 503
        return
    response = TimeStampResp.load(await reply.read())
    token = response["time_stamp_token"]["content"]
    info = token["encap_content_info"]["content"].parsed
    if expect == "imprint":
        assert (
            info["message_imprint"]["hashed_message"].native
            != hashlib.sha256(b"a document").digest()
        )
    else:
        signer_cert = token["certificates"][0].chosen
        untrusted = pki.authority("untrusted_rsa").certificate.subject.rfc4514_string()
        assert signer_cert.issuer.human_friendly and untrusted
        assert signer_cert["tbs_certificate"]["issuer"].native["common_name"].startswith("СЕНІМСІЗ")


async def test_a_body_of_another_type_is_refused(client: TestClient) -> None:
    reply = await client.post("/tsp", data=request(), headers={"Content-Type": "text/plain"})
    assert reply.status == 400
