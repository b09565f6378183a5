"""The time-stamping authority of the test PKI (RFC 3161): its certificate and its answers.

Pure: the request and the time come in, the DER TimeStampResp goes out; HTTP is `web.pki.tsp`.
The policy OIDs sit in the NCA's certificate-policy arc 1.2.398.3.3.2 (SPEC §3 names .1-.4 for
end-entity certificates); `.6.1` and `.6.2` are the simulator's choice for its TSA policies, not
a claim about the numbers the NCA's own TSA answers with.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from egovsim.pki.authority import ROOT, UNTRUSTED, TestPki
from egovsim.pki.hierarchy import TSA, TSA_UNTRUSTED, time_stamping

#: The TSA's default policy (SHA-256 imprints, RSA tokens).
TSA_POLICY = "1.2.398.3.3.2.6.1"
#: A second policy a request may ask for by reqPolicy; answered the same way.
TSA_POLICY_ALTERNATE = "1.2.398.3.3.2.6.2"
POLICIES = (TSA_POLICY, TSA_POLICY_ALTERNATE)
#: Imprint algorithms the TSA accepts (RFC 3161 §2.4.2: others are refused with badAlg).
IMPRINT_ALGORITHMS = {"sha256": 32, "sha384": 48, "sha512": 64}
#: How far the TSA's clock may be from true time, as TSTInfo.accuracy states it.
ACCURACY_MILLIS = 500
MAX_REQUEST = 16 * 1024
ID_CT_TST_INFO = "1.2.840.113549.1.9.16.1.4"


class TimeStampResp(core.Sequence):  # type: ignore[misc]
    """RFC 3161 §2.4.2 TimeStampResp: asn1crypto's own requires the token, which a refusal has
    not."""

    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


@dataclass(frozen=True, slots=True)
class TsaKey:
    """Who signs the tokens: the TSA certificate, its key and the chain up to (not including)
    the trust anchor's own certificate, which is carried too so `openssl ts -verify` finds it."""

    certificate: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes
    chain: tuple[x509.Certificate, ...]


def tsa_key(pki: TestPki, now: datetime, *, untrusted: bool = False) -> TsaKey:
    """The TSA of `pki` (or the one the untrusted CA issued), made now if the PKI predates it."""
    name, issuer = (TSA_UNTRUSTED, UNTRUSTED) if untrusted else (TSA, ROOT)
    try:
        authority = pki.authority(name)
    except KeyError:
        made = time_stamping(name, pki.authority(issuer), pki.endpoints, now)
        authority = pki.add_authority(made)
    chain = (pki.authority(issuer).certificate,)
    return TsaKey(authority.certificate, authority.key, chain)


class TimeStampAuthority:
    """Answers DER TimeStampReqs at the time it is given."""

    def __init__(self) -> None:
        self._serial = int.from_bytes(hashlib.sha256(b"egovsim-tsa").digest()[:4], "big") << 32
        self.issued = 0  # tokens issued so far (the benchmark reports it)

    def respond(
        self, request_der: bytes, now: datetime, signer: TsaKey, *, wrong_imprint: bool = False
    ) -> bytes:
        """The DER TimeStampResp to `request_der` at `now`; a refusal is a TimeStampResp too.
        `wrong_imprint` stamps another imprint than the one asked for (a fault switch)."""
        try:
            request = tsp.TimeStampReq.load(request_der, strict=True)
            imprint = request["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            hashed = imprint["hashed_message"].native
            version = request["version"].native
            policy = request["req_policy"].native
            nonce = request["nonce"].native
            cert_req = bool(request["cert_req"].native)
            extensions = request["extensions"].native
        except (ValueError, TypeError, KeyError) as error:
            return _refusal("bad_data_format", f"not a TimeStampReq: {error}")
        if version != "v1":
            return _refusal("bad_request", "only TimeStampReq version 1 is answered")
        if algorithm not in IMPRINT_ALGORITHMS:
            return _refusal("bad_alg", f"imprint algorithm {algorithm} is not accepted")
        if len(hashed) != IMPRINT_ALGORITHMS[algorithm]:
            return _refusal("bad_data_format", f"a {algorithm} imprint has the wrong length")
        if policy is not None and policy not in POLICIES:
            return _refusal("unaccepted_policy", f"policy {policy} is not one of this TSA's")
        if extensions:
            return _refusal("unaccepted_extensions", "no request extension is supported")
        if wrong_imprint:
            hashed = hashlib.new(algorithm, b"not what was asked" + hashed).digest()
        self._serial += 1
        self.issued += 1
        info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": policy or TSA_POLICY,
                "message_imprint": {
                    "hash_algorithm": {"algorithm": algorithm},
                    "hashed_message": hashed,
                },
                "serial_number": self._serial,
                # Whole milliseconds: more digits than the accuracy would only pretend.
                "gen_time": now.replace(microsecond=now.microsecond // 1000 * 1000),
                "accuracy": {"millis": ACCURACY_MILLIS},
                "nonce": nonce,
                "tsa": asn1_x509.GeneralName({"directory_name": _asn1(signer.certificate).subject}),
            }
        )
        token = _signed(info.dump(), now, signer, cert_req)
        reply: bytes = TimeStampResp(
            {"status": {"status": "granted"}, "time_stamp_token": token}
        ).dump()
        return reply


def _refusal(failure: str, text: str) -> bytes:
    response = TimeStampResp(
        {
            "status": {
                "status": "rejection",
                "status_string": [text],
                "fail_info": tsp.PKIFailureInfo({failure}),
            }
        }
    )
    encoded: bytes = response.dump()
    return encoded


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _signed(content: bytes, now: datetime, signer: TsaKey, with_certificates: bool) -> object:
    """The token: SignedData over the TSTInfo, its signer named by issuer and serial and bound by
    ESS signing-certificate-v2 (RFC 5816)."""
    tsa_cert = _asn1(signer.certificate)
    cert_der = tsa_cert.dump()
    attributes = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
            cms.CMSAttribute(
                {"type": "signing_time", "values": [cms.Time({"utc_time": now})]}
                if 1950 <= now.year < 2050
                else {"type": "signing_time", "values": [cms.Time({"generalized_time": now})]}
            ),
            cms.CMSAttribute(
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]}
            ),
            cms.CMSAttribute(
                {
                    "type": "signing_certificate_v2",
                    "values": [
                        {
                            "certs": [
                                {
                                    "hash_algorithm": {"algorithm": "sha256"},
                                    "cert_hash": hashlib.sha256(cert_der).digest(),
                                    "issuer_serial": {
                                        "issuer": [
                                            asn1_x509.GeneralName(
                                                {"directory_name": tsa_cert.issuer}
                                            )
                                        ],
                                        "serial_number": tsa_cert.serial_number,
                                    },
                                }
                            ]
                        }
                    ],
                }
            ),
        ]
    )
    key = signer.key
    assert isinstance(key, rsa.RSAPrivateKey)  # the PKI's keys are RSA (hierarchy.py)
    signature = key.sign(attributes.dump(), padding.PKCS1v15(), hashes.SHA256())
    digest = algos.DigestAlgorithm({"algorithm": "sha256"})
    signed_data: dict[str, object] = {
        "version": "v3",
        "digest_algorithms": [digest],
        "encap_content_info": {
            "content_type": "tst_info",
            "content": core.ParsableOctetString(content),
        },
        "signer_infos": [
            {
                "version": "v1",
                "sid": {
                    "issuer_and_serial_number": {
                        "issuer": tsa_cert.issuer,
                        "serial_number": tsa_cert.serial_number,
                    }
                },
                "digest_algorithm": digest,
                "signed_attrs": attributes,
                "signature_algorithm": {"algorithm": "sha256_rsa"},
                "signature": signature,
            }
        ],
    }
    if with_certificates:
        signed_data["certificates"] = [tsa_cert, *(_asn1(c) for c in signer.chain)]
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


def accuracy() -> timedelta:
    """The accuracy the TSA states, as a duration (a verifier widens genTime by it)."""
    return timedelta(milliseconds=ACCURACY_MILLIS)
