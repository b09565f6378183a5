"""What the gateway answers: a refusal's fault (`GatewayFault`) and the answer on the wire
(`Answer`), made from the Body's element or from the ErrorInfo fault of a code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from egovsim.errors import CATALOGUE
from egovsim.gateway import soap

#: The faults that are the gateway's own (soapenv:Server), with their HTTP status; every other
#: fault is the sender's (soapenv:Client) on HTTP 500, as SOAP 1.1 has it.
SERVER_FAULTS = {"INTERNAL_ERROR": 500, "GATEWAY_UNAVAILABLE": 503}


class GatewayFault(Exception):
    """A refusal the gateway answers with an ErrorInfo fault."""

    def __init__(self, code: str, detail: str = "", sub: tuple[str, str] | None = None):
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.sub = sub


@dataclass(frozen=True, slots=True)
class Answer:
    """What goes back on the wire. An answer the gateway makes has its Body's element `content`
    and an empty `body` until `Gateway.handle` writes it, signed or not, so that a signed answer
    is written once, from the element, and never parsed back."""

    status: int
    body: bytes
    content: etree._Element | None = None


def answer_of(content: etree._Element) -> Answer:
    """A 200 answer whose Body holds `content`, written (signed or not) by `Gateway.handle`."""
    return Answer(200, b"", content)


def fault_answer(namespace: str, operation: str, fault: GatewayFault, now: datetime) -> Answer:
    """The ErrorInfo fault of `operation` for a refusal, with its HTTP status."""
    entry = CATALOGUE[fault.code]
    body = soap.fault(
        namespace,
        operation,
        fault.code,
        entry.message("en"),
        now,
        fault.detail or None,
        fault.sub,
        client_error=fault.code not in SERVER_FAULTS,
    )
    return Answer(SERVER_FAULTS.get(fault.code, 500), body)


def down() -> GatewayFault:
    """The refusal of every request while the trainer's switch has the gateway down."""
    return GatewayFault(
        "GATEWAY_UNAVAILABLE", "the gateway is down (the trainer's fault switch gateway-down)"
    )
