"""The parsers egovsim reads untrusted bytes with, each as a fuzz target: valid seeds to mutate,
and a run that returns on any answer egovsim gives on purpose (a report, a refusal, a fault)
and raises on anything else (an exception, an HTTP 500).

Used by the property tests (`tests/test_fuzz.py`, seconds) and `make fuzz` (`tests/fuzz.py`,
minutes). The simulator's HTTP targets run against one app on a loopback port.
"""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
import uuid
import warnings
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.multipart import BadContentDispositionHeader, BadContentDispositionParam
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.gateway import soap
from egovsim.gateway.wsfresh import Stale, refuse_ambiguous
from egovsim.gateway.wssecurity import sign_envelope, verify_envelope
from egovsim.pki.authority import TestPki
from egovsim.pki.hierarchy import NCA
from egovsim.pki.keystore import load_keystore
from egovsim.pki.ocsp import OcspResponder
from egovsim.pki.personas import create_personas, load_personas
from egovsim.signatures import cms
from egovsim.signatures.certs import describe
from egovsim.signatures.crl_signers import signed_by
from egovsim.signatures.crls import CrlUnusable, read_crl
from egovsim.signatures.revocation import load_crl
from egovsim.signatures.verifier import Verifier
from egovsim.signatures.xmlsafe import XmlRefused, parse_xml
from egovsim.web.app import create_app

PASSWORD = "Qwerty12"
ENVELOPE = (
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    b"<soapenv:Header/><soapenv:Body>"
    b'<ns:sendMessage xmlns:ns="http://bip.bee.kz/AsyncChannel/v10/Types"><request>'
    b"<messageInfo><messageId>m-1</messageId><serviceId>s</serviceId>"
    b"<messageType>REQUEST</messageType><messageDate>2027-09-01T10:00:00+05:00</messageDate>"
    b"<sender><senderId>egov-portal</senderId><password>Qwerty12</password></sender>"
    b"</messageInfo><messageData><data>{}</data></messageData></request></ns:sendMessage>"
    b"</soapenv:Body></soapenv:Envelope>"
)
#: The JSON routes fuzzed with generated bodies (the operator's among them: no secret is set).
JSON_ROUTES = (
    "/api/v1/auth/login",
    "/api/v1/auth/register",
    "/api/v1/gateway/routes",
    "/api/v1/gateway/senders",
    "/api/v1/clock",
    "/api/v1/console/login",
    "/api/v1/console/clock/jump",
    "/api/v1/workstation/session",
    "/api/v1/statecorp/session",
)
MULTIPART_ROUTES = ("/api/v1/portal/check-document", "/check")


class Crash(AssertionError):
    """An input egovsim did not answer on purpose: what went in and what came out."""


@dataclass(frozen=True)
class Target:
    """One parser: its name, the valid inputs mutations start from, and its run."""

    name: str
    seeds: tuple[bytes, ...]
    run: Callable[[bytes], None]


class Harness:
    """A test PKI, a verifier and a running simulator, with one event loop for the async runs."""

    def __init__(self, certs: Path, data: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.pki = TestPki.open(certs)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.verifier = Verifier(self.pki.trust_anchors, fetcher=None, clock=lambda: self.now)
        self.responder = OcspResponder(self.pki)
        personas = {p["id"]: p for p in load_personas(certs)}
        stores = personas["citizen-valid"]["keystores"]
        self.keystore = load_keystore(certs / stores["sign"]["file"], PASSWORD)
        self.nca = describe(self.pki.authority(NCA).certificate)
        settings = Settings(
            data_dir=data,
            certs_dir=certs,
            public_url=self.pki.base_url,
            clock_frozen_at=self.now,
            gateway_worker=False,
        )
        self.server = TestServer(create_app(settings, Clock(frozen_at=self.now)), host="127.0.0.1")
        self.wait(self.server.start_server())
        self.http = self.wait(_session())

    def wait(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run a coroutine on the harness's loop."""
        return self.loop.run_until_complete(coroutine)

    def close(self) -> None:
        """Stop the simulator and the loop."""
        self.wait(self.http.close())
        self.wait(self.server.close())
        self.loop.close()

    # -- the targets -------------------------------------------------------------------------

    def targets(self) -> dict[str, Target]:
        """Every parser, by name."""
        return {
            target.name: target
            for target in (
                Target("cms", (self._cms(),), self.run_cms),
                Target("certificate", (self._certificate(),), self.run_certificate),
                Target("crl", (self.pki.crl(NCA, self.now),), self.run_crl),
                Target("ocsp-request", (self._ocsp_request(),), self.run_ocsp),
                Target("soap-wss", (ENVELOPE, self._signed_envelope()), self.run_soap),
                Target("json-body", _json_seeds(), self.run_json),
                Target(
                    "multipart-body",
                    (_multipart(b"document", b"x.cms", b"data"),),
                    self.run_multipart,
                ),
            )
        }

    def _cms(self) -> bytes:
        key = self.keystore
        return cms.sign(b"fuzz", key.key, key.certificate, key.chain, self.now)

    def _certificate(self) -> bytes:
        return self.keystore.certificate.public_bytes(serialization.Encoding.DER)

    def _ocsp_request(self) -> bytes:
        issuer = self.pki.authority(NCA).certificate
        builder = ocsp.OCSPRequestBuilder().add_certificate(
            self.keystore.certificate, issuer, hashes.SHA256()
        )
        return builder.build().public_bytes(serialization.Encoding.DER)

    def _signed_envelope(self) -> bytes:
        key = self.keystore
        return sign_envelope(ENVELOPE, key.key, key.certificate, created=self.now)

    def run_cms(self, data: bytes) -> None:
        """C2's verification of a CMS: always a report."""
        self.wait(self.verifier.verify_cms(data))

    def run_certificate(self, data: bytes) -> None:
        """A certificate's check (path, validity, identity): always a report."""
        self.wait(self.verifier.verify_certificate(data, at=self.now))

    def run_crl(self, data: bytes) -> None:
        """Reading a CRL as `verify --crl` and the revocation checker do: ValueError at most."""
        try:
            signed_by(read_crl(load_crl(data), "fuzz"), self.nca)
        except (ValueError, CrlUnusable):
            return

    def run_ocsp(self, data: bytes) -> None:
        """The responder: always an OCSP response, malformedRequest for what is none."""
        ocsp.load_der_ocsp_response(self.responder.respond(data, self.now))

    def run_soap(self, data: bytes) -> None:
        """The gateway's reading of an envelope: XmlRefused, a contract error or a check."""
        try:
            root = parse_xml(data)
            refuse_ambiguous(root)
            verify_envelope(root, require=False)
            body = root.find(f"{{{soap.SOAP}}}Body")
            if body is not None:
                operation = soap.operation(body)
                request = soap.request_of(operation)
                info = soap.child_of(request, "messageInfo")
                if info is not None:
                    soap.message_info(info)
        except (XmlRefused, Stale, soap.ContractError):
            return

    def run_json(self, data: bytes) -> None:
        """Every JSON route: an answer below 500 to any body."""
        for path in JSON_ROUTES:
            self._post(path, data, "application/json")

    def run_multipart(self, data: bytes) -> None:
        """The multipart uploads: an answer below 500 to any body."""
        for path in MULTIPART_ROUTES:
            self._post(path, data, f"multipart/form-data; boundary={BOUNDARY}")

    def _post(self, path: str, data: bytes, content_type: str) -> None:
        async def send() -> tuple[int, bytes]:
            url = self.server.make_url(path)
            async with self.http.post(url, data=data, headers={"Content-Type": content_type}) as r:
                return r.status, await r.read()

        with warnings.catch_warnings():
            # aiohttp warns of a part's malformed Content-Disposition and reads on; the suite
            # turns warnings into errors, which a running simulator does not.
            warnings.simplefilter("ignore", BadContentDispositionHeader)
            warnings.simplefilter("ignore", BadContentDispositionParam)
            status, body = self.wait(send())
        if status >= 500:
            raise Crash(f"POST {path} -> HTTP {status}: {body[:300]!r}")


BOUNDARY = "fuzzboundary"


def _multipart(name: bytes, filename: bytes, content: bytes) -> bytes:
    return (
        b"--" + BOUNDARY.encode() + b"\r\n"
        b'Content-Disposition: form-data; name="' + name + b'"; filename="' + filename + b'"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n"
        b"--" + BOUNDARY.encode() + b"--\r\n"
    )


def _json_seeds() -> tuple[bytes, ...]:
    bodies: list[Any] = [
        {"login": "870412300415", "password": "Qwerty12"},
        {"service_id": "s", "url": "http://127.0.0.1:9/x"},
        {"sender_id": f"fuzz-{uuid.uuid4().hex[:6]}", "password": "p", "signature": "optional"},
        {"advance": {"minutes": 1}},
        {"persona": "citizen-valid", "next": "/cabinet"},
        {"date": "08-15", "time": "10:00"},
    ]
    return tuple(json.dumps(body).encode() for body in bodies)


async def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))


@contextmanager
def harness(certs: Path | None = None) -> Iterator[Harness]:
    """A harness over a copy of `certs`, or over a PKI made for it (slow: keys are generated)."""
    import shutil

    with tempfile.TemporaryDirectory(prefix="egovsim-fuzz-") as directory:
        target = Path(directory) / "certs"
        if certs is not None:
            shutil.copytree(certs, target)
        else:
            now = datetime.now(UTC).replace(microsecond=0)
            created = TestPki.init(target, "http://127.0.0.1:9", now)
            create_personas(created, now, PASSWORD)
        running = Harness(target, Path(directory) / "data")
        try:
            yield running
        finally:
            running.close()


def mutate(rng: random.Random, seeds: tuple[bytes, ...]) -> bytes:
    """A seed changed as a mutation fuzzer changes it: bits flipped, bytes cut, inserted,
    truncated, or a piece of a seed spliced in."""
    data = bytearray(rng.choice(seeds))
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(("flip", "cut", "insert", "truncate", "splice", "interesting"))
        at = rng.randint(0, max(len(data) - 1, 0))
        if kind == "flip" and data:
            data[at] ^= 1 << rng.randint(0, 7)
        elif kind == "cut":
            del data[at : at + rng.randint(1, 16)]
        elif kind == "insert":
            data[at:at] = rng.randbytes(rng.randint(1, 8))
        elif kind == "truncate":
            del data[at:]
        elif kind == "splice":
            data[at:at] = rng.choice(seeds)[: rng.randint(1, 64)]
        else:
            data[at:at] = rng.choice(INTERESTING)
    return bytes(data)


#: Bytes that parsers trip on: lengths at their limits, negative numbers, escapes, controls.
INTERESTING = (
    b"\x00",
    b"\xff",
    b"\x80",
    b"\x81\xff",
    b"\x84\xff\xff\xff\xff",
    b"\x02\x01\xff",
    b"<!---->",
    b"<?x?>",
    b"\\ud800",
    b"\x01",
    b"\r\n",
    "ж".encode(),
)
