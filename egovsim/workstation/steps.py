"""What each action does to an application's open step: moving the route on, the document
check (C3), preparing the result or a reasoned refusal (P8) and signing it (P9).

Every move closes the open step, opens the next one against its deadline and is appended to the
application's history in the same transaction; the caller has already checked who may act.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from egovsim.errors import EgovsimError
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Regulation, Step
from egovsim.regulations.terms import step_deadline
from egovsim.signatures.verifier import Expectations, Verifier
from egovsim.storage.applications import ApplicationStore, NewStep, NewTransition, StaleStep
from egovsim.storage.records import DocumentCheck, Provider, ResultRecord, StaffMember
from egovsim.storage.staff import StaffStore
from egovsim.workstation.attachments import require_opened
from egovsim.workstation.results import (
    SigningError,
    approve_result,
    result_document,
    sign_result,
)
from egovsim.workstation.views import ApplicationView, read_view

VERDICTS = ("compliant", "missing", "non_compliant")


class StepActions:
    """The effect of each workstation action on the open step, with the refusals it can meet."""

    def __init__(
        self,
        applications: ApplicationStore,
        staff: StaffStore,
        regulations: Mapping[str, Regulation],
        calendar: WorkingCalendar,
        now: Callable[[], datetime],
        verifier: Verifier,
        certs_dir: Path,
        key_missing: Callable[[], bool] = lambda: False,
    ) -> None:
        self._applications = applications
        self._staff = staff
        self._regulations = regulations
        self._calendar = calendar
        self._now = now
        self._verifier = verifier
        self._certs_dir = certs_dir
        self._key_missing = key_missing

    async def advance(
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
        """Finish the open step with `outcome` and open the next one (or `resume_at`); past the
        last step the application ends, refused if its result is a refusal."""
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
        # The route of the application's channel: a portal application skips the head's
        # resolution where the regulation says so (the Almaty seed's item 8.2).
        route = regulation.route_for(view.application.channel)
        order = [s.id for s in route]
        position = order.index(resume_at) if resume_at else order.index(step.id) + 1
        following = None
        status = "in_progress"
        if position < len(order):
            following = open_step(
                self._calendar,
                route[position],
                current.record.seq + 1,
                now,
                view.application.variant,
                view.application.form,
                view.submitted_at,
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

    async def check_documents(
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
            _check_verdict(document_id, str(verdict), note, view.application.documents)
            require_opened(view.transitions, member.login, document_id, str(verdict))
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

    async def prepare(
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
        verdicts = {c.document_id: c for c in view.checks}
        unchecked = [d.id for d in required if d.id not in verdicts]
        # No document is compliant until the executor says so; a refusal lists every document
        # of item 9 marked missing or non-compliant, optional ones too.
        failing = [
            d.id
            for d in regulation.documents_for(variant)
            if d.id in verdicts and verdicts[d.id].verdict != "compliant"
        ]
        if refusal:
            if not grounds:
                raise EgovsimError("REFUSAL_NEEDS_GROUNDS")
            if not failing:
                raise EgovsimError(
                    "REFUSAL_DOCUMENTS_COMPLIANT",
                    {"unchecked": unchecked, "checked": sorted(verdicts)},
                )
            grounds = _with_documents(grounds, [verdicts[d] for d in failing])
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
        provider = await provider_of(self._staff, member)
        now = self._now()
        document = result_document(view.application, regulation, provider, kind, grounds, now)
        await self._applications.save_result(
            ResultRecord(view.application.id, kind, refusal, grounds, document, now, member.id)
        )
        # The refreshed view knows the result: the last step then ends in "refused" or not.
        fresh = await read_view(
            self._applications, self._regulations, self._calendar, view.application.id, now
        )
        await self.advance(
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

    async def sign(
        self,
        member: StaffMember,
        view: ApplicationView,
        step: Step,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        """The authorized person signs the result, and with `{"approver": LOGIN}` the head
        approves it with his own signature on the same CMS; it leaves only if the verifier
        passes every signer."""
        result = view.result
        if result is None:
            raise EgovsimError("ACTION_NOT_EXPECTED", {"reason": "no result has been prepared"})
        now = self._now()
        if self._key_missing():
            raise EgovsimError(
                "SIGNER_HAS_NO_KEY",
                {"reason": f"{member.login}'s key is not at hand (the switch signer-key-missing)"},
            )
        approver = await self._approver(member, (params or {}).get("approver"))
        try:
            signature = sign_result(result.document, member, self._certs_dir, now)
            if approver is not None:
                signature = approve_result(signature, approver, self._certs_dir, now)
        except SigningError as error:
            raise EgovsimError("SIGNER_HAS_NO_KEY", {"reason": str(error)}) from None
        provider = await provider_of(self._staff, member)
        report = await self._verifier.verify_cms(
            signature, at=now, expect=Expectations(bin=provider.bin, purpose="sign")
        )
        if not report.passed:
            raise EgovsimError("RESULT_SIGNATURE_REFUSED", {"report": report.to_json()})
        await self._applications.save_signature(
            view.application.id, signature, now, member.id, report.to_json()
        )
        await self.advance(
            member,
            view,
            step,
            "sign",
            {},
            details={
                "signer": report.signer.to_json() if report.signer else None,
                **(
                    {"approver": signer.to_json()}
                    if approver is not None
                    and len(report.signers) > 1
                    and (signer := report.signers[1].verdict.signer) is not None
                    else {}
                ),
            },
        )

    async def _approver(self, member: StaffMember, login: Any) -> StaffMember | None:
        """The head who approves the result beside its signer: of the same provider, and not
        the signer himself (STEP_NOT_FOR_ROLE otherwise)."""
        if login is None or login == "":
            return None
        approver = await self._staff.staff_by_login(login) if isinstance(login, str) else None
        if (
            approver is None
            or approver.provider_id != member.provider_id
            or approver.role != "head"
            or approver.id == member.id
        ):
            raise EgovsimError(
                "STEP_NOT_FOR_ROLE",
                {
                    "approver": login,
                    "expected": ["head"],
                    "reason": "the provider's head approves a result another person signs",
                },
            )
        return approver


def _check_verdict(document_id: str, verdict: str, note: str, attached: list[str]) -> None:
    """A document that was not attached can only be missing; a non-compliant one needs the
    reason the refusal will give."""
    if verdict != "missing" and document_id not in attached:
        raise EgovsimError(
            "VERDICT_INVALID",
            {"document": document_id, "verdict": verdict, "reason": "not attached"},
        )
    if verdict == "non_compliant" and not note.strip():
        raise EgovsimError(
            "VERDICT_INVALID",
            {"document": document_id, "verdict": verdict, "reason": "no reason given"},
        )


def _with_documents(grounds: str, failing: list[DocumentCheck]) -> str:
    """The refusal's grounds with the documents it rests on, each with its verdict and note."""
    listed = "; ".join(
        f"{c.document_id}: {c.verdict}" + (f" ({c.note})" if c.note else "") for c in failing
    )
    return f"{grounds} [{listed}]"


def open_step(
    calendar: WorkingCalendar,
    step: Step,
    seq: int,
    now: datetime,
    variant: str | None,
    form: Mapping[str, Any],
    submitted_at: datetime,
) -> NewStep:
    """A step opened now; its term counts from now, from the submission of the package or from
    a date of the form, where the regulation says so (`egovsim.regulations.terms`)."""
    deadline = step_deadline(calendar, step, variant, form, submitted_at, now)
    return NewStep(seq, step.id, step.role, step.action, now, deadline)


async def provider_of(staff: StaffStore, member: StaffMember) -> Provider:
    """The provider a staff member works for."""
    provider = await staff.provider(member.provider_id)
    assert provider is not None, "staff always belong to a seeded provider"
    return provider
