"""The State Corporation on the gateway's bus: of what the providers' routes carry, it takes
the answers to its forwarded packages and the paper results sent to it for collection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from egovsim.errors import EgovsimError
from egovsim.gateway.delivery import Delivered, Receiver, Refused, application_payload
from egovsim.gateway.parties import Parties, SignerBin, Takes
from egovsim.gateway.results import message_text, signed_result
from egovsim.gateway.seed import WORKSTATION_SENDER
from egovsim.signatures.verifier import Expectations, Verifier
from egovsim.statecorp.arrivals import Arrivals
from egovsim.statecorp.centres import STATECORP_SENDER
from egovsim.storage.gateway import GatewayStore, Route, StoredMessage


def join_gateway(
    parties: Parties, arrivals: Arrivals, verifier: Verifier, now: Callable[[], datetime]
) -> None:
    """Register the State Corporation: its sender, and its share of the "workstation" routes'
    deliveries (what `centre_takes` picks)."""
    parties.sends_as(STATECORP_SENDER, "the State Corporation's Almaty service centres")
    receiver = centre_receiver(arrivals, verifier, now, parties.signer_bin)
    parties.intercept("workstation", centre_takes(parties.store), receiver)


def centre_takes(store: GatewayStore) -> Takes:
    """What on a provider's route belongs to the State Corporation: the answers to its
    requests go back to the centre that asked (as answers to the portal go to the portal), and
    so do the provider's paper results sent for collection (the workstation's REQUESTs) and
    the answers to those."""

    async def takes(message: StoredMessage) -> bool:
        if _for_centre(message):
            return True
        if message.sender_id != STATECORP_SENDER and message.correlation_id:
            asked = await store.message(message.correlation_id)
            return asked is not None and (asked.sender_id == STATECORP_SENDER or _for_centre(asked))
        return False

    return takes


def _for_centre(message: StoredMessage) -> bool:
    """A REQUEST of the provider's workstation: a paper result for the centre to hold (the
    workstation never sends requests to itself)."""
    return message.sender_id == WORKSTATION_SENDER and message.message_type == "REQUEST"


def centre_receiver(
    arrivals: Arrivals, verifier: Verifier, now: Callable[[], datetime], signer_bin: SignerBin
) -> Receiver:
    """The State Corporation takes the provider's answers to its forwarded packages: an
    UPDATE keeps the provider's number, a RESPONSE is the paper result arriving (its signature
    by the provider's authorized person, whose BIN `signer_bin` gives, verified, or it is
    refused). A REQUEST of the provider is a portal application's paper result sent for
    collection, verified the same way."""

    async def deliver(message: StoredMessage, route: Route) -> Delivered:
        payload = application_payload(message)
        request_id = message.correlation_id or ""
        if message.message_type not in ("RESPONSE", "REQUEST"):
            return Delivered(await arrivals.provider_update(request_id, payload))
        cms, document = signed_result(message_text(message), payload)
        expect = Expectations(bin=signer_bin(route), purpose="sign")
        report = await verifier.verify_cms(cms, content=document, at=now(), expect=expect)
        if not report.passed:
            raise Refused(f"the result's signature is refused: {report.code}")
        if message.message_type == "RESPONSE":
            return Delivered(await arrivals.result_arrived(request_id, payload, report.to_json()))
        try:
            arrived = await arrivals.collection_arrived(
                message.message_id, message.service_id, payload, report.to_json()
            )
        except EgovsimError as error:
            raise Refused(f"{error.code}: {dict(error.details)}") from None
        return Delivered(arrived)

    return deliver
