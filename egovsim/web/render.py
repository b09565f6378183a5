"""Rendering Jinja templates in the user's language, with the simulator's local time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from egovsim.errors import CATALOGUE, EgovsimError
from egovsim.web.i18n import ACTIONS, LANGUAGE_COOKIE, label, language, value
from egovsim.web.keys import CALENDAR, CLOCK

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
STATIC = Path(__file__).resolve().parents[2] / "static"

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(default=True),
    undefined=jinja2.StrictUndefined,
)


def render(
    request: web.Request,
    template: str,
    *,
    error: EgovsimError | None = None,
    status: int = 200,
    **context: Any,
) -> web.Response:
    """An HTML page; a refusal shown on it keeps its code, step and message."""
    lang = language(request)
    zone = request.app[CALENDAR].zone

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    shown = None
    if error is not None:
        entry = CATALOGUE[error.code]
        shown = {"code": error.code, "step": entry.step, "message": entry.message(lang)}
    html = _environment.get_template(template).render(
        lang=lang,
        t=lambda key: label(key, lang),
        action_label=lambda action: ACTIONS[action][lang],
        v=lambda key: value(key, lang),
        local=local,
        now_local=local(request.app[CLOCK].now()),
        error=shown,
        **context,
    )
    response = web.Response(text=html, content_type="text/html", status=status)
    if request.query.get("lang") == lang:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="Lax")
    return response
