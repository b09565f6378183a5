"""A conformance run in the reports' model (`egovsim.scenarios.reports`): one test suite, a test
case per check named by its stable id, each with what was observed and the SOAP exchanges,
request and answer, as its evidence."""

from __future__ import annotations

from pathlib import Path

from egovsim.conformance.runner import ConformanceRun
from egovsim.scenarios.reports import ReportCase, ReportLine, ReportSuite, write_suites

CLASSNAME = "egovsim.conformance"


def conformance_suite(run: ConformanceRun) -> ReportSuite:
    """The run as one suite."""
    options = run.options
    cases = tuple(
        ReportCase(
            name=result.spec.id,
            classname=CLASSNAME,
            seconds=result.seconds,
            lines=tuple(
                ReportLine(o.title, "passed" if o.passed else "failed", o.detail)
                for o in result.observations
            ),
            failure=None if result.passed else result.message,
            evidence=result.evidence(),
            description=result.spec.title,
        )
        for result in run.results
    )
    name = f"conformance of {options.provider_url} for {options.service_id}"
    return ReportSuite(name, cases)


def write_conformance_reports(run: ConformanceRun, junit: Path | None, html: Path | None) -> None:
    """Write whichever reports were asked for."""
    title = f"egovsim provider conformance: {run.options.service_id}"
    write_suites([conformance_suite(run)], junit, html, title)
