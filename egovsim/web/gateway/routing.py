"""The gateway's routes: the SOAP endpoints with their WSDL, the operator's JSON API and pages,
each table declared beside its handlers."""

from aiohttp import web

from egovsim.web.gateway import operator_api, pages, shep


def add_routes(app: web.Application) -> None:
    """Serve the gateway in `app`."""
    app.router.add_routes(shep.routes)
    app.router.add_routes(operator_api.routes)
    app.router.add_routes(pages.routes)
