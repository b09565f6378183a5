"""Magic inputs: the documented IINs and BINs whose outcome is fixed (a revoked certificate,
revocation status unavailable, a delivery that always fails), listed at `GET /api/v1/magic`.

The CRL addresses that the certificates of the `revocation-unavailable` numbers name are served
here too: they answer HTTP 503, as a distribution point that is down would.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from egovsim.magic import MAGIC_NUMBERS, UNAVAILABLE_CRL_PATH, MagicNumber
from egovsim.web.common.openapi import api, component

routes = web.RouteTableDef()

MAGIC_NUMBER = component(
    "MagicNumber",
    {
        "type": "object",
        "description": "A documented IIN or BIN whose outcome is fixed whatever the configuration.",
        "required": ["number", "kind", "outcome", "step", "code", "layer", "summary", "how"],
        "properties": {
            "number": {"type": "string", "pattern": "^[0-9]{12}$"},
            "kind": {"type": "string", "enum": ["iin", "bin"]},
            "outcome": {
                "type": "string",
                "enum": sorted({magic.outcome for magic in MAGIC_NUMBERS}),
            },
            "step": {"type": "string", "examples": ["C2", "P7"]},
            "code": {"type": "string", "examples": ["CERT_REVOKED"]},
            "layer": {"type": "string", "description": "Which part of egovsim fixes it."},
            "summary": {"type": "string"},
            "how": {"type": "string", "description": "How to use it, in English."},
        },
    },
)

MAGIC_LIST = component(
    "MagicNumberList",
    {
        "type": "object",
        "required": ["magic"],
        "properties": {"magic": {"type": "array", "items": MAGIC_NUMBER}},
    },
)


def describe(magic: MagicNumber) -> dict[str, Any]:
    """One magic number as the API gives it."""
    return {
        "number": magic.number,
        "kind": magic.kind,
        "outcome": magic.outcome,
        "step": magic.step,
        "code": magic.code,
        "layer": magic.layer,
        "summary": magic.summary,
        "how": magic.how,
    }


@routes.get("/api/v1/magic")
@api(response=MAGIC_LIST)
async def list_magic_numbers(request: web.Request) -> web.Response:
    """Every magic IIN and BIN with its fixed outcome, the step it shows at and the code it
    ends in."""
    return web.json_response({"magic": [describe(magic) for magic in MAGIC_NUMBERS]})


@routes.get(UNAVAILABLE_CRL_PATH + "/{tail:.*}")
async def unavailable_crl(request: web.Request) -> web.Response:
    """The CRL distribution point of the `revocation-unavailable` numbers: always down."""
    return web.Response(
        status=503,
        text="this CRL distribution point is down on purpose (magic IIN or BIN: revocation "
        "status unavailable; GET /api/v1/magic)\n",
    )
