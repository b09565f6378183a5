"""Rendering Jinja templates in the user's language, with the simulator's local time.

Templates get their words from the gettext catalogs (`egovsim.web.i18n`) through Jinja's
`jinja2.ext.i18n`: `{{ _("common.sign_in") }}`, `{% trans %}...{% endtrans %}`, and
`{{ v("status", application.status) }}` for values. One environment serves every request: its
gettext callables are installed once and take the language from the render's own context
(`lang`), so concurrent requests in different languages share no state. A macro that uses words
must therefore be imported `with context`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from jinja2.runtime import Context
from yarl import URL

from egovsim.errors import CATALOGUE, LANGUAGES, EgovsimError, Language
from egovsim.web.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGE_NAMES,
    language,
    switched_language,
    translations,
    value_word,
)
from egovsim.web.keys import CALENDAR, CLOCK

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
STATIC = Path(__file__).resolve().parents[2] / "static"


def _render_language(context: Context) -> Language:
    lang = context.get("lang")
    if lang not in LANGUAGES:
        raise RuntimeError(
            "a template asked for a word without `lang` in its context: render it with "
            "egovsim.web.render.render, and import macros `with context`"
        )
    return lang  # type: ignore[no-any-return]


@jinja2.pass_context
def _gettext(context: Context, message: str) -> str:
    return translations()[_render_language(context)].gettext(message)


@jinja2.pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return translations()[_render_language(context)].ngettext(singular, plural, count)


@jinja2.pass_context
def _value(context: Context, kind: str, key: str | None) -> str:
    return value_word(kind, key, _render_language(context))


def _build_environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True
    )
    environment.globals["v"] = _value
    environment.globals["language_names"] = LANGUAGE_NAMES
    return environment


_environment = _build_environment()


def _switch_base(request: web.Request) -> URL:
    """The address the language links point at: this page, or for a form's answer the page
    the form was on (a link to a POST-only address would be refused)."""
    if request.method in ("GET", "HEAD"):
        return request.rel_url
    referer = URL(request.headers.get("Referer", ""))
    if referer.is_absolute() and referer.origin() == request.url.origin():
        return referer.relative()
    return URL("/")


def language_links(request: web.Request) -> dict[Language, str]:
    """For each language, this page's address with `?lang=` switched to it."""
    base = _switch_base(request)
    return {lang: str(base.update_query(lang=lang)) for lang in LANGUAGES}


def render(
    request: web.Request,
    template: str,
    *,
    error: EgovsimError | None = None,
    status: int = 200,
    **context: Any,
) -> web.Response:
    """An HTML page in the request's language; a refusal shown on it keeps its code, step and
    message. A `?lang=` switch is remembered in the language cookie."""
    lang = language(request)
    zone = request.app[CALENDAR].zone

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    try:
        now_local = local(request.app[CLOCK].now())
    except (OverflowError, ValueError):  # a clock beyond dates: the console still renders
        now_local = "—"

    shown = None
    if error is not None:
        entry = CATALOGUE[error.code]
        shown = {"code": error.code, "step": error.step, "message": entry.message(lang)}
    html = _environment.get_template(template).render(
        lang=lang,
        language_links=language_links(request),
        request_path=request.path,
        local=local,
        now_local=now_local,
        error=shown,
        **context,
    )
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language, Cookie"
    if switched_language(request) == lang:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="Lax", path="/")
    return response
