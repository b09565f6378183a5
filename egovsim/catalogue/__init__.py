"""The texts of the refusal catalogue, one module per part of the simulator.

Each module lists its refusals with `entry(code, step, HTTP status, kk, ru, en)`; `egovsim.errors`
gathers them into the catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Language = Literal["kk", "ru", "en"]
LANGUAGES: tuple[Language, ...] = ("kk", "ru", "en")


@dataclass(frozen=True, slots=True)
class Refusal:
    """One entry of the catalogue."""

    code: str
    step: str
    http_status: int
    messages: Mapping[Language, str]

    def message(self, language: Language = "en") -> str:
        """The message in `language`, falling back to English."""
        return self.messages.get(language) or self.messages["en"]


def entry(code: str, step: str, status: int, kk: str, ru: str, en: str) -> Refusal:
    """A catalogue entry."""
    return Refusal(code, step, status, {"kk": kk, "ru": ru, "en": en})
