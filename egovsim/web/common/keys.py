"""Every object shared through the aiohttp application, under a typed key, in one place."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.console.state import ConsoleState
from egovsim.gateway.delivery import DeliveryWorker
from egovsim.gateway.service import Gateway
from egovsim.ncalayer.keys import KeyRing
from egovsim.ncalayer.stamping import Stamper
from egovsim.pki.authority import TestPki
from egovsim.pki.ocsp import OcspResponder
from egovsim.portal.accounts import Accounts
from egovsim.portal.applications import Portal
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Regulation
from egovsim.signatures.verifier import Verifier
from egovsim.simulator import Simulator
from egovsim.simulator.core import SoapObserver
from egovsim.statecorp.service import StateCorp
from egovsim.storage.clock_state import ClockStore
from egovsim.storage.database import Database
from egovsim.storage.faults import FaultStore
from egovsim.storage.gateway import GatewayStore
from egovsim.storage.staff import StaffStore
from egovsim.workstation.service import Workstation

#: The simulator the app serves; the keys below are its parts, under the names handlers read.
SIMULATOR = web.AppKey("simulator", Simulator)
SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
PKI = web.AppKey("pki", TestPki)
OCSP = web.AppKey("ocsp", OcspResponder)
VERIFIER = web.AppKey("verifier", Verifier)
DATABASE = web.AppKey("database", Database)
CLOCK_STORE = web.AppKey("clock_store", ClockStore)
STAFF = web.AppKey("staff", StaffStore)
REGULATIONS = web.AppKey("regulations", Mapping[str, Regulation])
CALENDAR = web.AppKey("calendar", WorkingCalendar)
WORKSTATION = web.AppKey("workstation", Workstation)
GATEWAY_STORE = web.AppKey("gateway_store", GatewayStore)
GATEWAY = web.AppKey("gateway", Gateway)
DELIVERY = web.AppKey("delivery", DeliveryWorker)
ACCOUNTS = web.AppKey("accounts", Accounts)
PORTAL = web.AppKey("portal", Portal)
#: The State Corporation: its centres' operators, counter, hand-out, arrivals and returns.
STATECORP = web.AppKey("statecorp", StateCorp)
#: The NCALayer signer's key sets and the server-wide current one.
NCALAYER_KEYS = web.AppKey("ncalayer_keys", KeyRing)
#: The TSA the NCALayer signer asks when a page's tsaProfile wants a timestamp.
STAMPER = web.AppKey("ncalayer_stamper", Stamper)
#: The trainer's fault switches (OCSP down, slow, unknown; CRLs stale; the gateway down).
PKI_FAULTS = web.AppKey("pki_faults", FaultStore)
#: Sends what the gateway did not take (the portal's requests, the workstation's answers) and
#: settles the portal's requests: at start, and when the gateway is switched on again.
GATEWAY_CATCH_UP: web.AppKey[Callable[[], Awaitable[None]]] = web.AppKey("gateway_catch_up")
#: The catch-up the start left running in the background (awaited by whoever needs it done).
STARTUP_CATCH_UP: web.AppKey[asyncio.Task[None]] = web.AppKey("startup_catch_up")
#: The simulator's `soap_observers`, told of each SOAP request the gateway's endpoints
#: answered.
SOAP_OBSERVERS: web.AppKey[list[SoapObserver]] = web.AppKey("soap_observers")
#: The trainer's console: the one run under way (try-it, tour step, reset) and the tour.
CONSOLE = web.AppKey("console", ConsoleState)


def simulator_of(request: web.Request) -> Simulator:
    """The simulator the request's app serves (the one way handlers reach its parts)."""
    return request.app[SIMULATOR]
