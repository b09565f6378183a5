"""The State Corporation's counter: operators, packages, forwarding and the paper results."""

from __future__ import annotations

from egovsim.catalogue import Refusal, entry

STEP = "state_corporation"

ENTRIES: tuple[Refusal, ...] = (
    entry(
        "OPERATOR_LOGIN_FAILED",
        STEP,
        401,
        "Оператордың логині немесе құпиясөзі қате.",
        "Неверный логин или пароль оператора.",
        "The operator's login or password is wrong.",
    ),
    entry(
        "OPERATOR_NOT_SIGNED_IN",
        STEP,
        401,
        "Мемлекеттік корпорация операторы ретінде кіріңіз.",
        "Войдите как оператор Государственной корпорации.",
        "Sign in as an operator of the State Corporation.",
    ),
    entry(
        "PACKAGE_NOT_FOUND",
        STEP,
        404,
        "Бұл орталықта мұндай құжаттар топтамасы жоқ.",
        "В этом центре нет такого пакета документов.",
        "This centre has no such package of documents.",
    ),
    entry(
        "PACKAGE_INCOMPLETE",
        STEP,
        422,
        "Стандарттың 9 тармағына сәйкес құжаттардың толық топтамасы ұсынылмады: өтінішті "
        "қабылдаудан бас тартылады (Стандарттың 3 қосымшасы).",
        "Не представлен полный пакет документов согласно пункту 9 Стандарта: в приёме "
        "заявления отказано (приложение 3 к Стандарту).",
        "The documents of item 9 of the Standard are not all there: the application is "
        "refused at the counter (Annex 3 to the Standard).",
    ),
    entry(
        "PACKAGE_STATE_WRONG",
        STEP,
        409,
        "Құжаттар топтамасының қазіргі күйінде бұл әрекет жасалмайды.",
        "В текущем состоянии пакета это действие невозможно.",
        "The package is not in a state where this can be done.",
    ),
    entry(
        "FORWARD_FAILED",
        STEP,
        502,
        "Шлюз құжаттар топтамасын көрсетілетін қызметті берушіге қабылдамады.",
        "Шлюз не принял пакет для передачи услугодателю.",
        "The gateway did not take the package for the provider.",
    ),
    entry(
        "RESULT_NOT_AT_CENTRE",
        STEP,
        409,
        "Нәтиже орталықта жоқ: ол әлі келмеген немесе сақтауға қайтарылған.",
        "Результата нет в центре: он ещё не поступил или возвращён на хранение.",
        "The result is not at the centre: it has not arrived yet or went back to storage.",
    ),
    entry(
        "HANDOUT_DOCUMENT_INVALID",
        STEP,
        422,
        "Нәтижені жеке куәлік немесе нотариат куәландырған сенімхат бойынша ғана беруге болады.",
        "Результат выдаётся только по удостоверению личности или нотариально удостоверенной "
        "доверенности.",
        "The result is handed out only on an identity document or a notarized power of attorney.",
    ),
    entry(
        "COLLECTION_INVALID",
        STEP,
        422,
        "Алуға жіберілген нәтижеде белгілі орталық, қызмет немесе көрсетілетін қызметті алушы "
        "көрсетілмеген.",
        "В результате, направленном для выдачи, не указаны известные центр, услуга или "
        "услугополучатель.",
        "The result sent for collection names no known centre, service or applicant.",
    ),
)
