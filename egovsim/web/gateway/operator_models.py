"""The gateway operator's API as it reads and answers (`Gateway...`): senders, routes with their
fault switches, the message log with each delivery attempt. `operator_api` reads and answers
with them, and the OpenAPI document describes them."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)
from yarl import URL

from egovsim.clock import parse_time
from egovsim.storage.gateway import Attempt, Route, Sender, StoredMessage
from egovsim.web.common.models import RequestModel, ResponseModel, Text, Time

#: The faults a receiver's route can be switched to, in the order the pages list them.
FaultKind = Literal["delay", "drop", "duplicate", "unreachable", "malformed", "slow_ack"]
FAULTS: tuple[str, ...] = get_args(FaultKind)
SignaturePolicy = Literal["required", "optional"]


def _receiver_url(url: str) -> str:
    """An absolute http(s) URL with a host (the allow-list of hosts is the handler's check)."""
    try:
        parsed = URL(url)
    except ValueError:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError("an http(s) URL with a host")
    return url


ReceiverUrl = Annotated[
    Text,
    AfterValidator(_receiver_url),
    Field(json_schema_extra={"format": "uri", "pattern": "^https?://"}),
]


# -- senders ----------------------------------------------------------------------------------


class GatewaySender(ResponseModel):
    """A registered sender of SOAP messages (never its password)."""

    sender_id: str
    signature: SignaturePolicy
    name: str

    @classmethod
    def of(cls, sender: Sender) -> GatewaySender:
        """`sender` as the API shows it."""
        policy: SignaturePolicy = (
            "optional" if sender.signature_policy == "optional" else "required"
        )
        return cls(sender_id=sender.sender_id, signature=policy, name=sender.name)


class GatewaySenders(ResponseModel):
    """Every registered sender."""

    senders: list[GatewaySender]


class GatewaySenderRegistration(RequestModel):
    """A sender to register (or to change): its id, password, signature policy and name."""

    sender_id: Text
    password: Text
    signature: SignaturePolicy = "required"
    name: Text | None = None


class GatewaySenderRegistered(ResponseModel):
    """The sender registered and the signature policy it is held to."""

    sender_id: str
    signature: SignaturePolicy


# -- routes and their faults ------------------------------------------------------------------


#: A fault's length, as it was stored (an integer stays one).
Seconds = Annotated[int, Field(ge=0)] | Annotated[float, Field(ge=0, allow_inf_nan=False)]


class GatewayFault(ResponseModel):
    """A fault switched on for one receiver, until it is switched off."""

    kind: FaultKind
    seconds: Seconds


class GatewayRoute(ResponseModel):
    """Where a serviceId's messages go: a provider's workstation, or an external system."""

    service_id: str
    receiver: Literal["workstation", "external", "portal"]
    url: str | None
    provider: str | None
    sender_id: str | None
    fault: GatewayFault | None

    @classmethod
    def of(cls, route: Route) -> GatewayRoute:
        """`route` as the API shows it."""
        return cls.model_validate(
            {
                "service_id": route.service_id,
                "receiver": route.receiver,
                "url": route.url,
                "provider": route.provider_id,
                "sender_id": route.sender_id,
                "fault": route.fault,
            }
        )


class GatewayRoutes(ResponseModel):
    """The routing table."""

    routes: list[GatewayRoute]


class GatewayRouting(RequestModel):
    """A serviceId routed to an external system (`url`) or to a provider's workstation
    (`provider`), one of the two; `sender_id` is the external system's own sender."""

    service_id: Text
    url: ReceiverUrl | None = None
    provider: Text | None = None
    sender_id: Text | None = None

    @model_validator(mode="after")
    def _one_receiver(self) -> GatewayRouting:
        if (self.url is None) == (self.provider is None):
            raise ValueError('give "url" (an external system) or "provider", not both')
        return self


class GatewayFaultSwitch(RequestModel):
    """The fault to switch on and how many seconds it lasts for each message (delay, slow
    acknowledgement) where it has a length."""

    kind: FaultKind
    # Strict mode takes an integer for a number, never a boolean or a string; nor infinity.
    seconds: float = Field(default=5, ge=0, allow_inf_nan=False)


# -- the message log --------------------------------------------------------------------------


def _moment(value: Any) -> Any:
    """An ISO 8601 date or date-time as the command line takes it (naive is UTC)."""
    return parse_time(value) if isinstance(value, str) else value


def _limit(value: Any) -> Any:
    """A page's length: out of 1..1000 is brought in, as the log has always taken it."""
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            raise ValueError("an integer is needed") from None
    return max(1, min(value, 1000)) if isinstance(value, int) else value


_MOMENT: dict[str, Any] = {"type": "string", "format": "date-time"}
Since = Annotated[
    datetime,
    BeforeValidator(_moment),
    WithJsonSchema(_MOMENT | {"description": "Accepted at or after this time."}),
]
Until = Annotated[
    datetime,
    BeforeValidator(_moment),
    WithJsonSchema(_MOMENT | {"description": "Accepted before this time."}),
]


class GatewayLogQuery(RequestModel):
    """The message log's filters and page, from the query."""

    # A query's values are text: `since`, `until` and `limit` are read from it here.
    model_config = ConfigDict(strict=False)

    message_id: str | None = None
    correlation_id: str | None = None
    service_id: str | None = None
    sender_id: str | None = None
    request_id: str | None = Field(
        default=None,
        description="The id of the HTTP request that brought the messages in (its"
        " X-Request-Id, the `request_id` of the JSON log's line; a message's `http_request_id`).",
    )
    since: Since | None = None
    until: Until | None = None
    limit: Annotated[
        int,
        BeforeValidator(_limit),
        WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 1000, "default": 200}),
    ] = 200
    after: str | None = Field(
        default=None,
        description="The cursor of the previous page's `next`: the messages before it.",
    )


Base64 = Annotated[
    bytes | None,
    PlainSerializer(lambda raw: base64.b64encode(raw).decode() if raw else None),
    WithJsonSchema({"type": ["string", "null"], "contentEncoding": "base64"}),
]


class GatewayMessageFields(ResponseModel):
    """What the log says of every message."""

    message_id: str
    correlation_id: str | None
    service_id: str
    message_type: str = Field(examples=["REQUEST", "UPDATE", "NOTIFICATION", "RESPONSE"])
    channel: str
    sender_id: str
    state: Literal["ON_DELIVERY", "DELIVERED", "NOT_DELIVERED", "DELIVERY_STOPPED"]
    accepted_at: Time
    delivered_at: Time | None
    next_attempt_at: Time | None
    security: dict[str, Any] = Field(description="The WS-Security check of the envelope.")
    http_request_id: str | None = Field(
        description="The X-Request-Id of the HTTP request that brought the message in (null:"
        " none did, as for the answers the delivery worker sends)."
    )

    @staticmethod
    def fields_of(message: StoredMessage) -> dict[str, Any]:
        """The fields of `message` the log shows."""
        return {
            "message_id": message.message_id,
            "correlation_id": message.correlation_id,
            "service_id": message.service_id,
            "message_type": message.message_type,
            "channel": message.channel,
            "sender_id": message.sender_id,
            "state": message.state,
            "accepted_at": message.accepted_at,
            "delivered_at": message.delivered_at,
            "next_attempt_at": message.next_attempt_at,
            "security": message.security,
            "http_request_id": message.http_request_id,
        }


class GatewayMessage(GatewayMessageFields):
    """A message of the log, with the number of delivery attempts made."""

    attempts: int

    @classmethod
    def of(cls, message: StoredMessage) -> GatewayMessage:
        """`message` as the log lists it."""
        return cls.model_validate(cls.fields_of(message) | {"attempts": message.attempts})


class GatewayLogPage(ResponseModel):
    """A page of the message log, newest first; `next` is the following page's address."""

    messages: list[GatewayMessage]
    next: str | None


class GatewayAttempt(ResponseModel):
    """One delivery attempt: when, how long, how it ended, and the bytes each way."""

    at: Time
    duration_ms: float
    outcome: str
    detail: str | None
    request: Base64
    response: Base64

    @classmethod
    def of(cls, attempt: Attempt) -> GatewayAttempt:
        """`attempt` as the API shows it."""
        return cls(
            at=attempt.at,
            duration_ms=round(attempt.duration_ms, 2),
            outcome=attempt.outcome,
            detail=attempt.detail,
            request=attempt.request,
            response=attempt.response,
        )


class GatewayMessageDetail(GatewayMessageFields):
    """One message with every delivery attempt."""

    attempts: list[GatewayAttempt]

    @classmethod
    def of(cls, message: StoredMessage, attempts: list[Attempt]) -> GatewayMessageDetail:
        """`message` and its attempts as the API shows them."""
        return cls.model_validate(
            cls.fields_of(message) | {"attempts": [GatewayAttempt.of(a) for a in attempts]}
        )
