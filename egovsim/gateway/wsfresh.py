"""What the gateway asks of a WS-Security signature beyond its integrity: signed content that
reads one way only, a signed Timestamp that is fresh on the simulator's clock, and a signature
not seen before within that window (a replay).

A Timestamp is fresh on the simulator's clock or on the machine's: egovsim's own senders sign
with the simulator's time, a provider's system with its machine's, and the trainer may have
moved the simulator's clock weeks ahead; a replayed signature is refused for as long as its
window lasts in real time either way.

Exclusive canonicalization drops comments, and a reader of `.text` stops at one, so a comment
inside a signed field (`X<!---->-good`) would verify as one value and be read as another:
comments and processing instructions inside the signed Body and Timestamp are refused.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree

from egovsim.gateway.wsnames import SOAP, SOAP_BODY, WSSE, WSU_TIMESTAMP
from egovsim.signatures.xmldsig import DS

_SIGNATURE_VALUE = f"{{{SOAP}}}Header/{{{WSSE}}}Security/{{{DS}}}Signature/{{{DS}}}SignatureValue"
_SIGNATURE = f"{{{SOAP}}}Header/{{{WSSE}}}Security/{{{DS}}}Signature"
_TIMESTAMP = f"{{{SOAP}}}Header/{{{WSSE}}}Security/{WSU_TIMESTAMP}"
#: Signatures remembered at most (the oldest window's are forgotten first beyond it).
MAX_REMEMBERED = 200_000


class Stale(Exception):
    """A refusal of a signed envelope: its catalogue code, what was wrong, and the verifier's
    own code and message when it refused the certificate."""

    def __init__(self, code: str, detail: str, sub: tuple[str, str] | None = None) -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail
        self.sub = sub


@dataclass(frozen=True, slots=True)
class Freshness:
    """How far in the future a Timestamp's Created may be, and how old a message may be."""

    future_skew: timedelta = timedelta(minutes=5)
    max_age: timedelta = timedelta(minutes=15)


def carries_signature(root: etree._Element) -> bool:
    """Whether the envelope's Security header holds a signature (whether or not it verifies)."""
    return root.find(_SIGNATURE) is not None


def looks_signed(head: bytes) -> bool:
    """Whether a request the gateway answers unread (down, too large) carries a WS-Security
    signature, judged from its bytes alone: it names both the WS-Security and the XML-DSig
    namespaces. Its answer is signed then, like the answer to any signed request."""
    return WSSE.encode() in head and DS.encode() in head


def refuse_ambiguous(root: etree._Element) -> None:
    """Refuse comments and processing instructions inside the Body and the Timestamp of a
    signed envelope (WSS_SIGNED_CONTENT_AMBIGUOUS)."""
    for name, part in (("Body", root.find(SOAP_BODY)), ("Timestamp", root.find(_TIMESTAMP))):
        if part is None:
            continue
        for node in part.iter(etree.Comment, etree.ProcessingInstruction):
            kind = "a comment" if isinstance(node, etree._Comment) else "a processing instruction"
            parent = node.getparent()
            where = etree.QName(parent).localname if parent is not None else name
            raise Stale(
                "WSS_SIGNED_CONTENT_AMBIGUOUS",
                f"the signed {name} holds {kind} in {where}: canonicalization leaves it out, "
                "so the signed text would not be the text read",
            )


def check_window(
    signed_at: datetime | None, expires_at: datetime | None, now: datetime, rules: Freshness
) -> datetime:
    """Refuse a signed envelope without a signed Timestamp (WSS_TIMESTAMP_MISSING), or whose
    Timestamp is from the future, expired or too old (WSS_TIMESTAMP_STALE); the end of its
    window otherwise."""
    if signed_at is None:
        raise Stale("WSS_TIMESTAMP_MISSING", "the signature does not cover a wsu:Timestamp")
    if signed_at > now + rules.future_skew:
        raise Stale(
            "WSS_TIMESTAMP_STALE",
            f"Created {signed_at.isoformat()} is after the gateway's time {now.isoformat()} "
            f"(more than {rules.future_skew} ahead)",
        )
    ends = signed_at + rules.max_age
    if expires_at is not None:
        if expires_at <= signed_at:
            raise Stale("WSS_TIMESTAMP_STALE", "the Timestamp expires before it was created")
        ends = min(ends, expires_at)
    if now >= ends:
        raise Stale(
            "WSS_TIMESTAMP_STALE",
            f"the message expired at {ends.isoformat()} (Created {signed_at.isoformat()}, "
            f"at most {rules.max_age} old); the gateway's time is {now.isoformat()}",
        )
    return ends


def window_left(
    signed_at: datetime | None,
    expires_at: datetime | None,
    simulated: datetime,
    machine: datetime,
    rules: Freshness,
) -> timedelta:
    """How long the Timestamp stays fresh: on the simulator's clock, else on the machine's;
    the refusal on the simulator's clock when it is fresh on neither."""
    try:
        return check_window(signed_at, expires_at, simulated, rules) - simulated
    except Stale as on_simulated:
        if on_simulated.code != "WSS_TIMESTAMP_STALE":
            raise
        try:
            return check_window(signed_at, expires_at, machine, rules) - machine
        except Stale:
            detail = f"{on_simulated.detail}; nor fresh on the machine's clock ({machine:%F %T}Z)"
            raise Stale(on_simulated.code, detail) from None


class ReplayGuard:
    """The signatures accepted within their windows, on the machine's clock (whatever the
    simulator's does): one seen again is a replay. The database keeps them with their messages
    (`ReplayStore`); this is its copy in memory for the check of each message, loaded at start.
    It holds at most MAX_REMEMBERED; once it let go of one whose window had not ended, a
    signature it does not hold is looked up in the database (`lookup`)."""

    def __init__(
        self,
        machine_time: Callable[[], float] = time.time,
        lookup: Callable[[bytes], Awaitable[bool]] | None = None,
    ) -> None:
        self._seen: dict[bytes, float] = {}
        self._machine_time = machine_time
        self._lookup = lookup
        self._complete = True

    @staticmethod
    def key(root: etree._Element) -> bytes | None:
        """What identifies the envelope's signature (its SignatureValue, whitespace aside)."""
        node = root.find(_SIGNATURE_VALUE)
        if node is None:
            return None
        return hashlib.sha256("".join((node.text or "").split()).encode()).digest()

    def load(self, remembered: Mapping[bytes, float]) -> None:
        """Take what the database kept (at start): each signature with the end of its window."""
        for key, until in remembered.items():
            self._keep(key, until)

    async def refuse_seen(self, key: bytes) -> None:
        """WSS_REPLAYED when this signature was accepted and its window has not ended."""
        ends = self._seen.get(key)
        if ends is not None:
            seen = self._machine_time() < ends
        else:
            seen = not self._complete and self._lookup is not None and await self._lookup(key)
        if seen:
            raise Stale("WSS_REPLAYED", "this signature was accepted before, within its window")

    def window_end(self, left: timedelta) -> float:
        """When a window with `left` to go ends, on this guard's clock."""
        return self._machine_time() + left.total_seconds()

    def remember(self, key: bytes, until: float) -> None:
        """Keep an accepted signature until its window ends (`window_end`)."""
        self._keep(key, until)

    def _keep(self, key: bytes, until: float) -> None:
        if len(self._seen) >= MAX_REMEMBERED:
            # Pruned in one go to three quarters, so a full guard does not prune at every message.
            now = self._machine_time()
            self._seen = {k: end for k, end in self._seen.items() if end > now}
            while len(self._seen) >= MAX_REMEMBERED * 3 // 4:
                del self._seen[next(iter(self._seen))]
                self._complete = False  # the database still has it
        self._seen[key] = until
