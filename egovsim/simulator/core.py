"""`Simulator`: every part of egovsim built from `Settings`, started and stopped in one order,
and reset to a clean demo. Plain Python: the front ends (web, command line, scripts) use it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from types import TracebackType

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.gateway.delivery import DeliveryWorker
from egovsim.gateway.own_key import gateway_keystore
from egovsim.gateway.service import Answer, Gateway
from egovsim.ncalayer.keys import DEFAULT_PERSONA, KeyRing, UnknownPersona
from egovsim.ncalayer.stamping import Stamper
from egovsim.pki.authority import TestPki
from egovsim.pki.ocsp import OcspResponder
from egovsim.portal.accounts import Accounts
from egovsim.portal.applications import Portal
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.loader import load_regulations
from egovsim.regulations.model import Regulation
from egovsim.signatures.fetching_local import LocalPkiFetcher
from egovsim.signatures.verifier import Verifier
from egovsim.simulator.jobs import run_rounds
from egovsim.simulator.network import Network, Offline
from egovsim.simulator.opening import open_pki, restore_clock
from egovsim.simulator.pki_sharing import SharedPki
from egovsim.simulator.reset import empty_and_seed, seed_demo
from egovsim.simulator.sharing import CACHES, Reload, SharedState
from egovsim.simulator.wiring import Core, join
from egovsim.statecorp.service import StateCorp
from egovsim.storage.accounts import AccountStore
from egovsim.storage.clock_state import ClockStore
from egovsim.storage.database import Database, database_location
from egovsim.storage.faults import FaultStore
from egovsim.storage.gateway import GatewayStore
from egovsim.storage.records import ClockState
from egovsim.storage.reset import Emptied
from egovsim.storage.run_locks import RunLocks, instance_id, kept_renewed
from egovsim.storage.runtime_state import NcalayerStateStore
from egovsim.storage.shared_versions import CLOCK, FAULTS, KEY_SET, ROUTES
from egovsim.storage.staff import StaffStore
from egovsim.workstation.answers import ProviderAnswers
from egovsim.workstation.service import Workstation

log = logging.getLogger("egovsim")
#: The lease that keeps the catch-up to one instance at a time.
CATCH_UP = "gateway-catch-up"
#: Told of each SOAP request the gateway's endpoints answered: (address, channel, body, answer).
SoapObserver = Callable[[str, str, bytes, Answer], None]


class Simulator:
    """The whole simulator in this event loop: `async with Simulator(settings) as sim:` (or
    `await sim.start()` … `await sim.stop()`). Its parts are attributes, there once started.

    Without a `network` nothing leaves the process: the simulator's own PKI answers its CRLs,
    OCSP and TSA in-process, and routes to external systems wait as undeliverable.
    """

    settings: Settings
    clock: Clock
    network: Network
    pki: TestPki
    ocsp: OcspResponder
    database: Database
    clock_store: ClockStore
    #: The trainer's fault switches (kept in the database).
    faults: FaultStore
    staff: StaffStore
    regulations: Mapping[str, Regulation]
    calendar: WorkingCalendar
    #: The verifier's and the NCALayer signer's fetches: the network, else the PKI in-process.
    fetcher: LocalPkiFetcher
    verifier: Verifier
    accounts: Accounts
    #: The portal's accounts and sessions (the sessions kept in memory a moment: `clear_caches`).
    account_store: AccountStore
    gateway_store: GatewayStore
    gateway: Gateway
    delivery: DeliveryWorker
    answers: ProviderAnswers
    workstation: Workstation
    portal: Portal
    statecorp: StateCorp
    #: The NCALayer signer's key sets and the current one (its choice kept in the database).
    keyring: KeyRing
    ncalayer_state: NcalayerStateStore
    #: Leases on runs that must be alone across requests and instances (the console's).
    run_locks: RunLocks
    #: The TSA the NCALayer signer asks when a page's tsaProfile wants a timestamp.
    stamper: Stamper
    #: What other instances on the database change, reloaded here (`simulator.sharing`).
    shared: SharedState
    #: What the start left to catch up with in the background (see `catch_up`).
    startup_catch_up: asyncio.Task[None]

    def __init__(
        self, settings: Settings, clock: Clock | None = None, network: Network | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock or Clock(frozen_at=settings.clock_frozen_at)
        self.network = network or Offline(settings.fetch_timeout)
        #: Whoever keeps the gateway's SOAP exchanges (the conformance suite, as its evidence).
        self.soap_observers: list[SoapObserver] = []
        self._running = contextlib.AsyncExitStack()
        self._started = False

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Open and start every part, in this order: the database (with the saved clock), the
        PKI it shares, the switches, the regulations, the verifier, the parties and the
        gateway, the seeds, the NCALayer key set; then the catch-up, the delivery worker and
        the refresh of what other instances change, in the background. A part that fails to
        open closes what was opened before it."""
        if self._started:
            raise RuntimeError("the simulator is already started")
        self._started = True
        try:
            await self._open()
        except BaseException:
            await self.stop()
            raise

    async def _open(self) -> None:
        settings, clock, stack = self.settings, self.clock, self._running
        loop = asyncio.get_running_loop()
        database = await Database.open(database_location(settings))
        stack.push_async_callback(database.close)
        self.database = database
        shared_pki = SharedPki(settings.certs_dir, database)
        self.shared = SharedState(
            database,
            shared_pki,
            self._reloads(),
            settings.shared_refresh,
            listen=settings.shared_listen,
        )
        await self.shared.remember()
        self.clock_store = ClockStore(database)
        await restore_clock(self.clock_store, clock, settings)
        # The PKI the database holds (or this directory's, made if need be, when it holds none).
        self.pki = await shared_pki.open(lambda: open_pki(settings, clock))
        self.ocsp = OcspResponder(self.pki, settings.ocsp_validity)
        faults = self.faults = FaultStore(database, self.shared.changing)
        await faults.load()  # a restart keeps the fault switches
        self.staff = StaffStore(database)
        self.regulations = load_regulations(settings.regulations_dir)
        self.calendar = WorkingCalendar.kazakhstan(settings.moved_days_file)
        # The simulator answers its own PKI's CRLs and OCSP itself when its address is not
        # reachable from here (behind a proxy, before it listens, or with no network).
        self.fetcher = LocalPkiFetcher(self.network, self.pki, clock.now, lambda: faults.current)
        self.verifier = Verifier(
            self.pki.trust_anchors,
            fetcher=self.fetcher if settings.online else None,
            prefer=settings.revocation_preference,
            policy=settings.revocation_policy,
            clock=clock.now,
        )
        self.account_store = AccountStore(database, settings.shared_refresh)
        self.accounts = Accounts(
            self.account_store, self.verifier, clock.now, settings.persona_password
        )
        self.gateway_store = GatewayStore(database)
        self._parties()
        await seed_demo(self)
        await self.gateway.load_replays()
        self.ncalayer_state = NcalayerStateStore(database)
        self.run_locks = RunLocks(database)
        self.keyring = await loop.run_in_executor(
            None, KeyRing.load, settings.certs_dir, self.pki, settings.persona_password
        )
        await self._restore_key_set()
        self.stamper = Stamper(
            self.fetcher.post, self.pki.base_url + "/tsp", loop, self.network.timeout + 5.0
        )
        # The holidays package loads while the server starts listening, not before (a load
        # that fails is tried again, and says why, at the first lookup).
        loaded = loop.run_in_executor(None, self.calendar.load)
        stack.push_async_callback(_settled, loaded)
        # What a stop left owing is durable work: done in the background, so a start does not
        # wait for it, however long the history.
        self.startup_catch_up = asyncio.create_task(self.catch_up(), name="gateway-catch-up")
        stack.push_async_callback(_cancelled, self.startup_catch_up)
        if settings.gateway_worker:
            worker = asyncio.create_task(self.delivery.run(), name="gateway-delivery")
            stack.push_async_callback(_stopped, self.delivery, worker)
            rounds = asyncio.create_task(
                run_rounds(
                    [
                        ("catch-up", lambda: self.catch_up(wait=False)),
                        ("sweep", self.statecorp.returns.sweep),
                    ],
                    settings.jobs_every,
                ),
                name="simulator-rounds",
            )
            stack.push_async_callback(_cancelled, rounds)
        self.shared.start()
        stack.push_async_callback(self.shared.stop)

    def _parties(self) -> None:
        """The gateway and the parties joined through it (`egovsim.simulator.wiring`)."""
        joined = join(
            Core(
                self.settings,
                self.clock,
                self.database,
                self.verifier,
                self.staff,
                self.regulations,
                self.calendar,
                self.faults,
                self.gateway_store,
                gateway_keystore(self.settings),
                self.network,
            )
        )
        self.gateway, self.delivery = joined.gateway, joined.delivery
        self.workstation, self.answers = joined.workstation, joined.answers
        self.portal, self.statecorp = joined.portal, joined.statecorp

    async def stop(self) -> None:
        """Stop the delivery worker and the catch-up, then close the database (the reverse of
        the start). Stopping a simulator that is not started does nothing."""
        await self._running.aclose()
        self._started = False

    # -- what runs while the simulator runs --------------------------------------------------

    async def catch_up(self, wait: bool = True) -> None:
        """What a stop (or the gateway being down) left between a commit and the next one,
        each party's in turn (`Parties.catch_up`: the workstation's answers, the portal's
        signed requests, the requests' final states). Run at start, in the workers' rounds,
        and when the trainer switches the gateway on again; one instance at a time on a
        database (a lease), the others waiting for it, or with `wait` False leaving it be."""
        holder, lease = instance_id(), self.settings.worker_lease
        locks = self.run_locks
        while await locks.take(CATCH_UP, "the gateway's catch-up", holder, lease) is not None:
            if not wait:
                return
            await asyncio.sleep(0.5)
        try:
            async with kept_renewed(lambda: locks.renew(CATCH_UP, holder, lease), lease / 3):
                await self.gateway.parties.catch_up()
        finally:
            await locks.give_back(CATCH_UP, holder)

    async def clock_changed(self) -> None:
        """After the clock moved: its setting is kept, so a restart keeps it, and what fell
        due happens now rather than when somebody looks (the State Corporation's sweep)."""
        clock = self.clock
        state = ClockState(clock.frozen_at, clock.offset.total_seconds())
        async with self.shared.changing():
            await self.clock_store.save_clock_state(state, clock.now())
            # A refresh that reloaded meanwhile read the clock as it was before this change.
            clock.restore(state.frozen_at, timedelta(seconds=state.offset_seconds))
        await self.statecorp.returns.sweep()

    async def choose_key_set(self, persona_id: str) -> None:
        """Make `persona_id` the NCALayer signer's key set, kept across restarts;
        `UnknownPersona` when there is no such persona."""
        persona = self.keyring.make_current(persona_id)
        async with self.shared.changing():
            await self.ncalayer_state.choose(persona.id, self.clock.now())
            self.keyring.make_current(persona.id)  # a reload meanwhile read the earlier choice

    async def _restore_key_set(self) -> None:
        chosen = await self.ncalayer_state.persona()
        with contextlib.suppress(UnknownPersona):  # a PKI made again without it
            self.keyring.make_current(chosen or DEFAULT_PERSONA)

    # -- the reset --------------------------------------------------------------------------

    def _reloads(self) -> dict[str, Reload]:
        """What this instance reloads when another instance on the database changed it."""
        return {
            CLOCK: self._reload_clock,
            FAULTS: self._reload_faults,
            KEY_SET: self._restore_key_set,
            ROUTES: self._forget_routes,
            CACHES: self._forget_caches,
        }

    async def _reload_clock(self) -> None:
        saved = await self.clock_store.clock_state()
        if saved is None:  # emptied by a reset: real time
            self.clock.restore(None, timedelta(0))
        else:
            self.clock.restore(saved.frozen_at, timedelta(seconds=saved.offset_seconds))

    async def _reload_faults(self) -> None:
        await self.faults.load()
        self.verifier.revocation.forget_unreachable()  # as a switch changed here does

    async def _forget_routes(self) -> None:
        self.gateway_store.forget_cache()

    async def _forget_caches(self) -> None:
        self.clear_caches()

    async def clear_caches_everywhere(self) -> None:
        """`clear_caches` here, and in every other instance on the database at its next
        refresh (the console's button)."""
        self.clear_caches()
        await self.shared.announce(CACHES)

    def clear_caches(self) -> None:
        """Forget what the parts keep in memory beyond the database: the verifier's CRLs and
        OCSP answers, the gateway store's routes, the portal's sessions. The one way each is
        invalidated from outside its owner (the console's button, a try-it run, the reset)."""
        self.verifier.clear_revocation_caches()
        self.gateway_store.forget_cache()
        self.account_store.forget_cache()

    async def reset(self) -> Emptied:
        """Back to a clean demo: the data emptied and seeded again, the clock on real time,
        every switch off, the NCALayer key set the default one, every cache empty; what was
        removed. The caller makes sure nothing else runs meanwhile (the console's run lock)."""
        # The clock first: the seeds read it, and it may stand where no date can be told.
        self.clock.restore(None, timedelta(0))
        emptied = await empty_and_seed(self)
        await self.faults.load()
        with contextlib.suppress(UnknownPersona):  # a PKI made without the demo personas
            self.keyring.make_current(DEFAULT_PERSONA)
        self.clear_caches()  # what was fetched while a switch was on must not outlive it
        # The other instances on the database follow: real time, no switch, the default key
        # set, the seeded routes, empty caches.
        await self.shared.announce(CLOCK, FAULTS, KEY_SET, ROUTES, CACHES)
        return emptied


async def _settled(future: asyncio.Future[None]) -> None:
    with contextlib.suppress(Exception):
        await future


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _stopped(worker: DeliveryWorker, task: asyncio.Task[None]) -> None:
    worker.stop()
    await task
