"""The web UI's words, in gettext catalogs managed with Babel, and the choice of language.

Where the words live: `egovsim/locale/<lang>/LC_MESSAGES/<domain>.po` for kk, ru and en, and the
template of each domain at `egovsim/locale/<domain>.pot`. A domain is one part of the UI:
`layout` (the base layout, its header, menu and footer), `common` (words several parts share),
`values` (statuses, roles, C3 verdicts, channels), `workstation`, `gateway`; a new part adds its
own domain file (`portal.po`, `cabinet.po`, `ncalayer.po`, ...) in all three languages, so parts
never edit each other's files.

Conventions:

- msgids are symbolic, lowercase, dotted by area: `<area>.<word>` (`workstation.inbox`,
  `common.sign_in`, `portal.apply`); values are `<kind>.<value>` (`status.in_progress`,
  `role.executor`, `verdict.missing`, `channel.portal`), looked up with
  `value_word(kind, key, lang)` or `v()`.
- ALL `.po` files of a language are merged into one catalog at load, so any template can use any
  word; a msgid defined in two files is an error. A word missing in kk or en falls back to ru,
  then to its msgid, and `tests/test_i18n.py` fails until every language has every word.
- A counted word is a plural entry: `msgid "term.working_days"`, `msgid_plural
  "term.working_days.plural"`, one `msgstr[n]` per plural form of the language (Babel's rules:
  two in kk and en, three in ru) with `%(num)d` for the number; `counted(msgid, n, lang)` or
  `term(duration)` in templates picks the form.
- msgstrs are rendered as `%`-format strings (Jinja's newstyle gettext): write a literal `%` as
  `%%`, and pass values by name: `{{ _("portal.greeting", name=applicant.name) }}`.
- After adding msgids, run `python -m egovsim.web.common.i18n` to rewrite the `.pot` templates
  (a test checks that they hold exactly the msgids of the `.po` files).

Using them: templates write `{{ _("common.sign_in") }}` or `{{ v("status", app.status) }}` (see
`egovsim.web.common.render` for how each render gets its own language without shared state);
Python code calls `word(msgid, lang)`. The language of a request is `?lang=` (remembered in the
`egovsim_lang` cookie), else that cookie, else the browser's Accept-Language, else Russian.

The catalogs are read with `babel.messages.pofile.read_po` and compiled in memory (no `.mo` file
is built or committed), once per process: restart the server to see an edited `.po` file.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

from egovsim.errors import LANGUAGES, Language

LANGUAGE_COOKIE = "egovsim_lang"
DEFAULT_LANGUAGE: Language = "ru"
LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"

#: Each language's name in itself, for the language switch.
LANGUAGE_NAMES: Mapping[Language, str] = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def read_catalogs(directory: Path, lang: Language) -> dict[str, Catalog]:
    """Every domain's catalog of a language, by domain name."""
    folder = directory / lang / "LC_MESSAGES"
    catalogs = {}
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as file:
            catalogs[path.stem] = read_po(file, locale=lang, domain=path.stem)
    return catalogs


def merged_catalog(directory: Path, lang: Language) -> Catalog:
    """All domains of a language as one catalog; a msgid in two domains is a ValueError."""
    merged = Catalog(locale=lang, domain="egovsim", fuzzy=False)
    origin: dict[str, str] = {}
    for domain, catalog in read_catalogs(directory, lang).items():
        for message in catalog:
            if not message.id:
                continue  # the header
            msgid = singular(message.id)
            if msgid in origin:
                raise ValueError(
                    f"msgid {msgid!r} is in both {origin[msgid]}.po and {domain}.po ({lang})"
                )
            origin[msgid] = domain
            merged[message.id] = message
    return merged


def singular(msgid: str | tuple[str, ...] | list[str]) -> str:
    """A message's msgid; for a word with plural forms, its singular msgid."""
    return msgid if isinstance(msgid, str) else str(msgid[0])


def compile_translations(catalog: Catalog) -> Translations:
    """A gettext Translations object compiled in memory from a catalog."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=catalog.domain)


@functools.cache
def translations(directory: Path = LOCALE_DIR) -> Mapping[Language, Translations]:
    """The compiled catalog of each language, read once per process; kk and en fall back to ru."""
    compiled = {lang: compile_translations(merged_catalog(directory, lang)) for lang in LANGUAGES}
    for lang, catalog in compiled.items():
        if lang != DEFAULT_LANGUAGE:
            catalog.add_fallback(compiled[DEFAULT_LANGUAGE])
    return compiled


def word(msgid: str, lang: Language) -> str:
    """A UI word in a language (its msgid when no catalog has it)."""
    return translations()[lang].gettext(msgid)


def counted(msgid: str, count: int, lang: Language) -> str:
    """A counted word in a language, in the plural form Babel's rules give for `count` (kk, ru
    and en have their own): the msgid and `<msgid>.plural` of a plural entry, `%(num)d` in its
    forms. `counted("term.working_days", 2, "ru")` is "2 рабочих дня"."""
    form = translations()[lang].ngettext(msgid, f"{msgid}.plural", count)
    return form % {"num": count}


def value_word(kind: str, key: str | None, lang: Language) -> str:
    """A status, role, verdict or channel in a language: msgid `<kind>.<key>`; the raw key when
    the catalogs do not have it, a dash for no value."""
    if key is None:
        return "—"
    msgid = f"{kind}.{key}"
    found = word(msgid, lang)
    return key if found == msgid else found


def language(request: web.Request) -> Language:
    """The language of a request: `?lang=`, else the remembered cookie, else the browser's
    Accept-Language, else Russian."""
    for candidate in (request.query.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return accepted_language(request.headers.get("Accept-Language", "")) or DEFAULT_LANGUAGE


def switched_language(request: web.Request) -> Language | None:
    """The language a request switches to with `?lang=`, to remember in the cookie."""
    asked = request.query.get("lang")
    return asked if asked in LANGUAGES else None


def accepted_language(header: str) -> Language | None:
    """The first language of an Accept-Language header that the UI has, by quality."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, number = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(number)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    for _, _, primary in sorted(ranked):
        if primary in LANGUAGES:
            return primary
    return None


# -- the .pot templates -----------------------------------------------------------------------


def domains(directory: Path = LOCALE_DIR) -> list[str]:
    """Every domain that has a .po file in some language."""
    return sorted({path.stem for path in directory.glob("*/LC_MESSAGES/*.po")})


def template_catalog(domain: str, directory: Path = LOCALE_DIR) -> Catalog:
    """The .pot of a domain: the msgids of its .po files, each with its English words as a
    comment for translators."""
    template = Catalog(
        domain=domain,
        project="egovsim",
        version="1",
        fuzzy=False,
        header_comment=(
            f"# {domain}: the msgids of the web UI's words; see egovsim/web/common/i18n.py."
        ),
    )
    template.creation_date = datetime(2026, 1, 1, tzinfo=UTC)  # stable output: no diff noise
    english: Mapping[str, str] = {}
    for lang in LANGUAGES:
        catalog = read_catalogs(directory, lang).get(domain)
        if catalog is None:
            continue
        if lang == "en":
            english = {singular(m.id): _first_form(m.string) for m in catalog if m.id}
        for message in catalog:
            if message.id and message.id not in template:
                template.add(message.id)
    for message in template:
        if message.id and singular(message.id) in english:
            message.auto_comments = [english[singular(message.id)]]
    return template


def _first_form(string: str | tuple[str, ...] | list[str] | None) -> str:
    if string is None or isinstance(string, str):
        return string or ""
    return str(string[0])


def template_msgids(path: Path) -> set[str]:
    """The msgids of a .pot file."""
    with path.open("rb") as file:
        return {singular(m.id) for m in read_po(file) if m.id}


def write_templates(directory: Path = LOCALE_DIR) -> list[Path]:
    """Rewrite `<domain>.pot` for every domain; the files written."""
    written = []
    for domain in domains(directory):
        buffer = io.BytesIO()
        write_po(buffer, template_catalog(domain, directory), width=100, sort_output=True)
        path = directory / f"{domain}.pot"
        path.write_bytes(buffer.getvalue())
        written.append(path)
    return written


if __name__ == "__main__":
    for written in write_templates():
        print(written.relative_to(LOCALE_DIR.parents[1]))
