"""The provider's side answering the portal through the gateway, and sending in-process.

The workstation calls `ProviderAnswers.on_change` after each transition it has committed. For an
application that came from the portal through the gateway, every transition becomes an UPDATE,
the signed result a RESPONSE, and a paper result's hand-over a NOTIFICATION of where and when
to collect it, each sent as the regional workstation's sender with the portal REQUEST's
messageId as correlationId, through `Gateway.handle`, exactly as if it came over HTTP. Where that
notice names a State Corporation centre, the paper result itself goes there too: a REQUEST to
the centre at the hand-over (the centre holds it for collection), and a RESPONSE to that REQUEST
each time the centre asks for it again after storage.

No answer is lost if the process stops between the workstation's commit and the gateway's:
each answer's messageId is derived from what it answers (the request and the transition) and
its data only from what is stored, so it can be rebuilt at any time. Each call sends every
answer of the application the gateway does not hold yet; every transition counts, in its own
transaction, one answer owed by its application, and `catch_up()` (in the background after the
start, and when the gateway is switched on again) answers only the applications still owing;
the gateway applies a messageId once.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from egovsim.gateway import soap
from egovsim.gateway.office_results import cabinet_result, send_to_cabinet
from egovsim.gateway.seed import PORTAL_SENDER
from egovsim.gateway.service import Answer
from egovsim.gateway.wssecurity import sign_envelope
from egovsim.pki.keystore import Keystore
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Regulation
from egovsim.statecorp.centres import STATECORP_SENDER, centre_for_region
from egovsim.storage.application_lists import ApplicationLists
from egovsim.storage.gateway import GatewayStore
from egovsim.storage.records import Application, ResultRecord, StepRecord, Transition
from egovsim.workstation.attachments import OPEN_ACTION
from egovsim.workstation.providers import PROVIDERS
from egovsim.workstation.views import ApplicationView

log = logging.getLogger("egovsim.gateway")

#: The namespace of the answers' messageIds (uuid5 of what each answers).
ANSWER_IDS = uuid.UUID("5b0f4f43-51f5-4c1e-9d7e-2f2f4a1f6a10")
#: What the workstation records of the centre's word on a paper result (not answers to the portal).
CENTRE_ACTIONS = frozenset({"returned_to_storage", "send_again"})
#: How long the State Corporation keeps a paper result (Regulation item 10: one month).
KEPT_FOR = timedelta(days=30)
#: How many owing applications the catch-up reads at a time.
CATCH_UP_PAGE = 200


class Handle(Protocol):
    """`Gateway.handle`: a SOAP request's bytes in, the answer out."""

    def __call__(
        self, channel: str, envelope: bytes, /, *, signed_by: x509.Certificate | None = None
    ) -> Awaitable[Answer]: ...


# -- sending in-process ---------------------------------------------------------------------------


def send_message_envelope(
    *,
    message_id: str,
    correlation_id: str | None,
    service_id: str,
    message_type: str,
    message_date: datetime,
    sender_id: str,
    password: str,
    data: str,
    route_id: str | None = None,
) -> bytes:
    """An AsyncChannel `sendMessage` request of the v10 contract, its data as text."""
    outer, request = soap.wrapper(soap.ASYNC_TYPES, "sendMessage", "request")
    info = etree.SubElement(request, "messageInfo")
    etree.SubElement(info, "messageId").text = message_id
    if correlation_id:
        etree.SubElement(info, "correlationId").text = correlation_id
    etree.SubElement(info, "serviceId").text = service_id
    etree.SubElement(info, "messageType").text = message_type
    if route_id:
        etree.SubElement(info, "routeId").text = route_id
    etree.SubElement(info, "messageDate").text = message_date.isoformat()
    sender = etree.SubElement(info, "sender")
    etree.SubElement(sender, "senderId").text = sender_id
    etree.SubElement(sender, "password").text = password
    holder = etree.SubElement(request, "messageData")
    etree.SubElement(holder, "data").text = data
    return soap.serialize(soap.envelope(outer))


class GatewaySender:
    """A sender of the gateway that sends from inside the process, through `Gateway.handle`."""

    def __init__(
        self,
        handle: Handle,
        sender_id: str,
        password: str,
        now: Callable[[], datetime],
        keystore: Keystore | None = None,
    ) -> None:
        self._handle = handle
        self.sender_id = sender_id
        self._password = password
        self._now = now
        #: The key its envelopes are WS-Security signed with (None: sent unsigned).
        self._keystore = keystore

    async def send(
        self,
        service_id: str,
        message_type: str,
        message_id: str,
        correlation_id: str | None,
        data: str,
        route_id: str | None = None,
    ) -> tuple[bool, str]:
        """(accepted, what the gateway said): "accepted as …", or the fault's code and words."""
        envelope = send_message_envelope(
            message_id=message_id,
            correlation_id=correlation_id,
            service_id=service_id,
            message_type=message_type,
            message_date=self._now(),
            sender_id=self.sender_id,
            password=self._password,
            data=data,
            route_id=route_id,
        )
        certificate = None
        if self._keystore is not None:
            key, certificate = self._keystore.key, self._keystore.certificate
            # The gateway does not verify again what was signed here a moment ago
            # (`signed_by`); the log keeps the envelope as it was signed. An RSA key signs
            # beside the event loop (it releases the GIL); an ECDSA one, a tenth of the cost,
            # in place, as a thread would cost more than the signature.
            if isinstance(key, ec.EllipticCurvePrivateKey):
                envelope = sign_envelope(envelope, key, certificate, created=self._now())
            else:
                envelope = await asyncio.to_thread(
                    sign_envelope, envelope, key, certificate, created=self._now()
                )
        answer = await self._handle("async", envelope, signed_by=certificate)
        if answer.status == 200:
            return True, f"accepted as {message_id}"
        root = etree.fromstring(answer.body)
        code = next((e.text for e in root.iter("errorCode")), None) or "?"
        words = next((e.text for e in root.iter("errorData")), None) or next(
            (e.text for e in root.iter("errorMessage")), ""
        )
        return False, f"{code}: {words}"

    async def send_request(self, message_id: str, service_id: str, data: str) -> tuple[bool, str]:
        """A REQUEST (the portal's `send_request`)."""
        return await self.send(service_id, "REQUEST", message_id, None, data)


# -- the workstation's answers ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One answer to send: its derived messageId, its type and its data; the correlationId is
    the request answered unless `correlation_id` names another (a REQUEST has none)."""

    message_id: str
    message_type: str
    data: dict[str, Any]
    correlation_id: str | None = None


class ProviderAnswers:
    """Answers the portal's requests from the workstation's transitions."""

    def __init__(
        self,
        lists: ApplicationLists,
        gateway: GatewayStore,
        sender: GatewaySender,
        regulations: Mapping[str, Regulation],
        calendar: WorkingCalendar,
    ) -> None:
        self._lists = lists
        self._gateway = gateway
        self._sender = sender
        self._regulations = regulations
        self._calendar = calendar

    async def on_change(self, view: ApplicationView, action: str) -> None:
        """The workstation's hook: answer what changed (never raises: the transition is
        committed already, and what fails here is sent by the next call or `catch_up`)."""
        try:
            owed = await self._lists.owed_count(view.application.id)
            _, complete = await self._answer(
                view.application,
                view.regulation,
                [s.record for s in view.steps],
                view.transitions,
                view.result,
            )
            if complete and owed:
                await self._lists.answered(view.application.id, owed)
        except Exception:
            log.exception("answering %s after %s failed", view.application.number, action)

    async def catch_up(self) -> int:
        """Send the answers the gateway does not hold of every application still owing some
        (after a stop between a transition and its answer, or while the gateway was down),
        a page at a time; how many were sent."""
        sent = 0
        after = 0
        while page := await self._lists.owing_answers(after, CATCH_UP_PAGE):
            details = await self._lists.details([a.id for a, _ in page])
            for application, owed in page:
                done, complete = await self._answer(
                    application,
                    self._regulations[application.regulation_id],
                    details.steps.get(application.id, []),
                    details.transitions.get(application.id, []),
                    details.results.get(application.id),
                )
                sent += done
                if complete:
                    await self._lists.answered(application.id, owed)
            after = page[-1][0].id
        return sent

    async def _answer(
        self,
        application: Application,
        regulation: Regulation,
        steps: list[StepRecord],
        transitions: list[Transition],
        result: ResultRecord | None,
    ) -> tuple[int, bool]:
        """How many answers were sent, and whether the gateway holds all it should now."""
        request_id = _request_id(transitions)
        if request_id is None:
            for_cabinet = cabinet_result(application, regulation, result)
            if for_cabinet is None:
                return 0, True
            sent = await send_to_cabinet(self._gateway, self._sender.send, for_cabinet)
            # Owed until the gateway holds it (a refusal while it is down is caught up later).
            return sent, await self._gateway.message(for_cabinet.message_id) is not None
        asked = await self._gateway.message(request_id)
        if asked is None:
            return 0, True
        if application.channel == "portal" and asked.sender_id == PORTAL_SENDER:
            outgoings = [
                o
                for o in answers_for(
                    application, regulation, steps, transitions, result, request_id, self._calendar
                )
                if o.data.get("action") not in CENTRE_ACTIONS  # the centre's business, not P9's
            ]
            outgoings += collection_for_centre(
                application, regulation, transitions, result, request_id
            )
        elif application.channel == "state_corporation" and asked.sender_id == STATECORP_SENDER:
            outgoings = centre_answers_for(
                application, regulation, steps, transitions, result, request_id, self._calendar
            )
        else:
            return 0, True  # each asker is answered on its own channel only
        sent = 0
        for outgoing in outgoings:
            if await self._gateway.message(outgoing.message_id) is not None:
                continue
            accepted, detail = await self._sender.send(
                application.regulation_id,
                outgoing.message_type,
                outgoing.message_id,
                None
                if outgoing.message_type == "REQUEST"
                else outgoing.correlation_id or request_id,
                json.dumps(outgoing.data, ensure_ascii=False, sort_keys=True),
            )
            if not accepted:
                # Later answers wait, so the portal never sees them out of order.
                log.warning("the gateway refused an answer of %s: %s", application.number, detail)
                return sent, False
            sent += 1
        return sent, True


def _request_id(transitions: list[Transition]) -> str | None:
    """The portal REQUEST's messageId, as the workstation recorded it at registration."""
    first = transitions[0] if transitions else None
    if first is None or first.action != "receive":
        return None
    found = first.details.get("message_id")
    return str(found) if found else None


def answers_for(
    application: Application,
    regulation: Regulation,
    steps: list[StepRecord],
    transitions: list[Transition],
    result: ResultRecord | None,
    request_id: str,
    calendar: WorkingCalendar,
) -> list[Outgoing]:
    """Every answer an application's history calls for, in order: an UPDATE per transition,
    the RESPONSE once the result is signed, the collection notice of a paper result."""
    by_step = {s.step_id: s for s in steps}
    by_seq = {s.seq: s for s in steps}

    def step_json(record: StepRecord | None) -> dict[str, Any] | None:
        if record is None:
            return None
        return {
            "id": record.step_id,
            "name": dict(regulation.step(record.step_id).name),
            "role": record.role,
            "started_at": record.started_at.isoformat(),
            "deadline": record.deadline.isoformat(),
        }

    out: list[Outgoing] = []
    for transition in transitions:
        if transition.action == OPEN_ACTION:
            continue  # a document opened at the workstation is no news for the applicant
        done = by_step.get(transition.step_id) if transition.step_id else None
        if transition.action == "receive":
            current = by_seq.get(1)
        elif transition.action == "check":
            current = done
        else:
            current = by_seq.get(done.seq + 1) if done is not None else None
        ended = current is None
        refused = bool(result and result.refusal)
        data: dict[str, Any] = {
            "number": application.number,
            "action": transition.action,
            "at": transition.at.isoformat(),
            "status": ("refused" if refused else "completed") if ended else "in_progress",
            "step": step_json(done),
            "current": step_json(current),
        }
        if transition.action == "prepare":
            for key in ("result", "refusal", "grounds", "failing_documents"):
                data["result_kind" if key == "result" else key] = transition.details.get(key)
        if transition.action == "check":
            data["documents"] = transition.details.get("documents")
        out.append(Outgoing(_answer_id(request_id, f"update:{transition.id}"), "UPDATE", data))
        if transition.action == "sign" and result is not None and result.signature:
            out.append(
                Outgoing(
                    _answer_id(request_id, "response"),
                    "RESPONSE",
                    {
                        "number": application.number,
                        "result_kind": result.kind,
                        "refusal": result.refusal,
                        "grounds": result.grounds or None,
                        "signed_at": result.signed_at.isoformat() if result.signed_at else None,
                        "cms": base64.b64encode(result.signature).decode(),
                    },
                )
            )
        if transition.action == "hand_over" and "electronic" not in regulation.result_forms:
            out.append(
                Outgoing(
                    _answer_id(request_id, "notification:collect"),
                    "NOTIFICATION",
                    collection_notice(application, regulation, transition.at, result, calendar),
                )
            )
    return out


def centre_answers_for(
    application: Application,
    regulation: Regulation,
    steps: list[StepRecord],
    transitions: list[Transition],
    result: ResultRecord | None,
    request_id: str,
    calendar: WorkingCalendar,
) -> list[Outgoing]:
    """The answers to a package the State Corporation forwarded: an UPDATE per transition,
    the signed result as a RESPONSE when the office sends the paper to the State Corporation
    (the route's last step), and again each time the centre asks for it after storage."""
    out = [
        o
        for o in answers_for(
            application, regulation, steps, transitions, result, request_id, calendar
        )
        if o.message_type == "UPDATE"
    ]
    if result is None or result.signature is None:
        return out

    def response(what: str, at: datetime) -> Outgoing:
        return Outgoing(
            _answer_id(request_id, what),
            "RESPONSE",
            {
                "number": application.number,
                "result_kind": result.kind,
                "refusal": result.refusal,
                "grounds": result.grounds or None,
                "signed_at": result.signed_at.isoformat() if result.signed_at else None,
                "sent_at": at.isoformat(),
                "paper": True,
                "cms": base64.b64encode(result.signature or b"").decode(),
            },
        )

    for transition in transitions:
        if transition.action == "hand_over":
            out.append(response("response", transition.at))
        elif transition.action == "send_again":
            out.append(response(f"send-again:{transition.id}", transition.at))
    return out


def collection_for_centre(
    application: Application,
    regulation: Regulation,
    transitions: list[Transition],
    result: ResultRecord | None,
    request_id: str,
) -> list[Outgoing]:
    """A portal application's paper result on its way to the State Corporation centre its
    collection notice names: a REQUEST at the hand-over (the centre opens a package of the kind
    "collection"), and a RESPONSE to that REQUEST each time the centre asks for it again."""
    if "electronic" in regulation.result_forms or "state_corporation" not in regulation.channels:
        return []
    region = next((p.region for p in PROVIDERS if p.id == application.provider_id), "")
    centre = centre_for_region(region)
    if centre is None or result is None or result.signature is None:
        return []
    handed_over = next((t for t in transitions if t.action == "hand_over"), None)
    if handed_over is None:
        return []

    def paper(at: datetime) -> dict[str, Any]:
        return {
            "number": application.number,
            "result_kind": result.kind,
            "refusal": result.refusal,
            "grounds": result.grounds or None,
            "signed_at": result.signed_at.isoformat() if result.signed_at else None,
            "sent_at": at.isoformat(),
            "paper": True,
            "cms": base64.b64encode(result.signature or b"").decode(),
        }

    collection_id = _answer_id(request_id, "centre:collection")
    out = [
        Outgoing(
            collection_id,
            "REQUEST",
            {
                **paper(handed_over.at),
                "category": application.category,
                "variant": application.variant,
                "applicant": {"iin": application.applicant_iin, "name": application.applicant_name},
                "collection": {"centre": centre.id, "portal_request": request_id},
            },
        )
    ]
    for transition in transitions:
        if transition.action == "send_again":
            out.append(
                Outgoing(
                    _answer_id(request_id, f"centre:send-again:{transition.id}"),
                    "RESPONSE",
                    paper(transition.at),
                    collection_id,
                )
            )
    return out


def _answer_id(request_id: str, what: str) -> str:
    return str(uuid.uuid5(ANSWER_IDS, f"{request_id}:{what}"))


def collection_notice(
    application: Application,
    regulation: Regulation,
    handed_over: datetime,
    result: ResultRecord | None,
    calendar: WorkingCalendar,
) -> dict[str, Any]:
    """Where and from when a paper result can be collected (P9): the State Corporation where
    the service goes through it, otherwise the provider, from the next working day, for a
    month."""
    local = handed_over.astimezone(calendar.zone)
    next_day = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=calendar.zone)
    ready = calendar.next_working_moment(next_day)
    until = ready + KEPT_FOR
    region = next((p.region for p in PROVIDERS if p.id == application.provider_id), "")
    centre = centre_for_region(region) if "state_corporation" in regulation.channels else None
    if centre is not None:
        place = {
            language: f"{centre.name[language]}, {centre.address[language]} "
            f"({centre.hours[language]})"
            for language in ("kk", "ru", "en")
        }
    elif "state_corporation" in regulation.channels:
        place = {
            "kk": f"«Азаматтарға арналған үкімет» мемлекеттік корпорациясының {region} "
            "қаласы бойынша филиалы",
            "ru": f"филиал Государственной корпорации «Правительство для граждан» по городу "
            f"{region}",
            "en": f'the {region} branch of the State Corporation "Government for Citizens"',
        }
    else:
        place = {language: regulation.provider[language] for language in ("kk", "ru", "en")}
    day = ready.strftime("%d.%m.%Y")
    number = application.number
    return {
        "kind": "collect",
        "number": number,
        "result_kind": result.kind if result else None,
        "refusal": bool(result and result.refusal),
        "place": place,
        "centre": centre.id if centre is not None else None,
        "from": ready.isoformat(),
        "until": until.isoformat(),
        "text": {
            "kk": f"{number} өтініші бойынша нәтижені {day} бастап алуға болады: {place['kk']}. "
            "Жеке басын куәландыратын құжатты немесе нотариат куәландырған сенімхатты алып "
            "келіңіз; нәтиже бір ай сақталады.",
            "ru": f"Результат по заявлению {number} можно получить с {day}: {place['ru']}. "
            "При себе иметь документ, удостоверяющий личность, или нотариально удостоверенную "
            "доверенность; результат хранится один месяц.",
            "en": f"The result of application {number} can be collected from {day} at "
            f"{place['en']}. Bring an identity document or a notarized power of attorney; the "
            "result is kept for one month.",
        },
    }
