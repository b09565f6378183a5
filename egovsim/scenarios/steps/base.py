"""The state of one scenario as its steps go (who is signed in, which records are its) and what
the steps share: placeholders, the portal's CSRF header, the bearer tokens of staff."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from egovsim.regulations.calendar import WorkingCalendar
from egovsim.scenarios.actors import Http, Personas, bearer_login

#: Attachment contents a file names by word: the smallest files the content sniffing accepts
#: (pdf, jpeg, png) and two it refuses.
CONTENT_BYTES: dict[str, bytes] = {
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64),
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
    "text": b"just some text, not a scan\n",
    "exe": b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64),
}
#: The scenario's own records a placeholder may name.
RECORDS = ("application", "provider_application", "package")
_PLACEHOLDER = re.compile(r"\$\{([a-z0-9_-]+)(?:\.([a-z_]+))?\}")


class StepFailed(Exception):
    """A step's outcome was not the expected one."""

    def __init__(self, message: str, evidence: str = "") -> None:
        self.message = message
        self.evidence = evidence
        super().__init__(message)


class Run:
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
        """`${persona-id.iin}`, `${persona-id.bin}`, `${uuid}` and the scenario's own records
        (`${application}`, `${provider_application}`, `${package}`) in text, at any depth."""
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
        if name in RECORDS and part is None:
            number = getattr(self, name.replace("-", "_"))
            if number is None:
                raise StepFailed(f"${{{name}}}: the scenario has no {name} yet")
            return str(number)
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


def json_text(value: Any) -> str:
    """A value as a report's evidence: indented JSON, shortened."""
    return json.dumps(value, ensure_ascii=False, indent=1)[:4000]


def in_order(wanted: list[str], actual: list[str]) -> bool:
    """Every wanted item appears in `actual`, in that order (others may come between)."""
    remaining = iter(actual)
    return all(any(step == got for got in remaining) for step in wanted)
