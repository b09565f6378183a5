"""The reports of a run: JUnit XML (a test suite per file, a test case per scenario or check, a
failure with its evidence) and one self-contained HTML page.

The renderers work on a small model of their own (`ReportSuite`, `ReportCase`, `ReportLine`), so
the scenario runner and the provider conformance suite share them; `scenario_suites` turns a
scenario run into that model.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

if TYPE_CHECKING:
    from egovsim.scenarios.runner import FileResult

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}
.summary{font-size:1.1em;margin-bottom:1em}
details{border:1px solid #ccc;border-radius:4px;margin:.4em 0;padding:.3em .6em}
summary{cursor:pointer;font-weight:600}
.passed{color:#176f2c}.failed{color:#b00020}.skipped{color:#777}
table{border-collapse:collapse;margin:.5em 0;width:100%}
td,th{border-bottom:1px solid #eee;padding:.2em .5em;text-align:left;vertical-align:top}
pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap;max-height:30em;overflow:auto}
"""


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One step of a case as the reports list it."""

    title: str
    outcome: str  # "passed", "failed", "skipped"
    message: str = ""
    line: int | None = None  # the step's line in its file, where it has one


@dataclass(frozen=True, slots=True)
class ReportCase:
    """One JUnit test case: passed, failed (with a message) or in error (it could not run).
    `evidence` goes with the failure, or, for a case that passed, into its output."""

    name: str
    classname: str
    seconds: float
    lines: tuple[ReportLine, ...] = ()
    failure: str | None = None
    error: str | None = None
    evidence: str = ""
    description: str = ""
    file: str | None = None
    line: int | None = None

    @property
    def passed(self) -> bool:
        """Neither failed nor in error."""
        return self.failure is None and self.error is None


@dataclass(frozen=True, slots=True)
class ReportSuite:
    """One JUnit test suite."""

    name: str
    cases: tuple[ReportCase, ...]
    file: str | None = None


def scenario_suites(results: Sequence[FileResult]) -> list[ReportSuite]:
    """A scenario run in the reports' model: a suite per file, a case per scenario."""
    suites = []
    for file_result in results:
        cases = []
        for outcome in file_result.scenarios:
            failed = outcome.failure()
            failure = evidence = None
            if outcome.error is None and failed is not None:
                failure = f"line {failed.step.line}: {failed.step.title()}: {failed.message}"
                evidence = failed.evidence
            cases.append(
                ReportCase(
                    name=outcome.scenario.name,
                    classname=file_result.file.name,
                    seconds=outcome.seconds,
                    lines=tuple(
                        ReportLine(s.step.title(), s.outcome, s.message, s.step.line)
                        for s in outcome.steps
                    ),
                    failure=failure,
                    error=outcome.error,
                    evidence=evidence or "",
                    file=file_result.file.path.name,
                    line=outcome.scenario.line,
                )
            )
        suites.append(ReportSuite(file_result.file.name, tuple(cases), file_result.file.path.name))
    return suites


def _counts(cases: Sequence[ReportCase]) -> tuple[int, int, int]:
    failures = sum(1 for c in cases if c.error is None and c.failure is not None)
    errors = sum(1 for c in cases if c.error is not None)
    return len(cases), failures, errors


def _line_text(line: ReportLine) -> str:
    where = f" line {line.line}:" if line.line is not None else ""
    said = f" — {line.message}" if line.message else ""
    return f"[{line.outcome}]{where} {line.title}{said}"


def suites_junit_xml(suites: Sequence[ReportSuite]) -> bytes:
    """Suites as JUnit XML."""
    root = ElementTree.Element("testsuites")
    all_cases = [c for s in suites for c in s.cases]
    tests, failures, errors = _counts(all_cases)
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    root.set("time", f"{sum(c.seconds for c in all_cases):.3f}")
    for suite in suites:
        tests, failures, errors = _counts(suite.cases)
        attributes = {
            "name": suite.name,
            "tests": str(tests),
            "failures": str(failures),
            "errors": str(errors),
            "skipped": "0",
            "time": f"{sum(c.seconds for c in suite.cases):.3f}",
        }
        if suite.file is not None:
            attributes["file"] = suite.file
        suite_element = ElementTree.SubElement(root, "testsuite", attributes)
        for case in suite.cases:
            case_attributes = {"name": case.name, "classname": case.classname}
            if case.file is not None:
                case_attributes["file"] = case.file
            if case.line is not None:
                case_attributes["line"] = str(case.line)
            case_attributes["time"] = f"{case.seconds:.3f}"
            element = ElementTree.SubElement(suite_element, "testcase", case_attributes)
            if case.error is not None:
                error = ElementTree.SubElement(element, "error", message=case.error)
                error.text = case.error
            elif case.failure is not None:
                failure = ElementTree.SubElement(
                    element, "failure", message=case.failure, type="step"
                )
                failure.text = f"{case.failure}\n\n{case.evidence}"
            out = ElementTree.SubElement(element, "system-out")
            output = [_line_text(line) for line in case.lines]
            if case.passed and case.evidence:
                output.append(case.evidence)
            out.text = "\n".join(output)
    ElementTree.indent(root)
    body: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def suites_html(suites: Sequence[ReportSuite], title: str) -> str:
    """Suites as one HTML page with its styles inline and no external assets."""
    all_cases = [c for s in suites for c in s.cases]
    tests, failures, errors = _counts(all_cases)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='summary'>{tests - failures - errors} passed, {failures} failed, "
        f"{errors} errors, {sum(c.seconds for c in all_cases):.1f} s</p>",
    ]
    for suite in suites:
        parts.append(f"<h2>{html.escape(suite.name)}</h2>")
        for case in suite.cases:
            state = "passed" if case.passed else "failed"
            opened = "" if case.passed else " open"
            parts.append(
                f"<details{opened}><summary class='{state}'>{state.upper()} "
                f"{html.escape(case.name)} ({case.seconds:.2f} s)</summary>"
            )
            if case.description:
                parts.append(f"<p>{html.escape(case.description)}</p>")
            if case.error is not None:
                parts.append(f"<pre>{html.escape(case.error)}</pre>")
            if case.failure is not None and case.line is None:
                parts.append(f"<p class='failed'>{html.escape(case.failure)}</p>")
            parts.append(_lines_table(case))
            if case.evidence:
                parts.append(f"<pre>{html.escape(case.evidence)}</pre>")
            parts.append("</details>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _lines_table(case: ReportCase) -> str:
    """The case's steps, with their lines in the file when the case comes from one."""
    numbered = case.line is not None
    rows = ["<table><tr>" + ("<th>line</th>" if numbered else "") + "<th>step</th>"]
    rows[0] += "<th>outcome</th></tr>"
    for line in case.lines:
        where = f"<td>{line.line}</td>" if numbered else ""
        said = f": {html.escape(line.message)}" if line.message else ""
        rows.append(
            f"<tr>{where}<td>{html.escape(line.title)}</td>"
            f"<td class='{line.outcome}'>{line.outcome}{said}</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def write_suites(
    suites: Sequence[ReportSuite], junit: Path | None, html_path: Path | None, title: str
) -> None:
    """Write whichever reports were asked for."""
    if junit is not None:
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_bytes(suites_junit_xml(suites))
    if html_path is not None:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(suites_html(suites, title), encoding="utf-8")


def junit_xml(results: Sequence[FileResult]) -> bytes:
    """A scenario run as JUnit XML."""
    return suites_junit_xml(scenario_suites(results))


def html_report(results: Sequence[FileResult], title: str = "egovsim scenarios") -> str:
    """A scenario run as one HTML page."""
    return suites_html(scenario_suites(results), title)


def write_reports(
    results: Sequence[FileResult], junit: Path | None, html_path: Path | None
) -> None:
    """Write whichever reports of a scenario run were asked for."""
    write_suites(scenario_suites(results), junit, html_path, "egovsim scenarios")
