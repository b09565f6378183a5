"""The hand-out of a paper result at the counter (Regulation item 10): within 20 minutes, on the
applicant's identity document or a representative's notarized power of attorney, recorded as
presented; a portal applicant's cabinet is told through the gateway."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from egovsim.errors import EgovsimError
from egovsim.identity import is_valid_iin
from egovsim.statecorp.centres import centre
from egovsim.statecorp.desk import AT_COUNTER, PackageDesk
from egovsim.statecorp.notices import handed_out_notice
from egovsim.statecorp.packages import PackageView, message_id
from egovsim.storage.statecorp import Operator, Package, StepChange

log = logging.getLogger("egovsim.statecorp")

HANDOUT_DOCUMENTS = ("identity-document", "power-of-attorney")


def handout_record(package: Package, params: Mapping[str, Any]) -> dict[str, Any]:
    """The hand-out's document as recorded: the applicant's identity document, or a
    representative's notarized power of attorney."""

    def text(key: str) -> str:
        value = params.get(key)
        return value.strip()[:200] if isinstance(value, str) else ""

    document = text("document")
    if document not in HANDOUT_DOCUMENTS:
        raise EgovsimError(
            "HANDOUT_DOCUMENT_INVALID", {"document": document, "allowed": list(HANDOUT_DOCUMENTS)}
        )
    number = text("document_number")
    if not number:
        raise EgovsimError("HANDOUT_DOCUMENT_INVALID", {"missing": "document_number"})
    if document == "identity-document":
        holder = text("holder_iin") or package.applicant_iin
        if holder != package.applicant_iin:
            raise EgovsimError(
                "HANDOUT_DOCUMENT_INVALID",
                {"reason": "not the applicant's identity document: bring a power of attorney"},
            )
        return {"document": document, "document_number": number, "holder_iin": holder}
    representative = params.get("representative")
    if not isinstance(representative, Mapping):
        raise EgovsimError("HANDOUT_DOCUMENT_INVALID", {"missing": "representative"})
    name = str(representative.get("name") or "").strip()[:300]
    iin = str(representative.get("iin") or "").strip()
    if params.get("notarized") is not True:
        raise EgovsimError(
            "HANDOUT_DOCUMENT_INVALID", {"reason": "the power of attorney must be notarized"}
        )
    if not name or not is_valid_iin(iin):
        raise EgovsimError(
            "HANDOUT_DOCUMENT_INVALID", {"representative": {"name": name, "iin": iin}}
        )
    return {
        "document": document,
        "document_number": number,
        "notarized": True,
        "representative": {"name": name, "iin": iin},
        "notary": text("notary") or None,
    }


class HandOut(PackageDesk):
    """The counter clerk handing a waiting result out, each refusal with its code."""

    async def serve(self, operator: Operator, package_id: int) -> PackageView:
        """The applicant (or a representative) is at the counter for the result: 20 minutes."""
        view = await self.package(operator, package_id)
        if view.package.status != "at_centre":
            raise EgovsimError("RESULT_NOT_AT_CENTRE", {"status": view.package.status})
        open_step = view.step("hand_out")
        if open_step is None or open_step.record.finished_at is not None:
            now = self._now()
            await self._update(
                view.package,
                ("at_centre",),
                {},
                StepChange(now, open=(("hand_out", now + AT_COUNTER),)),
            )
        return await self._view(package_id)

    async def hand_out(
        self, operator: Operator, package_id: int, params: Mapping[str, Any]
    ) -> PackageView:
        """Hand the result out on an identity document or a notarized power of attorney, which
        is recorded; HANDOUT_DOCUMENT_INVALID otherwise."""
        view = await self.serve(operator, package_id)
        package = view.package
        record = handout_record(package, params)
        now = self._now()
        record["at"] = now.isoformat()
        record["operator"] = operator.login
        await self._update(
            package,
            ("at_centre",),
            {"status": "handed_out", "handout": record},
            StepChange(
                now,
                finish=(
                    ("hand_out", "handed_out", operator.login, record),
                    ("storage", "handed_out", operator.login, {}),
                ),
            ),
        )
        if package.kind == "collection":
            await self._tell_portal(package, record, now)
        return await self._view(package_id)

    async def _tell_portal(self, package: Package, record: Mapping[str, Any], at: datetime) -> None:
        """The portal's cabinet learns the hand-out: a NOTIFICATION answering its request (the
        hand-out stands whatever the gateway says; its messageId is fixed, so sending it again
        is harmless)."""
        if package.portal_request_id is None:
            return
        notice = handed_out_notice(
            package.provider_number or package.number or "",
            centre(package.centre_id),
            at.astimezone(self._calendar.zone),
            record,
        )
        try:
            sent, detail = await self._send_json(
                package,
                "NOTIFICATION",
                message_id(package, "handed-out"),
                package.portal_request_id,
                notice,
            )
        except Exception:
            log.exception("telling the portal of the hand-out of %s failed", package.number)
            return
        if not sent:
            log.warning("the gateway did not take the hand-out of %s: %s", package.number, detail)
