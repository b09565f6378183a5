"""Putting a layout's labels into one language.

The diagrams' words live in the web UI's gettext catalogs (the `diagrams` domain, with the
`role.*` values), which only the web layer reads; it hands the renderers a `Words` function for
the page's language. Texts of the regulation file are already in kk/ru/en and need no catalog.
"""

from __future__ import annotations

from typing import Protocol

from egovsim.diagrams.model import Label
from egovsim.regulations.model import Duration, Language


class Words(Protocol):
    """A msgid to its words in one language (the catalog's `%(name)s` placeholders left in);
    with `count`, a plural entry's form for that number, the number put in (`counted`)."""

    def __call__(self, msgid: str, count: int | None = None) -> str: ...


def term_label(duration: Duration) -> Label:
    """A term in words, in the plural form of its number: "15 минут", "2 рабочих дня",
    "21 рабочий день" (the portal's `term.<unit>` entries)."""
    return Label(f"term.{duration.unit}", count=duration.amount)


def term_range_label(unit: str, low: int, high: int) -> Label:
    """A range of terms of one unit, worded by its upper end: "1–8 рабочих дней"."""
    return Label(f"term.{unit}", count=high, shown=f"{low}–{high}")


def say(label: Label, lang: Language, words: Words) -> str:
    """A label's words in `lang`: the regulation's text, or the catalog's words with the
    label's named values put in (themselves said in the same language)."""
    if label.text is not None:
        return label.text[lang]
    if label.msgid is None:
        return ""
    if label.count is not None:
        said = words(label.msgid, label.count)
        # The form is chosen by the count; a range shows both ends in place of the number.
        return said.replace(str(label.count), label.shown, 1) if label.shown else said
    template = words(label.msgid)
    if not label.params:
        return template
    values = {
        name: say(value, lang, words) if isinstance(value, Label) else value
        for name, value in label.params
    }
    try:
        return template % values
    except (KeyError, ValueError, TypeError):
        # A translation that lost a placeholder still shows its words, not a crash.
        return template


def capitalised(text: str) -> str:
    """`text` with its first letter in upper case (a role's word heads its lane)."""
    return text[:1].upper() + text[1:]
