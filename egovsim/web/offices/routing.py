"""The offices' routes: the provider's workstation and the State Corporation's counter, their
APIs and pages, each table declared beside its handlers."""

from aiohttp import web

from egovsim.web.offices import statecorp_api, statecorp_pages, workstation_api, workstation_pages


def add_routes(app: web.Application) -> None:
    """Serve the workstation and the State Corporation in `app`."""
    for table in (
        workstation_api.routes,
        workstation_pages.routes,
        statecorp_api.routes,
        statecorp_pages.routes,
    ):
        app.router.add_routes(table)
