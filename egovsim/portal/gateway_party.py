"""The portal on the gateway's bus: it takes the answers to its requests (a result only with a
verified signature), answers questions about its attachments, and hears what became of its
requests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from egovsim.gateway.attachments import portal_attachments
from egovsim.gateway.delivery import Delivered, Notifier, Receiver, Refused
from egovsim.gateway.parties import Parties, SignerBin
from egovsim.gateway.results import json_object, message_text, signed_result
from egovsim.gateway.seed import PORTAL_SENDER
from egovsim.portal.exchange import Exchange
from egovsim.portal.timeline import NotLanded, ProviderAnswer
from egovsim.signatures import cms as cms_reader
from egovsim.signatures.verifier import Expectations, Verifier
from egovsim.storage.gateway import GatewayStore, Route, StoredMessage

#: Lands an answer on the portal (`Exchange.land_answer`): what became of it, in words.
AnswerLander = Callable[[ProviderAnswer], Awaitable[str]]


def join_gateway(
    parties: Parties, exchange: Exchange, verifier: Verifier, now: Callable[[], datetime]
) -> None:
    """Register the portal: the receiver of what is routed to it and of its SyncChannel
    questions, its sender, the final states of its requests, and its catch-up (the signed
    requests the gateway did not take, the final states it missed)."""
    store = parties.store
    parties.register(
        "portal",
        portal_receiver(
            verifier, now, parties.signer_bin, exchange.land_answer, exchange.land_office_result
        ),
    )
    parties.answer_sync("portal", portal_attachments(store, exchange.attachment_content))
    parties.sends_as(PORTAL_SENDER, "egov.kz portal")
    parties.on_settled(request_states(exchange))

    async def catch_up() -> int:
        sent = await exchange.send_pending()
        await settle_portal_requests(store, await exchange.awaiting_delivery(), exchange)
        return sent

    parties.on_catch_up("the portal's requests", catch_up)


def portal_receiver(
    verifier: Verifier,
    now: Callable[[], datetime],
    signer_bin: SignerBin,
    land: AnswerLander,
    land_office_result: AnswerLander,
) -> Receiver:
    """The portal takes the answers to its requests and lands them through `land`. A RESPONSE
    must carry the result as a CMS signed by the provider's authorized person (whose BIN
    `signer_bin` gives) that the verifier passes, or it is refused (NOT_DELIVERED) with the C2
    code: its data is a JSON object {"cms": base64, "document": base64 when the CMS is
    detached, "result_kind", "refusal", "number", ...}, or, from a minimal system, the bare
    base64 CMS. A REQUEST routed to the portal is the result of an office application,
    verified the same way and landed through `land_office_result` (refused when the applicant
    has no account there)."""

    async def deliver(message: StoredMessage, route: Route) -> Delivered:
        if message.channel == "sync":
            # A question the portal answered when it was asked (an attachment's content).
            return Delivered("answered at once on the SyncChannel")
        text = message_text(message)
        payload = json_object(text)
        cms = document = None
        verification = None
        if message.message_type in ("RESPONSE", "REQUEST"):
            cms, document = signed_result(text, payload)
            expect = Expectations(bin=signer_bin(route), purpose="sign")
            report = await verifier.verify_cms(cms, content=document, at=now(), expect=expect)
            if not report.passed:
                raise Refused(f"the result's signature is refused: {report.code}")
            if document is None:
                document = cms_reader.parse(cms).content
            assert document is not None
            verification = report.to_json()
            signer = report.signer
            who = f"{signer.common_name}, BIN {signer.bin}, {signer.role}" if signer else "?"
            detail = f"the signed result verified TOTAL_PASSED ({who})"
        else:
            detail = f"{message.message_type} recorded for {message.correlation_id}"
        lander = land_office_result if message.message_type == "REQUEST" else land
        try:
            landed = await lander(
                ProviderAnswer(
                    message.message_id,
                    message.correlation_id or "",
                    message.message_type,
                    message.accepted_at,
                    payload,
                    text,
                    cms,
                    document,
                    verification,
                )
            )
        except NotLanded as refused:
            raise Refused(f"{refused}") from None
        return Delivered(f"{detail}; {landed}")

    return deliver


def request_states(exchange: Exchange) -> Notifier:
    """Tell the portal what became of its requests (DELIVERED, NOT_DELIVERED,
    DELIVERY_STOPPED)."""

    async def notify(message: StoredMessage, state: str, detail: str) -> None:
        if message.sender_id == PORTAL_SENDER and message.message_type == "REQUEST":
            await exchange.request_delivered(message.message_id, state, detail)

    return notify


async def settle_portal_requests(
    store: GatewayStore, message_ids: Iterable[str], exchange: Exchange
) -> int:
    """Tell the portal the final state of its requests that it may have missed (the state is
    recorded before the portal is told: a stop in between is caught up at the next start)."""
    told = 0
    # Most are still on delivery: only the settled ones are read whole.
    for message_id in await store.settled_among(list(message_ids)):
        message = await store.message(message_id)
        if message is None or message.state == "ON_DELIVERY":
            continue
        attempts = await store.attempts(message)
        await exchange.request_delivered(
            message_id, message.state, attempts[-1].detail if attempts else ""
        )
        told += 1
    return told
