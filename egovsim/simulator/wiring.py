"""How the simulator's parties join the gateway's bus: the gateway first (it knows none of
them), then each party built sending through it and registering what it receives."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.gateway.attachments import AttachmentFetcher
from egovsim.gateway.delivery import DeliveryPolicy, DeliveryWorker
from egovsim.gateway.own_key import reply_signer
from egovsim.gateway.parties import Parties
from egovsim.gateway.priority import RequestsFirst
from egovsim.gateway.seed import PORTAL_SENDER, WORKSTATION_SENDER
from egovsim.gateway.sending import GatewaySender
from egovsim.gateway.service import Gateway
from egovsim.gateway.wsfresh import Freshness
from egovsim.pki.keystore import Keystore
from egovsim.portal.applications import ApplicantLimits, Portal
from egovsim.portal.attachments import AttachmentFiles
from egovsim.portal.gateway_party import join_gateway as join_portal
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Regulation
from egovsim.signatures.verifier import Verifier
from egovsim.simulator.network import Network
from egovsim.statecorp.centres import STATECORP_SENDER
from egovsim.statecorp.gateway_party import join_gateway as join_statecorp
from egovsim.statecorp.service import StateCorp
from egovsim.storage.application_lists import ApplicationLists
from egovsim.storage.applications import ApplicationStore
from egovsim.storage.attachment_contents import AttachmentContents
from egovsim.storage.database import Database
from egovsim.storage.delivery_queue import DeliveryQueue
from egovsim.storage.faults import FaultStore
from egovsim.storage.gateway import GatewayStore
from egovsim.storage.portal import PortalStore
from egovsim.storage.portal_cabinet import CabinetStore
from egovsim.storage.staff import StaffStore
from egovsim.storage.statecorp import StateCorpStore
from egovsim.workstation.answers import ProviderAnswers
from egovsim.workstation.gateway_party import join_gateway as join_workstation
from egovsim.workstation.service import Workstation


@dataclass(frozen=True)
class Core:
    """What the parties and the gateway are built on (opened before them)."""

    settings: Settings
    clock: Clock
    database: Database
    verifier: Verifier
    staff: StaffStore
    regulations: Mapping[str, Regulation]
    calendar: WorkingCalendar
    faults: FaultStore
    store: GatewayStore
    keystore: Keystore | None
    network: Network

    def enforces_period(self) -> bool:
        """Whether the regulations' effective periods are enforced now: by the settings, or
        by the trainer's `effective-period` switch."""
        return (
            self.settings.enforce_effective_period or self.faults.current.enforces_effective_period
        )


@dataclass(frozen=True)
class Joined:
    """The gateway, its delivery worker, and the parties that send and receive through it."""

    gateway: Gateway
    delivery: DeliveryWorker
    workstation: Workstation
    answers: ProviderAnswers
    portal: Portal
    statecorp: StateCorp


def join(core: Core) -> Joined:
    """Build the gateway and its delivery worker over an empty registry, then each party
    sending through the gateway and registering with it. The order of the joins is that of
    their catch-ups: the workstation's answers before the portal's requests, as the portal's
    requests may be answered already."""
    settings, now, database = core.settings, core.clock.now, core.database
    password, keystore, store, faults = (
        settings.persona_password,
        core.keystore,
        core.store,
        core.faults,
    )
    policy = DeliveryPolicy(
        max_attempts=settings.gateway_max_attempts, first_backoff=settings.gateway_first_backoff
    )
    parties = Parties(store)
    queue = DeliveryQueue(database, settings.worker_lease)
    # The gateway's requests go before its deliveries (`egovsim.gateway.priority`).
    requests_first = RequestsFirst()
    delivery = DeliveryWorker(
        store,
        queue,
        parties.receivers,
        policy,
        notify=parties.settled,
        give_way=requests_first.give_way,
    )
    gateway = Gateway(
        store,
        core.verifier,
        now,
        delivery.wake,
        parties,
        is_down=lambda: faults.current.gateway_down,
        freshness=Freshness(settings.wss_future_skew, settings.wss_max_age),
        reply_signer=reply_signer(keystore),
        requests_first=requests_first,
    )

    def sender(sender_id: str) -> GatewaySender:
        return GatewaySender(gateway.handle, sender_id, password, now, keystore)

    answers = ProviderAnswers(
        ApplicationLists(database),
        store,
        sender(WORKSTATION_SENDER),
        core.regulations,
        core.calendar,
    )
    workstation = Workstation(
        ApplicationStore(database),
        core.staff,
        core.regulations,
        core.calendar,
        now,
        core.verifier,
        settings.certs_dir,
        core.enforces_period,
        answers.on_change,
        key_missing=lambda: faults.current.signer_key_missing,
        lists=ApplicationLists(database),
        fetch_attachment=AttachmentFetcher(gateway.handle, password, now, keystore).fetch,
    )
    join_workstation(parties, workstation, answers)
    portal = Portal(
        PortalStore(database),
        CabinetStore(database),
        core.regulations,
        core.calendar,
        core.verifier,
        now,
        AttachmentFiles(AttachmentContents(database), settings.data_dir / "attachments"),
        core.enforces_period,
        sender(PORTAL_SENDER).send_request,
        ApplicantLimits(settings.max_open_drafts, settings.max_draft_attachment_bytes),
    )
    join_portal(parties, portal.exchange, core.verifier, now)
    statecorp = StateCorp(
        StateCorpStore(database),
        core.regulations,
        core.calendar,
        now,
        sender(STATECORP_SENDER).send,
        core.enforces_period,
    )
    statecorp.returns.lease = settings.worker_lease
    join_statecorp(parties, statecorp.arrivals, core.verifier, now)
    allows: Callable[[str], bool] = settings.allows_receiver
    parties.register("external", core.network.external_receiver(keystore, policy, allows))
    parties.on_settled(core.network.status_notifier(store, keystore, policy, allows))
    return Joined(gateway, delivery, workstation, answers, portal, statecorp)
