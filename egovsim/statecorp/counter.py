"""The counter of a State Corporation service centre taking a package (Regulation items 9 and 10).

A package is opened for an applicant identified by IIN, checked against the item 9 checklist of
the service's variant, and ends at the counter in a receipt of acceptance or the Annex 3 refusal
receipt. An accepted package is forwarded to the provider through the gateway within one working
day. Every step has its deadline on the simulator's clock; what comes back is `arrivals`, the
hand-out `handout`, the month's end and a later request `returns`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from egovsim.errors import EgovsimError, refusal
from egovsim.identity import is_valid_iin
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Regulation
from egovsim.regulations.terms import check_term_dates, route_deadline
from egovsim.statecorp.desk import AT_COUNTER, ONE_WORKING_DAY, PackageDesk, Send
from egovsim.statecorp.packages import PackageView, message_id
from egovsim.statecorp.returns import Returns
from egovsim.storage.paging import ListRequest, Page, decode_cursor, encode_cursor
from egovsim.storage.statecorp import Operator, StateCorpStore, StepChange


class Counter(PackageDesk):
    """What the State Corporation's counter clerks do to take a package, each refusal with its
    code, and the centre's packages as they look them up."""

    def __init__(
        self,
        store: StateCorpStore,
        regulations: Mapping[str, Regulation],
        calendar: WorkingCalendar,
        now: Callable[[], datetime],
        send: Send,
        returns: Returns,
        enforce_effective_period: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(store, regulations, calendar, now, send)
        # The lists sweep first, so a result past its month never shows as waiting.
        self._returns = returns
        self._enforce_period = enforce_effective_period

    def services(self) -> list[Regulation]:
        """The services the State Corporation takes packages for."""
        return sorted(
            (r for r in self._regulations.values() if "state_corporation" in r.channels),
            key=lambda r: r.id,
        )

    def checklist(self, regulation_id: str, variant: str | None) -> list[dict[str, Any]]:
        """Item 9's documents for the service and variant: each with whether it is required."""
        regulation = self._regulation(regulation_id)
        self._check_variant(regulation, variant)
        return [
            {
                "document": d.id,
                "name": dict(d.name),
                "required": "*" in d.required_in or (variant or "") in d.required_in,
            }
            for d in regulation.documents_for(variant)
        ]

    async def open_package(
        self,
        operator: Operator,
        regulation_id: str,
        variant: str | None,
        applicant_iin: str,
        applicant_name: str,
        form: Mapping[str, Any],
    ) -> PackageView:
        """An applicant at the counter, identified by IIN; the 20 minutes start now."""
        regulation = self._regulation(regulation_id)
        self._check_effective(regulation)
        self._check_variant(regulation, variant)
        if not is_valid_iin(applicant_iin):
            raise EgovsimError("APPLICANT_ID_INVALID", {"iin": applicant_iin})
        categories = [c for c in regulation.applicants if c.kind == "individual"]
        if not categories:
            raise EgovsimError("APPLICANT_NOT_ELIGIBLE", {"reason": "individuals only"})
        filled = {k: v for k, v in form.items() if v not in (None, "")}
        known = {f.id for f in regulation.form}
        if "iin" in known:
            filled["iin"] = applicant_iin
        if variant is not None:
            choice = next((f for f in regulation.form if f.type == "choice"), None)
            if choice is not None and variant in choice.choices:
                filled[choice.id] = variant
        unknown = sorted(set(filled) - known)
        if unknown:
            raise EgovsimError("FORM_INVALID", {"unknown": unknown})
        now = self._now()
        check_term_dates(regulation, variant, filled, self._local(now))
        package_id = await self._store.open_package(
            {
                "centre_id": operator.centre_id,
                "operator_login": operator.login,
                "regulation_id": regulation.id,
                "variant": variant,
                "category": categories[0].id,
                "applicant_iin": applicant_iin,
                "applicant_name": applicant_name.strip()[:300] or applicant_iin,
                "form": filled,
                "checklist": [
                    {**i, "presented": False} for i in self.checklist(regulation.id, variant)
                ],
                "opened_at": now,
            },
            "accept",
            now + AT_COUNTER,
        )
        return await self._view(package_id)

    async def check(self, operator: Operator, package_id: int, presented: list[str]) -> PackageView:
        """The completeness check: a receipt of acceptance with the day the result will be
        ready, or the Annex 3 refusal receipt listing what is missing."""
        view = await self.package(operator, package_id)
        package = view.package
        self._expect(package, ("at_counter",))
        self._check_effective(view.regulation)
        items = self.checklist(package.regulation_id, package.variant)
        strangers = sorted(set(presented) - {i["document"] for i in items})
        if strangers:
            raise EgovsimError("UNKNOWN_DOCUMENT", {"documents": strangers})
        checklist = [{**i, "presented": i["document"] in presented} for i in items]
        missing = [i["document"] for i in checklist if i["required"] and not i["presented"]]
        now = self._now()
        number = f"{view.centre.number_prefix}-{self._local(now):%Y%m%d}-{package.id:05d}"
        values: dict[str, Any] = {"number": number, "checklist": checklist, "decided_at": now}
        if missing:
            values["status"] = "refused"
            change = StepChange(
                now,
                finish=(
                    (
                        "accept",
                        "refused",
                        operator.login,
                        {"code": refusal("PACKAGE_INCOMPLETE").code, "missing": missing},
                    ),
                ),
            )
        else:
            values["status"] = "accepted"
            values["ready_by"] = self.ready_date(
                view.regulation, package.variant, package.form, now
            )
            change = StepChange(
                now,
                finish=(("accept", "accepted", operator.login, {"number": number}),),
                open=(("forward", self._calendar.deadline(now, ONE_WORKING_DAY)),),
            )
        await self._update(package, ("at_counter",), values, change)
        return await self._view(package.id)

    def ready_date(
        self,
        regulation: Regulation,
        variant: str | None,
        form: Mapping[str, Any],
        accepted: datetime,
    ) -> date:
        """The day the result will be ready: the route's deadline (`route_deadline`) for a
        package forwarded within one working day, its terms counted as the regulation counts
        them (from the acceptance, whose day does not count, or from the passed exam)."""
        arrives = self._calendar.deadline(accepted, ONE_WORKING_DAY)
        moment = route_deadline(
            self._calendar, regulation, variant, form, "state_corporation", accepted, arrives
        )
        return self._local(moment)

    async def forward(self, operator: Operator, package_id: int) -> PackageView:
        """Send an accepted package to the provider as a gateway REQUEST (once: the messageId
        is the package's)."""
        view = await self.package(operator, package_id)
        package = view.package
        self._expect(package, ("accepted",))
        request_id = message_id(package, "request")
        data = {
            "category": package.category,
            "variant": package.variant,
            "applicant": {"iin": package.applicant_iin, "name": package.applicant_name},
            "form": package.form,
            "documents": [i["document"] for i in package.checklist if i["presented"]],
            "state_corporation": {
                "centre": package.centre_id,
                "package": package.number,
                "accepted_at": package.decided_at.isoformat() if package.decided_at else None,
                "ready_by": package.ready_by.isoformat() if package.ready_by else None,
            },
        }
        accepted, detail = await self._send_json(package, "REQUEST", request_id, None, data)
        if not accepted:
            raise EgovsimError("FORWARD_FAILED", {"gateway": detail})
        now = self._now()
        assert package.ready_by is not None
        ready = datetime.combine(package.ready_by, self._calendar.hours.end, self._calendar.zone)
        await self._update(
            package,
            ("accepted",),
            {"status": "forwarded", "request_message_id": request_id},
            StepChange(
                now,
                finish=(("forward", "forwarded", operator.login, {"message_id": request_id}),),
                open=(("provider", ready),),
            ),
        )
        return await self._view(package.id)

    # -- looking packages up ------------------------------------------------------------------

    async def find(self, operator: Operator, query: str) -> list[PackageView]:
        """The centre's packages of an applicant's IIN or of a number (the receipt's or the
        provider's application number), newest first; results past their month are swept
        first."""
        query = query.strip()
        if not query:
            return []
        await self._returns.sweep()
        return await self._views(await self._store.find(operator.centre_id, query))

    async def packages(
        self, operator: Operator, request: ListRequest | None = None
    ) -> Page[PackageView]:
        """A page of the centre's packages, newest first, of one status if asked (results past
        their month are swept first)."""
        request = request or ListRequest()
        await self._returns.sweep()
        before = int(decode_cursor(request.after, int)[0]) if request.after else None
        found = await self._lists.newest(
            operator.centre_id, request.limit + 1, before, request.status
        )
        shown = found[: request.limit]
        cursor = encode_cursor(shown[-1].id) if len(found) > request.limit else None
        return Page(await self._views(shown), cursor)

    def _regulation(self, regulation_id: str) -> Regulation:
        regulation = self._regulations.get(regulation_id)
        if regulation is None:
            raise EgovsimError("SERVICE_NOT_PROVIDED", {"service": regulation_id})
        if "state_corporation" not in regulation.channels:
            raise EgovsimError(
                "CHANNEL_NOT_ALLOWED",
                {"channel": "state_corporation", "allowed": sorted(regulation.channels)},
            )
        return regulation

    def _check_effective(self, regulation: Regulation) -> None:
        """With the effective-period switch on, a service outside its period is refused at the
        counter as on the portal (the repealed Almaty licence gets no receipt)."""
        day = self._local(self._now())
        if self._enforce_period() and not regulation.is_effective(day):
            raise EgovsimError(
                "SERVICE_NOT_EFFECTIVE", {"service": regulation.id, "date": day.isoformat()}
            )

    @staticmethod
    def _check_variant(regulation: Regulation, variant: str | None) -> None:
        variants = {v.id for v in regulation.variants}
        if (variants and variant not in variants) or (not variants and variant is not None):
            raise EgovsimError(
                "UNKNOWN_VARIANT", {"variant": variant, "variants": sorted(variants)}
            )
