"""What the commands share: errors with exit codes, time options, JSON output."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from typing import Any

from egovsim.clock import Clock, parse_time
from egovsim.config import Settings


class UsageError(Exception):
    """The command was called wrongly: exit code 2."""


class CommandError(Exception):
    """The command could not do what was asked: exit code 1."""


def time_option(text: str) -> datetime:
    """An ISO 8601 time for argparse (naive means UTC)."""
    try:
        return parse_time(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or time: {text!r}") from None


def clock_for(settings: Settings) -> Clock:
    """The simulator's clock as the command line sees it: frozen by EGOVSIM_CLOCK, else as the
    server last set it in the data directory, else real time."""
    from egovsim.storage.clock_state import saved_clock_state
    from egovsim.storage.database import database_location

    clock = Clock(frozen_at=settings.clock_frozen_at)
    if settings.clock_frozen_at is None:
        saved = saved_clock_state(database_location(settings))
        if saved is not None:
            clock.restore(saved.frozen_at, timedelta(seconds=saved.offset_seconds))
    return clock


def print_json(value: Any) -> None:
    """Pretty JSON on standard output, non-ASCII kept readable."""
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
