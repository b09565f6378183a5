"""`/api/v1/faults`: the trainer's fault switches, to show rejection paths.

`ocsp-down` makes the OCSP responder answer HTTP 503, `ocsp-slow` makes it wait before answering,
`ocsp-unknown` makes it answer certStatus unknown for every certificate, and `crl-stale` keeps
serving the CRLs of the moment it was switched on, so they go stale on the simulator's clock.
`gateway-down` makes the e-government gateway take no messages; switched off, what could not be
sent through it is sent at once. `signer-key-missing` leaves the provider's authorized person
without a key at hand, and `effective-period` enforces the regulations' effective periods. The
gateway's faults per receiver
(`/api/v1/gateway/routes/{service_id}/fault`) are listed here too.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from egovsim.errors import EgovsimError
from egovsim.pki.authority import TestPki
from egovsim.pki.hierarchy import ISSUERS
from egovsim.storage import faults as stored
from egovsim.storage.faults import CRL_STALE, FAULT_NAMES, GATEWAY_DOWN, SLOW_SWITCHES, PkiFault
from egovsim.web.common.keys import simulator_of
from egovsim.web.common.models import answer, read_body
from egovsim.web.common.openapi import api
from egovsim.web.common.operator import operator_only
from egovsim.web.trainer.fault_models import (
    DEFAULT_SLOW_SECONDS,
    PkiFaultChange,
    PkiFaultReceiver,
    PkiFaults,
    PkiFaultSwitch,
)

routes = web.RouteTableDef()

#: What each switch does, as the API and the console show it.
EFFECTS = {
    "ocsp-down": "The OCSP responder answers HTTP 503; verifiers fall back to the CRLs "
    "(egovsim's own asks the responder again 30 s after a failure, and at once when a switch "
    "changes).",
    "ocsp-slow": "The OCSP responder waits `seconds` before answering; a verifier whose fetch "
    "timeout is shorter finds it unavailable and falls back to the CRLs.",
    "ocsp-unknown": "The OCSP responder answers certStatus unknown (signed and valid) for every "
    "certificate.",
    "crl-stale": "The CRLs (full and delta) served at the moment of the switch are served on and "
    "not republished; once their nextUpdate passes on the simulator's clock they are stale.",
    "gateway-down": "The e-government gateway takes no messages: /shep/sync and /shep/async answer "
    "every request with the SOAP fault GATEWAY_UNAVAILABLE (HTTP 503), so the portal's signed "
    "requests are not sent (REQUEST_NOT_SENT) and the State Corporation cannot forward "
    "(FORWARD_FAILED); messages taken before are still delivered. Switched off, the portal's "
    "requests and the workstation's answers that were not sent go at once.",
    "signer-key-missing": "The provider's authorized person has no key at hand (no token in the "
    "reader): signing a result at the workstation is refused SIGNER_HAS_NO_KEY until it is "
    "switched off.",
    "effective-period": "The regulations' effective periods are enforced: a service whose "
    "regulation is repealed (the Almaty small-vessel licence, from 10 October 2020) or not yet in "
    "force is refused SERVICE_NOT_EFFECTIVE at P3, on the portal and at the provider's office. "
    "Off by default, so the repealed regulation can be shown.",
    "tsa-down": "The time-stamping authority at /tsp answers HTTP 503: signing with a timestamp "
    "is refused TSA_UNAVAILABLE.",
    "tsa-slow": "The time-stamping authority waits `seconds` before answering; a signer whose "
    "timeout is shorter finds it unavailable (TSA_UNAVAILABLE).",
    "tsa-wrong-imprint": "The time-stamping authority stamps another imprint than the one asked "
    "for: a signer that checks the token refuses it, a verifier finds "
    "TIMESTAMP_IMPRINT_MISMATCH.",
    "tsa-untrusted": "The time-stamping authority signs its tokens with a certificate issued by "
    "the untrusted CA: verifiers refuse the timestamp (TSA_UNTRUSTED).",
}
_PARAMETERS = {"name": {"type": "string", "enum": list(FAULT_NAMES), "description": "The switch."}}


def switch_of(name: str, faults: stored.PkiFaults) -> PkiFaultSwitch:
    """One switch as the API shows it."""
    return PkiFaultSwitch.of(name, faults, EFFECTS[name])


def _switch_name(request: web.Request) -> str:
    name = request.match_info["name"]
    if name not in FAULT_NAMES:
        raise EgovsimError("NOT_FOUND", {"fault": name, "names": list(FAULT_NAMES)})
    return name


def _current_crls(pki: TestPki, now: datetime) -> dict[str, bytes]:
    """Every CRL the PKI publishes, as it would serve it now."""
    names = [name for full, delta in ISSUERS.values() for name in (full, delta) if name]
    return {name: pki.crl(name, now) for name in names}


@routes.get("/api/v1/faults")
@api(response=PkiFaults)
async def list_faults(request: web.Request) -> web.Response:
    """Every fault switch, on or off, and the gateway's receivers with a fault on."""
    faults = simulator_of(request).faults.current
    with_fault = [
        PkiFaultReceiver.of(route)
        for route in await simulator_of(request).gateway_store.routes()
        if route.fault
    ]
    listing = [switch_of(name, faults) for name in FAULT_NAMES]
    return answer(PkiFaults(faults=listing, gateway=with_fault))


@routes.put("/api/v1/faults/{name}")
@operator_only
@api(request=PkiFaultChange, response=PkiFaultSwitch, parameters=_PARAMETERS)
async def switch_on(request: web.Request) -> web.Response:
    """`{"on": true}` switches a fault on until it is switched off (`{"on": false}` or DELETE);
    `ocsp-slow` and `tsa-slow` take `"seconds"` (at most 60)."""
    name = _switch_name(request)
    change = await read_body(request, PkiFaultChange)
    store = simulator_of(request).faults
    if not change.on:
        return answer(switch_of(name, await _switch_off(request, name)))
    delay = None
    if name in SLOW_SWITCHES:
        delay = DEFAULT_SLOW_SECONDS if change.seconds is None else change.seconds
    now = simulator_of(request).clock.now()
    frozen = None
    if name == CRL_STALE and not store.current.is_on(CRL_STALE):
        # Switching on again keeps the CRLs held since the first time. Made on the event loop,
        # as the CRL route makes them: the PKI object is not shared across threads.
        frozen = _current_crls(simulator_of(request).pki, now)
    faults = await store.switch_on(PkiFault(name, now, float(delay) if delay else None), frozen)
    _retry_responders(request)
    return answer(switch_of(name, faults))


@routes.delete("/api/v1/faults/{name}")
@operator_only
@api(response=PkiFaultSwitch, parameters=_PARAMETERS)
async def switch_off(request: web.Request) -> web.Response:
    """Switch a fault off: the responder answers normally, the CRLs are published anew, the
    gateway takes messages again (and what it did not take is sent now)."""
    name = _switch_name(request)
    return answer(switch_of(name, await _switch_off(request, name)))


async def _switch_off(request: web.Request, name: str) -> stored.PkiFaults:
    store = simulator_of(request).faults
    was_down = store.current.gateway_down
    faults = await store.switch_off(name)
    _retry_responders(request)
    if name == GATEWAY_DOWN and was_down:
        # What the portal and the workstation could not send while it was down goes now, as a
        # trainer switching the gateway back on expects, rather than at the next start.
        await simulator_of(request).catch_up()
    return faults


def _retry_responders(request: web.Request) -> None:
    # The verifier leaves a responder it could not reach alone for a while: a switch changed
    # by the trainer takes effect at the next check instead.
    simulator_of(request).verifier.revocation.forget_unreachable()
