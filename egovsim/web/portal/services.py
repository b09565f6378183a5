"""`/api/v1/services`: the service catalogue from the regulation files, with each route."""

from __future__ import annotations

from aiohttp import web

from egovsim.errors import EgovsimError
from egovsim.web.common.keys import simulator_of
from egovsim.web.common.models import answer
from egovsim.web.common.openapi import api
from egovsim.web.portal.service_models import Service, ServiceList

routes = web.RouteTableDef()


@routes.get("/api/v1/services")
@api(response=ServiceList)
async def catalogue(request: web.Request) -> web.Response:
    """Every service egovsim runs, with its route and terms."""
    today = simulator_of(request).clock.now().date()
    services = [Service.of(r, today) for r in simulator_of(request).regulations.values()]
    return answer(ServiceList(services=services))


@routes.get("/api/v1/services/{service_id}")
@api(response=Service)
async def service(request: web.Request) -> web.Response:
    """One service."""
    regulation = simulator_of(request).regulations.get(request.match_info["service_id"])
    if regulation is None:
        raise EgovsimError("NOT_FOUND", {"service": request.match_info["service_id"]})
    return answer(Service.of(regulation, simulator_of(request).clock.now().date()))
