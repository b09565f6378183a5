"""The trainer's steps: the gateway's deliveries, the clock and the fault switches (the raw
SOAP request is `steps.soap`'s), and the `http` request no actor makes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from egovsim.scenarios.actors import ActorError, Reply
from egovsim.scenarios.steps.base import Run, StepFailed
from egovsim.scenarios.targets import resolve_time


async def deliver(run: Run, args: dict[str, Any]) -> list[Reply]:
    try:
        await run.deliver()
    except ActorError as error:
        raise StepFailed(error.message, error.evidence) from None
    return []


async def clock(run: Run, args: dict[str, Any]) -> list[Reply]:
    if "set" in args:
        value = args["set"]
        text = value.isoformat() if isinstance(value, datetime | date) else str(value)
        try:
            moment = resolve_time(text, run.anchor, run.calendar)
        except ValueError as error:
            raise StepFailed(f"cannot read the time {text!r}: {error}") from None
        changes: list[dict[str, Any]] = [{"set": moment.isoformat()}]
    else:
        changes = [{"advance": {unit: amount}} for unit, amount in args["advance"].items()]
    return [await run.http.request("POST", "/api/v1/clock", json_body=change) for change in changes]


async def fault(run: Run, args: dict[str, Any]) -> list[Reply]:
    """A switch of /api/v1/faults (`switch`, or `pki` as older files say: `gateway-down`, the
    PKI's) or a receiver's fault (`gateway`: its serviceId, with `kind` and `seconds`), on
    unless `on: false`."""
    on = bool(args.get("on", True))
    if "pki" in args or "switch" in args:
        path = f"/api/v1/faults/{args.get('switch') or args['pki']}"
        if not on:
            return [await run.http.request("DELETE", path)]
        body: dict[str, Any] = {"on": True}
        if "seconds" in args:
            body["seconds"] = args["seconds"]
        return [await run.http.request("PUT", path, json_body=body)]
    path = f"/api/v1/gateway/routes/{args['gateway']}/fault"
    if not on:
        return [await run.http.request("DELETE", path)]
    body = {"kind": args.get("kind"), "seconds": args.get("seconds", 5)}
    return [await run.http.request("PUT", path, json_body=body)]


async def http(run: Run, args: dict[str, Any]) -> list[Reply]:
    """Any request to the simulator's HTTP interfaces, as a script would send it: `method`,
    `path`, and a `json` body, a text `body` or `size` bytes of filler; the portal's CSRF
    header goes with it while someone is signed in unless `csrf: false` (or another `headers`
    value) says otherwise."""
    method = str(args.get("method", "GET")).upper()
    path = str(run.fill(args["path"]))
    headers = {str(k): str(run.fill(v)) for k, v in dict(args.get("headers") or {}).items()}
    if run.csrf is not None and args.get("csrf", True) and "X-CSRF-Token" not in headers:
        headers["X-CSRF-Token"] = run.csrf
    if "json" in args:
        return [
            await run.http.request(method, path, json_body=run.fill(args["json"]), headers=headers)
        ]
    data: bytes | None = None
    if "body" in args:
        data = str(run.fill(args["body"])).encode()
    elif "size" in args:
        data = b"0" * int(args["size"])
    return [await run.http.request(method, path, data=data, headers=headers)]
