"""The refusal catalogue: every refusal code, the step it arises at, its HTTP status, its words.

A refusal is data first (a `Refusal` in `CATALOGUE`) and an exception only where a request has to
stop (`EgovsimError`). Steps use the seeds' ids (SPEC §2): C1, C2, C3, P2, P5, P8, and the parts
of the system that are not numbered there (the State Corporation, the gateway).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Language = Literal["kk", "ru", "en"]
LANGUAGES: tuple[Language, ...] = ("kk", "ru", "en")


@dataclass(frozen=True, slots=True)
class Refusal:
    """One entry of the catalogue."""

    code: str
    step: str
    http_status: int
    messages: Mapping[Language, str]

    def message(self, language: Language = "en") -> str:
        """The message in `language`, falling back to English."""
        return self.messages.get(language) or self.messages["en"]


def _refusal(code: str, step: str, status: int, kk: str, ru: str, en: str) -> Refusal:
    return Refusal(code, step, status, {"kk": kk, "ru": ru, "en": en})


_ENTRIES = (
    # HTTP: what any endpoint answers to a request it cannot take.
    _refusal(
        "BAD_REQUEST",
        "HTTP",
        400,
        "Сұрау дұрыс құрылмаған.",
        "Запрос составлен неверно.",
        "The request is malformed.",
    ),
    _refusal(
        "NOT_FOUND",
        "HTTP",
        404,
        "Мұндай бет немесе ресурс жоқ.",
        "Такой страницы или ресурса нет.",
        "There is no such page or resource.",
    ),
    _refusal(
        "METHOD_NOT_ALLOWED",
        "HTTP",
        405,
        "Бұл мекенжай мұндай әдісті қабылдамайды.",
        "Этот адрес не принимает такой метод.",
        "This address does not accept that method.",
    ),
    _refusal(
        "REQUEST_TOO_LARGE",
        "HTTP",
        413,
        "Сұрау тым үлкен.",
        "Запрос слишком велик.",
        "The request is too large.",
    ),
    _refusal(
        "INTERNAL_ERROR",
        "HTTP",
        500,
        "Симулятордың ішкі қатесі; ол журналға жазылды.",
        "Внутренняя ошибка симулятора; она записана в журнал.",
        "An internal error of the simulator; it has been logged.",
    ),
    # C2: the EDS check. P5 is the refusal that follows any of them.
    _refusal(
        "SIGNATURE_MALFORMED",
        "C2",
        400,
        "Қолтаңба оқылмайды: бұл CMS SignedData емес немесе ол бүлінген.",
        "Подпись не читается: это не CMS SignedData или она повреждена.",
        "The signature cannot be read: it is not a CMS SignedData, or it is damaged.",
    ),
    _refusal(
        "SIGNED_DATA_MISSING",
        "C2",
        400,
        "Бөлек қолтаңбаға қол қойылған деректер берілмеген.",
        "Для отсоединённой подписи не переданы подписанные данные.",
        "The signature is detached and the signed data was not supplied.",
    ),
    _refusal(
        "SIGNER_CERT_MISSING",
        "C2",
        422,
        "Қол қоюшының тіркеу куәлігі қолтаңбада жоқ.",
        "Регистрационное свидетельство подписанта отсутствует в подписи.",
        "The signer's certificate is not in the signature.",
    ),
    _refusal(
        "SIGNATURE_BROKEN",
        "C2",
        422,
        "Қолтаңба жарамсыз: құжат қол қойылғаннан кейін өзгертілген немесе қолтаңба бүлінген.",
        "Подпись недействительна: документ изменён после подписания или подпись повреждена.",
        "The signature is broken: the document was changed after signing, or the signature "
        "was damaged.",
    ),
    _refusal(
        "WEAK_ALGORITHM",
        "C2",
        422,
        "Қолтаңба әлсіз алгоритммен жасалған (MD5, SHA-1 немесе 2048 биттен қысқа RSA кілті).",
        "Подпись сделана слабым алгоритмом (MD5, SHA-1 или ключ RSA короче 2048 бит).",
        "The signature uses a weak algorithm (MD5, SHA-1, or an RSA key shorter than 2048 bits).",
    ),
    _refusal(
        "CERT_UNTRUSTED",
        "C2",
        422,
        "Тіркеу куәлігі сенімді куәландырушы орталыққа дейін тізбектелмейді.",
        "Регистрационное свидетельство не выстраивается в цепочку до доверенного "
        "удостоверяющего центра.",
        "The certificate does not chain to a trusted certification authority.",
    ),
    _refusal(
        "CHAIN_INVALID",
        "C2",
        422,
        "Куәліктер тізбегі жарамсыз: куәландырушы орталықтың қолтаңбасы немесе шектеулері "
        "сәйкес келмейді.",
        "Цепочка свидетельств недействительна: подпись или ограничения удостоверяющего центра "
        "не соблюдены.",
        "The certificate chain is invalid: a CA signature or a CA constraint does not hold.",
    ),
    _refusal(
        "CERT_EXPIRED",
        "C2",
        422,
        "Тіркеу куәлігінің қолданылу мерзімі өтіп кеткен.",
        "Срок действия регистрационного свидетельства истёк.",
        "The certificate has expired.",
    ),
    _refusal(
        "CERT_NOT_YET_VALID",
        "C2",
        422,
        "Тіркеу куәлігінің қолданылу мерзімі әлі басталмаған.",
        "Срок действия регистрационного свидетельства ещё не наступил.",
        "The certificate is not valid yet.",
    ),
    _refusal(
        "CERT_REVOKED",
        "C2",
        422,
        "Тіркеу куәлігі кері қайтарылған.",
        "Регистрационное свидетельство отозвано.",
        "The certificate has been revoked.",
    ),
    _refusal(
        "CERT_ON_HOLD",
        "C2",
        422,
        "Тіркеу куәлігінің әрекеті тоқтатылған.",
        "Действие регистрационного свидетельства приостановлено.",
        "The certificate is on hold (suspended).",
    ),
    _refusal(
        "REVOCATION_UNAVAILABLE",
        "C2",
        503,
        "Тіркеу куәлігінің кері қайтарылу мәртебесін қазір тексеру мүмкін емес; кейінірек "
        "қайталаңыз.",
        "Статус отзыва регистрационного свидетельства сейчас проверить нельзя; повторите позже.",
        "The certificate's revocation status cannot be checked now; try again later.",
    ),
    _refusal(
        "CERT_WRONG_KEY_USAGE",
        "C2",
        422,
        "Бұл кілт осы мақсатқа арналмаған (мысалы, аутентификация кілтімен қол қойылған).",
        "Этот ключ не предназначен для данной цели (например, подпись ключом аутентификации).",
        "This key is not meant for this purpose (for example, an authentication key was used "
        "to sign).",
    ),
    _refusal(
        "NO_SIGNING_RIGHT",
        "C2",
        422,
        "Қол қоюшының ұйым атынан қол қою құқығы жоқ.",
        "У подписанта нет права подписи от имени организации.",
        "The signer has no right to sign for the organization.",
    ),
    _refusal(
        "IIN_MISMATCH",
        "C2",
        422,
        "Сұраудағы ЖСН тіркеу куәлігіндегі ЖСН-ға сәйкес келмейді.",
        "ИИН в запросе не совпадает с ИИН в регистрационном свидетельстве.",
        "The IIN in the request differs from the IIN in the certificate.",
    ),
    _refusal(
        "BIN_MISMATCH",
        "C2",
        422,
        "Сұраудағы БСН тіркеу куәлігіндегі БСН-ға сәйкес келмейді.",
        "БИН в запросе не совпадает с БИН в регистрационном свидетельстве.",
        "The BIN in the request differs from the BIN in the certificate.",
    ),
    # P3: the request, as the provider's office (or, later, the portal) receives it.
    _refusal(
        "SERVICE_NOT_PROVIDED",
        "P3",
        422,
        "Бұл көрсетілетін қызметті беруші мұндай қызмет көрсетпейді.",
        "Этот услугодатель не оказывает такую услугу.",
        "This provider does not give that service.",
    ),
    _refusal(
        "SERVICE_NOT_EFFECTIVE",
        "P3",
        422,
        "Қызмет регламенті осы күні қолданыста емес.",
        "Регламент услуги на эту дату не действует.",
        "The service's regulation is not in force on that date.",
    ),
    _refusal(
        "CHANNEL_NOT_ALLOWED",
        "P3",
        422,
        "Бұл қызмет осы арна арқылы көрсетілмейді.",
        "Эта услуга не оказывается через этот канал.",
        "The service is not given through this channel.",
    ),
    _refusal(
        "APPLICANT_NOT_ELIGIBLE",
        "P3",
        422,
        "Көрсетілетін қызметті алушының бұл түрі қызметті ала алмайды.",
        "Услугополучатель этого типа не может получить эту услугу.",
        "An applicant of this type cannot receive this service.",
    ),
    _refusal(
        "APPLICANT_ID_INVALID",
        "P3",
        422,
        "Өтініштегі ЖСН немесе БСН жарамсыз (бақылау разряды немесе құрылымы дұрыс емес).",
        "ИИН или БИН в заявлении недействителен (контрольный разряд или структура неверны).",
        "The IIN or BIN of the application is invalid (check digit or structure).",
    ),
    _refusal(
        "OUTSIDE_ACCEPTANCE_WINDOW",
        "P3",
        422,
        "Өтініштер бұл кезеңде қабылданбайды.",
        "В этот период заявления не принимаются.",
        "Applications are not accepted in this period.",
    ),
    _refusal(
        "UNKNOWN_VARIANT",
        "P3",
        422,
        "Қызметтің мұндай түрі жоқ.",
        "Такого варианта услуги нет.",
        "There is no such variant of the service.",
    ),
    _refusal(
        "FORM_INVALID",
        "P3",
        422,
        "Сұрау нысаны толық немесе дұрыс толтырылмаған.",
        "Форма запроса заполнена не полностью или неверно.",
        "The request form is incomplete or wrongly filled in.",
    ),
    # C3 and P8: the provider checks the documents against item 9 of the Standard.
    _refusal(
        "UNKNOWN_DOCUMENT",
        "C3",
        422,
        "Стандарттың 9-тармағында мұндай құжат жоқ.",
        "Такого документа нет в пункте 9 Стандарта.",
        "There is no such document in item 9 of the Standard.",
    ),
    _refusal(
        "DOCUMENTS_NOT_CHECKED",
        "C3",
        409,
        "Нәтижені дайындау алдында әр құжат тексерілуі керек.",
        "Перед подготовкой результата каждый документ должен быть проверен.",
        "Every document must be checked before the result is prepared.",
    ),
    _refusal(
        "DOCUMENTS_INCOMPLETE",
        "C3",
        422,
        "Құжаттар толық емес немесе талаптарға сәйкес келмейді: тек дәлелді бас тарту дайындалады.",
        "Документы неполные или не соответствуют требованиям: готовится только мотивированный "
        "отказ.",
        "The documents are incomplete or not compliant: only a reasoned refusal can be prepared.",
    ),
    _refusal(
        "RESULT_KIND_INVALID",
        "C3",
        422,
        "Бұл қызмет үшін мұндай нәтиже жоқ.",
        "Для этой услуги нет такого результата.",
        "The service has no such result.",
    ),
    _refusal(
        "REFUSAL_NEEDS_GROUNDS",
        "P8",
        422,
        "Дәлелді бас тартуда негіздер көрсетілуі керек.",
        "В мотивированном отказе должны быть указаны основания.",
        "A reasoned refusal must state its grounds.",
    ),
    # The provider's workstation (АРМ РШЭП).
    _refusal(
        "STAFF_LOGIN_FAILED",
        "workstation",
        401,
        "Логин немесе құпиясөз қате.",
        "Неверный логин или пароль.",
        "Wrong login or password.",
    ),
    _refusal(
        "STAFF_NOT_SIGNED_IN",
        "workstation",
        401,
        "Жұмыс орнына кіріңіз.",
        "Войдите в рабочее место.",
        "Sign in to the workstation.",
    ),
    _refusal(
        "APPLICATION_NOT_FOUND",
        "workstation",
        404,
        "Мұндай өтініш жоқ.",
        "Такого заявления нет.",
        "There is no such application.",
    ),
    _refusal(
        "APPLICATION_CLOSED",
        "workstation",
        409,
        "Өтініш бойынша жұмыс аяқталған.",
        "Работа по заявлению завершена.",
        "Work on this application is finished.",
    ),
    _refusal(
        "ACTION_NOT_EXPECTED",
        "workstation",
        409,
        "Ағымдағы қадам басқа әрекетті күтеді.",
        "Текущий шаг ожидает другого действия.",
        "The current step expects another action.",
    ),
    _refusal(
        "STEP_NOT_FOR_ROLE",
        "workstation",
        403,
        "Бұл қадам басқа рөлге тиесілі.",
        "Этот шаг принадлежит другой роли.",
        "This step belongs to another role.",
    ),
    _refusal(
        "SIGNER_HAS_NO_KEY",
        "workstation",
        409,
        "Қол қоюшының ЭЦҚ кілті жоқ.",
        "У подписанта нет ключа ЭЦП.",
        "The signer has no EDS key.",
    ),
    _refusal(
        "RESULT_SIGNATURE_REFUSED",
        "P9",
        422,
        "Нәтижеге қойылған қолтаңба тексеруден өтпеді; нәтиже жіберілмейді.",
        "Подпись результата не прошла проверку; результат не отправляется.",
        "The result's signature failed verification; the result is not sent.",
    ),
    _refusal(
        "CLOCK_CHANGE_INVALID",
        "clock",
        400,
        "Сағатты бұлай өзгертуге болмайды.",
        "Так изменить часы нельзя.",
        "The clock cannot be changed that way.",
    ),
)

#: Every refusal egovsim can give, by code.
CATALOGUE: Mapping[str, Refusal] = {entry.code: entry for entry in _ENTRIES}


def refusal(code: str) -> Refusal:
    """The catalogue entry for `code`; an unknown code is a programming error."""
    try:
        return CATALOGUE[code]
    except KeyError:
        raise LookupError(f"refusal code {code!r} is not in the catalogue") from None


@dataclass(eq=False)
class EgovsimError(Exception):
    """A refusal raised where a request has to stop; the web layer renders it in one shape."""

    code: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.code)
        self.entry = refusal(self.code)

    @property
    def step(self) -> str:
        """The step id the refusal arises at."""
        return self.entry.step

    @property
    def http_status(self) -> int:
        """The HTTP status of the refusal on the API."""
        return self.entry.http_status
