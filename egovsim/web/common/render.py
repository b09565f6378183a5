"""Rendering Jinja templates in the user's language, with the simulator's local time.

Every time a person reads on a page is Almaty time (the working calendar's zone), named once in
the page's header: templates write `{{ local(moment) }}` (a datetime or an ISO 8601 string from
the API) or, on printables, `{{ local_long(moment) }}` ("7 декабря 2026 г., 14:05"). The API
keeps ISO 8601 with offsets.

Templates get their words from the gettext catalogs (`egovsim.web.common.i18n`) through Jinja's
`jinja2.ext.i18n`: `{{ _("common.sign_in") }}`, `{% trans %}...{% endtrans %}`, and
`{{ v("status", application.status) }}` for values. One environment serves every request: its
gettext callables are installed once and take the language from the render's own context
(`lang`), so concurrent requests in different languages share no state. A macro that uses words
must therefore be imported `with context`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from babel.dates import format_date
from jinja2.runtime import Context
from markupsafe import Markup, escape
from yarl import URL

from egovsim.errors import CATALOGUE, LANGUAGES, EgovsimError, Language
from egovsim.regulations.holiday_names import holiday_name
from egovsim.web.common.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGE_NAMES,
    counted,
    language,
    switched_language,
    translations,
    value_word,
)
from egovsim.web.common.keys import simulator_of

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
STATIC = Path(__file__).resolve().parents[3] / "static"


def _render_language(context: Context) -> Language:
    lang = context.get("lang")
    if lang not in LANGUAGES:
        raise RuntimeError(
            "a template asked for a word without `lang` in its context: render it with "
            "egovsim.web.common.render.render, and import macros `with context`"
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


@jinja2.pass_context
def _term(context: Context, duration: Mapping[str, Any]) -> str:
    """A regulation's term in words with its plural form: `{{ term(step.duration) }}` with the
    API's `{"amount", "unit"}`."""
    return counted(f"term.{duration['unit']}", int(duration["amount"]), _render_language(context))


@jinja2.pass_context
def _named(context: Context, service: str | None, what: str, item: str | None) -> str:
    """A regulation's own word for one of its ids, in the page's language: `what` is
    "variant", "result", "category" or "choice" (any of them, for a form's choice field)
    (`{{ named(app.service, "variant", app.variant) }}`); the raw id when the regulation does
    not know it, a dash for none."""
    if item is None or item == "":
        return "—"
    regulation = context.get("regulations", {}).get(service)
    if regulation is None:
        return str(item)
    kinds = {
        "variant": regulation.variants,
        "result": regulation.results,
        "category": regulation.applicants,
    }
    choices = [c for kind in kinds.values() for c in kind] if what == "choice" else kinds[what]
    for choice in choices:
        if choice.id == item:
            return str(choice.name[_render_language(context)])
    return item


def _ticks(text: str) -> Markup:
    """Plain text with `backticked` parts as <code> (the catalogue's "how to reach it")."""
    parts = str(escape(text)).split("`")
    return Markup(
        "".join(f"<code>{part}</code>" if odd else part for odd, part in _alternating(parts))
    )


def _alternating(parts: list[str]) -> list[tuple[bool, str]]:
    # An unmatched last backtick stays as text rather than opening a <code> without its end.
    if len(parts) % 2 == 0:
        parts = [*parts[:-2], parts[-2] + "`" + parts[-1]]
    return [(index % 2 == 1, part) for index, part in enumerate(parts)]


@jinja2.pass_context
def _day_off(context: Context, reason: str) -> Markup:
    """A day off's reason (a holiday, a weekend day) in the page's language; a reason the
    catalogue does not name (a moved day's own words) as written, marked as English."""
    named = holiday_name(reason, _render_language(context))
    if named is not None:
        return Markup(escape(named))
    return Markup(f'<span lang="en">{escape(reason)}</span>')


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
    environment.globals["term"] = _term
    environment.globals["named"] = _named
    environment.globals["day_off"] = _day_off
    environment.filters["ticks"] = _ticks
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


def _moment(value: datetime | str | None) -> datetime | None:
    """A moment from a datetime or an ISO 8601 string (a time without a zone is UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class LocalTime:
    """How a page writes moments: in the zone its header names, in the page's language."""

    def __init__(self, zone: tzinfo, lang: Language) -> None:
        self.zone = zone
        self.lang = lang

    def short(self, value: datetime | str | None) -> str:
        """`2026-12-07 14:05`, or a dash for no moment (or one beyond dates)."""
        here = self._here(value)
        return "—" if here is None else here.strftime("%Y-%m-%d %H:%M")

    def long(self, value: datetime | str | None) -> str:
        """The date in words in the page's language and the time: `7 December 2026, 14:05`."""
        here = self._here(value)
        if here is None:
            return "—"
        return f"{format_date(here.date(), 'long', locale=self.lang)}, {here:%H:%M}"

    def _here(self, value: datetime | str | None) -> datetime | None:
        try:
            moment = _moment(value)
            return None if moment is None else moment.astimezone(self.zone)
        except (OverflowError, ValueError):  # a clock beyond dates: the page still renders
            return None

    def zone_label(self, now: datetime | None) -> str:
        """The zone as the header names it: `Almaty time (UTC+5)`."""
        here = self._here(now) or datetime(2026, 1, 1, tzinfo=UTC).astimezone(self.zone)
        offset = here.utcoffset()
        hours = int(offset.total_seconds() // 3600) if offset is not None else 0
        return translations()[self.lang].gettext("layout.zone") % {"offset": f"UTC{hours:+d}"}


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
    times = LocalTime(simulator_of(request).calendar.zone, lang)
    try:
        now: datetime | None = simulator_of(request).clock.now()
    except (OverflowError, ValueError):  # a clock beyond dates: the console still renders
        now = None
    shown = None
    if error is not None:
        entry = CATALOGUE[error.code]
        shown = {"code": error.code, "step": error.step, "message": entry.message(lang)}
    html = _environment.get_template(template).render(
        lang=lang,
        language_links=language_links(request),
        request_path=request.path,
        local=times.short,
        local_long=times.long,
        now_local=times.short(now),
        now_iso=now.isoformat() if now is not None else "",
        zone_label=times.zone_label(now),
        regulations=simulator_of(request).regulations,
        error=shown,
        **context,
    )
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language, Cookie"
    if switched_language(request) == lang:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="Lax", path="/")
    return response
