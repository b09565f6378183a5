"""Magic inputs: the documented IINs and BINs whose outcome is fixed (a revoked certificate,
revocation status unavailable, a delivery that always fails), listed at `GET /api/v1/magic`.

The CRL addresses that the certificates of the `revocation-unavailable` numbers name are served
here too: they answer HTTP 503, as a distribution point that is down would.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import Field

from egovsim import magic as fixed
from egovsim.magic import MAGIC_NUMBERS, UNAVAILABLE_CRL_PATH, MagicOutcome
from egovsim.web.common.models import ResponseModel, answer
from egovsim.web.common.openapi import api

routes = web.RouteTableDef()


class MagicNumber(ResponseModel):
    """A documented IIN or BIN whose outcome is fixed whatever the configuration."""

    number: str = Field(pattern="^[0-9]{12}$")
    kind: Literal["iin", "bin"]
    outcome: MagicOutcome
    step: str = Field(examples=["C2", "P7"])
    code: str = Field(examples=["CERT_REVOKED"])
    layer: str = Field(description="Which part of egovsim fixes it.")
    summary: str
    how: str = Field(description="How to use it, in English.")

    @classmethod
    def of(cls, magic: fixed.MagicNumber) -> MagicNumber:
        """One magic number as the API gives it."""
        return cls(
            number=magic.number,
            kind=magic.kind,
            outcome=magic.outcome,
            step=magic.step,
            code=magic.code,
            layer=magic.layer,
            summary=magic.summary,
            how=magic.how,
        )


class MagicNumberList(ResponseModel):
    """Every magic IIN and BIN."""

    magic: list[MagicNumber]


@routes.get("/api/v1/magic")
@api(response=MagicNumberList)
async def list_magic_numbers(request: web.Request) -> web.Response:
    """Every magic IIN and BIN with its fixed outcome, the step it shows at and the code it
    ends in."""
    return answer(MagicNumberList(magic=[MagicNumber.of(magic) for magic in MAGIC_NUMBERS]))


@routes.get(UNAVAILABLE_CRL_PATH + "/{tail:.*}")
async def unavailable_crl(request: web.Request) -> web.Response:
    """The CRL distribution point of the `revocation-unavailable` numbers: always down."""
    return web.Response(
        status=503,
        text="this CRL distribution point is down on purpose (magic IIN or BIN: revocation "
        "status unavailable; GET /api/v1/magic)\n",
    )
