"""The electronic copies of a portal application's documents, as the specialist opens them.

The gateway's REQUEST carries each attachment's metadata (kept in the application's receive entry
of its history); its content stays at the portal until someone opens it from the workstation,
when it is fetched through the gateway and checked against the REQUEST's SHA-256. Each opening
is recorded in the history, and C3 takes a verdict of compliant or non-compliant on an attached
document only from a member who opened it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from egovsim.errors import EgovsimError
from egovsim.storage.records import Transition

#: The history entry of an opening (it moves no step, and the portal is not told).
OPEN_ACTION = "open_document"
#: Verdicts that say something of the content, so need it seen.
SEEN_VERDICTS = frozenset({"compliant", "non_compliant"})

#: (service, the REQUEST's messageId, document, SHA-256) -> the content; a coded refusal when
#: the gateway or the portal does not give it.
FetchAttachment = Callable[[str, str, str, str], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class OpenedAttachment:
    """An attachment's content as served to the member who opened it."""

    document: str
    file_name: str
    content_type: str
    content: bytes


def attachment_refs(transitions: list[Transition]) -> dict[str, Mapping[str, Any]]:
    """The attachments' metadata the REQUEST carried, by document id (none for paper)."""
    received = transitions[0] if transitions and transitions[0].action == "receive" else None
    found = received.details.get("attachments") if received else None
    if not isinstance(found, list):
        return {}
    return {str(a["document"]): a for a in found if isinstance(a, dict) and "document" in a}


def request_id(transitions: list[Transition]) -> str | None:
    """The messageId of the gateway REQUEST the application came in (None at the office)."""
    received = transitions[0] if transitions and transitions[0].action == "receive" else None
    found = received.details.get("message_id") if received else None
    return str(found) if found else None


def opened_by(transitions: list[Transition], login: str) -> set[str]:
    """The documents `login` opened from this application."""
    return {
        str(t.details.get("document"))
        for t in transitions
        if t.action == OPEN_ACTION and t.actor == login
    }


def require_opened(
    transitions: list[Transition], login: str, document_id: str, verdict: str
) -> None:
    """DOCUMENT_NOT_OPENED when `login` gives an attached document a verdict on its content
    without having opened it."""
    if verdict not in SEEN_VERDICTS or document_id not in attachment_refs(transitions):
        return
    if document_id not in opened_by(transitions, login):
        raise EgovsimError("DOCUMENT_NOT_OPENED", {"document": document_id, "verdict": verdict})
