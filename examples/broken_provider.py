"""A deliberately broken provider system: the reference system (`provider_system.py`) with named
breakages switched on, each the kind of mistake a real integration makes, so that the
conformance suite (`egovsim conformance`) can be seen to catch it.

    python -m examples.broken_provider --break accept-unsigned --break answer-duplicates \\
        [the options of examples.provider_system]
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from lxml import etree

from egovsim.gateway.wssecurity import verify_envelope
from egovsim.pki.keystore import load_keystore
from egovsim.signatures.verifier import Verifier
from examples.provider_system import ProviderSystem, certificates_from, command_line

#: Each breakage, what it does, and the conformance checks it makes fail.
BREAKAGES: dict[str, tuple[str, frozenset[str]]] = {
    "accept-unsigned": (
        "takes pushes without a WS-Security signature",
        frozenset({"unsigned-refused"}),
    ),
    "accept-revoked": (
        "never asks whether the signer's certificate was revoked",
        frozenset({"revoked-signer-refused"}),
    ),
    "accept-tampered": (
        "takes a signed push whose Body no longer matches its signature",
        frozenset({"tampered-body-refused"}),
    ),
    "answer-duplicates": (
        "answers every push, a messageId seen before too, with new answer messageIds",
        frozenset({"duplicate-handled-once", "redelivery-handled-once"}),
    ),
    "unsigned-updates": (
        "sends its UPDATEs without WS-Security",
        frozenset({"updates-signed-and-correlated"}),
    ),
    "unsigned-response": (
        "puts the result in the RESPONSE as plain JSON, with no CMS signature",
        frozenset({"response-signed-by-authorized-person"}),
    ),
    "crash-on-malformed": (
        "answers XML it cannot read with a bare HTTP 500, not a SOAP fault",
        frozenset({"malformed-refused"}),
    ),
}


@dataclass
class BrokenProvider(ProviderSystem):
    """The reference system with `breakages` (names of `BREAKAGES`) switched on."""

    breakages: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        unknown = self.breakages - set(BREAKAGES)
        if unknown:
            raise ValueError(f"unknown breakages {sorted(unknown)}; known: {sorted(BREAKAGES)}")

    def malformed(self, detail: str) -> web.Response:
        """`crash-on-malformed`: what an unhandled parser error gives."""
        if "crash-on-malformed" in self.breakages:
            return web.Response(status=500, text="500 Internal Server Error")
        return super().malformed(detail)

    def is_new(self, message_id: str) -> bool:
        """`answer-duplicates`: every push is new."""
        return "answer-duplicates" in self.breakages or super().is_new(message_id)

    async def check_security(self, root: etree._Element) -> tuple[str, str] | None:
        """`accept-unsigned` and `accept-tampered`: the signature is looked at loosely."""
        check = verify_envelope(root, require="accept-unsigned" not in self.breakages)
        if not check.signed and "accept-unsigned" in self.breakages:
            return None
        if check.code == "WSS_DIGEST_MISMATCH" and "accept-tampered" in self.breakages:
            return None
        if check.code is not None:
            return check.code, check.detail
        return await self.check_certificate(check)

    def verifier(self) -> Verifier:
        """`accept-revoked`: no revocation source, and its absence let pass (soft-fail)."""
        if "accept-revoked" not in self.breakages:
            return super().verifier()
        if self._verifier is None:
            self._verifier = Verifier(self.trust or list(self.keystore.chain), policy="soft-fail")
        return self._verifier

    def answer_id(self, request_id: str, what: str) -> str:
        """`answer-duplicates`: a new messageId for every answer."""
        if "answer-duplicates" in self.breakages:
            return str(uuid.uuid4())
        return super().answer_id(request_id, what)

    def signs(self, message_type: str) -> bool:
        """`unsigned-updates`: UPDATEs go out unsigned."""
        return not (message_type == "UPDATE" and "unsigned-updates" in self.breakages)

    def result_data(self, request_id: str, now: datetime) -> str:
        """`unsigned-response`: the result as plain JSON."""
        if "unsigned-response" in self.breakages:
            return f'{{"request": "{request_id}", "result": "passport"}}'
        return super().result_data(request_id, now)


def main() -> None:
    """Run the broken system on a port."""
    parser = command_line((__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--break",
        dest="breakages",
        action="append",
        default=[],
        choices=sorted(BREAKAGES),
        help="a breakage to switch on (repeatable)",
    )
    arguments = parser.parse_args()
    system = BrokenProvider(
        arguments.gateway.rstrip("/"),
        arguments.sender,
        arguments.password,
        load_keystore(arguments.p12, arguments.p12_password),
        arguments.service,
        certificates_from(arguments.trust),
        breakages=frozenset(arguments.breakages),
    )
    web.run_app(system.application(), host="127.0.0.1", port=arguments.port)


if __name__ == "__main__":
    main()
