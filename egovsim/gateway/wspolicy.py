"""The gateway's WS-Security policy for one request: the signature checked under the sender's
policy (`wssecurity`), its Timestamp's window and replays (`wsfresh`), then the token's
certificate under the same rules as C2 (the shared verifier)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from egovsim.clock import utcnow
from egovsim.errors import CATALOGUE
from egovsim.gateway.wsfresh import Freshness, ReplayGuard, Stale, window_left
from egovsim.gateway.wssecurity import verify_envelope
from egovsim.signatures.verifier import Expectations, Verifier


@dataclass(frozen=True, slots=True)
class Checked:
    """What the log keeps of a request's signature, and what marks it used once accepted."""

    security: dict[str, Any]
    replay_key: bytes | None = None
    #: The end of the signature's window on the machine's clock (seconds since 1970).
    replay_until: float | None = None

    @property
    def replay(self) -> tuple[bytes, float] | None:
        """What the store keeps with the message so that a replay is refused after a restart."""
        if self.replay_key is None or self.replay_until is None:
            return None
        return self.replay_key, self.replay_until


class SignaturePolicy:
    """Checks the signed requests of one gateway and remembers those it accepted."""

    def __init__(
        self,
        verifier: Verifier,
        freshness: Freshness,
        machine_now: Callable[[], datetime] = utcnow,
        replays: ReplayGuard | None = None,
    ) -> None:
        self._verifier = verifier
        self._freshness = freshness
        self._machine_now = machine_now
        self.replays = replays or ReplayGuard()
        self._signers: dict[bytes, dict[str, Any]] = {}

    async def check(self, root: etree._Element, required: bool, now: datetime) -> Checked:
        """The signature of `root` (required or not), fresh and not seen before, by a
        certificate the verifier accepts at `now`; `Stale` with the code otherwise."""
        check = verify_envelope(root, require=required)
        if check.code is not None:
            raise Stale(check.code, check.detail)
        if not check.signed or check.certificate_der is None:
            return Checked({"signed": False})
        left = window_left(
            check.signed_at, check.expires_at, now, self._machine_now(), self._freshness
        )
        key = ReplayGuard.key(root)
        if key is not None:
            await self.replays.refuse_seen(key)
        security = await self._certificate(check.certificate_der, now, check.detail)
        return Checked(security, key, self.replays.window_end(left))

    async def vouched(self, certificate: x509.Certificate, now: datetime) -> Checked:
        """A request signed inside this process a moment ago with `certificate`'s key: the
        certificate is checked at `now` as any signer's (the trainer may have moved the clock
        past it), and nothing is remembered against replays (no one outside saw it)."""
        der = certificate.public_bytes(serialization.Encoding.DER)
        return Checked(await self._certificate(der, now, "signed inside the simulator"))

    async def _certificate(self, der: bytes, now: datetime, detail: str) -> dict[str, Any]:
        """What the log keeps of a signature whose certificate the verifier accepts at `now`;
        `Stale` with WSS_CERTIFICATE_REFUSED and the verifier's code otherwise."""
        report = await self._verifier.verify_certificate(
            der, at=now, expect=Expectations(purpose=None)
        )
        if not report.passed:
            assert report.code is not None
            words = CATALOGUE[report.code].message("en")
            raise Stale("WSS_CERTIFICATE_REFUSED", detail, (report.code, words))
        signer = self._signers.get(der)
        if signer is None and report.signer is not None:
            # The same certificate names the same signer: a busy sender's is described once.
            if len(self._signers) >= 256:
                self._signers.clear()
            signer = self._signers[der] = report.signer.to_json()
        return {"signed": True, "signer": signer, "indication": str(report.indication)}

    def accepted(self, checked: Checked) -> None:
        """The request was accepted: its signature, sent again within its window, is a replay."""
        if checked.replay is not None:
            self.replays.remember(*checked.replay)
