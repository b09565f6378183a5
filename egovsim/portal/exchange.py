"""The portal's exchange with the gateway: P7 hands the signed request over (again after a
crash or a refusal of the gateway), and the way back lands the provider's answers and the
request's delivery state on its application, each once and in order.

It reaches the gateway only through the `send_request` callable it is given; the gateway's
portal receiver and delivery notifier call `land_answer` and `request_delivered`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import weakref
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime
from typing import Any

from egovsim.portal.attachments import AttachmentFiles
from egovsim.portal.timeline import (
    NotLanded,
    ProviderAnswer,
    delivery_landing,
    notification_landing,
    response_landing,
    update_landing,
)
from egovsim.storage.gateway_accepting import Alongside, Withdrawn
from egovsim.storage.portal import Attachment, PortalApplication, PortalStore, TimelineEntry, Work
from egovsim.storage.portal_cabinet import CabinetStore

log = logging.getLogger("egovsim.portal")

#: Hands a signed REQUEST to the gateway: (messageId, serviceId, data, alongside) -> (accepted,
#: what the gateway said), the portal's own writes committed with the acceptance (`Alongside`).
#: The same messageId with the same data may be sent again: it is applied once.
SendRequest = Callable[[str, str, str, Alongside | None], Awaitable[tuple[bool, str]]]


class Exchange:
    """The portal's requests on their way to the provider, and the answers on their way back."""

    def __init__(
        self,
        store: PortalStore,
        cabinet: CabinetStore,
        now: Callable[[], datetime],
        send_request: SendRequest,
        services: Collection[str] = (),
        files: AttachmentFiles | None = None,
    ) -> None:
        self._services = frozenset(services)
        self._files = files
        self._store = store
        self._cabinet = cabinet
        self._now = now
        self._send_request = send_request
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    # -- P7: through the gateway --------------------------------------------------------------

    async def send(
        self,
        application: PortalApplication,
        attachments: list[Attachment],
        signing: Work | None = None,
    ) -> TimelineEntry:
        """Hand the signed request to the gateway; its P7 entry, "sent" once the gateway has
        taken it, "not_sent" when not (the request is sent again later). `signing` is
        the write that keeps the signature (P6) when it is not kept yet: it commits in the
        transaction that accepts the request, with P7 (`Withdrawn` when it found the draft
        changed: nothing is kept, nothing sent)."""
        assert application.message_id is not None
        # Answers to the request wait until "sent" is recorded, so the timeline keeps its order
        # even when the gateway delivers before this call returns.
        async with self._request_lock(application.message_id):
            return await self._hand_over(application, attachments, signing)

    async def _hand_over(
        self,
        application: PortalApplication,
        attachments: list[Attachment],
        signing: Work | None,
    ) -> TimelineEntry:
        assert application.message_id is not None
        assert application.edocument is not None
        assert application.signature is not None
        message_id = application.message_id
        data = json.dumps(_request_payload(application, attachments), ensure_ascii=False)
        now = self._now()
        # P6 and P7 go in with the gateway's acceptance: one write transaction for the whole
        # submission, and no moment where the request is signed but not yet taken.
        sent = _sent(now, message_id)
        alongside = Alongside(signing or _going_on, self._store.sending(application.id, now, sent))
        try:
            accepted, detail = await self._send_request(
                message_id, application.regulation_id, data, alongside
            )
        except Withdrawn:
            raise
        except Exception as error:  # the gateway's own failure: the request is sent again later
            log.exception("sending %s failed", application.number)
            accepted, detail = False, f"{type(error).__name__}: {error}"
        if alongside.accepted:
            return sent
        # Not taken (or taken without the portal's writes): whatever of P6 did not go in with
        # the gateway goes in now, with what became of P7.
        now = self._now()
        if accepted:
            entry = _sent(now, message_id, detail)
            rest = self._store.sending(application.id, now, entry)
        else:
            details = {"message_id": message_id, "detail": detail}
            entry = TimelineEntry(now, "P7", "not_sent", None, details)
            rest = self._store.recording(application.id, [entry])
        works = [rest] if signing is None or alongside.committed else [signing, rest]
        if not await self._store.commit(*works):
            raise Withdrawn()
        return entry

    async def send_pending(self) -> int:
        """Send again every signed request the gateway has not taken (after a crash between
        the signature and the hand-off, or a refusal of the gateway); how many it took."""
        taken = 0
        for application in await self._store.with_status("signed"):
            attachments = await self._store.attachments(application.id)
            taken += (await self.send(application, attachments)).event == "sent"
        return taken

    async def awaiting_delivery(self) -> list[str]:
        """The messageIds of the requests the gateway took and has not settled for the portal
        yet (delivered or not)."""
        return await self._store.message_ids_with_status("sent")

    # -- the way back -------------------------------------------------------------------------

    async def land_answer(self, answer: ProviderAnswer) -> str:
        """Land a provider's answer to a portal request (UPDATE, NOTIFICATION, RESPONSE) on its
        application, once per messageId; what became of it, in words."""
        async with self._request_lock(answer.correlation_id):
            return await self._land(answer)

    async def _land(self, answer: ProviderAnswer) -> str:
        application = await self._store.by_message_id(answer.correlation_id)
        if application is None:
            return f"no portal application awaits {answer.correlation_id}"
        now = self._now()
        if answer.message_type == "UPDATE":
            landing = update_landing(answer, now)
        elif answer.message_type == "NOTIFICATION":
            landing = notification_landing(answer, now)
        elif answer.message_type == "RESPONSE":
            landing = response_landing(answer, application.id, now)
        else:
            return f"{answer.message_type} is not an answer"
        if await self._cabinet.land(application, landing):
            return f"{answer.message_type} landed on {application.number}"
        return f"{answer.message_type} had landed on {application.number} before"

    async def land_office_result(self, answer: ProviderAnswer) -> str:
        """Land the signed result of an application registered at the provider's office in the
        cabinet of the account that is its applicant (the IIN, or a legal entity's BIN, the
        signed document names): a cabinet entry with the registration and the result, once per
        messageId. NotLanded when the document names no known service or applicant, or the
        applicant has no account on the portal."""
        document = _signed_json(answer.document)
        applicant = document.get("applicant")
        service = document.get("service")
        service_id = service.get("id") if isinstance(service, dict) else None
        if not isinstance(applicant, dict) or service_id not in self._services:
            raise NotLanded(
                "the signed result must be an egovsim.result.v1 document naming a service of "
                "the portal and its applicant"
            )
        iin, bin_ = _number(applicant.get("iin")), _number(applicant.get("bin"))
        login = bin_ or iin
        if login is None:
            raise NotLanded("the signed result names no applicant IIN or BIN")
        data = answer.payload or {}
        registered = _moment(data.get("registered_at")) or answer.accepted_at
        number = _number(document.get("application"))
        entry = TimelineEntry(
            registered,
            "P7",
            "registered",
            None,
            {"number": number, "channel": "provider_office", "message_id": answer.message_id},
        )
        async with self._request_lock(answer.message_id):
            application = await self._cabinet.open_for_office_result(
                login,
                {
                    "message_id": answer.message_id,
                    "at": self._now(),
                    "applicant_iin": iin,
                    "applicant_bin": bin_,
                    "applicant_name": str(applicant.get("name") or login),
                    "regulation_id": service_id,
                    "variant": _number(document.get("variant")),
                    "category": "",
                    "provider_number": number,
                },
                (entry,),
            )
            if application is None:
                raise NotLanded(
                    f"the applicant {login} has no account on the portal: the result is given "
                    "at the provider's office only"
                )
            landing = response_landing(answer, application.id, self._now())
            await self._cabinet.land(application, landing)
        return f"the result of {number} landed in the cabinet as {application.number}"

    async def attachment_content(
        self, request_id: str, document_id: str, sha256: str
    ) -> bytes | None:
        """The content of an attachment of the request sent as `request_id`, when it has that
        document with that digest (what the provider opens from its workstation)."""
        application = await self._store.by_message_id(request_id)
        if application is None or self._files is None:
            return None
        for attachment in await self._store.attachments(application.id):
            if attachment.document_id == document_id and attachment.sha256 == sha256:
                try:
                    return await self._files.read(sha256)
                except OSError:
                    log.exception("the attachment %s of %s is gone", sha256, application.number)
                    return None
        return None

    async def request_delivered(self, message_id: str, state: str, detail: str) -> None:
        """The gateway's final state of a portal request: delivered, or not (P7)."""
        async with self._request_lock(message_id):
            application = await self._store.by_message_id(message_id)
            if application is not None:
                landing = delivery_landing(message_id, state, detail, self._now())
                await self._cabinet.land(application, landing)

    def _request_lock(self, message_id: str) -> asyncio.Lock:
        """One lock per request in flight (dropped once nobody holds or awaits it)."""
        lock = self._locks.get(message_id)
        if lock is None:
            lock = self._locks[message_id] = asyncio.Lock()
        return lock


def _sent(at: datetime, message_id: str, detail: str | None = None) -> TimelineEntry:
    """P7: the gateway took the request (`detail`: what it said; by default the words it says
    when it takes one)."""
    if detail is None:
        detail = f"accepted as {message_id}"
    return TimelineEntry(at, "P7", "sent", None, {"message_id": message_id, "detail": detail})


def _going_on(connection: Any) -> bool:
    """Nothing of the portal's to write before the acceptance (a request signed earlier)."""
    return True


def _signed_json(document: bytes | None) -> dict[str, Any]:
    """The signed document as a JSON object ({} when it is not one)."""
    try:
        value = json.loads(document or b"")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _moment(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _request_payload(
    application: PortalApplication, attachments: list[Attachment]
) -> dict[str, Any]:
    """The REQUEST's data: the application as the workstation reads it, with the signed
    e-document, the CMS and the attachments' metadata."""
    assert application.edocument is not None
    assert application.signature is not None
    return {
        "category": application.category,
        "variant": application.variant,
        "applicant": {
            "name": application.applicant_name,
            "iin": application.applicant_iin,
            "bin": application.applicant_bin,
        },
        "person": {"iin": application.person_iin, "name": application.person_name},
        "form": application.form,
        "documents": [a.document_id for a in attachments],
        "attachments": [
            {
                "document": a.document_id,
                "file_name": a.file_name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in attachments
        ],
        "portal_number": application.number,
        "edocument": base64.b64encode(application.edocument).decode(),
        "signature": base64.b64encode(application.signature).decode(),
    }
