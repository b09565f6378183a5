"""P4-P6 on the portal: the e-document to sign, the applicant's CMS over it and its C2 check, and
the hand-off of a signed request to the gateway (P7) through the portal's `Exchange`.

A submission's hot path: a load test posts signatures by the thousand, so each one reads the
draft and its attachments in one trip, parses the CMS once, and writes its P4-P7 in one
transaction: the one in which the gateway accepts the request.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import NoReturn

from egovsim.errors import EgovsimError
from egovsim.portal.edocument import request_document
from egovsim.portal.exchange import Exchange
from egovsim.portal.model import Applicant
from egovsim.portal.rules import is_required, portal_submission
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Regulation
from egovsim.signatures.encoding import to_der
from egovsim.signatures.report import Report, Status
from egovsim.signatures.verifier import Expectations, Verifier
from egovsim.storage.gateway_accepting import Withdrawn
from egovsim.storage.portal import Attachment, PortalApplication, PortalStore, TimelineEntry, Work
from egovsim.workstation.intake import check_submission


class RequestSigning:
    """The signature of a draft request: C2 at the simulator's clock, then P6 and P7."""

    def __init__(
        self,
        store: PortalStore,
        regulations: Mapping[str, Regulation],
        calendar: WorkingCalendar,
        verifier: Verifier,
        now: Callable[[], datetime],
        enforce_effective_period: Callable[[], bool],
        exchange: Exchange,
    ) -> None:
        self._store = store
        self._regulations = regulations
        self._calendar = calendar
        self._verifier = verifier
        self._now = now
        self._enforce_period = enforce_effective_period
        self._exchange = exchange

    async def document(self, application: PortalApplication) -> bytes:
        """The request e-document to sign: the same bytes until the draft changes (and, once
        signed, the bytes that were signed)."""
        if application.status != "draft":
            assert application.edocument is not None
            return application.edocument
        edocument, _ = await self._frozen_document(application)
        return edocument

    async def sign(
        self,
        applicant: Applicant,
        application: PortalApplication,
        attachments: list[Attachment],
        cms: bytes,
    ) -> tuple[PortalApplication, list[TimelineEntry]]:
        """C2 on the applicant's CMS over the draft's e-document (attached or detached). A
        refusal (P5) is on the timeline and raised with the verifier's full report; the draft
        stays signable. A pass is P6, and the request leaves for the gateway (P7): the
        application as it is then and the entries it gained, without reading it back."""
        regulation = self._regulations[application.regulation_id]
        with regulation.portal.numbering():
            now = self._now()
            # P3 holds until the request leaves: a window may have closed since the draft began.
            check_submission(
                regulation,
                portal_submission(
                    regulation,
                    applicant,
                    application.category,
                    application.variant,
                    application.form,
                    tuple(a.document_id for a in attachments),
                ),
                day_of(self._calendar, now),
                self._enforce_period(),
            )
            edocument, frozen_at = await self._frozen_document(application, attachments)
            signature = to_der(cms)
            report = await self._c2(application, regulation, signature, edocument, now)
            signed, entries, signing = await self._signed(
                application, (edocument, signature), frozen_at, report, now
            )
            try:
                sent = await self._exchange.send(signed, attachments, signing)
            except Withdrawn:
                raise EgovsimError(
                    "SIGNED_CONTENT_MISMATCH",
                    {**c2_steps(regulation), "reason": "the draft changed while it was signed"},
                ) from None
            if sent.event != "sent":
                raise EgovsimError("REQUEST_NOT_SENT", {"application": application.id})
            at = sent.at
            return replace(signed, status="sent", sent_at=at, updated_at=at), [*entries, sent]

    async def _c2(
        self,
        application: PortalApplication,
        regulation: Regulation,
        signature: bytes,
        edocument: bytes,
        now: datetime,
    ) -> Report:
        """The verifier's passed report on `signature` over `edocument`; a refusal is recorded
        (P5) and raised."""
        # A company's request may carry its head's signature and then a second person's
        # (the chief accountant's): each of the BIN, only the first with the right to sign.
        expect = (
            Expectations(iin=application.applicant_iin, purpose="sign")
            if application.applicant_kind == "individual"
            else Expectations(bin=application.applicant_bin, purpose="sign", cosigners=True)
        )
        report = await self._verifier.verify_cms(
            signature, content=edocument, at=now, expect=expect
        )
        if _other_content_inside(report):
            # An attached CMS over other bytes than the e-document: the portal says so, with
            # the verifier's report on what was signed (a second parse, on this path only).
            report = await self._verifier.verify_cms(signature, at=now, expect=expect)
            await self._refuse(application, regulation, now, "SIGNED_CONTENT_MISMATCH", report)
        if not report.passed:
            assert report.code is not None
            await self._refuse(application, regulation, now, report.code, report)
        return report

    async def _signed(
        self,
        application: PortalApplication,
        signed_pair: tuple[bytes, bytes],
        frozen_at: datetime,
        report: Report,
        now: datetime,
    ) -> tuple[PortalApplication, list[TimelineEntry], Work]:
        """The signed application, its P4, C2 and P6, and the write that keeps them (with the
        e-document and the CMS over it)."""
        edocument, signature = signed_pair
        signer = report.signer.to_json() if report.signer else None
        verification = report.to_json()
        # Every signer of a co-signed request is named where the first is.
        cosigners = (
            {
                "cosigners": [
                    s.verdict.signer.to_json() for s in report.signers[1:] if s.verdict.signer
                ]
            }
            if len(report.signers) > 1
            else {}
        )
        message_id = str(uuid.uuid4())
        entries = [
            TimelineEntry(now, "P4", "certificate_chosen", None, {"signer": signer, **cosigners}),
            TimelineEntry(now, "C2", "signature_confirmed", None, {"report": verification}),
            TimelineEntry(
                now, "P6", "signed", None, {"signer": signer, **cosigners, "message_id": message_id}
            ),
        ]
        # The bodies are serialised and deflated beside the event loop (zlib lets go of the
        # GIL): the loop is what a burst of submissions waits for.
        signing = await asyncio.to_thread(
            self._store.signing,
            application.id,
            frozen_at,
            {
                "edocument": edocument,
                "signature": signature,
                "verification": verification,
                "signed_at": now,
                "message_id": message_id,
            },
            entries,
        )
        return (
            replace(
                application,
                status="signed",
                frozen_at=frozen_at,
                edocument=edocument,
                signature=signature,
                verification=verification,
                signed_at=now,
                message_id=message_id,
                updated_at=now,
            ),
            entries,
            signing,
        )

    async def _refuse(
        self,
        application: PortalApplication,
        regulation: Regulation,
        now: datetime,
        code: str,
        report: Report,
    ) -> NoReturn:
        """Record a refused signature (C2, then the refusal: Almaty's P5, Shymkent's P4) and
        raise it with the full report."""
        shown = {**report.to_json(), "step": regulation.portal.show(report.step)}
        await self._store.record(
            application.id,
            [
                TimelineEntry(now, "C2", "signature_refused", code, {"report": shown}),
                TimelineEntry(now, "P5", "refused", code, {"check_code": report.code}),
            ],
        )
        raise EgovsimError(code, {**c2_steps(regulation), "report": shown})

    async def _frozen_document(
        self, application: PortalApplication, attachments: list[Attachment] | None = None
    ) -> tuple[bytes, datetime]:
        """The e-document to sign and when it was frozen, freezing it now if it was not (a
        draft read as frozen and changed since fails the check of `PortalStore.signing`)."""
        regulation = self._regulations[application.regulation_id]
        if attachments is None:
            attachments = await self._store.attachments(application.id)
        missing = [
            d.id
            for d in regulation.documents_for(application.variant)
            if is_required(d, application.variant)
            and d.id not in {a.document_id for a in attachments}
        ]
        if missing:
            raise EgovsimError("REQUEST_DOCUMENTS_MISSING", {"missing": missing})
        frozen_at = application.frozen_at or await self._store.freeze(application.id, self._now())
        if frozen_at is None:  # signed in the meantime
            raise EgovsimError("APPLICATION_NOT_DRAFT", {"application": application.id})
        return request_document(application, regulation, attachments, frozen_at), frozen_at


def day_of(calendar: WorkingCalendar, moment: datetime) -> date:
    """The calendar day of `moment` where the regulation's calendar is."""
    return moment.astimezone(calendar.zone).date()


def c2_steps(regulation: Regulation) -> dict[str, str | None]:
    """The check and the refusal of a refused signature, as the regulation numbers them."""
    return {"step": regulation.portal.show("C2"), "refusal": regulation.portal.show("P5")}


def _other_content_inside(report: Report) -> bool:
    """Whether the verifier refused the CMS for carrying other bytes inside than the content it
    was given (its "signed-data" check, the one it fails with SIGNATURE_BROKEN only then)."""
    if report.passed or report.code != "SIGNATURE_BROKEN":
        return False
    check = report.check("signed-data")
    return check is not None and check.status is Status.FAILED
