"""Turning stored text back into values."""

from __future__ import annotations

from datetime import datetime

from egovsim.clock import as_utc


def time_or_none(value: str | None) -> datetime | None:
    """An ISO 8601 column that may be empty."""
    return as_utc(datetime.fromisoformat(value)) if value else None


def required_time(value: str) -> datetime:
    """An ISO 8601 column that is never empty."""
    return as_utc(datetime.fromisoformat(value))
