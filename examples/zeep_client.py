"""A provider team's SOAP client for egovsim's gateway, written only with zeep's own WS-Security.

It is what a team's Python client of the e-government gateway looks like: zeep generated from
the WSDL the gateway serves, every request signed with zeep's `BinarySignature` (RSA-SHA256 over
SHA-256 digests, a signed `wsu:Timestamp`), and every answer verified with the gateway's
certificate, so an unsigned or forged answer raises instead of being read. It imports nothing of
egovsim: the key, the certificate and the gateway's certificate are PEM files.

    python -m examples.zeep_client --gateway http://127.0.0.1:8080 \\
        --sender our-system --password s3cret \\
        --key key.pem --cert cert.pem --gateway-cert gateway.pem \\
        --service shymkent-energy-readiness-passport

`--sha1` signs as `BinarySignature` does by default (RSA-SHA1): the gateway answers with a
signed `WSS_WEAK_ALGORITHM` fault, which this client prints and exits 1 on.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import xmlsec
import zeep
from zeep import xsd
from zeep.exceptions import Fault, SignatureVerificationFailed
from zeep.wsse import BinarySignature
from zeep.wsse.signature import verify_envelope
from zeep.wsse.utils import WSU, get_security_header

#: How long the gateway may take a signed request as fresh (it refuses older Timestamps).
TIMESTAMP_LIFE = timedelta(minutes=5)


class GatewaySignature(BinarySignature):  # type: ignore[misc]
    """zeep's `BinarySignature` with a Timestamp it signs, verifying answers with the gateway's
    certificate: zeep's own `verify` expects the certificate it signs with, which the gateway's
    answers are not signed by."""

    def __init__(self, key_file: str, cert_file: str, gateway_cert_file: str, sha1: bool) -> None:
        strength = (
            {}
            if sha1
            else {
                "signature_method": xmlsec.Transform.RSA_SHA256,
                "digest_method": xmlsec.Transform.SHA256,
            }
        )
        super().__init__(key_file, cert_file, **strength)
        self.gateway_cert_file = gateway_cert_file

    def apply(self, envelope: Any, headers: Any) -> Any:
        # zeep signs a Timestamp that is there but adds none; the gateway requires a signed one.
        created = datetime.now(UTC).replace(microsecond=0)
        stamp = "%Y-%m-%dT%H:%M:%SZ"
        get_security_header(envelope).append(
            WSU.Timestamp(
                WSU.Created(created.strftime(stamp)),
                WSU.Expires((created + TIMESTAMP_LIFE).strftime(stamp)),
            )
        )
        return super().apply(envelope, headers)

    def verify(self, envelope: Any) -> Any:
        verify_envelope(envelope, self.gateway_cert_file)
        return envelope


def gateway_client(gateway: str, signature: GatewaySignature) -> Any:
    """A zeep service proxy of the gateway's AsyncChannel, from the WSDL it serves."""
    client = zeep.Client(f"{gateway}/shep/async?wsdl", wsse=signature)
    return client.create_service(
        "{http://bip.bee.kz/AsyncChannel/v10/Interfaces}AsyncChannelHttpBinding",
        f"{gateway}/shep/async",
    )


def send_request(service: Any, sender: str, password: str, service_id: str, data: dict) -> Any:
    """One REQUEST message through the gateway; its acknowledgement (already verified)."""
    return service.sendMessage(
        request={
            "messageInfo": {
                "messageId": str(uuid.uuid4()),
                "serviceId": service_id,
                "messageType": "REQUEST",
                "messageDate": datetime.now(UTC).replace(microsecond=0),
                "sender": {"senderId": sender, "password": password},
            },
            "messageData": {"data": xsd.AnyObject(xsd.String(), json.dumps(data))},
        }
    )


def main(argv: list[str] | None = None) -> int:
    """Send one signed REQUEST; 0 when accepted with a verified answer, 1 on a fault."""
    parser = argparse.ArgumentParser(prog="python -m examples.zeep_client", description=__doc__)
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--sender", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--key", required=True, help="the signer's private key, PEM")
    parser.add_argument("--cert", required=True, help="the signer's certificate, PEM")
    parser.add_argument("--gateway-cert", required=True, help="egov-gateway's certificate, PEM")
    parser.add_argument("--service", default="shymkent-energy-readiness-passport")
    parser.add_argument("--sha1", action="store_true", help="sign with zeep's default RSA-SHA1")
    arguments = parser.parse_args(argv)
    signature = GatewaySignature(
        arguments.key, arguments.cert, arguments.gateway_cert, arguments.sha1
    )
    service = gateway_client(arguments.gateway.rstrip("/"), signature)
    data = {"service": arguments.service, "form": {"heating-season": datetime.now(UTC).year}}
    try:
        answer = send_request(
            service, arguments.sender, arguments.password, arguments.service, data
        )
    except Fault as fault:
        code = fault.detail.find(".//errorCode") if fault.detail is not None else None
        print(f"refused: {code.text if code is not None else fault.message}")
        return 1
    except SignatureVerificationFailed:
        print("the gateway's answer does not verify with the gateway's certificate")
        return 1
    print(f"accepted: messageId {answer['messageId']}, the gateway's signed answer verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
