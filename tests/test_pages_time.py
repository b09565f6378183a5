"""Every time a person reads on the pages is Almaty time, the zone named once in the header; the
printable result gives a date in words in the page's language; the API keeps ISO 8601 in UTC."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.test_portal_api import (  # noqa: F401
    Cabinet,
    api,
    duplicate_licence_route,
    egovsim_cms,
    signed_in,
)

ALMATY = ZoneInfo("Asia/Almaty")
ZONE_NAMES = {
    "kk": "Алматы уақыты (UTC+5)",
    "ru": "время Алматы (UTC+5)",
    "en": "Almaty time (UTC+5)",
}
MONTHS = {
    "kk": ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек",
           "қазан", "қараша", "желтоқсан"],
    "ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
           "октября", "ноября", "декабря"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
}  # fmt: skip
_TIME = re.compile(r'<time datetime="(?P<iso>[^"]+)">(?P<shown>[^<]+)</time>')


async def _completed_licence(api, persona) -> tuple[Cabinet, int]:  # noqa: F811
    """A citizen's duplicate licence, signed, through the provider's route to the result."""
    cabinet = await signed_in(api, persona, "citizen-valid")
    number = await cabinet.licence_draft()
    document = await cabinet.document(number)
    await cabinet.sign(number, egovsim_cms(api, persona("citizen-valid").sign, document))
    await duplicate_licence_route(api)
    return cabinet, number


def _visible(html: str) -> str:
    """The page's text without its tags' attributes (where ISO times may stay, for machines)."""
    return re.sub(r"<[^>]+>", " ", html)


def _assert_almaty(html: str, lang: str) -> list[tuple[str, str]]:
    """Every <time datetime> on the page shows its moment in Almaty time; the zone is named
    once; no UTC time or offset is left in the text. The times found, for more checks."""
    assert html.count(ZONE_NAMES[lang]) == 1, lang
    text = _visible(html)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text), "an ISO time left on the page"
    assert "+00:00" not in text
    assert " UTC" not in text.replace(ZONE_NAMES[lang], "")
    found = [(m["iso"], m["shown"]) for m in _TIME.finditer(html)]
    for iso, shown in found:
        moment = datetime.fromisoformat(iso)
        if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", shown):
            assert shown == moment.astimezone(ALMATY).strftime("%Y-%m-%d %H:%M"), (iso, shown)
    return found


async def test_the_cabinet_and_the_printable_result_read_in_almaty_time_in_each_language(
    api,  # noqa: F811
    persona,
) -> None:
    cabinet, number = await _completed_licence(api, persona)
    shown = await cabinet.call("GET", f"/applications/{number}")
    assert all(entry["at"].endswith("+00:00") for entry in shown["timeline"])  # the API: UTC
    utc_moments = [entry["at"] for entry in shown["timeline"]]
    for lang in ("kk", "ru", "en"):
        cabinet_page = await (await api.get(f"/cabinet?lang={lang}")).text()
        assert _assert_almaty(cabinet_page, lang), "the cabinet's notices carry their times"

        application = await (await api.get(f"/cabinet/applications/{number}?lang={lang}")).text()
        timeline = [iso for iso, _ in _assert_almaty(application, lang) if iso in utc_moments]
        assert len(timeline) >= len(utc_moments), "every timeline entry with its time"

        page = f"/cabinet/applications/{number}/result?lang={lang}"
        printable = await (await api.get(page)).text()
        _assert_almaty(printable, lang)
        ((iso, stamp),) = _TIME.findall(printable[printable.index("<article") :])
        signed = datetime.fromisoformat(iso).astimezone(ALMATY)
        assert MONTHS[lang][signed.month - 1] in stamp, stamp
        assert str(signed.year) in stamp and stamp.endswith(signed.strftime("%H:%M"))


async def test_every_page_names_the_zone_once(api) -> None:  # noqa: F811
    for path in ("/", "/services", "/console", "/workstation", "/gateway", "/refusals", "/check"):
        for lang in ("kk", "ru", "en"):
            html = await (await api.get(f"{path}?lang={lang}")).text()
            assert html.count(ZONE_NAMES[lang]) == 1, (path, lang)
