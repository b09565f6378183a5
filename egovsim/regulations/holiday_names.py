"""Kazakhstan's public holidays and days off named in Kazakh, Russian and English.

The working calendar gives a day off's reason in English (the `holidays` package's names, which
it has in kk and en but not ru); pages show it in their own language from this catalogue. The
Kazakh names are the package's own; the Russian ones are the holidays' official Russian names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

#: Each reason the calendar gives (its English name) in kk, ru and en.
NAMES: Final[Mapping[str, Mapping[str, str]]] = {
    "New Year's Day": {"kk": "Жаңа жыл", "ru": "Новый год", "en": "New Year's Day"},
    "Orthodox Christmas": {
        "kk": "Православиелік Рождество",
        "ru": "Православное Рождество",
        "en": "Orthodox Christmas",
    },
    "International Women's Day": {
        "kk": "Халықаралық әйелдер күні",
        "ru": "Международный женский день",
        "en": "International Women's Day",
    },
    "Kazakhstan's People Solidarity Holiday": {
        "kk": "Қазақстан халқының бірлігі мерекесі",
        "ru": "Праздник единства народа Казахстана",
        "en": "Kazakhstan's People Solidarity Holiday",
    },
    "Nowruz Holiday": {"kk": "Наурыз мейрамы", "ru": "Наурыз мейрамы", "en": "Nowruz Holiday"},
    "Defender of the Fatherland Day": {
        "kk": "Отан Қорғаушы күні",
        "ru": "День защитника Отечества",
        "en": "Defender of the Fatherland Day",
    },
    "Victory Day": {"kk": "Жеңіс күні", "ru": "День Победы", "en": "Victory Day"},
    "Capital Day": {"kk": "Астана күні", "ru": "День столицы", "en": "Capital Day"},
    "Eid al-Adha": {"kk": "Құрбан айт", "ru": "Курбан айт", "en": "Eid al-Adha"},
    "Constitution Day": {
        "kk": "Қазақстан Республикасының Конституциясы күні",
        "ru": "День Конституции Республики Казахстан",
        "en": "Constitution Day",
    },
    "Republic Day": {"kk": "Республика күні", "ru": "День Республики", "en": "Republic Day"},
    "First President Day": {
        "kk": "Қазақстан Республикасының Тұңғыш Президенті күні",
        "ru": "День Первого Президента Республики Казахстан",
        "en": "First President Day",
    },
    "Independence Day": {
        "kk": "Тәуелсіздік күні",
        "ru": "День Независимости",
        "en": "Independence Day",
    },
    "Saturday": {"kk": "сенбі", "ru": "суббота", "en": "Saturday"},
    "Sunday": {"kk": "жексенбі", "ru": "воскресенье", "en": "Sunday"},
}

#: What the package adds in brackets: a day off moved from a weekend, a lunar date not yet set.
QUALIFIERS: Final[Mapping[str, Mapping[str, str]]] = {
    "observed": {
        "kk": "қайта белгіленген демалыс",
        "ru": "перенесённый выходной",
        "en": "observed",
    },
    "estimated": {"kk": "бағаланған", "ru": "дата предварительная", "en": "estimated"},
}

#: A day off the Government moved from a weekend day: `Day off (substituted from MM/DD/YYYY)`.
_SUBSTITUTED = re.compile(r"Day off \(substituted from (\d\d)/(\d\d)/(\d{4})\)")
_QUALIFIED = re.compile(r"(?P<name>.+) \((?P<qualifier>[a-z]+)\)")


def holiday_name(reason: str, lang: str) -> str | None:
    """The calendar's day-off `reason` in `lang` (kk, ru or en), two holidays on one day
    (`A; B`) both named; None when the catalogue does not know it (a moved day's reason written
    in the moved-days file, say)."""
    named = [_one(part.strip(), lang) for part in reason.split(";")]
    if not all(named):
        return None
    return "; ".join(part for part in named if part)


def _one(reason: str, lang: str) -> str | None:
    substituted = _SUBSTITUTED.fullmatch(reason)
    if substituted:
        month, day, year = substituted.groups()
        moved_from = f"{day}.{month}.{year}"
        return {
            "kk": f"Демалыс күні ({moved_from} бастап ауыстырылды)",
            "ru": f"Выходной день (перенесён с {moved_from})",
            "en": f"Day off (moved from {moved_from})",
        }.get(lang)
    qualified = _QUALIFIED.fullmatch(reason)
    if qualified and qualified["qualifier"] in QUALIFIERS and qualified["name"] in NAMES:
        name = NAMES[qualified["name"]].get(lang)
        qualifier = QUALIFIERS[qualified["qualifier"]].get(lang)
        return f"{name} ({qualifier})" if name and qualifier else None
    names = NAMES.get(reason)
    return names.get(lang) if names else None
