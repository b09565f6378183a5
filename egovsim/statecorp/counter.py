"""The counter of a State Corporation service centre (Regulation items 9 and 10).

A package is opened for an applicant identified by IIN, checked against the item 9 checklist of
the service's variant, and ends at the counter in a receipt of acceptance or the Annex 3 refusal
receipt. An accepted package is forwarded to the provider through the gateway within one working
day; the paper result comes back, waits a month for its applicant, is handed out on an identity
document or a notarized power of attorney, or goes back to the provider's storage, from where a
later request brings it again. Every step has its deadline on the simulator's clock.

A portal application's paper result takes the same path from its arrival on: the provider sends
it to the centre at its hand-over, where it becomes a package of the kind "collection" (no
acceptance, no forwarding), and the portal is told through the gateway when it was handed out.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from egovsim.errors import EgovsimError, refusal
from egovsim.identity import is_valid_iin
from egovsim.passwords import check_password, hash_password
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Duration, Regulation
from egovsim.statecorp.centres import CENTRES, centre
from egovsim.statecorp.handout import handout_record
from egovsim.statecorp.notices import handed_out_notice
from egovsim.statecorp.packages import (
    PackageView,
    StepView,
    kept_until_after,
    message_id,
    result_record,
)
from egovsim.storage.statecorp import (
    Operator,
    Package,
    StateCorpStore,
    StepChange,
)

log = logging.getLogger("egovsim.statecorp")

#: Regulation items 9 and 10: a receipt, and a hand-out, within 20 minutes at the counter.
AT_COUNTER = timedelta(minutes=20)
ONE_WORKING_DAY = Duration(1, "working_days")
#: Sends through the gateway: (service, message type, messageId, correlationId, data) →
#: (accepted, what the gateway said); `GatewaySender.send`.
Send = Callable[[str, str, str, str | None, str], Awaitable[tuple[bool, str]]]


def seed_operators(password: str) -> list[Operator]:
    """The seeded centres' operators, their password hashed once (they share it)."""
    hashed = hash_password(password)
    return [
        Operator(0, spec.id, o.login, hashed, o.name, o.iin)
        for spec in CENTRES
        for o in spec.operators
    ]


class Counter:
    """What the State Corporation's counter clerks do, each refusal with its code."""

    def __init__(
        self,
        store: StateCorpStore,
        regulations: Mapping[str, Regulation],
        calendar: WorkingCalendar,
        now: Callable[[], datetime],
        send: Send,
    ) -> None:
        self._store = store
        self._regulations = regulations
        self._calendar = calendar
        self._now = now
        self._send = send

    @property
    def store(self) -> StateCorpStore:
        """The operators, sessions and packages (the web layer keeps sessions there)."""
        return self._store

    async def seed(self, password: str) -> None:
        """The seeded operators that do not exist yet."""
        logins = [o.login for spec in CENTRES for o in spec.operators]
        if all([await self._store.operator_by_login(login) for login in logins]):
            return
        for operator in seed_operators(password):
            await self._store.save_operator(operator)

    async def sign_in(self, login: str, password: str) -> Operator:
        """The operator of a login and password; OPERATOR_LOGIN_FAILED otherwise."""
        operator = await self._store.operator_by_login(login)
        # The password is checked even for an unknown login, so timing does not tell them apart.
        stored = operator.password_hash if operator else "scrypt$16384$8$1$AAAA$AAAA"
        matches = await asyncio.get_running_loop().run_in_executor(
            None, check_password, password, stored
        )
        if operator is None or not matches:
            raise EgovsimError("OPERATOR_LOGIN_FAILED")
        return operator

    # -- the counter --------------------------------------------------------------------------

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
            values["ready_by"] = self.ready_date(view.regulation, package.variant, now)
            change = StepChange(
                now,
                finish=(("accept", "accepted", operator.login, {"number": number}),),
                open=(("forward", self._calendar.deadline(now, ONE_WORKING_DAY)),),
            )
        await self._update(package, ("at_counter",), values, change)
        return await self._view(package.id)

    def ready_date(self, regulation: Regulation, variant: str | None, accepted: datetime) -> date:
        """The day the result will be ready: forwarding within one working day, then each step
        of the provider's route in its term for the variant, on working time; the day of
        acceptance does not count (Regulation item 10)."""
        moment = self._calendar.deadline(accepted, ONE_WORKING_DAY)
        for step in regulation.steps:
            moment = self._calendar.deadline(moment, step.term(variant))
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
        accepted, detail = await self._send(
            package.regulation_id,
            "REQUEST",
            request_id,
            None,
            json.dumps(data, ensure_ascii=False, sort_keys=True),
        )
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

    # -- what the provider sends back ---------------------------------------------------------

    async def provider_update(self, request_id: str, data: Mapping[str, Any]) -> str:
        """An UPDATE of the provider on a forwarded package: its number there is kept."""
        package = await self._store.package_by_request(request_id)
        if package is None:
            return f"no package was forwarded as {request_id}"
        number = data.get("number")
        if isinstance(number, str) and package.provider_number != number:
            await self._store.update(
                package.id, (package.status,), {"provider_number": number}, StepChange(self._now())
            )
        return f"package {package.number}: the provider's step {data.get('action')}"

    async def result_arrived(
        self, request_id: str, data: Mapping[str, Any], verification: Mapping[str, Any]
    ) -> str:
        """The paper result reached the centre: it waits for its applicant one month (to the
        next working moment when that day is off)."""
        package = await self._store.package_by_request(request_id)
        if package is None:
            return f"no package was forwarded as {request_id}"
        if package.status not in ("forwarded", "requested_again"):
            return f"package {package.number} holds its result already ({package.status})"
        now = self._now()
        kept_until = kept_until_after(now, self._calendar)
        waited_for = "provider" if package.status == "forwarded" else "request_again"
        result = result_record(data, verification)
        values: dict[str, Any] = {
            "status": "at_centre",
            "result": result,
            "arrived_at": now,
            "kept_until": kept_until,
        }
        if isinstance(data.get("number"), str):
            values["provider_number"] = data["number"]
        await self._update(
            package,
            (package.status,),
            values,
            StepChange(
                now,
                finish=((waited_for, "arrived", "gateway", {"result": result["kind"]}),),
                open=(("storage", kept_until),),
            ),
        )
        return f"package {package.number}: the result is at the centre until {kept_until:%Y-%m-%d}"

    async def collection_arrived(
        self,
        arrival_id: str,
        service_id: str,
        data: Mapping[str, Any],
        verification: Mapping[str, Any],
    ) -> str:
        """A portal application's paper result the provider sent to the centre its applicant
        was told of: a package of the kind "collection", waiting one month from now like any
        result (once per messageId, `arrival_id`); COLLECTION_INVALID when it names no known centre,
        service or applicant."""
        found = await self._store.package_by_request(arrival_id)
        if found is not None:
            return f"package {found.number} holds this result already"
        collection = data.get("collection")
        applicant = data.get("applicant")
        if not isinstance(collection, Mapping) or not isinstance(applicant, Mapping):
            raise EgovsimError("COLLECTION_INVALID", {"missing": "collection, applicant"})
        spec = next((c for c in CENTRES if c.id == collection.get("centre")), None)
        regulation = self._regulations.get(service_id)
        iin = str(applicant.get("iin") or "")
        portal_request = collection.get("portal_request")
        number = data.get("number")
        if (
            spec is None
            or regulation is None
            or "state_corporation" not in regulation.channels
            or not is_valid_iin(iin)
            or not isinstance(portal_request, str)
            or not isinstance(number, str)
        ):
            raise EgovsimError(
                "COLLECTION_INVALID",
                {"centre": collection.get("centre"), "service": service_id, "iin": iin},
            )
        now = self._now()
        kept_until = kept_until_after(now, self._calendar)
        result = result_record(data, verification)
        variant = data.get("variant")
        category = data.get("category")
        day = f"{self._local(now):%Y%m%d}"
        package_id = await self._store.open_collection(
            {
                "centre_id": spec.id,
                "operator_login": "gateway",
                "regulation_id": regulation.id,
                "variant": variant if isinstance(variant, str) else None,
                "category": category if isinstance(category, str) else "",
                "applicant_iin": iin,
                "applicant_name": str(applicant.get("name") or iin).strip()[:300],
                "form": {},
                "request_message_id": arrival_id,
                "portal_request_id": portal_request,
                "provider_number": number,
                "result": result,
                "arrived_at": now,
                "kept_until": kept_until,
            },
            lambda new_id: f"{spec.number_prefix}-{day}-{new_id:05d}",
            ("arrival", "arrived", {"result": result["kind"], "number": number}),
            kept_until,
        )
        if package_id is None:
            return "this result had arrived before"
        package = await self._store.package(package_id)
        assert package is not None
        return f"package {package.number}: the result is at the centre until {kept_until:%Y-%m-%d}"

    # -- the hand-out -------------------------------------------------------------------------

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
            sent, detail = await self._send(
                package.regulation_id,
                "NOTIFICATION",
                message_id(package, "handed-out"),
                package.portal_request_id,
                json.dumps(notice, ensure_ascii=False, sort_keys=True),
            )
        except Exception:
            log.exception("telling the portal of the hand-out of %s failed", package.number)
            return
        if not sent:
            log.warning("the gateway did not take the hand-out of %s: %s", package.number, detail)

    # -- storage, and the later request -------------------------------------------------------

    async def sweep(self) -> list[PackageView]:
        """Results uncollected after their month go back to the provider's storage (the
        provider is told through the gateway); the packages returned."""
        now = self._now()
        returned = []
        for spec in CENTRES:
            for package in await self._store.packages(spec.id, "at_centre"):
                if package.kept_until is None or now < package.kept_until:
                    continue
                sent, detail = await self._tell_provider(package, "returned-to-storage", now)
                moved = await self._store.update(
                    package.id,
                    ("at_centre",),
                    {"status": "returned"},
                    StepChange(
                        now,
                        finish=(
                            (
                                "storage",
                                "returned_to_provider",
                                "sweep",
                                {"gateway": detail, "sent": sent},
                            ),
                            ("hand_out", "not_collected", "sweep", {}),
                        ),
                    ),
                )
                if moved:
                    returned.append(await self._view(package.id))
        return returned

    async def request_again(self, operator: Operator, package_id: int) -> PackageView:
        """The applicant came after the month: the provider is asked to send the result again,
        which it must do within one working day."""
        view = await self.package(operator, package_id)
        package = view.package
        self._expect(package, ("returned",))
        now = self._now()
        sent, detail = await self._tell_provider(package, "send-again", now)
        if not sent:
            raise EgovsimError("FORWARD_FAILED", {"gateway": detail})
        await self._update(
            package,
            ("returned",),
            {"status": "requested_again"},
            StepChange(
                now, open=(("request_again", self._calendar.deadline(now, ONE_WORKING_DAY)),)
            ),
        )
        return await self._view(package_id)

    async def _tell_provider(self, package: Package, kind: str, now: datetime) -> tuple[bool, str]:
        assert package.request_message_id is not None
        data = {"kind": kind, "number": package.provider_number, "package": package.number}
        return await self._send(
            package.regulation_id,
            "NOTIFICATION",
            message_id(package, f"{kind}:{now.isoformat()}"),
            package.request_message_id,
            json.dumps(data, ensure_ascii=False, sort_keys=True),
        )

    # -- reading ------------------------------------------------------------------------------

    async def package(self, operator: Operator, package_id: int) -> PackageView:
        """A package of the operator's centre (another centre's is not found)."""
        package = await self._store.package(package_id)
        if package is None or package.centre_id != operator.centre_id:
            raise EgovsimError("PACKAGE_NOT_FOUND", {"package": package_id})
        return await self._view(package_id)

    async def find(self, operator: Operator, query: str) -> list[PackageView]:
        """The centre's packages of an applicant's IIN or of a number (the receipt's or the
        provider's application number), newest first; results past their month are swept
        first."""
        query = query.strip()
        if not query:
            return []
        await self.sweep()
        return [await self._view(p.id) for p in await self._store.find(operator.centre_id, query)]

    async def packages(self, operator: Operator, status: str | None = None) -> list[PackageView]:
        """The centre's packages, newest first (results past their month are swept first)."""
        await self.sweep()
        return [
            await self._view(p.id) for p in await self._store.packages(operator.centre_id, status)
        ]

    async def _view(self, package_id: int) -> PackageView:
        package = await self._store.package(package_id)
        assert package is not None
        now = self._now()
        steps = [
            StepView(s, (s.finished_at or now) > s.deadline)
            for s in await self._store.steps(package_id)
        ]
        return PackageView(
            package, steps, centre(package.centre_id), self._regulations[package.regulation_id]
        )

    async def _update(
        self,
        package: Package,
        expected: tuple[str, ...],
        values: dict[str, Any],
        change: StepChange,
    ) -> None:
        if not await self._store.update(package.id, expected, values, change):
            raise EgovsimError("PACKAGE_STATE_WRONG", {"reason": "the package just changed"})

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

    @staticmethod
    def _check_variant(regulation: Regulation, variant: str | None) -> None:
        variants = {v.id for v in regulation.variants}
        if (variants and variant not in variants) or (not variants and variant is not None):
            raise EgovsimError(
                "UNKNOWN_VARIANT", {"variant": variant, "variants": sorted(variants)}
            )

    @staticmethod
    def _expect(package: Package, statuses: tuple[str, ...]) -> None:
        if package.status not in statuses:
            raise EgovsimError(
                "PACKAGE_STATE_WRONG", {"status": package.status, "expected": list(statuses)}
            )

    def _local(self, moment: datetime) -> date:
        return moment.astimezone(self._calendar.zone).date()
