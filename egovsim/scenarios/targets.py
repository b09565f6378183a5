"""Where scenarios run: in-process (a fresh simulator on a loopback port per scenario, with its
own data directory, a copy of the test PKI and the clock frozen where the scenario starts) or a
running `egovsim serve` at a base URL; and the clock words scenario files start from."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from egovsim.clock import Clock, parse_time
from egovsim.config import Settings
from egovsim.pki.authority import TestPki
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.scenarios.actors import ActorError, Http, Personas
from egovsim.simulator.served import Serve

ALMATY = ZoneInfo("Asia/Almaty")
#: How long a remote `deliver` step waits for the message log to settle.
REMOTE_SETTLE_SECONDS = 30.0
_RELATIVE = re.compile(r"issued([+-][0-9]+)d")


class Target(Protocol):
    """Where scenarios run."""

    personas: Personas

    def session(self, start: datetime) -> Any:
        """An async context giving (Http, deliver) for one scenario starting at `start`."""


def _moment(day: date) -> datetime:
    return datetime.combine(day, day_time(10), tzinfo=ALMATY)


def resolve_time(expression: str, anchor: datetime, calendar: WorkingCalendar) -> datetime:
    """A clock expression as a time. `anchor` is when the test PKI was issued: its personas'
    certificates are valid from 29 days before it to 334 days after, so every word picks a
    day in that span.

    - an ISO 8601 time;
    - `working-morning`: 10:00 Almaty time on the first working day after the anchor;
    - `working-day MM-DD`: 10:00 on that month and day (moved to a working day) in the span;
    - `in-window MM-DD..MM-DD`: 10:00 on the working day of that yearly window nearest the
      anchor; `outside-window MM-DD..MM-DD` the nearest working day outside it;
    - `issued+Nd` / `issued-Nd`: N days after or before the anchor itself.
    """
    words = expression.split()
    relative = _RELATIVE.fullmatch(expression.strip())
    if relative is not None:
        return anchor + timedelta(days=int(relative.group(1)))
    local = anchor.astimezone(ALMATY).date()
    first, last = anchor - timedelta(days=29), anchor + timedelta(days=300)
    if words == ["working-morning"]:
        day = local + timedelta(days=1)
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
        return _moment(day)
    if len(words) == 2 and words[0] == "working-day":
        month, day_of_month = (int(part) for part in words[1].split("-"))
        for year in (local.year - 1, local.year, local.year + 1):
            day = date(year, month, day_of_month)
            while not calendar.is_working_day(day):
                day += timedelta(days=1)
            if first <= _moment(day) <= last:
                return _moment(day)
        raise ValueError(f"no {words[1]} in the certificates' validity")
    if len(words) == 2 and words[0] in ("in-window", "outside-window"):
        start, end = (tuple(int(p) for p in part.split("-")) for part in words[1].split(".."))
        inside_wanted = words[0] == "in-window"
        for offset in sorted(range(-29, 300), key=abs):
            day = local + timedelta(days=offset)
            inside = start <= (day.month, day.day) <= end
            if inside == inside_wanted and calendar.is_working_day(day):
                return _moment(day)
        raise ValueError(f"no working day {words[0]} {words[1]} in the certificates' validity")
    return parse_time(expression)


def loopback_socket() -> socket.socket:
    """A listening socket on a free loopback port, for a run's simulators to answer on."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    return listener


def socket_url(listener: socket.socket) -> str:
    """The base URL a loopback socket answers at."""
    host, port = listener.getsockname()[:2]
    return f"http://{host}:{port}"


class InProcess:
    """Each scenario gets its own simulator on 127.0.0.1, served by `serve` (the web front
    end's): a fresh data directory, a copy of the test PKI, the clock frozen at the scenario's
    start, deliveries run by the runner.

    With `listen`, every scenario's simulator answers on that socket: a PKI made for its
    address then has its CRLs and OCSP answered by the scenario's own simulator, on its own
    clock (without it, on a free port, the PKI's address must be one nothing else answers at).
    """

    def __init__(
        self,
        certs_dir: Path,
        serve: Serve,
        password: str = "Qwerty12",
        listen: socket.socket | None = None,
    ) -> None:
        self.certs_dir = certs_dir
        self.personas = Personas(certs_dir, password)
        self.password = password
        self.listen = listen
        self._serve = serve

    @asynccontextmanager
    async def session(
        self, start: datetime
    ) -> AsyncIterator[tuple[Http, Callable[[], Awaitable[None]]]]:
        """A fresh simulator for one scenario."""
        with tempfile.TemporaryDirectory(prefix="egovsim-scenario-") as directory:
            certs = Path(directory) / "certs"
            shutil.copytree(self.certs_dir, certs)
            settings = Settings(
                data_dir=Path(directory) / "data",
                certs_dir=certs,
                public_url=TestPki.open(certs).base_url,
                clock_frozen_at=start,
                gateway_worker=False,
                gateway_first_backoff=0.0,
                gateway_max_attempts=3,
                persona_password=self.password,
            )
            async with self._serve(settings, Clock(frozen_at=start), self.listen) as served:
                http = Http(served.url)
                delivery = served.simulator.delivery

                async def deliver() -> None:
                    for _ in range(20):
                        if not await delivery.deliver_due():
                            return
                    raise ActorError("the gateway's deliveries never settle")

                try:
                    yield http, deliver
                finally:
                    await http.close()


class Remote:
    """A running simulator: the clock is set and frozen at each scenario's start, deliveries
    are awaited by polling the gateway's message log. The personas' keystores come from the
    same certs directory the simulator uses."""

    def __init__(
        self,
        base_url: str,
        certs_dir: Path,
        password: str = "Qwerty12",
        operator_token: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.operator_token = operator_token
        self.personas = Personas(certs_dir, password)

    @asynccontextmanager
    async def session(
        self, start: datetime
    ) -> AsyncIterator[tuple[Http, Callable[[], Awaitable[None]]]]:
        """The running simulator, its clock moved to `start`."""
        http = Http(self.base_url, self.operator_token)
        try:
            for change in ({"set": start.isoformat()}, {"freeze": True}):
                reply = await http.request("POST", "/api/v1/clock", json_body=change)
                if reply.status != 200:
                    raise ActorError("cannot set the simulator's clock", reply.evidence())

            async def deliver() -> None:
                deadline = time.monotonic() + REMOTE_SETTLE_SECONDS
                while time.monotonic() < deadline:
                    log = await http.request("GET", "/api/v1/gateway/messages?limit=50")
                    messages = log.body.get("messages", []) if isinstance(log.body, dict) else []
                    if not any(m.get("state") == "ON_DELIVERY" for m in messages):
                        return
                    await asyncio.sleep(0.2)
                raise ActorError("the gateway's messages did not settle", log.evidence())

            yield http, deliver
        finally:
            await http.close()
