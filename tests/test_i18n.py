"""The web UI's words: complete catalogs in kk, ru and en, pages in the chosen language."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from jinja2.ext import babel_extract

from egovsim.errors import LANGUAGES
from egovsim.web.common.i18n import (
    LOCALE_DIR,
    accepted_language,
    counted,
    domains,
    merged_catalog,
    read_catalogs,
    singular,
    template_msgids,
    translations,
    value_word,
    word,
)
from egovsim.web.common.render import TEMPLATES


def _msgids(lang: str, domain: str | None = None) -> set[str]:
    catalogs = read_catalogs(LOCALE_DIR, lang)  # type: ignore[arg-type]
    return {
        singular(message.id)
        for name, catalog in catalogs.items()
        if domain is None or name == domain
        for message in catalog
        if message.id
    }


def test_every_word_exists_in_all_three_languages() -> None:
    by_language = {lang: _msgids(lang) for lang in LANGUAGES}
    every = set().union(*by_language.values())
    for lang, msgids in by_language.items():
        assert every - msgids == set(), f"missing in {lang}"
    for domain in domains():
        for lang in LANGUAGES:
            assert (LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po").is_file(), (domain, lang)


def test_no_word_is_empty_or_fuzzy() -> None:
    for lang in LANGUAGES:
        for domain, catalog in read_catalogs(LOCALE_DIR, lang).items():
            for message in catalog:
                if not message.id:
                    continue
                forms = [message.string] if isinstance(message.string, str) else message.string
                assert all(form.strip() for form in forms), (
                    f"{lang}/{domain}.po: {message.id} has no words"
                )
                if message.pluralizable:  # one form for each of the language's plural forms
                    assert len(forms) == catalog.num_plurals, (lang, message.id)
                assert not message.fuzzy, f"{lang}/{domain}.po: {message.id} is fuzzy"


def test_the_pot_files_hold_exactly_the_msgids_of_the_po_files() -> None:
    """`python -m egovsim.web.common.i18n` rewrites the .pot files; fails when it was not run."""
    for domain in domains():
        pot = LOCALE_DIR / f"{domain}.pot"
        assert pot.is_file(), f"run python -m egovsim.web.common.i18n to write {pot.name}"
        assert template_msgids(pot) == _msgids("ru", domain), f"{pot.name} is stale"
    assert {p.stem for p in LOCALE_DIR.glob("*.pot")} == set(domains())


def test_every_word_a_template_asks_for_is_in_the_catalogs() -> None:
    known = _msgids("ru")
    options = {"extensions": "jinja2.ext.i18n"}
    for path in sorted(TEMPLATES.glob("**/*.html")):
        for _, message, _, _ in extract_from_file(babel_extract, str(path), options=options):
            assert isinstance(message, str)
            assert message in known, f"{path.name} asks for {message!r}, which no .po file has"


def test_msgids_are_symbolic_and_dotted_by_area() -> None:
    for msgid in _msgids("ru"):
        assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+", msgid), msgid


def test_a_msgid_in_two_domain_files_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    for domain in ("one", "two"):
        (folder / f"{domain}.po").write_text(
            'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
            'msgid "common.twice"\nmsgstr "дважды"\n',
            encoding="utf-8",
        )
    with pytest.raises(ValueError, match=r"common\.twice"):
        merged_catalog(tmp_path, "ru")


def test_words_of_all_domain_files_are_merged() -> None:
    assert word("layout.portal_name", "en") == "eGov simulator"
    assert word("workstation.inbox", "kk") == "Кіріс"
    assert word("status.in_progress", "ru") == "в работе"
    assert word("gateway.log", "en") == "Message log"
    assert translations()["kk"].gettext("no.such.word") == "no.such.word"


def test_values_fall_back_to_the_raw_key() -> None:
    assert value_word("role", "executor", "kk") == "орындаушы"
    assert value_word("channel", "state_corporation", "en") == "State Corporation"
    assert value_word("role", "system", "en") == "system"
    assert value_word("status", None, "ru") == "—"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9,ru;q=0.8", "en"),
        ("kk-KZ, ru;q=0.5", "kk"),
        ("de-DE, fr;q=0.9", None),
        ("de;q=1, ru;q=0.4, en;q=0.7", "en"),
        ("en;q=0, ru", "ru"),
        ("", None),
        ("en;q=abc, kk", "kk"),
    ],
)
def test_accept_language_is_read_by_quality(header: str, expected: str | None) -> None:
    assert accepted_language(header) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_each_language_renders_a_page_in_that_language(client, lang: str) -> None:
    page = await client.get(f"/workstation?lang={lang}")
    html = await page.text()
    assert page.status == 200
    assert f'<html lang="{lang}">' in html
    assert page.headers["Content-Language"] == lang
    for msgid in ("workstation.title", "common.password", "layout.portal_name", "layout.now"):
        assert word(msgid, lang) in html  # type: ignore[arg-type]
    others = [other for other in LANGUAGES if other != lang]
    for other in others:
        assert word("layout.skip_to_content", other) not in html  # type: ignore[arg-type]


async def test_the_switch_sets_the_cookie_and_is_remembered(client) -> None:
    switched = await client.get("/workstation?lang=en")
    assert switched.cookies["egovsim_lang"].value == "en"
    later = await client.get("/workstation", headers={"Accept-Language": "kk"})
    assert '<html lang="en">' in await later.text()
    assert "egovsim_lang" not in later.cookies  # nothing new to remember


async def test_without_a_choice_the_browser_language_then_russian_is_used(client) -> None:
    kazakh = await client.get("/workstation", headers={"Accept-Language": "kk-KZ,ru;q=0.8"})
    assert '<html lang="kk">' in await kazakh.text()
    default = await client.get("/workstation", headers={"Accept-Language": "de"})
    assert '<html lang="ru">' in await default.text()


async def test_a_bad_lang_value_is_ignored(client) -> None:
    page = await client.get("/workstation?lang=xx", headers={"Accept-Language": "en"})
    assert page.status == 200
    assert '<html lang="en">' in await page.text()
    assert "egovsim_lang" not in page.cookies


async def test_the_layout_has_a_language_switch_landmarks_and_a_skip_link(shep) -> None:
    html = await (await shep.get("/gateway?service_id=x&lang=ru")).text()
    for code in LANGUAGES:
        link = re.search(rf'<a href="([^"]+)" lang="{code}" hreflang="{code}"', html)
        assert link, code
        # The switch keeps the page and its filters, and changes only the language.
        assert link.group(1) == f"/gateway?service_id=x&amp;lang={code}"
    assert 'aria-current="true">Русский</a>' in html
    assert re.search(r'<a class="skip-link" href="#main">', html)
    assert '<main id="main"' in html
    for landmark in ("<header", "<nav", "<footer"):
        assert landmark in html
    assert word("layout.nav.services", "ru") in html
    assert word("layout.portal_tagline", "ru") in html


async def test_concurrent_pages_in_different_languages_keep_their_own_words(client) -> None:
    langs = list(LANGUAGES) * 4
    pages = await asyncio.gather(*(client.get(f"/workstation?lang={lang}") for lang in langs))
    for lang, page in zip(langs, pages, strict=True):
        html = await page.text()
        assert f'<html lang="{lang}">' in html
        assert word("common.password", lang) in html  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ru", ["1 рабочий день", "2 рабочих дня", "5 рабочих дней", "21 рабочий день"]),
        ("kk", ["1 жұмыс күні", "2 жұмыс күні", "5 жұмыс күні", "21 жұмыс күні"]),
        ("en", ["1 working day", "2 working days", "5 working days", "21 working days"]),
    ],
)
def test_counted_words_take_the_plural_form_of_babels_rules(lang: str, expected: list[str]) -> None:
    assert [counted("term.working_days", n, lang) for n in (1, 2, 5, 21)] == expected
