"""The applicant's steps on the portal: login and logout (C1), the order and its attachments
(P3), the signed request (P4, C2, P7)."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import aiohttp

from egovsim.scenarios.actors import Reply, portal_login, signed
from egovsim.scenarios.steps.base import CONTENT_BYTES, Run, StepFailed


async def login(run: Run, args: dict[str, Any]) -> list[Reply]:
    persona = str(args["persona"])
    entry = run.personas.entry(persona)
    keystore = run.personas.keystore(str(args.get("key", persona)), "auth")
    login = str(run.fill(args.get("login") or entry.get("bin") or entry["iin"]))
    password = str(args.get("password", run.personas.password))
    reply, token = await portal_login(run.http, keystore, login, password)
    if reply.status == 200:
        run.applicant, run.csrf = persona, token
    return [reply]


async def logout(run: Run, args: dict[str, Any]) -> list[Reply]:
    reply = await run.http.request("POST", "/api/v1/auth/logout", headers=run.portal_headers())
    run.http.forget_cookies()
    run.applicant = run.csrf = None
    return [reply]


async def order(run: Run, args: dict[str, Any]) -> list[Reply]:
    body = {
        "service": args["service"],
        "variant": args.get("variant"),
        "form": run.fill(args.get("form") or {}),
    }
    reply = await run.http.request(
        "POST", "/api/v1/portal/applications", json_body=body, headers=run.portal_headers()
    )
    replies = [reply]
    if reply.status != 201:
        return replies
    run.application = int(reply.body["id"])
    for document, content in dict(args.get("attach") or {}).items():
        replies.append(await _attach(run, str(document), str(content), f"{document}.bin"))
        if replies[-1].status != 200:
            break
    return replies


async def _attach(run: Run, document: str, content: str, name: str) -> Reply:
    number = run.current_application()
    form = aiohttp.FormData()
    form.add_field(
        "file",
        io.BytesIO(CONTENT_BYTES[content]),
        filename=name,
        content_type="application/octet-stream",
    )
    return await run.http.request(
        "POST",
        f"/api/v1/portal/applications/{number}/attachments/{document}",
        data=form,
        headers=run.portal_headers(),
    )


async def attach(run: Run, args: dict[str, Any]) -> list[Reply]:
    document = str(args["document"])
    return [await _attach(run, document, str(args["content"]), str(args.get("name", document)))]


async def sign(run: Run, args: dict[str, Any]) -> list[Reply]:
    number = run.current_application()
    persona = str(args.get("persona") or run.applicant or "")
    if not persona:
        raise StepFailed("whose key signs? name a persona or log in first")
    stores = run.personas.entry(persona)["keystores"]
    keystore = run.personas.keystore(persona, "sign" if "sign" in stores else "auth")
    path = f"/api/v1/portal/applications/{number}"
    document = await run.http.request("GET", path + "/document")
    if document.status != 200:
        return [document]
    content = document.raw if args.get("content", "document") == "document" else b"other"
    detached = bool(args.get("detached", False))
    cms = signed(keystore, content, await run.http.now(), detached=detached)
    headers = run.portal_headers()
    if detached or args.get("json"):
        headers["Content-Type"] = "application/json"
        data = json.dumps({"cms": base64.b64encode(cms).decode()}).encode()
    else:
        headers["Content-Type"] = "application/pkcs7-signature"
        data = cms
    return [
        document,
        await run.http.request("POST", path + "/signature", data=data, headers=headers),
    ]
