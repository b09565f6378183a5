"""Run scenarios against the simulator: in-process (a fresh app on a loopback port per scenario,
with its own data directory, a copy of the test PKI and the clock frozen where the scenario
starts) or against a running `egovsim serve` at a base URL. Steps go through the public HTTP
interfaces only, so one file runs the same either way."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any, Protocol
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import aiohttp

from egovsim.clock import parse_time
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.scenarios.actors import (
    ActorError,
    Http,
    Personas,
    Reply,
    bearer_login,
    portal_login,
    signed,
)
from egovsim.scenarios.model import Scenario, ScenarioFile, Step

ALMATY = ZoneInfo("Asia/Almaty")
#: Attachment contents a file names by word: the smallest files the content sniffing accepts
#: (pdf, jpeg, png) and two it refuses.
CONTENT_BYTES: dict[str, bytes] = {
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64),
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
    "text": b"just some text, not a scan\n",
    "exe": b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64),
}
#: How long a remote `deliver` step waits for the message log to settle.
REMOTE_SETTLE_SECONDS = 30.0
_RELATIVE = re.compile(r"issued([+-][0-9]+)d")
_PLACEHOLDER = re.compile(r"\$\{([a-z0-9-]+)(?:\.([a-z_]+))?\}")


@dataclass
class StepResult:
    """What one step did: passed, failed (with the reason and the evidence) or skipped."""

    step: Step
    outcome: str  # "passed", "failed", "skipped"
    message: str = ""
    evidence: str = ""
    seconds: float = 0.0


@dataclass
class ScenarioResult:
    """One scenario's run: a JUnit test case."""

    scenario: Scenario
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None  # the scenario could not start or crashed

    @property
    def passed(self) -> bool:
        """Every step passed."""
        return self.error is None and all(s.outcome == "passed" for s in self.steps)

    def failure(self) -> StepResult | None:
        """The failed step, if any."""
        return next((s for s in self.steps if s.outcome == "failed"), None)


@dataclass
class FileResult:
    """One file's run: a JUnit test suite."""

    file: ScenarioFile
    scenarios: list[ScenarioResult] = field(default_factory=list)


#: Called as each step ends: the file, the scenario, the step's result.
Progress = Callable[[ScenarioFile, Scenario, StepResult], None]


class Target(Protocol):
    """Where scenarios run."""

    personas: Personas

    def session(self, start: datetime) -> Any:
        """An async context giving (Http, deliver) for one scenario starting at `start`."""


def _moment(day: date) -> datetime:
    return datetime.combine(day, day_time(10), tzinfo=ALMATY)


def resolve_time(expression: str, anchor: datetime, calendar: WorkingCalendar) -> datetime:
    """A clock expression as a time. `anchor` is when the test PKI was issued: its personas'
    certificates are valid from 29 days before it to 334 days after, so every word picks a
    day in that span.

    - an ISO 8601 time;
    - `working-morning`: 10:00 Almaty time on the first working day after the anchor;
    - `working-day MM-DD`: 10:00 on that month and day (moved to a working day) in the span;
    - `in-window MM-DD..MM-DD`: 10:00 on the working day of that yearly window nearest the
      anchor; `outside-window MM-DD..MM-DD` the nearest working day outside it;
    - `issued+Nd` / `issued-Nd`: N days after or before the anchor itself.
    """
    words = expression.split()
    relative = _RELATIVE.fullmatch(expression.strip())
    if relative is not None:
        return anchor + timedelta(days=int(relative.group(1)))
    local = anchor.astimezone(ALMATY).date()
    first, last = anchor - timedelta(days=29), anchor + timedelta(days=300)
    if words == ["working-morning"]:
        day = local + timedelta(days=1)
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
        return _moment(day)
    if len(words) == 2 and words[0] == "working-day":
        month, day_of_month = (int(part) for part in words[1].split("-"))
        for year in (local.year - 1, local.year, local.year + 1):
            day = date(year, month, day_of_month)
            while not calendar.is_working_day(day):
                day += timedelta(days=1)
            if first <= _moment(day) <= last:
                return _moment(day)
        raise ValueError(f"no {words[1]} in the certificates' validity")
    if len(words) == 2 and words[0] in ("in-window", "outside-window"):
        start, end = (tuple(int(p) for p in part.split("-")) for part in words[1].split(".."))
        inside_wanted = words[0] == "in-window"
        for offset in sorted(range(-29, 300), key=abs):
            day = local + timedelta(days=offset)
            inside = start <= (day.month, day.day) <= end
            if inside == inside_wanted and calendar.is_working_day(day):
                return _moment(day)
        raise ValueError(f"no working day {words[0]} {words[1]} in the certificates' validity")
    return parse_time(expression)


class InProcess:
    """Each scenario gets its own app on 127.0.0.1: a fresh data directory, a copy of the test
    PKI, the clock frozen at the scenario's start, deliveries run by the runner."""

    def __init__(self, certs_dir: Path, password: str = "Qwerty12") -> None:
        self.certs_dir = certs_dir
        self.personas = Personas(certs_dir, password)
        self.password = password

    @asynccontextmanager
    async def session(
        self, start: datetime
    ) -> AsyncIterator[tuple[Http, Callable[[], Awaitable[None]]]]:
        """A fresh simulator for one scenario."""
        from aiohttp.test_utils import TestServer

        from egovsim.clock import Clock
        from egovsim.config import Settings
        from egovsim.pki.authority import TestPki
        from egovsim.web.app import create_app
        from egovsim.web.keys import DELIVERY

        with tempfile.TemporaryDirectory(prefix="egovsim-scenario-") as directory:
            certs = Path(directory) / "certs"
            shutil.copytree(self.certs_dir, certs)
            settings = Settings(
                data_dir=Path(directory) / "data",
                certs_dir=certs,
                public_url=TestPki.open(certs).base_url,
                clock_frozen_at=start,
                gateway_worker=False,
                gateway_first_backoff=0.0,
                gateway_max_attempts=3,
                persona_password=self.password,
            )
            app = create_app(settings, Clock(frozen_at=start))
            server = TestServer(app, host="127.0.0.1")
            await server.start_server()
            http = Http(str(server.make_url("/")))

            async def deliver() -> None:
                for _ in range(20):
                    if not await app[DELIVERY].deliver_due():
                        return
                raise ActorError("the gateway's deliveries never settle")

            try:
                yield http, deliver
            finally:
                await http.close()
                await server.close()


class Remote:
    """A running simulator: the clock is set and frozen at each scenario's start, deliveries
    are awaited by polling the gateway's message log. The personas' keystores come from the
    same certs directory the simulator uses."""

    def __init__(self, base_url: str, certs_dir: Path, password: str = "Qwerty12") -> None:
        self.base_url = base_url
        self.personas = Personas(certs_dir, password)

    @asynccontextmanager
    async def session(
        self, start: datetime
    ) -> AsyncIterator[tuple[Http, Callable[[], Awaitable[None]]]]:
        """The running simulator, its clock moved to `start`."""
        http = Http(self.base_url)
        try:
            for change in ({"set": start.isoformat()}, {"freeze": True}):
                reply = await http.request("POST", "/api/v1/clock", json_body=change)
                if reply.status != 200:
                    raise ActorError("cannot set the simulator's clock", reply.evidence())

            async def deliver() -> None:
                deadline = time.monotonic() + REMOTE_SETTLE_SECONDS
                while time.monotonic() < deadline:
                    log = await http.request("GET", "/api/v1/gateway/messages?limit=50")
                    messages = log.body.get("messages", []) if isinstance(log.body, dict) else []
                    if not any(m.get("state") == "ON_DELIVERY" for m in messages):
                        return
                    await asyncio.sleep(0.2)
                raise ActorError("the gateway's messages did not settle", log.evidence())

            yield http, deliver
        finally:
            await http.close()


class StepFailed(Exception):
    """A step's outcome was not the expected one."""

    def __init__(self, message: str, evidence: str = "") -> None:
        self.message = message
        self.evidence = evidence
        super().__init__(message)


class _Run:
    """The state of one scenario as its steps go: who is signed in, which records are its."""

    def __init__(
        self,
        http: Http,
        deliver: Callable[[], Awaitable[None]],
        personas: Personas,
        calendar: WorkingCalendar,
        anchor: datetime,
    ) -> None:
        self.http = http
        self.deliver = deliver
        self.personas = personas
        self.calendar = calendar
        self.anchor = anchor
        self.applicant: str | None = None
        self.csrf: str | None = None
        self.application: int | None = None
        self.provider_application: int | None = None
        self.package: int | None = None
        self.tokens: dict[str, str] = {}
        self.clerk: str | None = None

    # -- helpers ---------------------------------------------------------------------------

    def fill(self, value: Any) -> Any:
        """`${persona-id.iin}`, `${persona-id.bin}` and `${uuid}` in text, at any depth."""
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if isinstance(value, str):
            return _PLACEHOLDER.sub(self._placeholder, value)
        return value

    def _placeholder(self, match: re.Match[str]) -> str:
        name, part = match.group(1), match.group(2)
        if name == "uuid" and part is None:
            return str(uuid.uuid4())
        entry = self.personas.entry(name)
        return str(entry.get(part or "iin") or "")

    def portal_headers(self) -> dict[str, str]:
        if self.csrf is None:
            raise StepFailed("nobody is signed in to the portal: add a login step first")
        return {"X-CSRF-Token": self.csrf}

    def current_application(self) -> int:
        if self.application is None:
            raise StepFailed("there is no application yet: add an order step first")
        return self.application

    async def token(self, path: str, login: str, password: str | None) -> str:
        key = f"{path}:{login}"
        if key not in self.tokens:
            self.tokens[key] = await bearer_login(
                self.http, path, login, password or self.personas.password
            )
        return self.tokens[key]

    async def application_view(self) -> dict[str, Any]:
        number = self.current_application()
        reply = await self.http.request("GET", f"/api/v1/portal/applications/{number}")
        if reply.status != 200 or not isinstance(reply.body, dict):
            raise StepFailed("the application cannot be read", reply.evidence())
        return reply.body

    # -- the steps ---------------------------------------------------------------------------

    async def login(self, args: dict[str, Any]) -> list[Reply]:
        persona = str(args["persona"])
        entry = self.personas.entry(persona)
        keystore = self.personas.keystore(str(args.get("key", persona)), "auth")
        login = str(self.fill(args.get("login") or entry.get("bin") or entry["iin"]))
        password = str(args.get("password", self.personas.password))
        reply, token = await portal_login(self.http, keystore, login, password)
        if reply.status == 200:
            self.applicant, self.csrf = persona, token
        return [reply]

    async def logout(self, args: dict[str, Any]) -> list[Reply]:
        reply = await self.http.request(
            "POST", "/api/v1/auth/logout", headers=self.portal_headers()
        )
        self.http.forget_cookies()
        self.applicant = self.csrf = None
        return [reply]

    async def order(self, args: dict[str, Any]) -> list[Reply]:
        body = {
            "service": args["service"],
            "variant": args.get("variant"),
            "form": self.fill(args.get("form") or {}),
        }
        reply = await self.http.request(
            "POST", "/api/v1/portal/applications", json_body=body, headers=self.portal_headers()
        )
        replies = [reply]
        if reply.status != 201:
            return replies
        self.application = int(reply.body["id"])
        for document, content in dict(args.get("attach") or {}).items():
            replies.append(await self._attach(str(document), str(content), f"{document}.bin"))
            if replies[-1].status != 200:
                break
        return replies

    async def _attach(self, document: str, content: str, name: str) -> Reply:
        number = self.current_application()
        form = aiohttp.FormData()
        form.add_field(
            "file",
            io.BytesIO(CONTENT_BYTES[content]),
            filename=name,
            content_type="application/octet-stream",
        )
        return await self.http.request(
            "POST",
            f"/api/v1/portal/applications/{number}/attachments/{document}",
            data=form,
            headers=self.portal_headers(),
        )

    async def attach(self, args: dict[str, Any]) -> list[Reply]:
        document = str(args["document"])
        return [await self._attach(document, str(args["content"]), str(args.get("name", document)))]

    async def sign(self, args: dict[str, Any]) -> list[Reply]:
        number = self.current_application()
        persona = str(args.get("persona") or self.applicant or "")
        if not persona:
            raise StepFailed("whose key signs? name a persona or log in first")
        stores = self.personas.entry(persona)["keystores"]
        keystore = self.personas.keystore(persona, "sign" if "sign" in stores else "auth")
        path = f"/api/v1/portal/applications/{number}"
        document = await self.http.request("GET", path + "/document")
        if document.status != 200:
            return [document]
        content = document.raw if args.get("content", "document") == "document" else b"other"
        detached = bool(args.get("detached", False))
        cms = signed(keystore, content, await self.http.now(), detached=detached)
        headers = self.portal_headers()
        if detached or args.get("json"):
            headers["Content-Type"] = "application/json"
            data = json.dumps({"cms": base64.b64encode(cms).decode()}).encode()
        else:
            headers["Content-Type"] = "application/pkcs7-signature"
            data = cms
        return [
            document,
            await self.http.request("POST", path + "/signature", data=data, headers=headers),
        ]

    async def deliver_step(self, args: dict[str, Any]) -> list[Reply]:
        try:
            await self.deliver()
        except ActorError as error:
            raise StepFailed(error.message, error.evidence) from None
        return []

    async def staff(self, args: dict[str, Any]) -> list[Reply]:
        login = str(args["login"])
        token = await self.token("/api/v1/workstation/session", login, args.get("password"))
        headers = {"Authorization": f"Bearer {token}"}
        if self.provider_application is None:
            inbox = await self.http.request("GET", "/api/v1/workstation/inbox", headers=headers)
            found = inbox.body.get("applications", []) if isinstance(inbox.body, dict) else []
            if not found:
                raise StepFailed(f"{login}'s inbox is empty: was the request delivered?")
            # The newest: against a shared remote simulator, earlier runs' stay in the inbox.
            self.provider_application = max(int(a["id"]) for a in found)
        action = str(args["action"])
        return [
            await self.http.request(
                "POST",
                f"/api/v1/workstation/applications/{self.provider_application}/actions/{action}",
                json_body=self.fill(args.get("params") or {}),
                headers=headers,
            )
        ]

    async def counter(self, args: dict[str, Any]) -> list[Reply]:
        login = str(args.get("login") or self.clerk or "gk-alm-1")
        self.clerk = login
        token = await self.token("/api/v1/statecorp/session", login, args.get("password"))
        headers = {"Authorization": f"Bearer {token}"}
        action = str(args["action"])
        params = self.fill(args.get("params") or {})
        if action == "open":
            reply = await self.http.request(
                "POST", "/api/v1/statecorp/packages", json_body=params, headers=headers
            )
            if reply.status == 201:
                self.package = int(reply.body["id"])
            return [reply]
        if self.package is None:
            raise StepFailed("there is no package yet: open one at the counter first")
        return [
            await self.http.request(
                "POST",
                f"/api/v1/statecorp/packages/{self.package}/actions/{action}",
                json_body=params,
                headers=headers,
            )
        ]

    async def clock(self, args: dict[str, Any]) -> list[Reply]:
        if "set" in args:
            value = args["set"]
            text = value.isoformat() if isinstance(value, datetime | date) else str(value)
            try:
                moment = resolve_time(text, self.anchor, self.calendar)
            except ValueError as error:
                raise StepFailed(f"cannot read the time {text!r}: {error}") from None
            changes: list[dict[str, Any]] = [{"set": moment.isoformat()}]
        else:
            changes = [{"advance": {unit: amount}} for unit, amount in args["advance"].items()]
        return [
            await self.http.request("POST", "/api/v1/clock", json_body=change) for change in changes
        ]

    async def fault(self, args: dict[str, Any]) -> list[Reply]:
        on = bool(args.get("on", True))
        if "pki" in args:
            path = f"/api/v1/faults/{args['pki']}"
            if not on:
                return [await self.http.request("DELETE", path)]
            body: dict[str, Any] = {"on": True}
            if "seconds" in args:
                body["seconds"] = args["seconds"]
            return [await self.http.request("PUT", path, json_body=body)]
        path = f"/api/v1/gateway/routes/{args['gateway']}/fault"
        if not on:
            return [await self.http.request("DELETE", path)]
        body = {"kind": args.get("kind"), "seconds": args.get("seconds", 5)}
        return [await self.http.request("PUT", path, json_body=body)]

    async def soap(self, args: dict[str, Any]) -> list[Reply]:
        channel = str(args.get("channel", "async"))
        body = str(self.fill(args["body"])).encode()
        reply = await self.http.request(
            "POST", f"/shep/{channel}", data=body, headers={"Content-Type": "text/xml"}
        )
        return [reply]

    async def expect(self, args: dict[str, Any]) -> list[Reply]:
        view: dict[str, Any] | None = None
        if {"application", "signature", "result", "timeline"} & set(args):
            view = await self.application_view()
            evidence = _json_text(view)
            checks = {
                "application": view.get("status"),
                "signature": (view.get("signature") or {}).get("indication"),
                "result": (view.get("result") or {}).get("indication"),
            }
            for name, actual in checks.items():
                if name in args and actual != args[name]:
                    raise StepFailed(f"{name}: expected {args[name]!r}, got {actual!r}", evidence)
            if "timeline" in args:
                steps = [entry["step"] for entry in view.get("timeline", [])]
                if not _in_order(list(args["timeline"]), steps):
                    raise StepFailed(
                        f"timeline: expected {args['timeline']} in order, got {steps}", evidence
                    )
        if "notifications" in args:
            reply = await self.http.request("GET", "/api/v1/portal/notifications")
            kinds = {n["kind"] for n in (reply.body or {}).get("notifications", [])}
            if not set(args["notifications"]) <= kinds:
                raise StepFailed(
                    f"notifications: expected {args['notifications']}, got {sorted(kinds)}",
                    reply.evidence(),
                )
        if "package" in args:
            if self.package is None or self.clerk is None:
                raise StepFailed("there is no package to look at")
            token = await self.token("/api/v1/statecorp/session", self.clerk, None)
            reply = await self.http.request(
                "GET",
                f"/api/v1/statecorp/packages/{self.package}",
                headers={"Authorization": f"Bearer {token}"},
            )
            status = reply.body.get("status") if isinstance(reply.body, dict) else None
            if status != args["package"]:
                raise StepFailed(
                    f"package: expected {args['package']!r}, got {status!r}", reply.evidence()
                )
        return []


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)[:4000]


def _in_order(wanted: list[str], actual: list[str]) -> bool:
    remaining = iter(actual)
    return all(any(step == got for got in remaining) for step in wanted)


def _soap_error_code(reply: Reply) -> str | None:
    try:
        root = ElementTree.fromstring(reply.raw)
    except ElementTree.ParseError:
        return None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "errorCode":
            return (element.text or "").strip()
    return None


def _judge(step: Step, replies: list[Reply]) -> None:
    """The step's replies against what it expects: all successes, or the named refusal."""
    failed = next((r for r in replies if r.status >= 400), None)
    if step.refused is None:
        if failed is not None:
            code = failed.error_code() or _soap_error_code(failed)
            raise StepFailed(f"refused with {code or f'HTTP {failed.status}'}", failed.evidence())
        return
    if failed is None:
        shown = replies[-1].evidence() if replies else ""
        raise StepFailed(f"expected the refusal {step.refused.code}, but it succeeded", shown)
    where: Any
    if step.kind == "soap":
        code, where = _soap_error_code(failed), step.refused.step
    else:
        code = failed.error_code()
        where = failed.body["error"].get("step") if code else None
    if (code, where) != (step.refused.code, step.refused.step):
        raise StepFailed(
            f"expected the refusal {step.refused.code} at {step.refused.step}, "
            f"got {code or f'HTTP {failed.status}'} at {where}",
            failed.evidence(),
        )


_ACTIONS: dict[str, Callable[[_Run, dict[str, Any]], Awaitable[list[Reply]]]] = {
    "login": _Run.login,
    "logout": _Run.logout,
    "order": _Run.order,
    "attach": _Run.attach,
    "sign": _Run.sign,
    "deliver": _Run.deliver_step,
    "staff": _Run.staff,
    "counter": _Run.counter,
    "clock": _Run.clock,
    "fault": _Run.fault,
    "soap": _Run.soap,
    "expect": _Run.expect,
}


async def run_scenario(
    target: Target,
    scenario_file: ScenarioFile,
    scenario: Scenario,
    progress: Progress | None = None,
) -> ScenarioResult:
    """Run one scenario to its end or its first failed step; the rest are skipped."""
    calendar = WorkingCalendar.kazakhstan()
    anchor = target.personas.issued_at() or datetime.now(UTC)
    result = ScenarioResult(scenario)
    started = time.monotonic()
    try:
        start = resolve_time(scenario.clock, anchor, calendar)
    except ValueError as error:
        result.error = f"cannot read the scenario's clock {scenario.clock!r}: {error}"
        return result
    try:
        async with target.session(start) as (http, deliver):
            run = _Run(http, deliver, target.personas, calendar, anchor)
            failed = False
            for step in scenario.steps:
                if failed:
                    result.steps.append(StepResult(step, "skipped"))
                    continue
                began = time.monotonic()
                try:
                    _judge(step, await _ACTIONS[step.kind](run, step.args))
                    outcome = StepResult(step, "passed")
                except (StepFailed, ActorError) as error:
                    outcome = StepResult(step, "failed", error.message, error.evidence)
                    failed = True
                outcome.seconds = time.monotonic() - began
                result.steps.append(outcome)
                if progress is not None:
                    progress(scenario_file, scenario, outcome)
    except (ActorError, OSError) as error:
        result.error = f"the scenario could not run: {error}"
    result.seconds = time.monotonic() - started
    return result


async def run_files(
    target: Target, files: Sequence[ScenarioFile], progress: Progress | None = None
) -> list[FileResult]:
    """Run every scenario of every file, in order."""
    results = []
    for scenario_file in files:
        outcome = FileResult(scenario_file)
        for scenario in scenario_file.scenarios:
            outcome.scenarios.append(await run_scenario(target, scenario_file, scenario, progress))
        results.append(outcome)
    return results
