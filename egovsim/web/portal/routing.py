"""The portal's routes: its pages, its JSON API, the regulations' diagrams and the NCALayer
socket, each table declared beside its handlers."""

from aiohttp import web

from egovsim.web.portal import api, auth, diagrams, ncalayer_ws, pages, services


def add_routes(app: web.Application) -> None:
    """Serve the portal in `app`."""
    for table in (
        services.routes,
        diagrams.routes,
        ncalayer_ws.routes,
        auth.routes,
        api.routes,
        pages.routes,
    ):
        app.router.add_routes(table)
