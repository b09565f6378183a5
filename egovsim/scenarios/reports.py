"""The reports of a scenario run: JUnit XML (a test suite per file, a test case per scenario,
a failure naming the step with its evidence) and one self-contained HTML page."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree

from egovsim.scenarios.runner import FileResult, ScenarioResult

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


def _counts(results: Sequence[ScenarioResult]) -> tuple[int, int, int]:
    failures = sum(1 for r in results if r.error is None and not r.passed)
    errors = sum(1 for r in results if r.error is not None)
    return len(results), failures, errors


def junit_xml(results: Sequence[FileResult]) -> bytes:
    """The run as JUnit XML."""
    root = ElementTree.Element("testsuites")
    all_cases = [s for f in results for s in f.scenarios]
    tests, failures, errors = _counts(all_cases)
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    root.set("time", f"{sum(s.seconds for s in all_cases):.3f}")
    for file_result in results:
        tests, failures, errors = _counts(file_result.scenarios)
        suite = ElementTree.SubElement(
            root,
            "testsuite",
            name=file_result.file.name,
            tests=str(tests),
            failures=str(failures),
            errors=str(errors),
            skipped="0",
            time=f"{sum(s.seconds for s in file_result.scenarios):.3f}",
            file=file_result.file.path.name,
        )
        for outcome in file_result.scenarios:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                name=outcome.scenario.name,
                classname=file_result.file.name,
                file=file_result.file.path.name,
                line=str(outcome.scenario.line),
                time=f"{outcome.seconds:.3f}",
            )
            failed = outcome.failure()
            if outcome.error is not None:
                error = ElementTree.SubElement(case, "error", message=outcome.error)
                error.text = outcome.error
            elif failed is not None:
                message = f"line {failed.step.line}: {failed.step.title()}: {failed.message}"
                failure = ElementTree.SubElement(case, "failure", message=message, type="step")
                failure.text = f"{message}\n\n{failed.evidence}"
            out = ElementTree.SubElement(case, "system-out")
            out.text = "\n".join(
                f"[{s.outcome}] line {s.step.line}: {s.step.title()}" for s in outcome.steps
            )
    ElementTree.indent(root)
    body: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def html_report(results: Sequence[FileResult], title: str = "egovsim scenarios") -> str:
    """The run as one HTML page with its styles inline and no external assets."""
    all_cases = [s for f in results for s in f.scenarios]
    tests, failures, errors = _counts(all_cases)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='summary'>{tests - failures - errors} passed, {failures} failed, "
        f"{errors} errors, {sum(s.seconds for s in all_cases):.1f} s</p>",
    ]
    for file_result in results:
        parts.append(f"<h2>{html.escape(file_result.file.name)}</h2>")
        for outcome in file_result.scenarios:
            state = "passed" if outcome.passed else "failed"
            opened = "" if outcome.passed else " open"
            parts.append(
                f"<details{opened}><summary class='{state}'>{state.upper()} "
                f"{html.escape(outcome.scenario.name)} ({outcome.seconds:.2f} s)</summary>"
            )
            if outcome.error is not None:
                parts.append(f"<pre>{html.escape(outcome.error)}</pre>")
            parts.append("<table><tr><th>line</th><th>step</th><th>outcome</th></tr>")
            for step in outcome.steps:
                parts.append(
                    f"<tr><td>{step.step.line}</td><td>{html.escape(step.step.title())}</td>"
                    f"<td class='{step.outcome}'>{step.outcome}"
                    f"{': ' + html.escape(step.message) if step.message else ''}</td></tr>"
                )
            parts.append("</table>")
            failed = outcome.failure()
            if failed is not None and failed.evidence:
                parts.append(f"<pre>{html.escape(failed.evidence)}</pre>")
            parts.append("</details>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_reports(
    results: Sequence[FileResult], junit: Path | None, html_path: Path | None
) -> None:
    """Write whichever reports were asked for."""
    if junit is not None:
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_bytes(junit_xml(results))
    if html_path is not None:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(html_report(results), encoding="utf-8")
