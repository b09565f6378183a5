"""What any HTTP endpoint answers to a request it cannot take."""

from __future__ import annotations

from egovsim.catalogue import Refusal, entry

ENTRIES: tuple[Refusal, ...] = (
    # HTTP: what any endpoint answers to a request it cannot take.
    entry(
        "BAD_REQUEST",
        "HTTP",
        400,
        "Сұрау дұрыс құрылмаған.",
        "Запрос составлен неверно.",
        "The request is malformed.",
    ),
    entry(
        "NOT_FOUND",
        "HTTP",
        404,
        "Мұндай бет немесе ресурс жоқ.",
        "Такой страницы или ресурса нет.",
        "There is no such page or resource.",
    ),
    entry(
        "METHOD_NOT_ALLOWED",
        "HTTP",
        405,
        "Бұл мекенжай мұндай әдісті қабылдамайды.",
        "Этот адрес не принимает такой метод.",
        "This address does not accept that method.",
    ),
    entry(
        "REQUEST_TOO_LARGE",
        "HTTP",
        413,
        "Сұрау тым үлкен.",
        "Запрос слишком велик.",
        "The request is too large.",
    ),
    entry(
        "INTERNAL_ERROR",
        "HTTP",
        500,
        "Симулятордың ішкі қатесі; ол журналға жазылды.",
        "Внутренняя ошибка симулятора; она записана в журнал.",
        "An internal error of the simulator; it has been logged.",
    ),
)
