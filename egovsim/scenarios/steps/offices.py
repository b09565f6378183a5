"""The offices' steps: the provider's staff at the workstation and the State Corporation's
operators at the counter, each signed in with a bearer token.

A login signs in at its first step, and again at any step that gives a `password` or no
`action` (a sign-in whose refusal the step's reply carries); `action: sign_out` ends the
session, and the login's later steps carry the ended session's token, as a client that kept it
would, until one signs in again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from egovsim.scenarios.actors import Reply
from egovsim.scenarios.steps.base import Run, StepFailed

WORKSTATION_SESSION = "/api/v1/workstation/session"
COUNTER_SESSION = "/api/v1/statecorp/session"
#: The counter's actions that are the step's own rather than the package's.
COUNTER_OWN = ("open", "show", "sign_out")
#: The provider's newest application still open.
NEWEST_OPEN = "/api/v1/workstation/applications?status=in_progress&limit=1"


async def staff(run: Run, args: dict[str, Any]) -> list[Reply]:
    """The provider's staff member `login` takes `action` on the request delivered (without an
    action, only signs in); `action: open` opens the attached documents `params: {documents:
    [...]}` (every one the request named when none are listed), as C3 asks before a verdict."""
    login = str(args["login"])
    signed_in, token = await _session(run, WORKSTATION_SESSION, login, args)
    action = args.get("action")
    if signed_in is not None and (action is None or signed_in.status != 200):
        return [signed_in]
    headers = {"Authorization": f"Bearer {token}"}
    if action == "sign_out":
        return [await run.http.request("DELETE", WORKSTATION_SESSION, headers=headers)]
    if run.provider_application is None:
        # The newest open one: against a shared remote simulator, earlier runs' stay open (and
        # the inbox, in deadline order, may show it only pages later).
        newest = await run.http.request("GET", NEWEST_OPEN, headers=headers)
        if newest.status != 200:
            return [newest]
        found = newest.body.get("applications", []) if isinstance(newest.body, dict) else []
        if not found:
            raise StepFailed(f"{login}'s provider has nothing open: was the request delivered?")
        run.provider_application = int(found[0]["id"])
    if action == "open":
        return await _open_attachments(run, headers, run.fill(args.get("params") or {}))
    return [
        await run.http.request(
            "POST",
            f"/api/v1/workstation/applications/{run.provider_application}/actions/{action}",
            json_body=run.fill(args.get("params") or {}),
            headers=headers,
        )
    ]


async def _open_attachments(
    run: Run, headers: dict[str, str], params: dict[str, Any]
) -> list[Reply]:
    """GET each attached document's copy from the workstation (the opening is recorded)."""
    base = f"/api/v1/workstation/applications/{run.provider_application}"
    documents = params.get("documents")
    if documents is None:
        view = await run.http.request("GET", base, headers=headers)
        if view.status != 200 or not isinstance(view.body, dict):
            return [view]
        documents = [a["document"] for a in view.body.get("attachments", [])]
    if not isinstance(documents, list) or not documents:
        raise StepFailed("open: give params.documents as a list of document ids")
    return [
        await run.http.request("GET", f"{base}/attachments/{quote(str(d))}", headers=headers)
        for d in documents
    ]


async def counter(run: Run, args: dict[str, Any]) -> list[Reply]:
    """The State Corporation's operator (`login`, else the scenario's clerk, else gk-alm-1)
    takes `action`: `open` a package, `show` one, `sign_out`, or the package's own actions on
    the scenario's package or on `package: N` (without an action, only signs in)."""
    login = str(args.get("login") or run.clerk or "gk-alm-1")
    run.clerk = login
    signed_in, token = await _session(run, COUNTER_SESSION, login, args)
    action = args.get("action")
    if signed_in is not None and (action is None or signed_in.status != 200):
        return [signed_in]
    headers = {"Authorization": f"Bearer {token}"}
    params = run.fill(args.get("params") or {})
    if action == "sign_out":
        return [await run.http.request("DELETE", COUNTER_SESSION, headers=headers)]
    if action == "open":
        reply = await run.http.request(
            "POST", "/api/v1/statecorp/packages", json_body=params, headers=headers
        )
        if reply.status == 201:
            run.package = int(reply.body["id"])
        return [reply]
    path = f"/api/v1/statecorp/packages/{_package(run, args)}"
    if action == "show":
        return [await run.http.request("GET", path, headers=headers)]
    return [
        await run.http.request(
            "POST", f"{path}/actions/{action}", json_body=params, headers=headers
        )
    ]


def _package(run: Run, args: dict[str, Any]) -> str:
    """The package acted on: `package` (a number, or `${package}`), else the scenario's."""
    if "package" in args:
        return str(run.fill(str(args["package"])))
    if run.package is None:
        raise StepFailed("there is no package yet: open one at the counter first")
    return str(run.package)


async def _session(
    run: Run, path: str, login: str, args: dict[str, Any]
) -> tuple[Reply | None, str]:
    """The login's token: the one the scenario holds, or a new sign-in (whose reply is given,
    with the token if it succeeded) at the login's first step, with a `password`, or without
    an `action`."""
    key = f"{path}:{login}"  # as `Run.token` keeps it: `expect` reads the package with it
    held = run.tokens.get(key)
    if held is not None and "password" not in args and args.get("action") is not None:
        return None, held
    password = str(args.get("password", run.personas.password))
    reply = await run.http.request("POST", path, json_body={"login": login, "password": password})
    token = reply.body.get("token") if isinstance(reply.body, dict) else None
    if reply.status == 200 and isinstance(token, str):
        run.tokens[key] = token
        return reply, token
    return reply, ""
