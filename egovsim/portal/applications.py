"""The portal's requests and the personal cabinet: P3 (the request and its attachments), P4-P6
(the signature and its C2 check, in `applications_signing`), after which the request leaves
through the portal's `Exchange` with the gateway (P7), and what the cabinet shows of it (P9).

Plain Python: the web layer calls it; the gateway reaches the way back through `Portal.exchange`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from egovsim.errors import EgovsimError
from egovsim.portal.applications_signing import RequestSigning, day_of
from egovsim.portal.attachments import AttachmentFiles, check_attachment, clean_file_name
from egovsim.portal.exchange import Exchange, SendRequest
from egovsim.portal.model import Applicant
from egovsim.portal.rules import applicant_category, own_ids, portal_submission
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Regulation
from egovsim.signatures.verifier import Verifier
from egovsim.storage.paging import ListRequest, Page, decode_cursor, encode_cursor
from egovsim.storage.portal import Attachment, PortalApplication, PortalStore, TimelineEntry
from egovsim.storage.portal_cabinet import CabinetStore, Notification, PortalResult
from egovsim.workstation.intake import check_submission

EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


@dataclass(frozen=True, slots=True)
class ApplicationDetail:
    """An application as the cabinet shows it: its record, attachments, timeline and result."""

    application: PortalApplication
    regulation: Regulation
    attachments: list[Attachment]
    timeline: list[TimelineEntry]
    result: PortalResult | None


@dataclass(frozen=True, slots=True)
class ApplicantLimits:
    """What one applicant may keep on the portal at once: open drafts, and the bytes attached
    to them (a signed request is no longer counted)."""

    open_drafts: int = 20
    draft_attachment_bytes: int = 50 * 1024 * 1024


class Portal:
    """What an applicant does on the portal, and what the cabinet shows them."""

    def __init__(
        self,
        store: PortalStore,
        cabinet: CabinetStore,
        regulations: Mapping[str, Regulation],
        calendar: WorkingCalendar,
        verifier: Verifier,
        now: Callable[[], datetime],
        attachments: AttachmentFiles,
        enforce_effective_period: Callable[[], bool],
        send_request: SendRequest,
        limits: ApplicantLimits | None = None,
    ) -> None:
        self._limits = limits or ApplicantLimits()
        self._store = store
        self._cabinet = cabinet
        self._regulations = regulations
        self._calendar = calendar
        self._now = now
        self._files = attachments
        self._enforce_period = enforce_effective_period
        #: P7 and the way back: the hand-off of signed requests and the landing of answers.
        self.exchange = Exchange(store, cabinet, now, send_request, regulations, self._files)
        self._signing = RequestSigning(
            store, regulations, calendar, verifier, now, enforce_effective_period, self.exchange
        )

    # -- P3: the request ----------------------------------------------------------------------

    async def start(
        self,
        applicant: Applicant,
        service_id: str,
        variant: str | None,
        form: Mapping[str, Any],
        category: str | None = None,
        signed_in_at: datetime | None = None,
    ) -> ApplicationDetail:
        """Open a draft request (P3) after every check the regulation makes of it; the form's
        IIN/BIN fields are the applicant's own (filled in when left empty)."""
        regulation = self._regulations.get(service_id)
        if regulation is None:
            raise EgovsimError("SERVICE_NOT_PROVIDED", {"service": service_id})
        drafts = await self._cabinet.drafts(applicant.account_id)
        if drafts >= self._limits.open_drafts:
            raise EgovsimError(
                "DRAFTS_LIMIT_REACHED", {"drafts": drafts, "limit": self._limits.open_drafts}
            )
        with regulation.portal.numbering():
            filled = own_ids(regulation, applicant, form)
            chosen = applicant_category(regulation, applicant, category, filled)
            now = self._now()
            check_submission(
                regulation,
                portal_submission(regulation, applicant, chosen, variant, filled),
                day_of(self._calendar, now),
                self._enforce_period(),
            )
            entries = []
            if signed_in_at is not None:
                who = {
                    "iin": applicant.person_iin,
                    "name": applicant.person_name,
                    "account": applicant.login,
                }
                entries += [
                    TimelineEntry(signed_in_at, "P1", "signed_in", None, who),
                    TimelineEntry(signed_in_at, "C1", "authorized", None, who),
                ]
            entries.append(
                TimelineEntry(
                    now, "P3", "draft_created", None, {"service": regulation.id, "variant": variant}
                )
            )
            application = await self._store.create_application(
                {
                    "account_id": applicant.account_id,
                    "applicant_kind": applicant.kind,
                    "applicant_iin": applicant.iin if applicant.kind == "individual" else None,
                    "applicant_bin": applicant.bin if applicant.kind == "legal_entity" else None,
                    "applicant_name": applicant.name,
                    "person_iin": applicant.person_iin,
                    "person_name": applicant.person_name,
                    "regulation_id": regulation.id,
                    "variant": variant,
                    "category": chosen,
                    "form": filled,
                    "created_at": now,
                },
                entries,
            )
            return await self._detail(application)

    async def attach(
        self,
        applicant: Applicant,
        application_id: int,
        document_id: str,
        filename: str | None,
        content_type: str | None,
        data: bytes,
    ) -> ApplicationDetail:
        """Attach the electronic copy of a document of item 9 (P3), or replace it while the
        request is a draft: PDF, JPEG or PNG by content, at most 10 MiB."""
        application = await self._draft(applicant, application_id)
        regulation = self._regulations[application.regulation_id]
        with regulation.portal.numbering():
            known = [d.id for d in regulation.documents_for(application.variant)]
            if document_id not in known:
                raise EgovsimError(
                    "UNKNOWN_DOCUMENT", {"document": document_id, "documents": known}
                )
            kind = check_attachment(data, content_type)
            kept = await self._store.draft_attachment_bytes(
                applicant.account_id, (application.id, document_id)
            )
            if kept + len(data) > self._limits.draft_attachment_bytes:
                raise EgovsimError(
                    "ATTACHMENTS_QUOTA_EXCEEDED",
                    {
                        "attached": kept,
                        "size": len(data),
                        "limit": self._limits.draft_attachment_bytes,
                    },
                )
            digest = await self._files.save(data)
            now = self._now()
            replaced = any(
                a.document_id == document_id for a in await self._store.attachments(application.id)
            )
            attachment = Attachment(
                document_id,
                clean_file_name(filename, document_id + EXTENSIONS[kind]),
                kind,
                len(data),
                digest,
                now,
            )
            entry = TimelineEntry(
                now,
                "P3",
                "attachment_replaced" if replaced else "attached",
                None,
                {
                    "document": document_id,
                    "file_name": attachment.file_name,
                    "content_type": kind,
                    "declared_type": content_type,
                    "size": len(data),
                    "sha256": digest,
                },
            )
            if not await self._store.save_attachment(application.id, attachment, entry):
                raise EgovsimError("APPLICATION_NOT_DRAFT", {"application": application.id})
            return await self._detail(application)

    async def attachment(
        self, applicant: Applicant, application_id: int, document_id: str
    ) -> tuple[Attachment, bytes]:
        """An attached copy and its bytes."""
        application = await self._owned(applicant, application_id)
        found = next(
            (
                a
                for a in await self._store.attachments(application.id)
                if a.document_id == document_id
            ),
            None,
        )
        if found is None:
            raise EgovsimError("UNKNOWN_DOCUMENT", {"document": document_id})
        return found, await self._files.read(found.sha256)

    # -- P4-P6: the signature and C2 ----------------------------------------------------------

    async def document_to_sign(self, applicant: Applicant, application_id: int) -> bytes:
        """The request e-document to sign: the same bytes until the draft changes (and, once
        signed, the bytes that were signed)."""
        return await self._signing.document(await self._owned(applicant, application_id))

    async def sign(
        self, applicant: Applicant, application_id: int, cms: bytes
    ) -> ApplicationDetail:
        """C2 on the applicant's CMS over the e-document (attached or detached), at the
        simulator's clock. A refusal (P5) is on the timeline and raised with the verifier's full
        report; the draft stays signable. A pass is P6, and the request leaves for the gateway
        (P7)."""
        application, attachments, timeline = await self._draft_to_sign(applicant, application_id)
        sent, entries = await self._signing.sign(applicant, application, attachments, cms)
        # The answer is composed, not read back: the draft as read, and what the signature and
        # the hand-off wrote (a submission's hot path; a test holds it equal to reading it).
        regulation = self._regulations[sent.regulation_id]
        return ApplicationDetail(sent, regulation, attachments, [*timeline, *entries], None)

    # -- the cabinet --------------------------------------------------------------------------

    async def applications(
        self, applicant: Applicant, asked: ListRequest | None = None
    ) -> Page[PortalApplication]:
        """A page of the account's applications, newest first (`asked`: how many, the cursor
        of the previous page, one status)."""
        asked = asked or ListRequest()
        before = int(decode_cursor(asked.after, int)[0]) if asked.after else None
        found = await self._cabinet.applications(
            applicant.account_id, asked.limit + 1, before, asked.status
        )
        shown = found[: asked.limit]
        return Page(shown, encode_cursor(shown[-1].id) if len(found) > asked.limit else None)

    async def application(self, applicant: Applicant, application_id: int) -> ApplicationDetail:
        """One of the account's applications with its timeline (another's is not found)."""
        return await self._detail(await self._owned(applicant, application_id))

    async def notifications(self, applicant: Applicant) -> list[Notification]:
        """The account's notices, newest first."""
        return await self._cabinet.notifications(applicant.account_id)

    async def result(self, applicant: Applicant, application_id: int) -> PortalResult:
        """The signed result of one of the account's applications (P9): the provider's CMS,
        the signed document and the verifier's report with the signer's identity."""
        application = await self._owned(applicant, application_id)
        result = await self._cabinet.result(application.id)
        if result is None:
            regulation = self._regulations[application.regulation_id]
            raise EgovsimError(
                "RESULT_NOT_READY",
                {"status": application.status},
                regulation.portal.show("P9"),
            )
        return result

    async def _owned(self, applicant: Applicant, application_id: int) -> PortalApplication:
        application = await self._store.application(application_id)
        if application is None or application.account_id != applicant.account_id:
            raise EgovsimError("APPLICATION_NOT_FOUND", {"application": application_id})
        return application

    async def _draft(self, applicant: Applicant, application_id: int) -> PortalApplication:
        application = await self._owned(applicant, application_id)
        if application.status != "draft":
            raise EgovsimError(
                "APPLICATION_NOT_DRAFT",
                {"application": application_id, "status": application.status},
            )
        return application

    async def _draft_to_sign(
        self, applicant: Applicant, application_id: int
    ) -> tuple[PortalApplication, list[Attachment], list[TimelineEntry]]:
        """One of the account's drafts, its attachments and its timeline, read in one trip."""
        found = await self._store.to_sign(application_id)
        if found is None or found[0].account_id != applicant.account_id:
            raise EgovsimError("APPLICATION_NOT_FOUND", {"application": application_id})
        application, attachments, timeline = found
        if application.status != "draft":
            raise EgovsimError(
                "APPLICATION_NOT_DRAFT",
                {"application": application_id, "status": application.status},
            )
        return application, attachments, timeline

    async def _detail(self, application: PortalApplication) -> ApplicationDetail:
        found = await self._cabinet.detail(application.id)
        assert found is not None
        return ApplicationDetail(
            found.application,
            self._regulations[found.application.regulation_id],
            found.attachments,
            found.timeline,
            found.result,
        )
