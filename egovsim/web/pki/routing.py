"""The test PKI's public routes: certificates, CRLs and OCSP where its certificates point, and
the time-stamping authority."""

from aiohttp import web

from egovsim.web.pki import publication, tsp


def add_routes(app: web.Application) -> None:
    """Serve the test PKI's endpoints in `app`."""
    app.router.add_routes(publication.routes)
    tsp.register(app)
