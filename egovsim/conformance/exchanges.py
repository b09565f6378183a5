"""SOAP over HTTP towards the provider system: the pushes the suite makes (as the gateway makes
them, and spoiled on purpose), posting them whole or with the connection cut, and reading what
came back. Every exchange is kept with its bytes, as the report's evidence."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import ssl
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import aiohttp
from lxml import etree

from egovsim.errors import CATALOGUE
from egovsim.gateway import soap
from egovsim.gateway.wssecurity import sign_envelope
from egovsim.pki.keystore import Keystore
from egovsim.signatures.fetching_http import read_limited
from egovsim.signatures.revocation import FetchError
from egovsim.signatures.xmlsafe import XmlRefused, parse_xml
from egovsim.storage.gateway import StoredMessage

#: The longest acknowledgement read.
MAX_ANSWER = 4 * 1024 * 1024
#: How much of each message the evidence shows.
EVIDENCE_LIMIT = 64 * 1024
#: The gateway's senderId in the messages it pushes.
GATEWAY_SENDER = "egov-gateway"
#: A code of the refusal catalogue as a fault may name it.
_CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
#: Codes that say a certificate was refused without saying why (the why follows them).
_WRAPPERS = frozenset({"WSS_CERTIFICATE_REFUSED"})


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP exchange of SOAP: what was sent where, and what came back (status None: no
    answer was read; `note` says why)."""

    label: str
    url: str
    request: bytes
    status: int | None
    answer: bytes = b""
    note: str = ""
    seconds: float = 0.0

    def evidence(self) -> str:
        """The exchange as the report shows it."""
        parts = [f"── {self.label} ──", f"POST {self.url}", _shown(self.request)]
        if self.status is None:
            parts.append(f"── no answer read: {self.note} ──")
        else:
            note = f" ({self.note})" if self.note else ""
            parts += [f"── answer: HTTP {self.status}{note} ──", _shown(self.answer)]
        return "\n".join(parts)


def _shown(data: bytes) -> str:
    text = data[:EVIDENCE_LIMIT].decode("utf-8", errors="replace")
    if len(data) > EVIDENCE_LIMIT:
        text += f"\n[… {len(data) - EVIDENCE_LIMIT} more bytes]"
    return text


def _named(root: etree._Element, name: str) -> etree._Element | None:
    return next(
        (e for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname == name),
        None,
    )


def _fault_text(fault: etree._Element) -> str:
    said = _named(fault, "faultstring")
    return "".join((fault if said is None else said).itertext()).strip()[:300]


def acknowledgement(exchange: Exchange, operation: str = "sendMessage") -> tuple[bool, str]:
    """Whether the answer acknowledges the push (HTTP 200, the operation's response, no
    fault), with what it was in words."""
    if exchange.status is None:
        return False, f"no answer: {exchange.note}"
    try:
        root = parse_xml(exchange.answer)
    except XmlRefused as refused:
        return False, f"HTTP {exchange.status}, and the answer is not XML ({refused.reason})"
    fault = _named(root, "Fault")
    if fault is not None:
        return False, f"HTTP {exchange.status}, a SOAP fault: {_fault_text(fault)}"
    if exchange.status != 200:
        return False, f"HTTP {exchange.status}, not 200"
    if _named(root, f"{operation}Response") is None:
        return False, f"HTTP 200, but the answer is not a {operation}Response"
    return True, f"HTTP 200, {operation}Response"


def refusal(exchange: Exchange) -> tuple[bool, str]:
    """Whether the answer refuses the push as SOAP 1.1 says a server refuses: a Fault with
    HTTP 500 (and nothing that reads as an acknowledgement)."""
    if exchange.status is None:
        return False, f"no answer: {exchange.note}"
    try:
        root = parse_xml(exchange.answer)
    except XmlRefused as refused:
        return False, f"HTTP {exchange.status} without a SOAP fault (not XML: {refused.reason})"
    fault = _named(root, "Fault")
    if fault is None:
        if _named(root, "sendMessageResponse") is not None:
            return False, f"acknowledged (HTTP {exchange.status}, sendMessageResponse)"
        return False, f"HTTP {exchange.status} without a SOAP fault"
    said = _fault_text(fault)
    if exchange.status != 500:
        return False, f"a SOAP fault with HTTP {exchange.status}, where SOAP 1.1 says 500: {said}"
    return True, f"HTTP 500, SOAP fault: {said}"


def fault_words(exchange: Exchange) -> str:
    """All the text of the answer's SOAP fault (faultstring and detail), or "" without one."""
    try:
        fault = _named(parse_xml(exchange.answer), "Fault")
    except XmlRefused:
        return ""
    return " ".join(" ".join(fault.itertext()).split()) if fault is not None else ""


def refused_for(exchange: Exchange, codes: Sequence[str], words: Sequence[str]) -> tuple[bool, str]:
    """Whether the SOAP fault refusing the push says the refusal it was pushed for: one of
    `codes` or `words`, and no other code of the catalogue (a revoked signer refused with
    REVOCATION_UNAVAILABLE was refused because the status could not be learnt)."""
    said = fault_words(exchange)
    named = {code for code in _CODE.findall(said) if code in CATALOGUE} - _WRAPPERS
    wanted = " or ".join(codes)
    others = sorted(named - set(codes))
    if others and not named & set(codes):
        return False, f"refused for {', '.join(others)}, where this check is about {wanted}"
    folded = said.casefold()
    if named & set(codes) or any(word in folded for word in words):
        return True, f"the fault says {wanted}"
    return False, f"the fault does not say why ({wanted} expected): {said[:200]}"


# -- what is pushed --------------------------------------------------------------------------


def push_envelope(message: StoredMessage) -> bytes:
    """The IAsyncChannelClient `sendMessage` the gateway pushes for an accepted message,
    unsigned."""
    return soap.serialize(
        soap.client_send_message(
            message.message_id,
            message.correlation_id,
            message.service_id,
            message.message_type,
            message.accepted_at,
            GATEWAY_SENDER,
            message.data_xml,
        )
    )


def signed_push(message: StoredMessage, keystore: Keystore) -> bytes:
    """The push WS-Security signed, as the gateway signs it (Timestamp Created: acceptance)."""
    return sign_envelope(
        push_envelope(message), keystore.key, keystore.certificate, created=message.accepted_at
    )


def tampered(signed: bytes) -> bytes:
    """A signed push whose Body was changed after signing (the application's category)."""
    root = etree.fromstring(signed)
    data = _named(root, "data")
    assert data is not None
    try:
        payload = json.loads(data.text or "")
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        data.text = json.dumps({**payload, "category": "changed-after-signing"})
    else:
        data.text = (data.text or "") + " (changed after signing)"
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def broken_xml(signed: bytes) -> bytes:
    """A push cut in half: not well-formed XML (the gateway's `malformed` fault does this)."""
    return signed[: len(signed) // 2]


def not_an_envelope(message: StoredMessage) -> bytes:
    """Well-formed XML that is no SOAP envelope: the operation without Envelope and Body."""
    root = etree.fromstring(push_envelope(message))
    body = root.find(f"{{{soap.SOAP}}}Body")
    assert body is not None
    return bytes(etree.tostring(body[0], xml_declaration=True, encoding="UTF-8"))


def status_notification(message_id: str, keystore: Keystore, at: datetime) -> bytes:
    """A signed changeMassageStatusNotification telling the provider its message arrived."""
    root = soap.status_notification(message_id, "DELIVERED", "delivered", at, str(uuid.uuid4()))
    return sign_envelope(soap.serialize(root), keystore.key, keystore.certificate, created=at)


# -- posting -----------------------------------------------------------------------------------

_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}


class Poster:
    """Posts SOAP to the provider system, as the gateway's delivery does, with a time limit."""

    def __init__(self, session: aiohttp.ClientSession, url: str, timeout: float) -> None:
        self._session = session
        self.url = url
        self._timeout = timeout

    async def post(self, label: str, body: bytes) -> Exchange:
        """Post and read the whole answer."""
        started = time.perf_counter()
        try:
            async with self._session.post(
                self.url,
                data=body,
                headers=_HEADERS,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            ) as reply:
                answer = await read_limited(reply.content, MAX_ANSWER)
                status = reply.status
        except (aiohttp.ClientError, TimeoutError, OSError, FetchError) as error:
            note = f"{type(error).__name__}: {error}".rstrip(": ")
            return Exchange(label, self.url, body, None, note=note, seconds=_since(started))
        return Exchange(label, self.url, body, status, answer, seconds=_since(started))

    async def post_cut(self, label: str, body: bytes) -> Exchange:
        """Post, wait until the answer begins (the system has taken the message), and cut the
        connection before the acknowledgement is read: to the gateway, a failed attempt."""
        started = time.perf_counter()
        parts = urlsplit(self.url)
        secure = parts.scheme == "https"
        port = parts.port or (443 if secure else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f'Content-Type: {_HEADERS["Content-Type"]}\r\nSOAPAction: ""\r\n'
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    parts.hostname,
                    port,
                    ssl=ssl.create_default_context() if secure else None,
                ),
                self._timeout,
            )
        except (TimeoutError, OSError) as error:
            note = f"{type(error).__name__}: {error}".rstrip(": ")
            return Exchange(label, self.url, body, None, note=note, seconds=_since(started))
        try:
            writer.write(head + body)
            await writer.drain()
            first = await asyncio.wait_for(reader.read(1), self._timeout)
            note = (
                "the connection was cut as the answer began, before the acknowledgement was read"
                if first
                else "the system closed the connection without answering"
            )
        except (TimeoutError, OSError):
            note = f"no answer began within {self._timeout:g} s; the connection was cut"
        finally:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError):
                await writer.wait_closed()
        return Exchange(label, self.url, body, None, note=note, seconds=_since(started))


def _since(started: float) -> float:
    return time.perf_counter() - started
