"""The `expect` step: the application's state, its signature and result, its timeline, the
applicant's notices and the State Corporation's package."""

from __future__ import annotations

from typing import Any

from egovsim.scenarios.actors import Reply
from egovsim.scenarios.steps.base import Run, StepFailed, in_order, json_text


async def expect(run: Run, args: dict[str, Any]) -> list[Reply]:
    view: dict[str, Any] | None = None
    if {"application", "signature", "result", "timeline", "signers", "result_signers"} & set(args):
        view = await run.application_view()
        evidence = json_text(view)
        checks = {
            "application": view.get("status"),
            "signature": (view.get("signature") or {}).get("indication"),
            "result": (view.get("result") or {}).get("indication"),
        }
        for name, actual in checks.items():
            if name in args and actual != args[name]:
                raise StepFailed(f"{name}: expected {args[name]!r}, got {actual!r}", evidence)
        for name, part in (("signers", "signature"), ("result_signers", "result")):
            if name in args:
                _signers(run, list(args[name]), view.get(part) or {}, name, evidence)
        if "timeline" in args:
            steps = [entry["step"] for entry in view.get("timeline", [])]
            if not in_order(list(args["timeline"]), steps):
                raise StepFailed(
                    f"timeline: expected {args['timeline']} in order, got {steps}", evidence
                )
    if "notifications" in args:
        reply = await run.http.request("GET", "/api/v1/portal/notifications")
        kinds = {n["kind"] for n in (reply.body or {}).get("notifications", [])}
        if not set(args["notifications"]) <= kinds:
            raise StepFailed(
                f"notifications: expected {args['notifications']}, got {sorted(kinds)}",
                reply.evidence(),
            )
    if "package" in args:
        if run.package is None or run.clerk is None:
            raise StepFailed("there is no package to look at")
        token = await run.token("/api/v1/statecorp/session", run.clerk, None)
        reply = await run.http.request(
            "GET",
            f"/api/v1/statecorp/packages/{run.package}",
            headers={"Authorization": f"Bearer {token}"},
        )
        status = reply.body.get("status") if isinstance(reply.body, dict) else None
        if status != args["package"]:
            raise StepFailed(
                f"package: expected {args['package']!r}, got {status!r}", reply.evidence()
            )
    return []


def _signers(run: Run, personas: list[str], part: dict[str, Any], name: str, evidence: str) -> None:
    """The signature (or result) is signed by these personas, in this order, each passed."""
    wanted = [str(run.personas.entry(str(run.fill(p)))["iin"]) for p in personas]
    found = part.get("signers") or []
    actual = [(s.get("signer") or {}).get("iin") for s in found]
    if actual != wanted:
        raise StepFailed(f"{name}: expected the IINs {wanted}, got {actual}", evidence)
    refused = [s["index"] for s in found if s.get("indication") != "TOTAL_PASSED"]
    if refused:
        raise StepFailed(f"{name}: signers {refused} did not pass", evidence)
