"""What a provider sends back to a State Corporation centre through the gateway: its number for
a forwarded package, the package's paper result, or a portal application's paper result sent
for collection (a package of the kind "collection": no acceptance, no forwarding). A result
that arrives waits a month for its applicant."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from egovsim.errors import EgovsimError
from egovsim.identity import is_valid_iin
from egovsim.statecorp.centres import CENTRES
from egovsim.statecorp.desk import PackageDesk
from egovsim.statecorp.packages import kept_until_after, result_record
from egovsim.storage.statecorp import StepChange


class Arrivals(PackageDesk):
    """The centres' side of the provider's answers; each returns what the gateway records as
    delivered."""

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
