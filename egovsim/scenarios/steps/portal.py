"""The applicant's steps on the portal: registration, login and logout (C1), the order and its
attachments (P3), the signed request (P4, C2, P7), the result (P9), and the "check a document"
service any visitor may use."""

from __future__ import annotations

import base64
import io
import json
import secrets
from datetime import datetime
from typing import Any

import aiohttp

from egovsim.clock import parse_time
from egovsim.pki.keystore import Keystore
from egovsim.scenarios.actors import Reply, signed
from egovsim.scenarios.model import CHALLENGES, CSRF_WAYS
from egovsim.scenarios.steps.base import CONTENT_BYTES, Run, StepFailed
from egovsim.scenarios.steps.cosigning import completed, signing_keystore
from egovsim.scenarios.steps.tampering import signature_over

#: What the "check a document" step signs.
CHECKED_TEXT = b"egovsim: a document to check\n"
_CSRF_HEADER = "X-CSRF-Token"
_LOGIN = "/api/v1/auth/login"


# -- C1: registration, login, logout ---------------------------------------------------------


def _credentials(run: Run, args: dict[str, Any]) -> tuple[Keystore, str, str]:
    """The AUTH keystore (of `key`, default the persona), the login (default the persona's
    BIN or IIN) and the password of a login or registration step."""
    persona = str(args["persona"])
    entry = run.personas.entry(persona)
    keystore = run.personas.keystore(str(args.get("key", persona)), "auth")
    login = str(run.fill(args.get("login") or entry.get("bin") or entry["iin"]))
    password = str(args.get("password", run.personas.password))
    return keystore, login, password


async def _challenge(run: Run) -> tuple[Reply, str, bytes, datetime]:
    """A challenge from the portal: the reply, its id, the nonce to sign, when it expires."""
    reply = await run.http.request("POST", "/api/v1/auth/challenge")
    if reply.status != 200 or not isinstance(reply.body, dict):
        raise StepFailed("the login challenge was not given", reply.evidence())
    body = reply.body
    nonce = base64.b64decode(str(body["nonce"]))
    return reply, str(body["challenge_id"]), nonce, parse_time(str(body["expires_at"]))


async def _proof(
    run: Run, keystore: Keystore, login: str, password: str, challenge_id: str, nonce: bytes
) -> dict[str, str]:
    """The body of a login or registration: the nonce signed with `keystore` now."""
    signature = signed(keystore, nonce, await run.http.now())
    return {
        "login": login,
        "password": password,
        "challenge_id": challenge_id,
        "signature": base64.b64encode(signature).decode(),
    }


async def register(run: Run, args: dict[str, Any]) -> list[Reply]:
    """A new portal account for the persona's IIN (or BIN), proved with its AUTH key."""
    keystore, login, password = _credentials(run, args)
    challenge, challenge_id, nonce, _ = await _challenge(run)
    body = await _proof(run, keystore, login, password, challenge_id, nonce)
    return [challenge, await run.http.request("POST", "/api/v1/auth/register", json_body=body)]


async def login(run: Run, args: dict[str, Any]) -> list[Reply]:
    """P1/C1: a challenge signed with the AUTH key, sent with the login and the password.
    `challenge: reused` logs in, then sends the very same request again; `unknown` signs a
    challenge the portal never gave; `stale` moves the simulator's clock past the challenge's
    lifetime before answering it (the scenario's clock stays moved)."""
    persona = str(args["persona"])
    keystore, login_id, password = _credentials(run, args)
    how = str(args.get("challenge", "fresh"))
    if how not in CHALLENGES:
        raise StepFailed(f"challenge is one of {', '.join(CHALLENGES)}, not {how!r}")
    # A login starts afresh: the browser's earlier session is gone whatever the answer.
    run.http.forget_cookies()
    run.applicant = run.csrf = None
    replies: list[Reply] = []
    if how == "unknown":
        challenge_id, nonce = secrets.token_urlsafe(16), secrets.token_bytes(32)
    else:
        challenge, challenge_id, nonce, expires_at = await _challenge(run)
        replies.append(challenge)
        if how == "stale":
            late = expires_at - await run.http.now()
            minutes = int(late.total_seconds() // 60) + 1
            replies.append(
                await run.http.request(
                    "POST", "/api/v1/clock", json_body={"advance": {"minutes": minutes}}
                )
            )
    body = await _proof(run, keystore, login_id, password, challenge_id, nonce)
    reply = await run.http.request("POST", _LOGIN, json_body=body)
    replies.append(reply)
    token = reply.body.get("csrf_token") if isinstance(reply.body, dict) else None
    if reply.status == 200 and token:
        run.applicant, run.csrf = persona, str(token)
    if how == "reused" and reply.status == 200:
        # The same signed challenge again, as one who captured the request would replay it.
        replies.append(await run.http.request("POST", _LOGIN, json_body=body))
    return replies


async def logout(run: Run, args: dict[str, Any]) -> list[Reply]:
    """End the session; a logout the portal refuses (a wrong CSRF token) leaves it open."""
    reply = await run.http.request("POST", "/api/v1/auth/logout", headers=_csrf(run, args))
    if reply.status == 200:
        run.http.forget_cookies()
        run.applicant = run.csrf = None
    return [reply]


def _csrf(run: Run, args: dict[str, Any]) -> dict[str, str]:
    """The CSRF header a state-changing step sends: the session's token (none while nobody is
    signed in, so the portal answers NOT_SIGNED_IN), a token of no session (`csrf: wrong`) or
    none at all (`csrf: missing`)."""
    how = str(args.get("csrf", "session"))
    if how == "missing":
        return {}
    if how == "wrong":
        return {_CSRF_HEADER: secrets.token_urlsafe(32)}
    if how != "session":
        raise StepFailed(f"csrf is one of {', '.join(CSRF_WAYS)}, not {how!r}")
    return {_CSRF_HEADER: run.csrf} if run.csrf is not None else {}


# -- P3: the draft and its attachments ---------------------------------------------------------


async def order(run: Run, args: dict[str, Any]) -> list[Reply]:
    """P3: a draft of the service, then each document of `attach` in turn."""
    body = {
        "service": args["service"],
        "variant": args.get("variant"),
        "form": run.fill(args.get("form") or {}),
    }
    reply = await run.http.request(
        "POST", "/api/v1/portal/applications", json_body=body, headers=_csrf(run, args)
    )
    replies = [reply]
    if reply.status != 201:
        return replies
    run.application = int(reply.body["id"])
    for document, content in dict(args.get("attach") or {}).items():
        replies.append(
            await _attach(run, str(document), _content(str(content)), f"{document}.bin", {})
        )
        if replies[-1].status != 200:
            break
    return replies


def _content(word: str, size: int | None = None) -> bytes:
    """The bytes of a content word, padded with zeros to `size` bytes when given (a scan's
    first bytes decide its type; a large one is the same file, longer)."""
    data = CONTENT_BYTES[word]
    if size is None:
        return data
    if size < len(data):
        raise StepFailed(f"size {size} is less than the {len(data)} bytes of a {word} file")
    return data + bytes(size - len(data))


async def _attach(run: Run, document: str, data: bytes, name: str, args: dict[str, Any]) -> Reply:
    number = run.current_application()
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(data), filename=name, content_type="application/octet-stream")
    return await run.http.request(
        "POST",
        f"/api/v1/portal/applications/{number}/attachments/{document}",
        data=form,
        headers=_csrf(run, args),
    )


async def attach(run: Run, args: dict[str, Any]) -> list[Reply]:
    """One more document's copy: `content` names its kind, `size` makes it that many bytes."""
    document = str(args["document"])
    size = int(args["size"]) if args.get("size") is not None else None
    data = _content(str(args["content"]), size)
    return [await _attach(run, document, data, str(args.get("name", document)), args)]


# -- P4, C2: the signed request ------------------------------------------------------------------


def _signing_keystore(run: Run, args: dict[str, Any]) -> Keystore:
    """The signing keystore of the step's persona (or the signed-in one's); the AUTH one of a
    persona that has no signing key."""
    persona = str(args.get("persona") or run.applicant or "")
    if not persona:
        raise StepFailed("whose key signs? name a persona or log in first")
    return signing_keystore(run, persona)


async def _cms(
    run: Run, keystore: Keystore, content: bytes, at: datetime, args: dict[str, Any]
) -> bytes:
    """The step's CMS: its first signer's, damaged as `tamper` says, then its co-signers and
    timestamps (`cosigning.completed`)."""
    try:
        signed = signature_over(
            keystore,
            content,
            at,
            detached=bool(args.get("detached", False)),
            digest=str(args.get("digest", "sha256")),
            tamper=str(args["tamper"]) if args.get("tamper") else None,
        )
    except ValueError as error:
        raise StepFailed(str(error)) from None
    return await completed(run, keystore, signed, content, at, args)


async def sign(run: Run, args: dict[str, Any]) -> list[Reply]:
    """P4: the e-document of the draft signed (attached unless `detached`), POSTed as the
    request's signature; `tamper` and `digest` make the CMS one C2 must refuse."""
    number = run.current_application()
    keystore = _signing_keystore(run, args)
    path = f"/api/v1/portal/applications/{number}"
    document = await run.http.request("GET", path + "/document")
    if document.status != 200:
        return [document]
    content = document.raw if args.get("content", "document") == "document" else b"other"
    cms = await _cms(run, keystore, content, await run.http.now(), args)
    headers = _csrf(run, args)
    if args.get("detached") or args.get("json"):
        headers["Content-Type"] = "application/json"
        data = json.dumps({"cms": base64.b64encode(cms).decode()}).encode()
    else:
        headers["Content-Type"] = "application/pkcs7-signature"
        data = cms
    return [
        document,
        await run.http.request("POST", path + "/signature", data=data, headers=headers),
    ]


async def check(run: Run, args: dict[str, Any]) -> list[Reply]:
    """The "check a document" service: a CMS over a short text, made like the sign step's,
    given to POST /api/v1/portal/check-document with the text (or without it: `data: false`;
    `require_timestamp: true` asks the verifier to refuse a signer without one); its report is
    the verdict."""
    keystore = _signing_keystore(run, args)
    cms = await _cms(run, keystore, CHECKED_TEXT, await run.http.now(), args)
    body = {"cms": base64.b64encode(cms).decode()}
    if args.get("data", True):
        body["data"] = base64.b64encode(CHECKED_TEXT).decode()
    path = "/api/v1/portal/check-document"
    if args.get("require_timestamp"):
        path += "?require_timestamp=true"
    return [await run.http.request("POST", path, json_body=body)]


# -- P9: the result ----------------------------------------------------------------------------


async def result(run: Run, args: dict[str, Any]) -> list[Reply]:
    """P9: the applicant opens the signed result of the scenario's application in the
    cabinet (the CMS, then the document it signs)."""
    path = f"/api/v1/portal/applications/{run.current_application()}/result"
    replies = [await run.http.request("GET", path)]
    if replies[0].status == 200:
        replies.append(await run.http.request("GET", path + "/document"))
    return replies
