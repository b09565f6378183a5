"""The built-in receivers: the provider's workstation takes REQUEST messages as applications,
the portal takes the answers to its requests (a RESPONSE only with a verified signature)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from lxml import etree

from egovsim.errors import EgovsimError
from egovsim.gateway.delivery import (
    Delivered,
    Notifier,
    Receiver,
    Refused,
    application_payload,
)
from egovsim.gateway.seed import PORTAL_SENDER, WORKSTATION_SENDER
from egovsim.portal.timeline import NotLanded, ProviderAnswer
from egovsim.signatures import cms as cms_reader
from egovsim.signatures.verifier import Expectations, Verifier
from egovsim.statecorp.arrivals import Arrivals
from egovsim.statecorp.centres import STATECORP_SENDER
from egovsim.storage.gateway import GatewayStore, Route, StoredMessage
from egovsim.workstation.intake import Submission
from egovsim.workstation.providers import PROVIDERS
from egovsim.workstation.service import Workstation


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


def centre_receiver(
    arrivals: Arrivals, verifier: Verifier, now: Callable[[], datetime]
) -> Receiver:
    """The State Corporation takes the provider's answers to its forwarded packages: an
    UPDATE keeps the provider's number, a RESPONSE is the paper result arriving (its signature
    by the provider's authorized person verified, or it is refused). A REQUEST of the provider
    is a portal application's paper result sent for collection, verified the same way."""

    async def deliver(message: StoredMessage, route: Route) -> Delivered:
        payload = application_payload(message)
        request_id = message.correlation_id or ""
        if message.message_type not in ("RESPONSE", "REQUEST"):
            return Delivered(await arrivals.provider_update(request_id, payload))
        text = "".join(etree.fromstring(message.data_xml).itertext()).strip()
        cms, document = _signed_result(text, payload)
        expect = Expectations(bin=_provider_bin(route), purpose="sign")
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


def route_or_centre(store: GatewayStore, route_receiver: Receiver, centre: Receiver) -> Receiver:
    """A service's route receiver, except for what belongs to the State Corporation: the
    answers to its requests go back to the centre that asked (as answers to the portal go to
    the portal), and so do the provider's paper results sent for collection (the workstation's
    REQUESTs) and the answers to those."""

    async def deliver(message: StoredMessage, route: Route) -> Delivered:
        if _for_centre(message):
            return await centre(message, route)
        if message.sender_id != STATECORP_SENDER and message.correlation_id:
            asked = await store.message(message.correlation_id)
            if asked is not None and (asked.sender_id == STATECORP_SENDER or _for_centre(asked)):
                return await centre(message, route)
        return await route_receiver(message, route)

    return deliver


def _for_centre(message: StoredMessage) -> bool:
    """A REQUEST of the provider's workstation: a paper result for the centre to hold (the
    workstation never sends requests to itself)."""
    return message.sender_id == WORKSTATION_SENDER and message.message_type == "REQUEST"


#: Lands an answer on the portal (`Exchange.land_answer`): what became of it, in words.
AnswerLander = Callable[[ProviderAnswer], Awaitable[str]]
#: Tells the portal the final state of one of its requests (`Exchange.request_delivered`).
RequestStates = Callable[[str, str, str], Awaitable[None]]


def portal_receiver(
    verifier: Verifier,
    now: Callable[[], datetime],
    land: AnswerLander | None = None,
    land_office_result: AnswerLander | None = None,
) -> Receiver:
    """The portal takes the answers to its requests and lands them through `land`. A RESPONSE
    must carry the result as a CMS signed by the provider's authorized person that the verifier
    passes, or it is refused (NOT_DELIVERED) with the C2 code: its data is a JSON object
    {"cms": base64, "document": base64 when the CMS is detached, "result_kind", "refusal",
    "number", ...}, or, from a minimal system, the bare base64 CMS. A REQUEST routed to the
    portal is the result of an office application, verified the same way and landed through
    `land_office_result` (refused when the applicant has no account there)."""

    async def deliver(message: StoredMessage, route: Route) -> Delivered:
        if message.channel == "sync":
            # A question the portal answered when it was asked (an attachment's content).
            return Delivered("answered at once on the SyncChannel")
        text = "".join(etree.fromstring(message.data_xml).itertext()).strip()
        payload = _json_object(text)
        cms = document = None
        verification = None
        if message.message_type in ("RESPONSE", "REQUEST"):
            cms, document = _signed_result(text, payload)
            expect = Expectations(bin=_provider_bin(route), purpose="sign")
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
        if lander is None:
            return Delivered(detail)
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


def portal_request_notifier(states: RequestStates, then: Notifier) -> Notifier:
    """Tell the portal what became of its requests (DELIVERED, NOT_DELIVERED, DELIVERY_STOPPED),
    then tell whoever `then` tells."""

    async def notify(message: StoredMessage, state: str, detail: str) -> None:
        try:
            if message.sender_id == PORTAL_SENDER and message.message_type == "REQUEST":
                await states(message.message_id, state, detail)
        finally:
            await then(message, state, detail)

    return notify


async def settle_portal_requests(
    store: GatewayStore, message_ids: Iterable[str], states: RequestStates
) -> int:
    """Tell the portal the final state of its requests that it may have missed (the state is
    recorded before the portal is told: a stop in between is caught up at the next start)."""
    told = 0
    for message_id in message_ids:
        message = await store.message(message_id)
        if message is None or message.state == "ON_DELIVERY":
            continue
        attempts = await store.attempts(message)
        await states(message_id, message.state, attempts[-1].detail if attempts else "")
        told += 1
    return told


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _signed_result(text: str, payload: dict[str, Any] | None) -> tuple[bytes, bytes | None]:
    """The CMS of a RESPONSE and the document it signs when detached."""
    try:
        if payload is None:
            return base64.b64decode("".join(text.split()), validate=True), None
        cms = payload.get("cms")
        document = payload.get("document")
        if not isinstance(cms, str) or not isinstance(document, str | None):
            raise ValueError("cms and document must be base64 text")
        return (
            base64.b64decode(cms, validate=True),
            base64.b64decode(document, validate=True) if document is not None else None,
        )
    except (binascii.Error, ValueError):
        raise Refused(
            'a RESPONSE must carry the signed result as a base64 CMS, in data or as the "cms"'
            " of a JSON object"
        ) from None


def _provider_bin(route: Route) -> str | None:
    """The BIN the result's signer must carry: the seeded provider's, for its workstation."""
    if route.receiver != "workstation":
        return None
    return next((p.bin for p in PROVIDERS if p.id == route.provider_id), None)


async def answer_synchronously(
    receiver: Receiver, message: StoredMessage, route: Route
) -> tuple[str, str, etree._Element | None]:
    """SyncChannel: deliver at once and answer with the receiver's verdict."""
    try:
        delivered = await receiver(message, route)
    except Refused as refused:
        return "REFUSED", str(refused), None
    data = etree.Element("data")
    data.text = delivered.detail
    return "OK", delivered.detail, data
