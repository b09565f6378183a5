"""The provider's workstation on the gateway's bus: it takes the REQUESTs of its providers'
routes as applications, answers the SyncChannel for them, and answers what it commits."""

from __future__ import annotations

from egovsim.errors import EgovsimError
from egovsim.gateway.delivery import Delivered, Receiver, Refused, application_payload
from egovsim.gateway.parties import Parties, synchronously
from egovsim.gateway.seed import WORKSTATION_SENDER
from egovsim.statecorp.centres import STATECORP_SENDER
from egovsim.storage.gateway import Route, StoredMessage
from egovsim.workstation.answers import ProviderAnswers
from egovsim.workstation.intake import Submission
from egovsim.workstation.providers import PROVIDERS
from egovsim.workstation.service import Workstation


def join_gateway(parties: Parties, workstation: Workstation, answers: ProviderAnswers) -> None:
    """Register the workstation: the receiver of the "workstation" routes (and of their
    SyncChannel), their sender and seeded routes; each committed transition answered through
    `answers`, and what a stop left owing caught up."""
    receiver = workstation_receiver(workstation)
    parties.register("workstation", receiver, signer_bin=provider_bin)
    parties.answer_sync("route", synchronously(parties.store, receiver))
    parties.sends_as(WORKSTATION_SENDER, "the regional gateway's workstation (АРМ РШЭП)")
    parties.routes_to("workstation", ((s, p.id) for p in PROVIDERS for s in p.services))
    workstation.on_change = answers.on_change
    parties.on_catch_up("the workstation's answers", answers.catch_up)


def workstation_receiver(workstation: Workstation) -> Receiver:
    """Register each REQUEST as an application at the route's provider (once per messageId)."""

    async def deliver(message: StoredMessage, route: Route) -> Delivered:
        if route.provider_id is None:
            raise Refused(f"the route of {route.service_id} names no provider")
        from_centre = message.sender_id == STATECORP_SENDER
        if from_centre and message.message_type == "NOTIFICATION":
            return await _note_from_centre(workstation, message, route.provider_id)
        if message.message_type != "REQUEST":
            raise Refused(f"the workstation takes REQUEST messages, not {message.message_type}")
        payload = application_payload(message)
        channel = "state_corporation" if from_centre else "portal"
        try:
            submission = Submission.from_json(payload, message.service_id, channel)
        except EgovsimError as error:
            raise Refused(f"{error.code}: {dict(error.details)}") from None
        try:
            view = await workstation.receive_electronic(
                route.provider_id, submission, message.message_id
            )
        except EgovsimError as error:
            raise Refused(f"{error.code}: {error.entry.message('en')}") from None
        return Delivered(f"registered as {view.application.number}")

    return deliver


async def _note_from_centre(
    workstation: Workstation, message: StoredMessage, provider_id: str
) -> Delivered:
    """The State Corporation's word on a paper result (returned to storage, asked again)."""
    payload = application_payload(message)
    try:
        view = await workstation.note_from_centre(
            provider_id,
            str(payload.get("number") or ""),
            str(payload.get("kind") or ""),
            message.message_id,
        )
    except EgovsimError as error:
        raise Refused(f"{error.code}: {dict(error.details)}") from None
    return Delivered(f"{payload.get('kind')} recorded on {view.application.number}")


def provider_bin(route: Route) -> str | None:
    """The BIN the signer of a result from a workstation route must carry: its seeded
    provider's."""
    return next((p.bin for p in PROVIDERS if p.id == route.provider_id), None)
