"""The signed result of an application registered at the provider's office, on its way to the
applicant's personal cabinet where the regulation sends every result there (Shymkent item 1).

The portal never asked for it, so it is no answer: the workstation sends it as a REQUEST of the
service whose `routeId` names the portal (`PORTAL_ROUTE`), and the gateway delivers it there and
logs it like any other message. Its messageId is derived from the application, so a resend after
a stop is the same message, applied once.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from egovsim.gateway.seed import PORTAL_ROUTE
from egovsim.regulations.model import Regulation
from egovsim.storage.gateway import GatewayStore
from egovsim.storage.records import Application, ResultRecord

log = logging.getLogger("egovsim.gateway")
#: `GatewaySender.send`: (serviceId, messageType, messageId, correlationId, data, routeId).
Send = Callable[[str, str, str, str | None, str, str | None], Awaitable[tuple[bool, str]]]

#: The namespace of these messages' ids (uuid5 of the provider and the application's number).
CABINET_RESULT_IDS = uuid.UUID("0c6f8f0e-3f5b-4a55-9a43-6f4f3c1d9b27")


@dataclass(frozen=True, slots=True)
class CabinetResult:
    """One office application's result for the cabinet: its messageId, service and data."""

    message_id: str
    service_id: str
    number: str
    data: dict[str, Any]


def goes_to_cabinet(application: Application, regulation: Regulation) -> bool:
    """Whether an office application's result goes to the cabinet: the regulation gives its
    result as an e-document (which it sends to the personal cabinet) whatever the channel."""
    return application.channel == "provider_office" and "electronic" in regulation.result_forms


def cabinet_result(
    application: Application, regulation: Regulation, result: ResultRecord | None
) -> CabinetResult | None:
    """The message that takes a signed result to the cabinet; None before the signature, or
    when the application's result does not go there."""
    if not goes_to_cabinet(application, regulation):
        return None
    if result is None or result.signature is None:
        return None
    message_id = uuid.uuid5(CABINET_RESULT_IDS, f"{application.provider_id}:{application.number}")
    return CabinetResult(
        str(message_id),
        application.regulation_id,
        application.number,
        {
            "number": application.number,
            "channel": application.channel,
            "registered_at": application.received_at.isoformat(),
            "result_kind": result.kind,
            "refusal": result.refusal,
            "grounds": result.grounds or None,
            "signed_at": result.signed_at.isoformat() if result.signed_at else None,
            "cms": base64.b64encode(result.signature).decode(),
        },
    )


async def send_to_cabinet(gateway: GatewayStore, send: Send, outgoing: CabinetResult | None) -> int:
    """Send an office application's signed result to the portal, once per messageId (a stop
    before the gateway took it is caught up by the next call); how many were sent."""
    if outgoing is None or await gateway.message(outgoing.message_id) is not None:
        return 0
    data = json.dumps(outgoing.data, ensure_ascii=False, sort_keys=True)
    accepted, detail = await send(
        outgoing.service_id, "REQUEST", outgoing.message_id, None, data, PORTAL_ROUTE
    )
    if not accepted:
        log.warning("the gateway refused the result of %s: %s", outgoing.number, detail)
    return int(accepted)
