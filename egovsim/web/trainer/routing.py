"""The trainer's routes: the clock, the fault switches, the refusal catalogue, the magic inputs,
the console with its logins and tours, and the operator's sign-in, each table declared beside its
handlers."""

from aiohttp import web

from egovsim.web.trainer import (
    clock,
    console_logins,
    console_pages,
    console_routes,
    console_tour_pages,
    console_tours,
    faults,
    magic,
    operator_pages,
    refusals,
)


def add_routes(app: web.Application) -> None:
    """Serve the trainer's tools in `app`."""
    for table in (
        clock.routes,
        faults.routes,
        refusals.routes,
        magic.routes,
        console_routes.routes,
        console_logins.routes,
        console_pages.routes,
        console_tour_pages.routes,
        console_tours.routes,
        operator_pages.routes,
    ):
        app.router.add_routes(table)
