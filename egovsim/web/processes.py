"""`egovsim serve --processes N`: N processes accept on one port (SO_REUSEPORT, the kernel
spreading the connections), each a whole simulator on the shared database, under a parent that
starts them, starts another when one dies, and stops them all on SIGTERM or SIGINT."""

from __future__ import annotations

import ctypes
import errno
import multiprocessing
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import FrameType

from egovsim.config import Settings
from egovsim.storage.database import database_location, read_saved
from egovsim.storage.shared_versions import CLOCK
from egovsim.web.serving import run_simulator

#: A process that dies before it listens this many times in a row is not started again: its
#: start-up fails for a reason another try will not change (the database, the certificates).
FAILED_STARTS = 3
#: How long the processes may take to finish the requests and deliveries at hand when stopped
#: (aiohttp gives requests 60 s) before they are killed.
STOP_SECONDS = 75.0
#: The signals that stop the simulator.
_STOPS = {signal.SIGINT, signal.SIGTERM}
#: Linux's prctl option that sends a signal to a process when its parent ends.
_PR_SET_PDEATHSIG = 1


class PortTaken(OSError):
    """The port is already listened on by another program (or another simulator)."""


@dataclass
class Child:
    """One accepting process: its number (1..N), the process, the pipe it says it listens on."""

    number: int
    process: BaseProcess
    listening: Connection
    ready: bool = False
    failed_starts: int = 0


def check_port_free(host: str, port: int) -> None:
    """PortTaken when something listens on `host`:`port`. Asked without SO_REUSEPORT, so a
    second `serve --processes` on a port already served is refused instead of joining the
    first one's processes and receiving half of its connections."""
    for family, kind, proto, _, address in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    ):
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    raise PortTaken(error.errno, f"port {port} on {host} is taken") from None
                raise


class Supervisor:
    """The parent of `serve --processes N`: it serves nothing itself."""

    def __init__(self, settings: Settings, count: int, json_logs: bool) -> None:
        self._settings = settings
        self._count = count
        self._json_logs = json_logs
        self._context = multiprocessing.get_context("fork")
        self._children: dict[int, Child] = {}
        self._stopping = False
        self._clock_at_start: int | None = None

    def run(self) -> int:
        """Start the processes (the first alone, so that it makes or migrates the database
        before the others open it), keep them running until SIGTERM or SIGINT, stop them; 0,
        or 1 when they could not be started."""
        handlers = {number: signal.signal(number, self._stop) for number in _STOPS}
        try:
            self._start(1)
            if not self._until_ready():
                return 1
            self._clock_at_start = self._clock_version()
            for number in range(2, self._count + 1):
                self._start(number)
            if not self._until_ready():
                return 1
            if not self._stopping:
                pids = ", ".join(str(c.process.pid) for c in self._children.values())
                _say(f"{self._count} processes answering on {self._listening()} (pids {pids})")
            return self._supervise()
        finally:
            self._stop_all()
            for number, handler in handlers.items():
                signal.signal(number, handler)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True

    def _start(self, number: int, failed_starts: int = 0, settings: Settings | None = None) -> None:
        theirs, ours = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=_serve_one,
            args=(
                settings or self._settings,
                self._json_logs,
                number,
                self._count,
                ours,
                os.getpid(),
            ),
            name=f"egovsim-serve-{number}",
        )
        # Blocked across the fork: a stop that came before the child's own handlers would be
        # taken by the copy of this process's handler in it, and lost.
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)
        ours.close()  # the child's end: a child that dies unready closes it for good
        self._children[number] = Child(number, process, theirs, failed_starts=failed_starts)

    def _until_ready(self) -> bool:
        """Wait until every process started listens; False when one died first (its own error
        printed), or when a signal stopped the start."""
        while not self._stopping and not all(c.ready for c in self._children.values()):
            self._look(timeout=0.5)
            for child in self._children.values():
                if not child.ready and not child.process.is_alive():
                    _say(
                        f"egovsim: process {child.number} ended during start-up "
                        f"({_ending(child.process.exitcode)}); stopping the others",
                        error=True,
                    )
                    return False
        return not self._stopping

    def _supervise(self) -> int:
        """Start another process in the place of each that ends, until stopped; 1 when one
        keeps dying before it listens."""
        while not self._stopping:
            self._look(timeout=0.5)
            for child in list(self._children.values()):
                if child.process.is_alive() or self._stopping:
                    continue
                child.process.join()
                failed = 0 if child.ready else child.failed_starts + 1
                if failed >= FAILED_STARTS:
                    _say(
                        f"egovsim: process {child.number} ended {failed} times before it "
                        f"listened ({_ending(child.process.exitcode)}); stopping",
                        error=True,
                    )
                    return 1
                _say(
                    f"egovsim: process {child.number} (pid {child.process.pid}) ended "
                    f"({_ending(child.process.exitcode)}); starting another in its place",
                    error=True,
                )
                child.listening.close()
                time.sleep(float(failed))  # a failing start is not retried in a tight loop
                self._start(child.number, failed, self._replacement())
        return 0

    def _replacement(self) -> Settings:
        """The settings of a process started in another's place: it joins the running simulator,
        so a clock set since the start (`EGOVSIM_CLOCK` named the start's time) holds for it as
        for the others, who reloaded it."""
        if self._settings.clock_frozen_at is None or self._clock_version() == self._clock_at_start:
            return self._settings
        return self._settings.with_overrides(clock_frozen_at=None)

    def _clock_version(self) -> int | None:
        """The clock's counter among the shared versions (None before it first moved)."""
        found = read_saved(
            database_location(self._settings),
            [f"SELECT version FROM shared_versions WHERE topic = '{CLOCK}'"],
        )
        return int(found[0][0][0]) if found and found[0] else None

    def _look(self, timeout: float) -> None:
        """Wait up to `timeout` for a process to end or to say it listens; note who listens."""
        waiting = {c.listening: c for c in self._children.values() if not c.ready}
        sentinels = [c.process.sentinel for c in self._children.values()]
        for ready in wait([*waiting, *sentinels], timeout):
            child = waiting.get(ready)  # type: ignore[call-overload]
            if child is None:
                continue
            try:
                child.listening.recv()
                child.ready = True
            except EOFError:  # it ended before listening: its sentinel says so
                pass

    def _stop_all(self) -> None:
        """SIGTERM to every process still running, a wait for them to finish what they have at
        hand, then SIGKILL to any still there."""
        running = [c.process for c in self._children.values() if c.process.is_alive()]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(10)
        for child in self._children.values():
            child.listening.close()

    def _listening(self) -> str:
        host = f"[{self._settings.host}]" if ":" in self._settings.host else self._settings.host
        return f"http://{host}:{self._settings.port}"


def _serve_one(
    settings: Settings, json_logs: bool, number: int, count: int, listening: Connection, parent: int
) -> None:
    """One accepting process: the simulator on the shared port until SIGTERM or SIGINT (or
    until its parent ends: it is not left serving without a supervisor)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)  # blocked by the parent across the fork
    _end_with_parent(parent)

    def ready(_: str) -> None:
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        _say(
            f"process {number} of {count} (pid {os.getpid()}) answering on http://{host}:{settings.port}"
        )
        listening.send(os.getpid())
        listening.close()

    try:
        run_simulator(settings, json_logs=json_logs, reuse_port=True, ready=ready)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        _say(f"egovsim: process {number}: port {settings.port} is taken", error=True)
        sys.exit(1)


def _end_with_parent(parent: int) -> None:
    """Have the kernel send SIGTERM to this process when its parent ends (Linux); a parent that
    ended already ends it now."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the parent's stop is the only one
        return
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


def _ending(code: int | None) -> str:
    """How a process ended, in words: its exit code or the signal that ended it."""
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _say(line: str, error: bool = False) -> None:
    print(line, file=sys.stderr if error else sys.stdout, flush=True)
