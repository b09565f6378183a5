"""The application's timeline in the seeds' step ids, and how the provider's answers that come
back through the gateway (UPDATE, NOTIFICATION, RESPONSE) and the gateway's delivery states of
the request become entries, statuses, notices and the result (pure functions).

The provider's route maps onto the portal sequence by what each action serves: registering the
e-document is P7 (`receive`, `register`); the review and the check of the documents against item 9
are C3 (`resolve`, `assign`, `check`, `prepare`); a prepared reasoned refusal is P8; signing and
handing over the result lead to P9, which the result reaching the cabinet completes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from egovsim.storage.portal import TimelineEntry
from egovsim.storage.portal_cabinet import Landing, NewNotification, PortalResult

#: The portal step each of the provider's route actions serves.
ACTION_STEPS: dict[str, str] = {
    "receive": "P7",
    "register": "P7",
    "resolve": "C3",
    "assign": "C3",
    "check": "C3",
    "prepare": "C3",
    "sign": "P9",
    "hand_over": "P9",
}

#: The State Corporation's word that the paper result was handed out at its centre.
HANDED_OUT = "handed-out"
#: The notices of a paper result (P9): where to collect it, and that it was collected.
PAPER_RESULT_NOTICES = frozenset({"collect", HANDED_OUT})

RESULT_READY = {
    "kk": "Өтінішіңіз бойынша уәкілетті тұлғаның ЭЦҚ-сымен қол қойылған нәтиже жеке кабинетке "
    "түсті.",
    "ru": "Результат по вашему заявлению, подписанный ЭЦП уполномоченного лица, поступил в "
    "личный кабинет.",
    "en": "The result of your application, signed with the authorized person's EDS, is in your "
    "personal cabinet.",
}
REFUSAL_READY = {
    "kk": "Өтінішіңіз бойынша уәкілетті тұлғаның ЭЦҚ-сымен қол қойылған дәлелді бас тарту жеке "
    "кабинетке түсті.",
    "ru": "Мотивированный отказ по вашему заявлению, подписанный ЭЦП уполномоченного лица, "
    "поступил в личный кабинет.",
    "en": "A reasoned refusal of your application, signed with the authorized person's EDS, is "
    "in your personal cabinet.",
}
NOT_DELIVERED = {
    "kk": "Сұрау көрсетілетін қызметті берушіге жеткізілмеді.",
    "ru": "Запрос не доставлен услугодателю.",
    "en": "The request did not reach the provider.",
}


class NotLanded(Exception):
    """The portal cannot take a provider's message (the words say why); it stays undelivered."""


@dataclass(frozen=True, slots=True)
class ProviderAnswer:
    """An answer to a portal request as the gateway hands it over: an UPDATE, a NOTIFICATION,
    or a RESPONSE whose CMS the gateway's receiver has verified."""

    message_id: str
    correlation_id: str
    message_type: str
    accepted_at: datetime
    payload: dict[str, Any] | None  # the data, when it is a JSON object
    text: str  # the data as text
    cms: bytes | None = None
    document: bytes | None = None  # the signed content
    verification: dict[str, Any] | None = None  # the verifier's report on the CMS


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def _texts(value: Any) -> dict[str, str] | None:
    """A kk/ru/en text as an answer carries it (a plain string counts for every language)."""
    if isinstance(value, str):
        return {"kk": value, "ru": value, "en": value}
    if isinstance(value, dict):
        texts = {k: str(v) for k, v in value.items() if k in ("kk", "ru", "en")}
        return texts or None
    return None


def update_landing(answer: ProviderAnswer, at: datetime) -> Landing:
    """An UPDATE: the provider's route moved (or a status in words, from a system that sends
    no JSON); the application is in progress at the provider."""
    data = answer.payload or {}
    action = _text(data.get("action"))
    refusal = bool(data.get("refusal"))
    step = ACTION_STEPS.get(action or "", "C3")
    if action == "prepare" and refusal:
        step = "P8"
    route_step = data.get("step") if isinstance(data.get("step"), dict) else None
    current = data.get("current") if isinstance(data.get("current"), dict) else None
    status = _text(data.get("status")) or answer.text[:200] or "in_progress"
    details: dict[str, Any] = {
        "message_id": answer.message_id,
        "number": _text(data.get("number")),
        "action": action,
        "route_step": route_step,
        "current": current,
        "status": status,
        "at": _text(data.get("at")),
    }
    for key in ("result_kind", "refusal", "grounds", "failing_documents", "documents"):
        if key in data:
            details[key] = data[key]
    event = "registered" if action == "receive" else "provider_step" if action else "update"
    return Landing(
        answer.message_id,
        "UPDATE",
        at,
        (TimelineEntry(at, step, event, None, details),),
        status="in_progress",
        provider_number=_text(data.get("number")),
        provider_status=status,
    )


def notification_landing(answer: ProviderAnswer, at: datetime) -> Landing:
    """A NOTIFICATION: a notice in the cabinet (for a paper result, where and when to collect
    it, and, from the State Corporation, when it was handed out: P9)."""
    data = answer.payload or {}
    kind = _text(data.get("kind")) or "notice"
    text = _texts(data.get("text")) or _texts(answer.text) or {"kk": "", "ru": "", "en": ""}
    details = {k: v for k, v in data.items() if k not in ("kind", "text")}
    details["message_id"] = answer.message_id
    step = "P9" if kind in PAPER_RESULT_NOTICES else "C3"
    event = "handed_out" if kind == HANDED_OUT else "notification"
    return Landing(
        answer.message_id,
        "NOTIFICATION",
        at,
        (TimelineEntry(at, step, event, None, details),),
        notification=NewNotification(at, kind, text, details),
    )


def response_landing(answer: ProviderAnswer, application_id: int, at: datetime) -> Landing:
    """A RESPONSE: the signed result (or reasoned refusal, P8) lands in the cabinet (P9)."""
    assert answer.cms is not None
    assert answer.document is not None
    data = answer.payload or {}
    refusal = bool(data.get("refusal"))
    kind = _text(data.get("result_kind")) or ("reasoned-refusal" if refusal else "result")
    grounds = _text(data.get("grounds"))
    number = _text(data.get("number"))
    verification = answer.verification or {}
    details = {
        "message_id": answer.message_id,
        "result_kind": kind,
        "refusal": refusal,
        "grounds": grounds,
        "number": number,
        "signer": verification.get("signer"),
        "indication": verification.get("indication"),
    }
    entries = []
    if refusal:
        entries.append(TimelineEntry(at, "P8", "refused", None, {"grounds": grounds}))
    entries.append(TimelineEntry(at, "P9", "result", None, details))
    return Landing(
        answer.message_id,
        "RESPONSE",
        at,
        tuple(entries),
        status="refused" if refusal else "completed",
        provider_number=number,
        provider_status="refused" if refusal else "completed",
        notification=NewNotification(
            at, "result", REFUSAL_READY if refusal else RESULT_READY, details
        ),
        result=PortalResult(
            application_id,
            answer.message_id,
            kind,
            refusal,
            grounds,
            number,
            answer.cms,
            answer.document,
            verification,
            at,
        ),
    )


def delivery_landing(message_id: str, state: str, detail: str, at: datetime) -> Landing:
    """The gateway's final word on the request (P7): delivered, or refused by the provider's
    system, or given up after the last attempt."""
    details = {"message_id": message_id, "state": state, "detail": detail[:2000]}
    if state == "DELIVERED":
        entry = TimelineEntry(at, "P7", "delivered", None, details)
        return Landing(f"{message_id}#{state}", "STATE", at, (entry,), status="delivered")
    # The workstation's refusal starts with its code ("OUTSIDE_ACCEPTANCE_WINDOW: ...").
    match = re.match(r"([A-Z][A-Z_]+):", detail)
    entry = TimelineEntry(at, "P7", "not_delivered", match.group(1) if match else None, details)
    return Landing(
        f"{message_id}#{state}",
        "STATE",
        at,
        (entry,),
        status="not_delivered",
        notification=NewNotification(at, "not_delivered", NOT_DELIVERED, details),
    )
