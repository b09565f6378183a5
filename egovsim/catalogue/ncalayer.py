"""Refusals of the ncalayer part (filled in by its module)."""

from __future__ import annotations

from egovsim.catalogue import Refusal

ENTRIES: tuple[Refusal, ...] = ()
