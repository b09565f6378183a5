"""The route of an application inside the provider, step by step, against its deadlines.

An application is a state machine derived from its regulation's route: one step open at a time,
each with its role, start, deadline and, once done, who finished it; every move is appended to the
application's history and never rewritten. Plain Python: the web layer calls it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from egovsim.errors import EgovsimError
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Regulation, Step
from egovsim.signatures.verifier import Expectations, Verifier
from egovsim.storage.applications import ApplicationStore, NewStep, NewTransition, StaleStep
from egovsim.storage.records import (
    DocumentCheck,
    Provider,
    ResultRecord,
    StaffMember,
    Transition,
)
from egovsim.storage.staff import StaffStore
from egovsim.workstation.intake import Submission, check_submission
from egovsim.workstation.providers import PROVIDERS
from egovsim.workstation.results import SigningError, result_document, sign_result
from egovsim.workstation.views import ApplicationView, StepView

VERDICTS = ("compliant", "missing", "non_compliant")
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
    ) -> None:
        self._applications = applications
        self._staff = staff
        self._regulations = regulations
        self._calendar = calendar
        self._now = now
        self._verifier = verifier
        self._certs_dir = certs_dir
        self._enforce_period = enforce_effective_period
        self._key_missing = key_missing
        #: Called after each transition is committed, with the fresh view and the action (the
        #: gateway's answers to the portal hang here); assignable once the gateway exists.
        self.on_change = on_change

    # -- receiving ----------------------------------------------------------------------------

    async def receive(self, clerk: StaffMember, submission: Submission) -> ApplicationView:
        """Take in an application at the provider's office; its first step opens now."""
        provider = await self._provider(clerk)
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
        first = regulation.steps[0]
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
            self._open(regulation, first, 1, now, submission.variant, submission.form),
            NewTransition(
                now,
                actor,
                role,
                "receive",
                None,
                submission.channel,
                {"documents": list(submission.documents), "message_id": message_id},
            ),
        )

    async def note_from_centre(
        self, provider_id: str, number: str | None, kind: str, message_id: str
    ) -> ApplicationView:
        """What the State Corporation told about a paper result: it went back to the
        provider's storage, or the applicant asks for it again (the provider then sends it
        again, through `on_change`); recorded in the application's history."""
        application = next(
            (
                a
                for a in await self._applications.applications_of(provider_id)
                if a.number == number
            ),
            None,
        )
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
        step = self.may_act(member, view, action)
        if action == "check":
            await self._check_documents(member, view, params)
        elif action == "prepare":
            await self._prepare(member, view, step, params)
        elif action == "sign":
            await self._sign(member, view, step)
        else:
            await self._advance(member, view, step, action, params)
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

    async def _advance(
        self,
        member: StaffMember,
        view: ApplicationView,
        step: Step,
        action: str,
        params: Mapping[str, Any],
        *,
        resume_at: str | None = None,
        outcome: str = "done",
        details: dict[str, Any] | None = None,
    ) -> None:
        now = self._now()
        regulation = view.regulation
        current = view.current
        assert current is not None
        details = dict(details or {})
        if action == "assign" and params.get("executor"):
            executor = await self._staff.staff_by_login(str(params["executor"]))
            if (
                executor is None
                or executor.provider_id != member.provider_id
                or executor.role != "executor"
            ):
                raise EgovsimError("STEP_NOT_FOR_ROLE", {"executor": params["executor"]})
            details["executor"] = executor.login
            outcome = f"assigned:{executor.login}"
        if params.get("note"):
            details["note"] = str(params["note"])[:2000]
        order = [s.id for s in regulation.steps]
        position = order.index(resume_at) if resume_at else order.index(step.id) + 1
        following = None
        status = "in_progress"
        if position < len(order):
            following = self._open(
                regulation,
                regulation.steps[position],
                current.record.seq + 1,
                now,
                view.application.variant,
                view.application.form,
            )
        else:
            status = "refused" if view.result and view.result.refusal else "completed"
        try:
            await self._applications.advance(
                view.application.id,
                current.record.seq,
                now,
                member.id,
                outcome,
                following,
                status,
                NewTransition(
                    now, member.login, member.role, action, step.id, "workstation", details
                ),
            )
        except StaleStep:
            raise EgovsimError(
                "ACTION_NOT_EXPECTED", {"reason": "the step was just finished"}
            ) from None

    async def _check_documents(
        self, member: StaffMember, view: ApplicationView, params: Mapping[str, Any]
    ) -> None:
        """C3: a verdict on each document of item 9 (compliant, missing, non_compliant)."""
        marks = params.get("documents")
        if not isinstance(marks, Mapping) or not marks:
            raise EgovsimError("UNKNOWN_DOCUMENT", {"reason": "give a verdict per document"})
        known = {d.id for d in view.regulation.documents_for(view.application.variant)}
        now = self._now()
        checks = []
        for document_id, mark in marks.items():
            verdict, note = (
                (mark, "")
                if isinstance(mark, str)
                else (mark.get("verdict"), str(mark.get("note", "")))
                if isinstance(mark, Mapping)
                else (None, "")
            )
            if document_id not in known:
                raise EgovsimError("UNKNOWN_DOCUMENT", {"document": document_id})
            if verdict not in VERDICTS:
                raise EgovsimError(
                    "UNKNOWN_DOCUMENT",
                    {"document": document_id, "verdict": verdict, "allowed": VERDICTS},
                )
            checks.append(DocumentCheck(document_id, str(verdict), note[:2000], now, member.id))
        await self._applications.save_checks(
            view.application.id,
            checks,
            NewTransition(
                now,
                member.login,
                member.role,
                "check",
                view.current.record.step_id if view.current else None,
                "workstation",
                {"documents": {c.document_id: c.verdict for c in checks}},
            ),
        )

    async def _prepare(
        self, member: StaffMember, view: ApplicationView, step: Step, params: Mapping[str, Any]
    ) -> None:
        """The executor prepares the result, or a reasoned refusal (P8) with its grounds."""
        regulation = view.regulation
        variant = view.application.variant
        refusal = bool(params.get("refusal"))
        grounds = str(params.get("grounds") or "").strip()
        required = [
            d
            for d in regulation.documents_for(variant)
            if "*" in d.required_in or (variant is not None and variant in d.required_in)
        ]
        verdicts = {c.document_id: c.verdict for c in view.checks}
        unchecked = [d.id for d in required if d.id not in verdicts]
        failing = [d.id for d in required if verdicts.get(d.id, "compliant") != "compliant"]
        if refusal:
            if not grounds:
                raise EgovsimError("REFUSAL_NEEDS_GROUNDS")
            kind = regulation.refusal.result
        else:
            if unchecked:
                raise EgovsimError("DOCUMENTS_NOT_CHECKED", {"documents": unchecked})
            if failing:
                raise EgovsimError("DOCUMENTS_INCOMPLETE", {"documents": failing})
            kind = str(params.get("result") or "")
            result = next((r for r in regulation.results if r.id == kind), None)
            if (
                result is None
                or result.refusal
                or (result.variants and variant not in result.variants)
            ):
                raise EgovsimError(
                    "RESULT_KIND_INVALID",
                    {
                        "result": kind,
                        "allowed": [
                            r.id
                            for r in regulation.results
                            if not r.refusal and (not r.variants or variant in r.variants)
                        ],
                    },
                )
        provider = await self._provider(member)
        now = self._now()
        document = result_document(view.application, regulation, provider, kind, grounds, now)
        await self._applications.save_result(
            ResultRecord(view.application.id, kind, refusal, grounds, document, now, member.id)
        )
        # The refreshed view knows the result: the last step then ends in "refused" or not.
        fresh = await self._view(view.application.id)
        await self._advance(
            member,
            fresh,
            step,
            "prepare",
            params,
            resume_at=regulation.refusal.resumes_at if refusal else None,
            outcome="refusal" if refusal else f"result:{kind}",
            details={
                "result": kind,
                "refusal": refusal,
                "grounds": grounds or None,
                "failing_documents": failing,
            },
        )

    async def _sign(self, member: StaffMember, view: ApplicationView, step: Step) -> None:
        """The authorized person signs the result; it leaves only if the verifier passes it."""
        result = view.result
        if result is None:
            raise EgovsimError("ACTION_NOT_EXPECTED", {"reason": "no result has been prepared"})
        now = self._now()
        if self._key_missing():
            raise EgovsimError(
                "SIGNER_HAS_NO_KEY",
                {"reason": f"{member.login}'s key is not at hand (the switch signer-key-missing)"},
            )
        try:
            signature = sign_result(result.document, member, self._certs_dir, now)
        except SigningError as error:
            raise EgovsimError("SIGNER_HAS_NO_KEY", {"reason": str(error)}) from None
        provider = await self._provider(member)
        report = await self._verifier.verify_cms(
            signature, at=now, expect=Expectations(bin=provider.bin, purpose="sign")
        )
        if not report.passed:
            raise EgovsimError("RESULT_SIGNATURE_REFUSED", {"report": report.to_json()})
        await self._applications.save_signature(
            view.application.id, signature, now, member.id, report.to_json()
        )
        await self._advance(
            member,
            view,
            step,
            "sign",
            {},
            details={"signer": report.signer.to_json() if report.signer else None},
        )

    # -- reading ------------------------------------------------------------------------------

    async def inbox(self, member: StaffMember) -> list[ApplicationView]:
        """The member's provider's open applications whose current step is the member's."""
        views = []
        for application in await self._applications.applications_of(member.provider_id):
            if application.status != "in_progress":
                continue
            view = await self._view(application.id)
            current = view.current
            if current is None:
                continue
            step = view.regulation.step(current.record.step_id)
            try:
                self._require_role(member, step, view)
            except EgovsimError:
                continue
            views.append(view)
        views.sort(key=lambda v: v.current.record.deadline if v.current else v.application.id)
        return views

    async def application(self, member: StaffMember, application_id: int) -> ApplicationView:
        """One application of the member's provider (another provider's is not found)."""
        return await self._visible(member, application_id)

    async def all_applications(self, member: StaffMember) -> list[ApplicationView]:
        """Every application of the member's provider, newest first."""
        return [
            await self._view(a.id)
            for a in await self._applications.applications_of(member.provider_id)
        ]

    async def _visible(self, member: StaffMember, application_id: int) -> ApplicationView:
        application = await self._applications.application(application_id)
        if application is None or application.provider_id != member.provider_id:
            raise EgovsimError("APPLICATION_NOT_FOUND", {"application": application_id})
        return await self._view(application_id)

    async def _view(self, application_id: int) -> ApplicationView:
        application = await self._applications.application(application_id)
        assert application is not None
        regulation = self._regulations[application.regulation_id]
        records = await self._applications.steps(application_id)
        transitions = await self._applications.transitions(application_id)
        result = await self._applications.result(application_id)
        now = self._now()
        steps = []
        for record in records:
            step = regulation.step(record.step_id)
            refusal_deadline = None
            if step.id == regulation.refusal.at_step:
                refusal_deadline = self._calendar.deadline(
                    record.started_at, regulation.refusal.duration
                )
            deadline = record.deadline
            if record.outcome == "refusal" and refusal_deadline is not None:
                deadline = refusal_deadline
            end = record.finished_at or now
            steps.append(StepView(record, step.name, end > deadline, refusal_deadline))
        checks = await self._applications.checks(application_id)
        return ApplicationView(application, regulation, steps, transitions, checks, result)

    async def _provider(self, member: StaffMember) -> Provider:
        provider = await self._staff.provider(member.provider_id)
        assert provider is not None, "staff always belong to a seeded provider"
        return provider

    def _open(
        self,
        regulation: Regulation,
        step: Step,
        seq: int,
        now: datetime,
        variant: str | None,
        form: Mapping[str, Any],
    ) -> NewStep:
        """A step opened now; its term counts from now, or from a date of the form where the
        regulation says so (a licence: from the passed exam)."""
        counted_from = now
        field_id = step.start_field(variant)
        if field_id and form.get(field_id):
            day = date.fromisoformat(str(form[field_id]))  # checked at intake
            opening = self._calendar.hours.start
            counted_from = datetime.combine(day, opening, tzinfo=self._calendar.zone)
        deadline = self._calendar.deadline(counted_from, step.term(variant))
        return NewStep(seq, step.id, step.role, step.action, now, deadline)

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
