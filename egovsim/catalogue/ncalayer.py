"""P4: the NCALayer signer's key sets, as the API sees them (the socket answers in NCALayer's
own shape, not with these)."""

from __future__ import annotations

from egovsim.catalogue import Refusal, entry

ENTRIES: tuple[Refusal, ...] = (
    entry(
        "NCALAYER_PERSONA_UNKNOWN",
        "P4",
        404,
        "Мұндай кілттер жиыны (персона) жоқ.",
        "Такого набора ключей (персоны) нет.",
        "There is no such key set (persona).",
    ),
    entry(
        "NCALAYER_PASSWORD_WRONG",
        "P4",
        403,
        "Кілттер қоймасының құпиясөзі қате.",
        "Неверный пароль хранилища ключей.",
        "The keystore password is wrong.",
    ),
    # Who may use the socket (issue 14): this machine and the simulator's own pages.
    entry(
        "NCALAYER_CLIENT_REFUSED",
        "P4",
        403,
        "NCALayer тек осы компьютерге және рұқсат етілген сайттардың беттеріне жауап береді.",
        "NCALayer отвечает только этому компьютеру и страницам разрешённых сайтов.",
        "NCALayer answers this machine and the pages of the allowed sites only.",
    ),
)
