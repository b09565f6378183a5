"""Putting a layout's labels into one language.

The diagrams' words live in the web UI's gettext catalogs (the `diagrams` domain, with the
`role.*` values), which only the web layer reads; it hands the renderers a `Words` function for
the page's language. Texts of the regulation file are already in kk/ru/en and need no catalog.
"""

from __future__ import annotations

from collections.abc import Callable

from egovsim.diagrams.model import Label
from egovsim.regulations.model import Language

#: A msgid to its words in one language (the catalog's `%(name)s` placeholders left in).
Words = Callable[[str], str]


def say(label: Label, lang: Language, words: Words) -> str:
    """A label's words in `lang`: the regulation's text, or the catalog's words with the
    label's named values put in (themselves said in the same language)."""
    if label.text is not None:
        return label.text[lang]
    if label.msgid is None:
        return ""
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
