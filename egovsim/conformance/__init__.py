"""The provider conformance suite: `egovsim conformance --provider-url URL --service ID`.

egovsim plays the e-government gateway towards an external provider system: an in-process
gateway on 127.0.0.1 (`gateway`) registers the system as the receiver of the service and as a
sender, pushes it REQUESTs as the gateway pushes them and spoiled on purpose (`exchanges`,
signed by the keys of `signers`, carrying the application of `application`), waits a bounded
time for its answers, and judges each check of `checks` (`runner`); `report` renders the run as
JUnit XML and HTML with the exchanged SOAP messages as evidence.
"""

from egovsim.conformance.checks import CHECK_IDS, CHECKS, CheckResult, CheckSpec
from egovsim.conformance.runner import ConformanceOptions, ConformanceRun, run_conformance

__all__ = [
    "CHECKS",
    "CHECK_IDS",
    "CheckResult",
    "CheckSpec",
    "ConformanceOptions",
    "ConformanceRun",
    "run_conformance",
]
