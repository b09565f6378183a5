"""The trainer's fault switches as `/api/v1/faults` reads and answers them (`PkiFault...`): one
switch with what it does and, for `crl-stale`, the CRLs it holds; the whole listing; a change."""

from __future__ import annotations

from typing import Annotated

from cryptography import x509
from pydantic import ConfigDict, Field, WithJsonSchema

from egovsim.storage import faults as stored
from egovsim.storage.faults import CRL_STALE, FAULT_NAMES, MAX_SLOW_SECONDS
from egovsim.storage.gateway import Route
from egovsim.web.common.models import RequestModel, ResponseModel, Time, absent
from egovsim.web.gateway.operator_models import GatewayFault

#: A switch's name (its schema lists them; the handler refuses another with NOT_FOUND).
SwitchName = Annotated[str, WithJsonSchema({"type": "string", "enum": list(FAULT_NAMES)})]
#: The delay of `ocsp-slow` and `tsa-slow` when none is given, in seconds.
DEFAULT_SLOW_SECONDS = 10.0


class PkiFaultCrl(ResponseModel):
    """A CRL that `crl-stale` holds, and when it goes stale."""

    name: str
    this_update: Time
    next_update: Time | None

    @classmethod
    def of(cls, name: str, der: bytes) -> PkiFaultCrl:
        """The CRL `name` held as `der`, as the API shows it."""
        crl = x509.load_der_x509_crl(der)
        return cls(name=name, this_update=crl.last_update_utc, next_update=crl.next_update_utc)


class PkiFaultSwitch(ResponseModel):
    """A fault switch, on or off, with what it does."""

    # `crls` is left out of every switch but a `crl-stale` that is on.
    model_config = ConfigDict(frozen=True, json_schema_serialization_defaults_required=False)

    name: SwitchName
    on: bool
    seconds: float | None
    since: Time | None
    effect: str
    crls: list[PkiFaultCrl] | None = Field(
        default=None,
        exclude_if=absent,
        description="crl-stale only: the CRLs held, and when each goes stale.",
    )

    @classmethod
    def of(cls, name: str, faults: stored.PkiFaults, effect: str) -> PkiFaultSwitch:
        """The switch `name` as `faults` has it, doing `effect`."""
        fault = faults.on.get(name)
        crls = None
        if name == CRL_STALE and fault is not None:
            crls = [PkiFaultCrl.of(crl, der) for crl, der in sorted(faults.frozen_crls.items())]
        return cls(
            name=name,
            on=fault is not None,
            seconds=fault.seconds if fault is not None else None,
            since=fault.switched_at if fault is not None else None,
            effect=effect,
            crls=crls,
        )


class PkiFaultReceiver(ResponseModel):
    """A gateway receiver with a fault switched on."""

    service_id: str
    fault: GatewayFault

    @classmethod
    def of(cls, route: Route) -> PkiFaultReceiver:
        """`route` (with a fault on) as the listing shows it."""
        return cls(service_id=route.service_id, fault=GatewayFault.model_validate(route.fault))


class PkiFaults(ResponseModel):
    """The trainer's switches (the PKI's, the gateway's, the signer's, the TSA's) and the
    gateway's receivers with a fault on."""

    faults: list[PkiFaultSwitch]
    gateway: list[PkiFaultReceiver] = Field(
        description="The gateway's receivers that have a fault switched on."
    )


class PkiFaultChange(RequestModel):
    """A switch turned on (the default) or off, with the delay of a slow one."""

    on: bool = True
    seconds: Annotated[float, Field(gt=0, le=MAX_SLOW_SECONDS, allow_inf_nan=False)] | None = Field(
        default=None,
        description="ocsp-slow and tsa-slow only: the delay, "
        f"{DEFAULT_SLOW_SECONDS:g} s unless given.",
    )
