"""Refusals of the accounts part (filled in by its module)."""

from __future__ import annotations

from egovsim.catalogue import Refusal

ENTRIES: tuple[Refusal, ...] = ()
