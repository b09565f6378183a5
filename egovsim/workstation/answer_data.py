"""What the provider's workstation answers through the gateway: each message's derived id,
type and data, rebuilt from what is stored (an application's steps, transitions and result)."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Regulation
from egovsim.statecorp.centres import centre_for_region
from egovsim.storage.records import Application, ResultRecord, StepRecord, Transition
from egovsim.workstation.attachments import OPEN_ACTION
from egovsim.workstation.providers import PROVIDERS

#: The namespace of the answers' messageIds (uuid5 of what each answers).
ANSWER_IDS = uuid.UUID("5b0f4f43-51f5-4c1e-9d7e-2f2f4a1f6a10")
#: What the workstation records of the centre's word on a paper result (not answers to the portal).
CENTRE_ACTIONS = frozenset({"returned_to_storage", "send_again"})
#: How long the State Corporation keeps a paper result (Regulation item 10: one month).
KEPT_FOR = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One answer to send: its derived messageId, its type and its data; the correlationId is
    the request answered unless `correlation_id` names another (a REQUEST has none)."""

    message_id: str
    message_type: str
    data: dict[str, Any]
    correlation_id: str | None = None


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
                    result_data(application, result),
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
            result_data(application, result, sent_at=at),
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

    collection_id = _answer_id(request_id, "centre:collection")
    out = [
        Outgoing(
            collection_id,
            "REQUEST",
            {
                **result_data(application, result, sent_at=handed_over.at),
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
                    result_data(application, result, sent_at=transition.at),
                    collection_id,
                )
            )
    return out


def result_data(
    application: Application, result: ResultRecord, sent_at: datetime | None = None
) -> dict[str, Any]:
    """The signed result as an answer carries it; a paper result's also says when it was sent."""
    data: dict[str, Any] = {
        "number": application.number,
        "result_kind": result.kind,
        "refusal": result.refusal,
        "grounds": result.grounds or None,
        "signed_at": result.signed_at.isoformat() if result.signed_at else None,
        "cms": base64.b64encode(result.signature or b"").decode(),
    }
    if sent_at is not None:
        data |= {"sent_at": sent_at.isoformat(), "paper": True}
    return data


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
