"""Free loopback ports for servers that tests start, safe when suites run side by side.

A port the kernel hands out for `bind(0)` is from the ephemeral range, which every outgoing
connection on the machine also draws from: between probing such a port and the server binding
it, a connection of another test (or another suite) may take it. So ports are drawn at random
from below that range, and a server that still finds its port taken is started again on another.
"""

from __future__ import annotations

import errno
import random
import socket
from pathlib import Path

#: The kernel's ephemeral range where it cannot be read (Linux's default).
DEFAULT_EPHEMERAL = (32768, 60999)
#: The lowest port drawn: above the well-known and most registered services' ports.
LOWEST = 20000
#: How many ports are tried before giving up (each probe is one bind).
ATTEMPTS = 200


def ephemeral_range(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> tuple[int, int]:
    """The range the kernel draws ephemeral ports from."""
    try:
        low, high = (int(part) for part in path.read_text().split())
    except (OSError, ValueError):
        return DEFAULT_EPHEMERAL
    return low, high


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on at `host` now, outside the kernel's ephemeral range."""
    low, high = ephemeral_range()
    candidates = [port for port in range(LOWEST, 65536) if not low <= port <= high]
    for port in random.sample(candidates, min(ATTEMPTS, len(candidates))):
        if _bindable(host, port):
            return port
    # Every drawn port was taken: let the kernel choose (ephemeral, but free at this moment).
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _bindable(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def address_in_use(log: str) -> bool:
    """Whether a server's start-up output says its port was taken."""
    return "address already in use" in log.lower() or f"[errno {errno.EADDRINUSE}]" in log.lower()
