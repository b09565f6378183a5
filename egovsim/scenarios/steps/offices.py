"""The offices' steps: the provider's staff at the workstation and the State Corporation's
operators at the counter, each signed in with a bearer token."""

from __future__ import annotations

from typing import Any

from egovsim.scenarios.actors import Reply
from egovsim.scenarios.steps.base import Run, StepFailed


async def staff(run: Run, args: dict[str, Any]) -> list[Reply]:
    login = str(args["login"])
    token = await run.token("/api/v1/workstation/session", login, args.get("password"))
    headers = {"Authorization": f"Bearer {token}"}
    if run.provider_application is None:
        inbox = await run.http.request("GET", "/api/v1/workstation/inbox", headers=headers)
        found = inbox.body.get("applications", []) if isinstance(inbox.body, dict) else []
        if not found:
            raise StepFailed(f"{login}'s inbox is empty: was the request delivered?")
        # The newest: against a shared remote simulator, earlier runs' stay in the inbox.
        run.provider_application = max(int(a["id"]) for a in found)
    action = str(args["action"])
    return [
        await run.http.request(
            "POST",
            f"/api/v1/workstation/applications/{run.provider_application}/actions/{action}",
            json_body=run.fill(args.get("params") or {}),
            headers=headers,
        )
    ]


async def counter(run: Run, args: dict[str, Any]) -> list[Reply]:
    login = str(args.get("login") or run.clerk or "gk-alm-1")
    run.clerk = login
    token = await run.token("/api/v1/statecorp/session", login, args.get("password"))
    headers = {"Authorization": f"Bearer {token}"}
    action = str(args["action"])
    params = run.fill(args.get("params") or {})
    if action == "open":
        reply = await run.http.request(
            "POST", "/api/v1/statecorp/packages", json_body=params, headers=headers
        )
        if reply.status == 201:
            run.package = int(reply.body["id"])
        return [reply]
    if run.package is None:
        raise StepFailed("there is no package yet: open one at the counter first")
    return [
        await run.http.request(
            "POST",
            f"/api/v1/statecorp/packages/{run.package}/actions/{action}",
            json_body=params,
            headers=headers,
        )
    ]
