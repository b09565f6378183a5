"""The refusal catalogue: every refusal code, the step it arises at, its HTTP status, its words.

A refusal is data first (a `Refusal` in `CATALOGUE`, its texts in `egovsim.catalogue`) and an
exception only where a request has to stop (`EgovsimError`). Steps use the seeds' ids (SPEC §2):
C1, C2, C3, P2, P3, P5, P8, and the parts of the system that are not numbered there (the State
Corporation, the workstation, the gateway).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from egovsim.catalogue import (
    LANGUAGES,
    Language,
    Refusal,
    accounts,
    console,
    gateway,
    http,
    ncalayer,
    portal,
    provider,
    signatures,
    statecorp,
)

__all__ = ["CATALOGUE", "LANGUAGES", "EgovsimError", "Language", "Refusal", "refusal"]

#: The catalogue's parts, each a module with its ENTRIES.
PARTS = (http, signatures, accounts, portal, provider, gateway, ncalayer, statecorp, console)

#: Every refusal egovsim can give, by code.
CATALOGUE: Mapping[str, Refusal] = {entry.code: entry for part in PARTS for entry in part.ENTRIES}


def refusal(code: str) -> Refusal:
    """The catalogue entry for `code`; an unknown code is a programming error."""
    try:
        return CATALOGUE[code]
    except KeyError:
        raise LookupError(f"refusal code {code!r} is not in the catalogue") from None


@dataclass(eq=False)
class EgovsimError(Exception):
    """A refusal raised where a request has to stop; the web layer renders it in one shape."""

    code: str
    details: Mapping[str, Any] = field(default_factory=dict)
    #: The step as the service's regulation numbers it, where a service is in play (a Shymkent
    #: request that did not reach the gateway is P5, an Almaty one P7); else the catalogue's.
    service_step: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.code)
        self.entry = refusal(self.code)

    @property
    def step(self) -> str:
        """The step id the refusal arises at."""
        return self.service_step or self.entry.step

    @property
    def http_status(self) -> int:
        """The HTTP status of the refusal on the API."""
        return self.entry.http_status
