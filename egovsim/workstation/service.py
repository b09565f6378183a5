"""The route of an application inside the provider, step by step, against its deadlines.

An application is a state machine derived from its regulation's route: one step open at a time,
each with its role, start, deadline and, once done, who finished it; every move is appended to the
application's history and never rewritten. Plain Python: the web layer calls it. Here: taking
applications in, who may act on the open step, and reading; what each action does to the step
is in `steps`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from egovsim.errors import EgovsimError
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Regulation, Step
from egovsim.signatures.verifier import Verifier
from egovsim.storage.application_lists import ApplicationLists, InboxQuery
from egovsim.storage.applications import ApplicationStore, NewTransition
from egovsim.storage.paging import ListRequest, Page, decode_cursor, encode_cursor
from egovsim.storage.records import Application, Provider, StaffMember, Transition
from egovsim.storage.staff import StaffStore
from egovsim.workstation.attachments import (
    OPEN_ACTION,
    FetchAttachment,
    OpenedAttachment,
    attachment_refs,
    request_id,
)
from egovsim.workstation.intake import Submission, check_submission
from egovsim.workstation.providers import PROVIDERS
from egovsim.workstation.steps import StepActions, open_step, provider_of
from egovsim.workstation.views import ApplicationView, read_view, read_views

#: Told of each committed transition: the application as it is now, and the action done.
ChangeHook = Callable[[ApplicationView, str], Awaitable[None]]


class Workstation:
    """What the provider's staff can do, with the checks of every refusal on the way."""

    def __init__(
        self,
        applications: ApplicationStore,
        staff: StaffStore,
        regulations: Mapping[str, Regulation],
        calendar: WorkingCalendar,
        now: Callable[[], datetime],
        verifier: Verifier,
        certs_dir: Path,
        enforce_effective_period: Callable[[], bool] = lambda: False,
        on_change: ChangeHook | None = None,
        key_missing: Callable[[], bool] = lambda: False,
        *,
        lists: ApplicationLists,
        fetch_attachment: FetchAttachment | None = None,
    ) -> None:
        self._applications = applications
        self._lists = lists
        self._staff = staff
        self._regulations = regulations
        self._calendar = calendar
        self._now = now
        self._enforce_period = enforce_effective_period
        self._steps = StepActions(
            applications, staff, regulations, calendar, now, verifier, certs_dir, key_missing
        )
        #: Called after each transition is committed, with the fresh view and the action (the
        #: gateway's answers to the portal hang here).
        self.on_change = on_change
        #: Fetches a portal attachment's content through the gateway.
        self.fetch_attachment = fetch_attachment

    # -- receiving ----------------------------------------------------------------------------

    async def receive(self, clerk: StaffMember, submission: Submission) -> ApplicationView:
        """Take in an application at the provider's office; its first step opens now."""
        provider = await provider_of(self._staff, clerk)
        if clerk.role != "office":
            raise EgovsimError("STEP_NOT_FOR_ROLE", {"role": clerk.role, "expected": "office"})
        application_id = await self._register(provider, submission, clerk.login, clerk.role)
        return await self._changed(application_id, "receive")

    async def receive_electronic(
        self, provider_id: str, submission: Submission, message_id: str
    ) -> ApplicationView:
        """Take in an application the gateway delivered (P7); registered once per messageId."""
        provider = await self._staff.provider(provider_id)
        if provider is None:
            raise EgovsimError("SERVICE_NOT_PROVIDED", {"provider": provider_id})
        application_id = await self._register(provider, submission, "gateway", None, message_id)
        return await self._changed(application_id, "receive")

    async def _register(
        self,
        provider: Provider,
        submission: Submission,
        actor: str,
        role: str | None,
        message_id: str | None = None,
    ) -> int:
        regulation = self._regulations.get(submission.regulation_id)
        if regulation is None or regulation.id not in provider.services:
            raise EgovsimError("SERVICE_NOT_PROVIDED", {"service": submission.regulation_id})
        now = self._now()
        check_submission(regulation, submission, self._local_day(now), self._enforce_period())
        first = regulation.route_for(submission.channel)[0]
        submitted_at = submission.submitted_at or now
        return await self._applications.create_application(
            {
                "number_prefix": _prefix(provider.id),
                "provider_id": provider.id,
                "regulation_id": regulation.id,
                "variant": submission.variant,
                "channel": submission.channel,
                "category": submission.category,
                "applicant_iin": submission.applicant_iin,
                "applicant_bin": submission.applicant_bin,
                "applicant_name": submission.applicant_name,
                "form": dict(submission.form),
                "documents": list(submission.documents),
                "received_at": now,
                "gateway_message_id": message_id,
            },
            open_step(
                self._calendar, first, 1, now, submission.variant, submission.form, submitted_at
            ),
            NewTransition(
                now,
                actor,
                role,
                "receive",
                None,
                submission.channel,
                {
                    "documents": list(submission.documents),
                    "message_id": message_id,
                    "submitted_at": submitted_at.isoformat(),
                }
                | ({"attachments": list(submission.attachments)} if submission.attachments else {}),
            ),
        )

    async def note_from_centre(
        self, provider_id: str, number: str | None, kind: str, message_id: str
    ) -> ApplicationView:
        """What the State Corporation told about a paper result: it went back to the
        provider's storage, or the applicant asks for it again (the provider then sends it
        again, through `on_change`); recorded in the application's history."""
        application = await self._lists.by_number(provider_id, number) if number else None
        if application is None:
            raise EgovsimError("APPLICATION_NOT_FOUND", {"application": number})
        action = {"returned-to-storage": "returned_to_storage", "send-again": "send_again"}.get(
            kind
        )
        if action is None:
            raise EgovsimError(
                "ACTION_NOT_EXPECTED", {"expected": ["returned-to-storage", "send-again"]}
            )
        await self._applications.log(
            application.id,
            NewTransition(
                self._now(),
                "state_corporation",
                None,
                action,
                None,
                "state_corporation",
                {"message_id": message_id},
            ),
        )
        return await self._changed(application.id, action)

    # -- acting on the open step --------------------------------------------------------------

    def may_act(self, member: StaffMember, view: ApplicationView, action: str) -> Step:
        """The open step, if `member` may do `action` on it now; the refusal otherwise."""
        current = view.current
        if view.application.status != "in_progress" or current is None:
            raise EgovsimError("APPLICATION_CLOSED", {"status": view.application.status})
        step = view.regulation.step(current.record.step_id)
        expected = {step.action} | ({"check"} if step.action == "prepare" else set())
        if action not in expected:
            raise EgovsimError(
                "ACTION_NOT_EXPECTED", {"expected": sorted(expected), "step": step.id}
            )
        self._require_role(member, step, view)
        return step

    async def act(
        self, member: StaffMember, application_id: int, action: str, params: Mapping[str, Any]
    ) -> ApplicationView:
        """Do the open step's action (register, resolve, assign, check, prepare, sign,
        hand_over) as `member`; every refusal has its code."""
        view = await self._visible(member, application_id)
        with view.regulation.portal.numbering():  # C3 and the refusal in the service's ids
            step = self.may_act(member, view, action)
            if action == "check":
                await self._steps.check_documents(member, view, params)
            elif action == "prepare":
                await self._steps.prepare(member, view, step, params)
            elif action == "sign":
                await self._steps.sign(member, view, step, params)
            else:
                await self._steps.advance(member, view, step, action, params)
        return await self._changed(application_id, action)

    async def _changed(self, application_id: int, action: str) -> ApplicationView:
        view = await self._view(application_id)
        if self.on_change is not None:
            await self.on_change(view, action)
        return view

    def _require_role(self, member: StaffMember, step: Step, view: ApplicationView) -> None:
        allowed = {step.role} | ({"signer"} if step.action == "sign" else set())
        if member.role not in allowed:
            raise EgovsimError(
                "STEP_NOT_FOR_ROLE", {"role": member.role, "expected": sorted(allowed)}
            )
        assigned = _assigned_executor(view.transitions)
        if step.role == "executor" and assigned is not None and assigned != member.login:
            raise EgovsimError("STEP_NOT_FOR_ROLE", {"assigned_to": assigned})

    async def open_attachment(
        self, member: StaffMember, application_id: int, document_id: str
    ) -> OpenedAttachment:
        """The content of an attached document, fetched from the portal and checked against the
        REQUEST's digest; the opening goes into the history (C3 asks for it)."""
        view = await self._visible(member, application_id)
        ref = attachment_refs(view.transitions).get(document_id)
        asked = request_id(view.transitions)
        if ref is None or asked is None or self.fetch_attachment is None:
            raise EgovsimError(
                "NOT_FOUND", {"document": document_id, "reason": "no electronic copy to open"}
            )
        sha256 = str(ref["sha256"])
        with view.regulation.portal.numbering():
            content = await self.fetch_attachment(
                view.application.regulation_id, asked, document_id, sha256
            )
        if hashlib.sha256(content).hexdigest() != sha256:
            raise EgovsimError(
                "NOT_FOUND", {"document": document_id, "reason": "the content is not the one sent"}
            )
        current = view.current
        await self._applications.log(
            application_id,
            NewTransition(
                self._now(),
                member.login,
                member.role,
                OPEN_ACTION,
                current.record.step_id if current else None,
                "workstation",
                {"document": document_id, "sha256": sha256},
            ),
        )
        return OpenedAttachment(
            document_id, str(ref["file_name"]), str(ref["content_type"]), content
        )

    # -- reading ------------------------------------------------------------------------------

    async def inbox(
        self, member: StaffMember, request: ListRequest | None = None, history: bool = True
    ) -> Page[ApplicationView]:
        """A page of the member's provider's open applications whose current step is the
        member's, nearest deadline first: one indexed query, and four for what it shows (one
        without `history`: the open step alone)."""
        request = request or ListRequest()
        after = None
        if request.after is not None:
            after = decode_cursor(request.after, str, int)
        now = self._now()
        query = InboxQuery(
            member.provider_id,
            member.role,
            member.login,
            request.limit + 1,
            (str(after[0]), int(after[1])) if after else None,
            request.step,
            now.astimezone(UTC).isoformat() if request.overdue else None,
        )
        found = await self._lists.inbox(query)
        shown = found[: request.limit]
        cursor = None
        if len(found) > request.limit and shown[-1].current_deadline is not None:
            cursor = encode_cursor(shown[-1].current_deadline, shown[-1].id)
        return Page(await self._views(shown, now, history), cursor)

    async def all_applications(
        self, member: StaffMember, request: ListRequest | None = None, history: bool = True
    ) -> Page[ApplicationView]:
        """A page of every application of the member's provider (of one status), newest
        first (without `history`: the open step alone)."""
        request = request or ListRequest()
        before = int(decode_cursor(request.after, int)[0]) if request.after else None
        found = await self._lists.newest(
            member.provider_id, request.limit + 1, before, request.status
        )
        shown = found[: request.limit]
        cursor = encode_cursor(shown[-1].id) if len(found) > request.limit else None
        return Page(await self._views(shown, self._now(), history), cursor)

    async def _views(
        self, found: list[Application], now: datetime, history: bool = True
    ) -> list[ApplicationView]:
        return await read_views(self._lists, self._regulations, self._calendar, found, now, history)

    async def application(self, member: StaffMember, application_id: int) -> ApplicationView:
        """One application of the member's provider (another provider's is not found)."""
        return await self._visible(member, application_id)

    async def _visible(self, member: StaffMember, application_id: int) -> ApplicationView:
        application = await self._applications.application(application_id)
        if application is None or application.provider_id != member.provider_id:
            raise EgovsimError("APPLICATION_NOT_FOUND", {"application": application_id})
        return await self._view(application_id)

    async def _view(self, application_id: int) -> ApplicationView:
        return await read_view(
            self._applications, self._regulations, self._calendar, application_id, self._now()
        )

    def _local_day(self, moment: datetime) -> date:
        zone: ZoneInfo = self._calendar.zone
        return moment.astimezone(zone).date()


def _assigned_executor(transitions: list[Transition]) -> str | None:
    for transition in reversed(transitions):
        if transition.action == "assign" and transition.details.get("executor"):
            return str(transition.details["executor"])
    return None


def _prefix(provider_id: str) -> str:
    return next((p.number_prefix for p in PROVIDERS if p.id == provider_id), provider_id[:3])
