"""`/api/v1/services`: the service catalogue from the regulation files, with each route."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from egovsim.errors import EgovsimError
from egovsim.regulations.model import Duration, Regulation
from egovsim.regulations.terms import required_in
from egovsim.web.common.keys import CLOCK, REGULATIONS

routes = web.RouteTableDef()


def duration_json(duration: Duration) -> dict[str, Any]:
    """A term as the API shows it."""
    return {"amount": duration.amount, "unit": duration.unit}


def regulation_json(regulation: Regulation, on_day: Any) -> dict[str, Any]:
    """A regulation as the catalogue shows it: basis, terms, documents, route, and the portal
    sequence as the regulation numbers it."""
    return {
        "id": regulation.id,
        "name": dict(regulation.name),
        "provider": dict(regulation.provider),
        "basis": {
            "authority": dict(regulation.basis.authority),
            "resolution": regulation.basis.resolution_number,
            "date": regulation.basis.resolution_date.isoformat(),
            "registration": regulation.basis.registration,
            "standard": dict(regulation.basis.standard),
        },
        "effective": {
            "from": regulation.period.start.isoformat(),
            "to": regulation.period.end.isoformat() if regulation.period.end else None,
            "repealed_by": dict(regulation.period.repealed_by)
            if regulation.period.repealed_by
            else None,
            "in_force_today": regulation.is_effective(on_day),
        },
        "applicants": [
            {"id": a.id, "kind": a.kind, "name": dict(a.name)} for a in regulation.applicants
        ],
        "channels": sorted(regulation.channels),
        "acceptance_windows": [
            {
                "from": f"{w.start[0]:02d}-{w.start[1]:02d}",
                "to": f"{w.end[0]:02d}-{w.end[1]:02d}",
                "categories": sorted(w.categories),
                "cite": w.cite,
            }
            for w in regulation.windows
        ],
        "variants": [
            {"id": v.id, "name": dict(v.name), "cite": v.cite} for v in regulation.variants
        ],
        "form": [
            {
                "id": f.id,
                "label": dict(f.label),
                "type": f.type,
                "required": f.required,
                "required_in": required_in(regulation, f.id),
                "choices": list(f.choices),
            }
            for f in regulation.form
        ],
        "documents": [
            {
                "id": d.id,
                "name": dict(d.name),
                "required_in": sorted(d.required_in),
                "optional_in": sorted(d.optional_in),
                "cite": d.cite,
            }
            for d in regulation.documents
        ],
        "results": [
            {"id": r.id, "name": dict(r.name), "refusal": r.refusal, "variants": sorted(r.variants)}
            for r in regulation.results
        ],
        "result_forms": sorted(regulation.result_forms),
        "fee": {
            "amount_kzt": regulation.fee.amount_kzt,
            "note": dict(regulation.fee.note) if regulation.fee.note else None,
        },
        "route": [
            {
                "id": s.id,
                "role": s.role,
                "action": s.action,
                "name": dict(s.name),
                "duration": duration_json(s.duration),
                "by_variant": {k: duration_json(v) for k, v in s.by_variant.items()},
                "cite": s.cite,
            }
            for s in regulation.steps
        ],
        "sequence": [
            {
                "id": e.id,
                "kind": e.kind,
                "stages": list(e.stages),
                "name": dict(e.name),
                "cite": e.cite,
            }
            for e in regulation.portal.entries
        ],
        "refusal": {
            "at_step": regulation.refusal.at_step,
            "duration": duration_json(regulation.refusal.duration),
            "resumes_at": regulation.refusal.resumes_at,
            "result": regulation.refusal.result,
            "cite": regulation.refusal.cite,
        },
    }


@routes.get("/api/v1/services")
async def catalogue(request: web.Request) -> web.Response:
    """Every service egovsim runs, with its route and terms."""
    today = request.app[CLOCK].now().date()
    services = [regulation_json(r, today) for r in request.app[REGULATIONS].values()]
    return web.json_response({"services": services})


@routes.get("/api/v1/services/{service_id}")
async def service(request: web.Request) -> web.Response:
    """One service."""
    regulation = request.app[REGULATIONS].get(request.match_info["service_id"])
    if regulation is None:
        raise EgovsimError("NOT_FOUND", {"service": request.match_info["service_id"]})
    return web.json_response(regulation_json(regulation, request.app[CLOCK].now().date()))
