"""The `ncalayer` step (P4): the applicant chooses a key set in NCALayer's key dialog, or a page
sends NCALayer one command over its WebSocket (/ncalayer on the simulator's port)."""

from __future__ import annotations

import json
import re
from typing import Any

import aiohttp

from egovsim.scenarios.actors import Reply
from egovsim.scenarios.steps.base import Run, StepFailed, json_text

#: How long one command over the socket may take (signing opens a keystore).
COMMAND_SECONDS = 30.0
#: A failed answer's details that name an egovsim refusal (`egovsim: TSA_UNAVAILABLE: ...`).
_REFUSAL = re.compile(r"egovsim: [A-Z][A-Z0-9_]+:")


async def ncalayer(run: Run, args: dict[str, Any]) -> list[Reply]:
    """`{persona, password?}` chooses the key set every client signs with
    (PUT /api/v1/ncalayer/persona: NCALAYER_PERSONA_UNKNOWN, NCALAYER_PASSWORD_WRONG);
    `{module, method, args?}` sends one command over the socket, which must succeed, or fail
    with the refusal the step expects when the signer names one (a TSA that failed a
    tsaProfile)."""
    if "persona" in args:
        body: dict[str, Any] = {"persona": str(run.fill(args["persona"]))}
        if args.get("password") is not None:
            body["password"] = str(args["password"])
        return [await run.http.request("PUT", "/api/v1/ncalayer/persona", json_body=body)]
    command = {
        "module": str(args["module"]),
        "method": str(args["method"]),
        "args": run.fill(args.get("args")),
    }
    answer = await command_answer(run.http.base_url, command, run.http.operator_headers)
    if not succeeded(answer):
        if _REFUSAL.match(str(answer.get("details") or answer.get("message") or "")):
            # An egovsim refusal the signer names (a TSA that failed): the step's to judge.
            raw = json.dumps(answer, ensure_ascii=False).encode()
            return [Reply("WS", "/ncalayer", 200, answer, raw)]
        raise StepFailed(
            f"NCALayer answered {answer.get('code')}: {answer.get('message') or answer}",
            json_text({"sent": command, "answer": answer}),
        )
    return []


def succeeded(answer: dict[str, Any]) -> bool:
    """Whether an NCALayer answer is a success: commonUtils' code 200, basics' status true."""
    return answer.get("code") == "200" or answer.get("status") is True


async def command_answer(
    base_url: str, command: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """Connect to the simulator's NCALayer socket, send one command, and read its answer
    (after the greeting NCALayer sends on connecting)."""
    address = base_url.rstrip("/") + "/ncalayer"
    timeout = aiohttp.ClientTimeout(total=COMMAND_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.ws_connect(address, headers=headers) as socket,
        ):
            await socket.receive_str()  # the greeting: {"result": {"version": ...}}
            await socket.send_str(json.dumps(command))
            text = await socket.receive_str()
    except (aiohttp.ClientError, TimeoutError, TypeError) as error:
        # TypeError: the socket closed or sent binary where text was expected.
        raise StepFailed(f"the NCALayer socket at {address}: {error!r}") from None
    try:
        answer = json.loads(text)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise StepFailed("NCALayer's answer is not a JSON object", text[:4000])
    return answer
