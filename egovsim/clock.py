"""The simulator's clock: every certificate date, CRL, OCSP answer and deadline comes from it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

#: The moments the simulator's clock may stand at: its certificates, CRLs, OCSP answers and
#: calendar hold every moment between (X.509 dates, the holiday calendar, SQLite's text times).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)


class ClockRangeError(ValueError):
    """A move of the clock to a moment outside EARLIEST..LATEST; the clock is left as it was."""


def in_range(moment: datetime) -> datetime:
    """`moment` when the clock may stand at it; ClockRangeError otherwise."""
    if not EARLIEST <= moment <= LATEST:
        raise ClockRangeError(
            f"{moment.isoformat()} is outside {EARLIEST.isoformat()} .. {LATEST.isoformat()}"
        )
    return moment


def utcnow() -> datetime:
    """The machine's time, in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Return `moment` as an aware UTC datetime (a naive one is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 date or date-time, as the command line takes it; naive means UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    return as_utc(datetime.fromisoformat(value))


class Clock:
    """Real time, real time shifted by an offset, or frozen at a moment.

    The clock is shared by the PKI, the verifier and the web layer; it is the only source of
    "now" in egovsim, so a test or a trainer can move the whole simulator in time.
    """

    def __init__(
        self,
        *,
        frozen_at: datetime | None = None,
        offset: timedelta = timedelta(0),
        source: Callable[[], datetime] = utcnow,
    ) -> None:
        self._lock = threading.Lock()
        self._source = source
        self._frozen_at = as_utc(frozen_at) if frozen_at is not None else None
        self._offset = offset

    @property
    def mode(self) -> str:
        """`frozen`, `offset` or `real`."""
        if self._frozen_at is not None:
            return "frozen"
        return "offset" if self._offset else "real"

    @property
    def frozen_at(self) -> datetime | None:
        """The moment the clock stands at, when frozen."""
        with self._lock:
            return self._frozen_at

    @property
    def offset(self) -> timedelta:
        """How far a running clock is ahead of real time (behind, when negative)."""
        with self._lock:
            return self._offset

    def restore(self, frozen_at: datetime | None, offset: timedelta) -> None:
        """Set the clock as it was saved (frozen at a moment, or running with an offset)."""
        with self._lock:
            self._frozen_at = as_utc(frozen_at) if frozen_at is not None else None
            self._offset = offset

    def set(self, moment: datetime) -> None:
        """Jump to `moment`, keeping the clock frozen or running as it is (ClockRangeError,
        the clock unchanged, for a moment outside the range)."""
        moment = in_range(as_utc(moment))
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = moment
            else:
                self._offset = moment - self._source()

    def now(self) -> datetime:
        """The simulator's current time, aware, in UTC, to the microsecond."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return self._source() + self._offset

    def freeze(self, at: datetime | None = None) -> None:
        """Stop the clock at `at`, or at the current simulated time."""
        moment = in_range(as_utc(at)) if at is not None else self.now()
        with self._lock:
            self._frozen_at = moment

    def unfreeze(self) -> None:
        """Let the clock run again from where it stands."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._source()
                self._frozen_at = None

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward (or back, with a negative delta) and return the new time;
        ClockRangeError, the clock unchanged, when that leaves the range."""
        with self._lock:
            base = self._frozen_at if self._frozen_at is not None else self._source() + self._offset
            try:
                moment = in_range(base + delta)
            except OverflowError:
                raise ClockRangeError(f"{delta} from {base.isoformat()} is past any date") from None
            if self._frozen_at is not None:
                self._frozen_at = moment
            else:
                self._offset += delta
            return moment
