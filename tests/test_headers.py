"""Every answer carries the browser's protections (CSP with scripts and styles from this site,
no framing, nosniff, a Referrer-Policy), and no template holds an inline script, style or
event handler the policy would block."""

from __future__ import annotations

import re
from pathlib import Path

from egovsim.web.common.headers import HEADERS

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


async def test_every_answer_carries_the_security_headers(client) -> None:
    # One app for every kind of answer: a page, the console, the API, a static file, an error.
    for path in (
        "/",
        "/console",
        "/api/v1/services",
        "/static/egovsim.css",
        "/nothing",
        "/healthz",
    ):
        reply = await client.get(path)
        policy = reply.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, path
        assert "frame-ancestors 'none'" in policy, path
        assert reply.headers["X-Content-Type-Options"] == "nosniff", path
        assert reply.headers["Referrer-Policy"] == HEADERS["Referrer-Policy"], path


def test_no_template_has_an_inline_script_style_or_handler() -> None:
    inline = re.compile(
        r"<style|\sstyle=|\son[a-z]+=|<script(?![^>]*\bsrc=)(?![^>]*application/json)", re.I
    )
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.glob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if inline.search(line)
    ]
    assert found == []
