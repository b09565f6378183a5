"""The built-in receiver: the provider's workstation takes REQUEST messages as applications."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime

from lxml import etree

from egovsim.errors import EgovsimError
from egovsim.gateway.delivery import Delivered, Receiver, Refused, application_payload
from egovsim.signatures.verifier import Verifier
from egovsim.storage.gateway import Route, StoredMessage
from egovsim.workstation.intake import Submission
from egovsim.workstation.service import Workstation


def workstation_receiver(workstation: Workstation) -> Receiver:
    """Register each REQUEST as an application at the route's provider (once per messageId)."""

    async def deliver(message: StoredMessage, route: Route) -> Delivered:
        if message.message_type != "REQUEST":
            raise Refused(f"the workstation takes REQUEST messages, not {message.message_type}")
        if route.provider_id is None:
            raise Refused(f"the route of {route.service_id} names no provider")
        payload = application_payload(message)
        try:
            submission = Submission.from_json(payload, message.service_id, "portal")
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


def portal_receiver(verifier: Verifier, now: Callable[[], datetime]) -> Receiver:
    """The portal takes the answers to its requests: a RESPONSE must carry the result as a CMS
    (base64 in `data`) that the verifier passes, or it is refused with the C2 code."""

    async def deliver(message: StoredMessage, route: Route) -> Delivered:
        if message.message_type != "RESPONSE":
            return Delivered(f"{message.message_type} recorded for {message.correlation_id}")
        data = etree.fromstring(message.data_xml)
        try:
            signature = base64.b64decode("".join(data.itertext()).strip(), validate=True)
        except (binascii.Error, ValueError):
            raise Refused("a RESPONSE must carry the signed result as base64 CMS") from None
        report = await verifier.verify_cms(signature, at=now())
        if not report.passed:
            raise Refused(f"the result's signature is refused: {report.code}")
        signer = report.signer
        who = f"{signer.common_name}, BIN {signer.bin}, {signer.role}" if signer else "?"
        return Delivered(f"the signed result verified TOTAL_PASSED ({who})")

    return deliver


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
