"""The web UI's own words in Kazakh, Russian and English, and the choice of language."""

from __future__ import annotations

from aiohttp import web

from egovsim.errors import LANGUAGES, Language

LANGUAGE_COOKIE = "egovsim_lang"
DEFAULT_LANGUAGE: Language = "ru"

LABELS: dict[str, dict[Language, str]] = {
    "workstation": {"kk": "ЭҮӨШ АЖО", "ru": "АРМ РШЭП", "en": "Provider's workstation"},
    "sign_in": {"kk": "Кіру", "ru": "Войти", "en": "Sign in"},
    "sign_out": {"kk": "Шығу", "ru": "Выйти", "en": "Sign out"},
    "login": {"kk": "Логин", "ru": "Логин", "en": "Login"},
    "password": {"kk": "Құпиясөз", "ru": "Пароль", "en": "Password"},
    "inbox": {"kk": "Кіріс", "ru": "Входящие", "en": "Inbox"},
    "all": {"kk": "Барлық өтініштер", "ru": "Все заявления", "en": "All applications"},
    "number": {"kk": "Нөмірі", "ru": "Номер", "en": "Number"},
    "service": {"kk": "Қызмет", "ru": "Услуга", "en": "Service"},
    "applicant": {"kk": "Алушы", "ru": "Услугополучатель", "en": "Applicant"},
    "step": {"kk": "Қадам", "ru": "Шаг", "en": "Step"},
    "deadline": {"kk": "Мерзімі", "ru": "Срок", "en": "Deadline"},
    "overdue": {"kk": "Мерзімі өтті", "ru": "Просрочено", "en": "Overdue"},
    "status": {"kk": "Мәртебесі", "ru": "Статус", "en": "Status"},
    "history": {"kk": "Тарих", "ru": "История", "en": "History"},
    "documents": {"kk": "Құжаттар", "ru": "Документы", "en": "Documents"},
    "result": {"kk": "Нәтиже", "ru": "Результат", "en": "Result"},
    "grounds": {"kk": "Бас тарту негіздері", "ru": "Основания отказа", "en": "Grounds"},
    "nothing": {"kk": "Өтініш жоқ", "ru": "Заявлений нет", "en": "No applications"},
    "new_application": {
        "kk": "Қағаз өтінішті тіркеу",
        "ru": "Зарегистрировать бумажное заявление",
        "en": "Register a paper application",
    },
    "do": {"kk": "Орындау", "ru": "Выполнить", "en": "Do it"},
    "refuse": {"kk": "Дәлелді бас тарту", "ru": "Мотивированный отказ", "en": "Reasoned refusal"},
    "printable": {"kk": "Басып шығару", "ru": "Печатная форма", "en": "Printable"},
    "signed_by": {"kk": "Қол қойған", "ru": "Подписал", "en": "Signed by"},
    "now": {"kk": "Симулятор уақыты", "ru": "Время симулятора", "en": "Simulator time"},
    "gateway": {
        "kk": "Электрондық үкімет шлюзі",
        "ru": "Шлюз электронного правительства",
        "en": "E-government gateway",
    },
    "gateway_routes": {
        "kk": "Бағыттар және ақаулар",
        "ru": "Маршруты и сбои",
        "en": "Routes and faults",
    },
    "gateway_log": {"kk": "Хабарламалар журналы", "ru": "Журнал сообщений", "en": "Message log"},
    "receiver": {"kk": "Алушы", "ru": "Получатель", "en": "Receiver"},
    "fault": {"kk": "Ақау", "ru": "Сбой", "en": "Fault"},
    "fault_off": {"kk": "ақаусыз", "ru": "без сбоя", "en": "no fault"},
    "filter": {"kk": "Сүзу", "ru": "Отобрать", "en": "Filter"},
    "attempts": {"kk": "Талпыныстар", "ru": "Попытки", "en": "Attempts"},
    "accepted": {"kk": "Қабылданды", "ru": "Принято", "en": "Accepted"},
    "download": {"kk": "Конвертті жүктеу", "ru": "Скачать конверт", "en": "Download the envelope"},
}

#: Values the pages show: application statuses, staff roles, C3 verdicts, channels.
VALUES: dict[str, dict[Language, str]] = {
    "in_progress": {"kk": "орындалуда", "ru": "в работе", "en": "in progress"},
    "completed": {"kk": "орындалды", "ru": "исполнено", "en": "completed"},
    "refused": {"kk": "бас тартылды", "ru": "отказано", "en": "refused"},
    "office": {"kk": "кеңсе", "ru": "канцелярия", "en": "office"},
    "head": {"kk": "басшы", "ru": "руководитель", "en": "head"},
    "department_head": {
        "kk": "бөлім басшысы",
        "ru": "руководитель отдела",
        "en": "department head",
    },
    "executor": {"kk": "орындаушы", "ru": "исполнитель", "en": "executor"},
    "signer": {
        "kk": "қол қою құқығы бар тұлға",
        "ru": "лицо с правом подписи",
        "en": "authorized signer",
    },
    "compliant": {"kk": "сәйкес", "ru": "соответствует", "en": "compliant"},
    "missing": {"kk": "жоқ", "ru": "отсутствует", "en": "missing"},
    "non_compliant": {"kk": "сәйкес емес", "ru": "не соответствует", "en": "not compliant"},
    "provider_office": {
        "kk": "қызмет берушінің кеңсесі",
        "ru": "канцелярия услугодателя",
        "en": "provider's office",
    },
    "state_corporation": {
        "kk": "Мемлекеттік корпорация",
        "ru": "Госкорпорация",
        "en": "State Corporation",
    },
    "portal": {"kk": "портал", "ru": "портал", "en": "portal"},
}

ACTIONS: dict[str, dict[Language, str]] = {
    "register": {"kk": "Тіркеу", "ru": "Зарегистрировать", "en": "Register"},
    "resolve": {
        "kk": "Бұрыштама қою және беру",
        "ru": "Наложить резолюцию и передать",
        "en": "Resolve and pass on",
    },
    "assign": {
        "kk": "Орындаушыны тағайындау",
        "ru": "Назначить исполнителя",
        "en": "Assign an executor",
    },
    "check": {
        "kk": "Құжаттарды тексеру (3-шарт)",
        "ru": "Проверить документы (условие 3)",
        "en": "Check the documents (C3)",
    },
    "prepare": {
        "kk": "Нәтижені дайындау",
        "ru": "Подготовить результат",
        "en": "Prepare the result",
    },
    "sign": {"kk": "ЭЦҚ-мен қол қою", "ru": "Подписать ЭЦП", "en": "Sign with EDS"},
    "hand_over": {"kk": "Беру", "ru": "Выдать", "en": "Hand over"},
}


def language(request: web.Request) -> Language:
    """The language asked for (`?lang=`), else the remembered one, else Russian."""
    for candidate in (request.query.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


def label(key: str, lang: Language) -> str:
    """A UI word in a language."""
    return LABELS[key][lang]


def value(key: str | None, lang: Language) -> str:
    """A status, role, verdict or channel in a language (the raw value when it has none)."""
    if key is None:
        return "—"
    words = VALUES.get(key)
    return words[lang] if words else key
