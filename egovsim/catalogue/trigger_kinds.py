"""What a trigger is: the interface a refusal is reached through, with the words, persona and
fault switch that reach it, and the SOAP fault the gateway answers it with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from egovsim.catalogue import Refusal
from egovsim.magic import DELIVERY_UNREACHABLE, REVOCATION_UNAVAILABLE, REVOKED, numbers_with

Interface = Literal[
    "any HTTP address",
    "portal API",
    "page",
    "gateway SOAP",
    "gateway API",
    "workstation API",
    "State Corporation API",
    "NCALayer API",
    "clock API",
    "command line",
    "console API",
]

#: The seeds' refusal step that follows a failed condition (SPEC §2).
REFUSAL_STEPS: Mapping[str, str] = {"C1": "P2", "C2": "P5", "C3": "P8"}

#: The step id of the gateway's refusals in the catalogue.
GATEWAY_STEP = "gateway"


@dataclass(frozen=True, slots=True)
class Trigger:
    """How to make one refusal happen: where, with what, and which fault switch if any."""

    interface: Interface
    how: str
    persona: str | None = None
    fault_switch: str | None = None


@dataclass(frozen=True, slots=True)
class SoapFault:
    """How the gateway answers a refusal: an ErrorInfo fault with its faultcode, on HTTP 500
    (503 while the gateway is down)."""

    faultcode: str
    http_status: int = 500
    detail: str = "ErrorInfo"


def refusal_step(entry: Refusal) -> str | None:
    """The seeds' refusal step that follows `entry`'s condition (P2, P5, P8), if there is one."""
    return REFUSAL_STEPS.get(entry.step)


def soap_fault(entry: Refusal) -> SoapFault | None:
    """The SOAP fault the gateway answers `entry` with; None for a refusal it never gives."""
    if entry.code == "GATEWAY_UNAVAILABLE":  # the gateway is down: its own fault, and a 503
        return SoapFault("soapenv:Server", entry.http_status)
    if entry.step == GATEWAY_STEP:
        return SoapFault("soapenv:Client")
    if entry.code == "INTERNAL_ERROR":  # the gateway's own failure is the server's fault
        return SoapFault("soapenv:Server")
    return None


def c1(how: str, persona: str | None = None) -> Trigger:
    """A refusal of sign-in or registration (C1), reached through the portal's API."""
    return Trigger("portal API", how, persona)


def c2(how: str, persona: str | None = None) -> Trigger:
    """A refusal of the EDS check (C2), reached through the portal's API."""
    return Trigger("portal API", how, persona)


def soap(how: str, fault_switch: str | None = None) -> Trigger:
    """A gateway's fault, reached over SOAP, with the switch that causes it if any."""
    return Trigger("gateway SOAP", how, None, fault_switch)


def desk(how: str) -> Trigger:
    """A refusal of the provider's workstation, reached through its API."""
    return Trigger("workstation API", how)


def counter(how: str) -> Trigger:
    """A refusal of the State Corporation's counter, reached through its API."""
    return Trigger("State Corporation API", how)


#: The magic IINs and BINs (`egovsim.magic`, GET /api/v1/magic) that reach a code with no switch
#: at all.
REVOKED_IIN = numbers_with(REVOKED, "iin")[0]
REVOKED_BIN = numbers_with(REVOKED, "bin")[0]
UNAVAILABLE_IIN = numbers_with(REVOCATION_UNAVAILABLE, "iin")[0]
UNAVAILABLE_BIN = numbers_with(REVOCATION_UNAVAILABLE, "bin")[0]
UNREACHABLE_IIN = numbers_with(DELIVERY_UNREACHABLE, "iin")[0]
UNREACHABLE_BIN = numbers_with(DELIVERY_UNREACHABLE, "bin")[0]
