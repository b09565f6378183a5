"""P3, C3 and P8, and the provider's workstation (АРМ РШЭП)."""

from __future__ import annotations

from egovsim.catalogue import Refusal, entry

ENTRIES: tuple[Refusal, ...] = (
    # P3: the request, as the provider's office (or, later, the portal) receives it.
    entry(
        "SERVICE_NOT_PROVIDED",
        "P3",
        422,
        "Бұл көрсетілетін қызметті беруші мұндай қызмет көрсетпейді.",
        "Этот услугодатель не оказывает такую услугу.",
        "This provider does not give that service.",
    ),
    entry(
        "SERVICE_NOT_EFFECTIVE",
        "P3",
        422,
        "Қызмет регламенті осы күні қолданыста емес.",
        "Регламент услуги на эту дату не действует.",
        "The service's regulation is not in force on that date.",
    ),
    entry(
        "CHANNEL_NOT_ALLOWED",
        "P3",
        422,
        "Бұл қызмет осы арна арқылы көрсетілмейді.",
        "Эта услуга не оказывается через этот канал.",
        "The service is not given through this channel.",
    ),
    entry(
        "APPLICANT_NOT_ELIGIBLE",
        "P3",
        422,
        "Көрсетілетін қызметті алушының бұл түрі қызметті ала алмайды.",
        "Услугополучатель этого типа не может получить эту услугу.",
        "An applicant of this type cannot receive this service.",
    ),
    entry(
        "APPLICANT_ID_INVALID",
        "P3",
        422,
        "Өтініштегі ЖСН немесе БСН жарамсыз (бақылау разряды немесе құрылымы дұрыс емес).",
        "ИИН или БИН в заявлении недействителен (контрольный разряд или структура неверны).",
        "The IIN or BIN of the application is invalid (check digit or structure).",
    ),
    entry(
        "OUTSIDE_ACCEPTANCE_WINDOW",
        "P3",
        422,
        "Өтініштер бұл кезеңде қабылданбайды.",
        "В этот период заявления не принимаются.",
        "Applications are not accepted in this period.",
    ),
    entry(
        "UNKNOWN_VARIANT",
        "P3",
        422,
        "Қызметтің мұндай түрі жоқ.",
        "Такого варианта услуги нет.",
        "There is no such variant of the service.",
    ),
    entry(
        "FORM_INVALID",
        "P3",
        422,
        "Сұрау нысаны толық немесе дұрыс толтырылмаған.",
        "Форма запроса заполнена не полностью или неверно.",
        "The request form is incomplete or wrongly filled in.",
    ),
    # C3 and P8: the provider checks the documents against item 9 of the Standard.
    entry(
        "UNKNOWN_DOCUMENT",
        "C3",
        422,
        "Стандарттың 9-тармағында мұндай құжат жоқ.",
        "Такого документа нет в пункте 9 Стандарта.",
        "There is no such document in item 9 of the Standard.",
    ),
    entry(
        "DOCUMENTS_NOT_CHECKED",
        "C3",
        409,
        "Нәтижені дайындау алдында әр құжат тексерілуі керек.",
        "Перед подготовкой результата каждый документ должен быть проверен.",
        "Every document must be checked before the result is prepared.",
    ),
    entry(
        "DOCUMENTS_INCOMPLETE",
        "C3",
        422,
        "Құжаттар толық емес немесе талаптарға сәйкес келмейді: тек дәлелді бас тарту дайындалады.",
        "Документы неполные или не соответствуют требованиям: готовится только мотивированный "
        "отказ.",
        "The documents are incomplete or not compliant: only a reasoned refusal can be prepared.",
    ),
    entry(
        "RESULT_KIND_INVALID",
        "C3",
        422,
        "Бұл қызмет үшін мұндай нәтиже жоқ.",
        "Для этой услуги нет такого результата.",
        "The service has no such result.",
    ),
    entry(
        "REFUSAL_NEEDS_GROUNDS",
        "P8",
        422,
        "Дәлелді бас тартуда негіздер көрсетілуі керек.",
        "В мотивированном отказе должны быть указаны основания.",
        "A reasoned refusal must state its grounds.",
    ),
    # The provider's workstation (АРМ РШЭП).
    entry(
        "STAFF_LOGIN_FAILED",
        "workstation",
        401,
        "Логин немесе құпиясөз қате.",
        "Неверный логин или пароль.",
        "Wrong login or password.",
    ),
    entry(
        "STAFF_NOT_SIGNED_IN",
        "workstation",
        401,
        "Жұмыс орнына кіріңіз.",
        "Войдите в рабочее место.",
        "Sign in to the workstation.",
    ),
    entry(
        "APPLICATION_NOT_FOUND",
        "workstation",
        404,
        "Мұндай өтініш жоқ.",
        "Такого заявления нет.",
        "There is no such application.",
    ),
    entry(
        "APPLICATION_CLOSED",
        "workstation",
        409,
        "Өтініш бойынша жұмыс аяқталған.",
        "Работа по заявлению завершена.",
        "Work on this application is finished.",
    ),
    entry(
        "ACTION_NOT_EXPECTED",
        "workstation",
        409,
        "Ағымдағы қадам басқа әрекетті күтеді.",
        "Текущий шаг ожидает другого действия.",
        "The current step expects another action.",
    ),
    entry(
        "STEP_NOT_FOR_ROLE",
        "workstation",
        403,
        "Бұл қадам басқа рөлге тиесілі.",
        "Этот шаг принадлежит другой роли.",
        "This step belongs to another role.",
    ),
    entry(
        "SIGNER_HAS_NO_KEY",
        "workstation",
        409,
        "Қол қоюшының ЭЦҚ кілті жоқ.",
        "У подписанта нет ключа ЭЦП.",
        "The signer has no EDS key.",
    ),
    entry(
        "RESULT_SIGNATURE_REFUSED",
        "P9",
        422,
        "Нәтижеге қойылған қолтаңба тексеруден өтпеді; нәтиже жіберілмейді.",
        "Подпись результата не прошла проверку; результат не отправляется.",
        "The result's signature failed verification; the result is not sent.",
    ),
    entry(
        "CLOCK_CHANGE_INVALID",
        "clock",
        400,
        "Сағатты бұлай өзгертуге болмайды.",
        "Так изменить часы нельзя.",
        "The clock cannot be changed that way.",
    ),
    # P3: the regulation's own term rules (a term that counts from a date of the form).
    entry(
        "TERM_DATE_INVALID",
        "P3",
        422,
        "Мерзім есептелетін күн (емтиханды сәтті тапсырған күн) көрсетілмеген немесе бүгінгі "
        "күннен кейін: емтиханды тапсырған күнді көрсетіңіз.",
        "Дата, с которой исчисляется срок (дата успешной сдачи экзамена), не указана или позже "
        "сегодняшней: укажите дату сдачи экзамена.",
        "The date the term counts from (the day the exam was passed) is missing or later than "
        "today: give the day the exam was passed.",
    ),
    # C3 as a real check: a verdict per document, and a refusal that rests on one.
    entry(
        "VERDICT_INVALID",
        "C3",
        422,
        "Бұл құжатқа мұндай баға қойылмайды: тіркелмеген құжат тек «жоқ» болады, ал сәйкес "
        "келмейтін құжатқа себебі жазылады.",
        "Такая отметка для этого документа невозможна: неприложенный документ может быть только "
        "«отсутствует», а для несоответствующего указывается причина.",
        "That verdict is not possible for this document: one that was not attached can only be "
        "missing, and a non-compliant one needs its reason.",
    ),
    entry(
        "REFUSAL_DOCUMENTS_COMPLIANT",
        "C3",
        422,
        "Құжаттардың толық болмауына байланысты дәлелді бас тарту үшін кемінде бір құжат «жоқ» "
        "немесе «сәйкес келмейді» деп белгіленуі керек.",
        "Для мотивированного отказа из-за неполноты документов хотя бы один документ должен "
        "быть отмечен как «отсутствует» или «не соответствует».",
        "A reasoned refusal for incomplete documents needs at least one document marked missing "
        "or non-compliant.",
    ),
    # C3: an attached document is opened before a verdict on its content.
    entry(
        "DOCUMENT_NOT_OPENED",
        "C3",
        409,
        "Құжаттың электрондық көшірмесі ашылмаған: оны «сәйкес» немесе «сәйкес келмейді» деп "
        "белгілеу үшін алдымен жұмыс орнынан ашыңыз.",
        "Электронная копия документа не открыта: чтобы отметить его «соответствует» или «не "
        "соответствует», сначала откройте его с рабочего места.",
        "The document's electronic copy was not opened: open it from the workstation before "
        "marking it compliant or non-compliant.",
    ),
)
