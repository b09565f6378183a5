"""The NCALayer signer's persona API as it reads and answers (`Ncalayer...`): the key sets a
client can sign with, the current one, and the choice of another."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from egovsim.ncalayer.keys import KeyRing, PersonaKeys
from egovsim.web.common.models import RequestModel, ResponseModel

Usage = Literal["sign", "auth"]


class NcalayerKey(ResponseModel):
    """One keystore of a key set: its usage and its certificate's validity."""

    usage: Usage
    not_before: str | None = Field(alias="notBefore")
    not_after: str | None = Field(alias="notAfter")


class NcalayerKeySet(ResponseModel):
    """A persona as a key set of the NCALayer signer (never its password)."""

    id: str
    name: str
    iin: str
    bin: str | None
    organization: str | None
    role: str
    summary: str
    usages: list[Usage]
    keys: list[NcalayerKey]

    @classmethod
    def of(cls, persona: PersonaKeys) -> NcalayerKeySet:
        """`persona` as the API (and the page's key dialog) shows it."""
        return cls.model_validate(persona.describe())


class NcalayerPersona(ResponseModel):
    """The key set clients sign with unless they choose one, and every key set there is."""

    persona: str | None
    key: NcalayerKeySet | None
    available: list[NcalayerKeySet]

    @classmethod
    def of(cls, keyring: KeyRing) -> NcalayerPersona:
        """The state of `keyring`."""
        current = keyring.current
        return cls(
            persona=current.id if current is not None else None,
            key=NcalayerKeySet.of(current) if current is not None else None,
            available=[NcalayerKeySet.of(persona) for persona in keyring.personas],
        )


class NcalayerChoice(RequestModel):
    """The key set to sign with, and the password its keystores must open with, if given."""

    persona: str
    password: str | None = None
