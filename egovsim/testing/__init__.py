"""`egovsim.testing`: egovsim in other people's test suites, as a pytest plugin.

Installing egovsim registers the plugin (the `pytest11` entry point `egovsim`); its fixtures are
`egovsim_simulator` (a whole simulator in-process, in the test's event loop, on a loopback port),
`egovsim_server` (`egovsim serve` as a subprocess on a free port, once a session) and
`egovsim_pki` (the session's test PKI). Each simulator is a `Simulator`: its address, the
personas with their keystores and signing helpers, the clock, the fault switches, a portal
login through C1, the gateway's registrations, scenario files played step by step (`play`), and
`refusal(code)`, which reaches any refusal of the catalogue in one call by running its shipped
scenario. Like the CLI, this package is an
edge that builds and runs the whole app; nothing in egovsim imports it.
"""

from egovsim.testing.personas import Persona, PortalSession
from egovsim.testing.scenario_runs import Played, ScenarioFailed
from egovsim.testing.simulator import Reached, RefusalNotReached, Simulator, SimulatorError

__all__ = [
    "Persona",
    "Played",
    "PortalSession",
    "Reached",
    "RefusalNotReached",
    "ScenarioFailed",
    "Simulator",
    "SimulatorError",
]
