"""The simulator's core: every part built from `Settings`, started and stopped in one order,
reset to a clean demo; the front ends (web, command line, scripts) drive it."""

from egovsim.simulator.core import Simulator
from egovsim.simulator.network import Network, Offline

__all__ = ["Network", "Offline", "Simulator"]
