"""The simulator's clock as its API shows it, and the one change `POST /api/v1/clock` takes
(each wrong shape is refused CLOCK_CHANGE_INVALID)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from egovsim.web.common.models import RequestModel, ResponseModel, Time

#: A positive amount of minutes, hours or days (JSON has no infinity, and none is taken).
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class Clock(ResponseModel):
    """The simulator's time in UTC and local time, and whether today is a working day."""

    now: Time
    local: Time
    mode: Literal["frozen", "offset", "real"]
    working_day: bool
    day_off: str | None = Field(description="Why the local day is not a working day.")


def _one_property(schema: dict[str, Any]) -> None:
    """The schema of exactly one of the properties, none of them null."""
    schema.update(minProperties=1, maxProperties=1)
    for each in schema.get("properties", {}).values():
        each.pop("default", None)
        # `X | None` in Python, so that a field not given is None; null itself is refused.
        kinds = [k for k in each.pop("anyOf", []) if k != {"type": "null"}]
        if kinds:
            each.update(kinds[0])


class _OneOf(RequestModel):
    """A body of exactly one of its fields, none of them null; any other field is refused."""

    model_config = ConfigDict(
        frozen=True, strict=True, extra="forbid", json_schema_extra=_one_property
    )
    refusal = "CLOCK_CHANGE_INVALID"

    @model_validator(mode="after")
    def _exactly_one(self) -> _OneOf:
        given = [name for name in self.model_fields_set if getattr(self, name) is not None]
        # A field given as null is no change, and so is refused with the rest.
        if len(given) != 1 or len(self.model_fields_set) != 1:
            names = ", ".join(type(self).model_fields)
            raise ValueError(f"give exactly one of {names}, not null")
        return self


class ClockAdvance(_OneOf):
    """How far to move the clock forward: one unit and a positive amount."""

    minutes: Positive | None = None
    hours: Positive | None = None
    days: Positive | None = None
    working_days: Annotated[int, Field(ge=1)] | None = None


class ClockChange(_OneOf):
    """One change of the clock: move it forward, set it, freeze or unfreeze it."""

    advance: ClockAdvance | None = None
    set: str | None = Field(
        None,
        description="The moment to set, with its offset (ISO 8601), 2000 to 2099.",
        json_schema_extra={"format": "date-time"},
    )
    freeze: bool | None = Field(None, description="true freezes the clock, false lets it run.")
