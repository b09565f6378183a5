"""CAdES-T and co-signing: a signature-time-stamp token added to each signer, and a signer added
to an existing CMS without touching the earlier ones.

asn1crypto keeps the encodings of what it loaded and did not change, so the earlier signers'
signed attributes, signatures and timestamps go out byte for byte as they came in.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime

from asn1crypto import cms as asn1_cms
from asn1crypto import core, tsp
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from egovsim.signatures.cms import asn1_certificate, signer_info_for
from egovsim.signatures.encoding import to_der
from egovsim.signatures.revocation import FetchError

#: id-aa-signatureTimeStampToken (RFC 3161 Appendix A, CAdES-T).
ATTR_SIGNATURE_TIME_STAMP = "1.2.840.113549.1.9.16.2.14"
QUERY_TYPE = "application/timestamp-query"
#: asn1crypto has no name for the attribute: registered so its value is read as a ContentInfo.
asn1_cms.CMSAttributeType._map.setdefault(ATTR_SIGNATURE_TIME_STAMP, "signature_time_stamp_token")
asn1_cms.CMSAttribute._oid_specs.setdefault("signature_time_stamp_token", asn1_cms.SetOfContentInfo)

#: Posts a body to a URL with a content type and returns the answer's body.
Post = Callable[[str, bytes, str], Awaitable[bytes]]


class TimestampError(Exception):
    """No usable token: `code` is the refusal (TSA_UNAVAILABLE, TIMESTAMP_IMPRINT_MISMATCH)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


class _Reply(core.Sequence):  # type: ignore[misc]
    # asn1crypto's TimeStampResp insists on the token, which a refusal has not.
    _fields = [  # noqa: RUF012
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", asn1_cms.ContentInfo, {"optional": True}),
    ]


def time_stamp_query(signature: bytes, nonce: int, policy: str | None = None) -> bytes:
    """A TimeStampReq over a signature value (SHA-256), asking for the TSA's certificate (and
    for a policy of the TSA's, when given: RFC 3161's reqPolicy)."""
    fields: dict[str, object] = {
        "version": "v1",
        "message_imprint": {
            "hash_algorithm": {"algorithm": "sha256"},
            "hashed_message": hashlib.sha256(signature).digest(),
        },
        "nonce": nonce,
        "cert_req": True,
    }
    if policy:
        fields["req_policy"] = policy
    query: bytes = tsp.TimeStampReq(fields).dump()
    return query


def token_from_reply(reply: bytes, signature: bytes, nonce: int) -> bytes:
    """The token of a granted reply for `signature` and `nonce`; TimestampError otherwise (a
    signer that stamps checks what it was given, as NCALayer does)."""
    try:
        answer = _Reply.load(reply, strict=True)
        status = answer["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            text = answer["status"]["status_string"].native or []
            failure = answer["status"]["fail_info"].native or set()
            raise TimestampError(
                "TSA_UNAVAILABLE",
                f"the TSA refused: {status} {sorted(failure)} {' '.join(text)}".strip(),
            )
        token = answer["time_stamp_token"]
        info = token["content"]["encap_content_info"]["content"].parsed
        imprint = info["message_imprint"]
        hashed = imprint["hashed_message"].native
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        answered_nonce = info["nonce"].native
    except (ValueError, TypeError, KeyError) as error:
        raise TimestampError(
            "TSA_UNAVAILABLE", f"the TSA's answer cannot be read: {error}"
        ) from None
    if algorithm != "sha256" or hashed != hashlib.sha256(signature).digest():
        raise TimestampError(
            "TIMESTAMP_IMPRINT_MISMATCH",
            "the TSA stamped another imprint than the signature's: the token is not used",
        )
    if answered_nonce != nonce:
        raise TimestampError("TSA_UNAVAILABLE", "the TSA answered with another nonce")
    encoded: bytes = token.dump()
    return encoded


async def fetch_token(post: Post, url: str, signature: bytes, policy: str | None = None) -> bytes:
    """Ask the TSA at `url` for a token over `signature` (under `policy`, when given);
    TimestampError when none comes."""
    nonce = secrets.randbits(63)
    try:
        reply = await post(url, time_stamp_query(signature, nonce, policy), QUERY_TYPE)
    except (FetchError, OSError) as error:
        raise TimestampError(
            "TSA_UNAVAILABLE", f"the TSA at {url} did not answer: {error}"
        ) from None
    return token_from_reply(reply, signature, nonce)


def _load(signature: bytes) -> asn1_cms.ContentInfo:
    try:
        info = asn1_cms.ContentInfo.load(to_der(signature), strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError("not a SignedData")
        if not len(info["content"]["signer_infos"]):  # parsed now, so a bad one fails here
            raise ValueError("no SignerInfo")
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"not a CMS SignedData: {error}") from None
    return info


def unstamped(signature: bytes) -> list[tuple[int, bytes]]:
    """(index, signature value) of each signer without a signature-time-stamp."""
    found = []
    for index, signer in enumerate(_load(signature)["content"]["signer_infos"]):
        attributes = signer["unsigned_attrs"]
        types = [a["type"].dotted for a in attributes] if attributes.native else []
        if ATTR_SIGNATURE_TIME_STAMP not in types:
            found.append((index, signer["signature"].native))
    return found


def with_timestamps(signature: bytes, tokens: dict[int, bytes]) -> bytes:
    """The CMS with each token added as the unsigned signature-time-stamp of signer `index`."""
    info = _load(signature)
    signers = info["content"]["signer_infos"]
    for index, token in tokens.items():
        signer = signers[index]
        existing = list(signer["unsigned_attrs"]) if signer["unsigned_attrs"].native else []
        stamp = asn1_cms.CMSAttribute(
            {
                "type": ATTR_SIGNATURE_TIME_STAMP,
                "values": [asn1_cms.ContentInfo.load(token)],
            }
        )
        signer["unsigned_attrs"] = asn1_cms.CMSAttributes([*existing, stamp])
    info["content"]["signer_infos"] = _in_order(list(signers))
    return _dump(info)


async def stamp_every_signer(
    post: Post, url: str, signature: bytes, policy: str | None = None
) -> bytes:
    """The CMS with a token from the TSA at `url` on each signer that has none (CAdES-T);
    TimestampError when one cannot be had, and then nothing is added."""
    tokens = {}
    for index, value in unstamped(signature):
        tokens[index] = await fetch_token(post, url, value, policy)
    return with_timestamps(signature, tokens) if tokens else signature


def add_signer(
    signature: bytes,
    content: bytes | None,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    signing_time: datetime,
) -> bytes:
    """`signature` with one more SignerInfo over the same data (`content` for a detached one);
    ValueError when the CMS cannot take one."""
    info = _load(signature)
    signed = info["content"]
    inside = signed["encap_content_info"]["content"].native
    if inside is None and content is None:
        raise ValueError("the CMS is detached: give the data it signs")
    if inside is not None and content is not None and content != inside:
        raise ValueError("the data given differs from the data inside the CMS")
    if signed["encap_content_info"]["content_type"].native != "data":
        raise ValueError("only a CMS over plain data takes another signer")
    data = inside if inside is not None else content
    assert data is not None
    new = signer_info_for(data, key, certificate, signing_time)
    signed["signer_infos"] = _in_order([*signed["signer_infos"], new])
    digests = signed["digest_algorithms"]
    if all(d["algorithm"].native != "sha256" for d in digests):
        signed["digest_algorithms"] = asn1_cms.DigestAlgorithms([*digests, new["digest_algorithm"]])
    have = (
        {c.chosen.sha256 for c in signed["certificates"]}
        if signed["certificates"].native
        else set()
    )
    added = [
        asn1_cms.CertificateChoices({"certificate": cert})
        for cert in (asn1_certificate(c) for c in (certificate, *chain))
        if cert.sha256 not in have
    ]
    if added:
        earlier = list(signed["certificates"]) if signed["certificates"].native else []
        signed["certificates"] = asn1_cms.CertificateSet([*earlier, *added])
    return _dump(info)


def _in_order(signers: list[asn1_cms.SignerInfo]) -> asn1_cms.SignerInfos:
    """The signers in the order they signed: asn1crypto would sort a new SET OF by its DER, and
    the first head's signature must stay the first."""
    body = b"".join(signer.dump() for signer in signers)
    return asn1_cms.SignerInfos.load(b"\x31" + _length(len(body)) + body)


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def _dump(info: asn1_cms.ContentInfo) -> bytes:
    """Encode again: asn1crypto marks only the changed value, so the ContentInfo is made anew
    around the changed SignedData, whose unchanged parts keep their bytes."""
    fresh = asn1_cms.ContentInfo({"content_type": "signed_data", "content": info["content"]})
    encoded: bytes = fresh.dump()
    return encoded
