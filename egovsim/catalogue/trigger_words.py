"""How to reach each refusal, in Kazakh and Russian (the English is `triggers.TRIGGERS`), for the
refusal catalogue's page and API in the reader's language. What is between backticks (a command,
a JSON body, an action's name) is the same in every language: `tests/test_refusals.py` holds it."""

from __future__ import annotations

from collections.abc import Mapping

from egovsim.catalogue import Language
from egovsim.catalogue.trigger_words_portal import PORTAL_HOW_WORDS
from egovsim.catalogue.trigger_words_provider import PROVIDER_HOW_WORDS

#: code -> language -> how to reach it.
HOW_WORDS: Mapping[str, Mapping[Language, str]] = {
    **PORTAL_HOW_WORDS,
    **PROVIDER_HOW_WORDS,
    "ENVELOPE_MALFORMED": {
        "kk": "/shep/async-ке SOAP 1.1 Envelope емес дене жіберіңіз.",
        "ru": "Отправьте на /shep/async тело, не являющееся SOAP 1.1 Envelope.",
    },
    "SENDER_UNKNOWN": {
        "kk": "Ешқашан тіркелмеген senderId-мен sendMessage.",
        "ru": "sendMessage с senderId, который никогда не регистрировался.",
    },
    "SENDER_PASSWORD_WRONG": {
        "kk": "egov-portal ретінде қате құпиясөзбен sendMessage.",
        "ru": "sendMessage от egov-portal с неверным паролем.",
    },
    "SERVICE_UNKNOWN": {
        "kk": "Маршруты жоқ serviceId-мен sendMessage.",
        "ru": "sendMessage с serviceId, у которого нет маршрута.",
    },
    "CORRELATION_ID_MISSING": {
        "kk": "correlationId-сіз RESPONSE түріндегі sendMessage.",
        "ru": "sendMessage типа RESPONSE без correlationId.",
    },
    "MESSAGE_ID_DUPLICATE": {
        "kk": "Бір messageId-мен және әртүрлі деректермен екі рет sendMessage.",
        "ru": "Дважды sendMessage с одним messageId и разными данными.",
    },
    "MESSAGE_UNKNOWN": {
        "kk": "Шлюз ешқашан қабылдамаған messageId үшін getMessageStatus.",
        "ru": "getMessageStatus для messageId, который шлюз никогда не принимал.",
    },
    "RECEIVER_UNREACHABLE": {
        "kk": "Қызмет алушысын unreachable күйіне ауыстырып, оған SyncChannel SendMessage: ақау "
        "бірден келеді. Асинхронды жеткізуде ауыстырғыш әр әрекетті сәтсіз етеді, хабар "
        "соңғы әрекетінде және күй хабарламасында осы кодпен DELIVERY_STOPPED болып аяқталады; "
        "алушысы сиқырлы 000103300002 ЖСН немесе сиқырлы 000340000002 БСН болатын кез келген "
        "REQUEST те солай (осы ЖСН немесе БСН порталының сұрауы DELIVERY_STOPPED болып "
        "аяқталады).",
        "ru": "Переключите получателя услуги в unreachable, затем SyncChannel SendMessage ему: "
        "ошибка приходит сразу. При асинхронной доставке переключатель делает каждую попытку "
        "неудачной, и сообщение завершается DELIVERY_STOPPED с этим кодом в последней попытке "
        "и в уведомлении о статусе; так же и любой REQUEST, чей услугополучатель — магический "
        "ИИН 000103300002 или магический БИН 000340000002 (запрос портала с этим ИИН или БИН "
        "завершается DELIVERY_STOPPED).",
    },
    "GATEWAY_UNAVAILABLE": {
        "kk": "Шлюзді өшіріп (PUT /api/v1/faults/gateway-down), /shep/sync немесе /shep/async-ке "
        "кез келген нәрсе жіберіңіз: HTTP 503-пен soapenv:Server ақауы.",
        "ru": "Выключите шлюз (PUT /api/v1/faults/gateway-down), затем отправьте что угодно на "
        "/shep/sync или /shep/async: ошибка soapenv:Server с HTTP 503.",
    },
    "WSS_SIGNATURE_MISSING": {
        "kk": "Қолтаңба саясаты `required` болып тіркелген жіберуші ретінде қол қойылмаған "
        "sendMessage.",
        "ru": "sendMessage без подписи от отправителя, зарегистрированного с политикой подписи "
        "`required`.",
    },
    "WSS_SIGNATURE_INVALID": {
        "kk": "SignatureValue мәні өзгертілген қол қойылған конвертпен sendMessage.",
        "ru": "sendMessage с подписанным конвертом, в котором изменён SignatureValue.",
    },
    "WSS_DIGEST_MISMATCH": {
        "kk": "Конвертке қол қойып, Body мәтінін өзгертіп, жіберіңіз.",
        "ru": "Подпишите конверт, затем измените текст Body и отправьте его.",
    },
    "WSS_BODY_NOT_SIGNED": {
        "kk": "Reference-тері Body-ны қамтымайтын қолтаңбамен sendMessage.",
        "ru": "sendMessage с подписью, ссылки (References) которой не включают Body.",
    },
    "WSS_WEAK_ALGORITHM": {
        "kk": "Конвертке rsa-sha1-мен немесе SHA-1 дайджестімен қол қойыңыз.",
        "ru": "Подпишите конверт с rsa-sha1 или дайджестом SHA-1.",
    },
    "WSS_TOKEN_INVALID": {
        "kk": "Конвертке қол қойып, BinarySecurityToken-ге сертификат емес байттарды салыңыз.",
        "ru": "Подпишите конверт, но положите в BinarySecurityToken байты, не являющиеся "
        "сертификатом.",
    },
    "WSS_UNSUPPORTED": {
        "kk": "Конвертке exc-c14n түрлендіруі жоқ немесе одан тыс нұсқайтын Reference-пен қол "
        "қойыңыз.",
        "ru": "Подпишите конверт со ссылкой (Reference) без преобразования exc-c14n или "
        "указывающей за его пределы.",
    },
    "SIGNATURE_WRAPPING": {
        "kk": "Екінші Body элементі бар қол қойылған конверт жіберіңіз.",
        "ru": "Отправьте подписанный конверт со вторым элементом Body.",
    },
    "WSS_CERTIFICATE_REFUSED": {
        "kk": "Конвертке қайтарылған персонаның кілтімен қол қойыңыз (C2 коды subError-да).",
        "ru": "Подпишите конверт ключом отозванной персоны (код C2 — в subError).",
    },
    "NCALAYER_PERSONA_UNKNOWN": {
        "kk": 'PUT /api/v1/ncalayer/persona `{"persona": "no-such-persona"}` денесімен.',
        "ru": 'PUT /api/v1/ncalayer/persona с `{"persona": "no-such-persona"}`.',
    },
    "NCALAYER_PASSWORD_WRONG": {
        "kk": "PUT /api/v1/ncalayer/persona "
        '`{"persona": "citizen-valid", "password": "wrong"}` денесімен.',
        "ru": 'PUT /api/v1/ncalayer/persona с `{"persona": "citizen-valid", "password": "wrong"}`.',
    },
    "NCALAYER_CLIENT_REFUSED": {
        "kk": "/ncalayer WebSocket-ін `Origin: https://elsewhere.example` тақырыбымен (басқа "
        "сайттың беті) немесе `serve --ncalayer-remote`-сыз басқа компьютерден ашыңыз.",
        "ru": "Откройте WebSocket /ncalayer с `Origin: https://elsewhere.example` (страница "
        "другого сайта) или с другого компьютера без `serve --ncalayer-remote`.",
    },
    "OPERATOR_LOGIN_FAILED": {
        "kk": "POST /api/v1/statecorp/session қате құпиясөзбен.",
        "ru": "POST /api/v1/statecorp/session с неверным паролем.",
    },
    "OPERATOR_NOT_SIGNED_IN": {
        "kk": "GET /api/v1/statecorp/packages-ті сессиясыз шақырыңыз.",
        "ru": "Вызовите GET /api/v1/statecorp/packages без сессии.",
    },
    "PACKAGE_NOT_FOUND": {
        "kk": "GET /api/v1/statecorp/packages/999999.",
        "ru": "GET /api/v1/statecorp/packages/999999.",
    },
    "PACKAGE_INCOMPLETE": {
        "kk": "Кеме куәлігінің пакетін 9-тармақтың бір құжаты белгіленбеген күйде `check` "
        "етіңіз: 3-қосымшаның бас тарту қолхаты.",
        "ru": "`check` пакета на удостоверение на судно с одним неотмеченным документом "
        "пункта 9: расписка об отказе по приложению 3.",
    },
    "PACKAGE_STATE_WRONG": {
        "kk": "Пакетті тексеріліп, қабылданбай тұрып `forward` етіңіз.",
        "ru": "`forward` пакета до того, как он проверен и принят.",
    },
    "FORWARD_FAILED": {
        "kk": "Шлюзді өшіріп (PUT /api/v1/faults/gateway-down), қабылданған пакетті `forward` "
        "етіңіз: шлюз оны қабылдамайды. Пакет қабылданған күйде қалады; ауыстырғыш өшкенде "
        "оны қайта жіберіңіз.",
        "ru": "Выключите шлюз (PUT /api/v1/faults/gateway-down), затем `forward` принятого "
        "пакета: шлюз его не принимает. Пакет остаётся принятым; отправьте его снова, когда "
        "переключатель выключен.",
    },
    "RESULT_NOT_AT_CENTRE": {
        "kk": "Нәтижесі орталыққа келмеген пакетке `serve`.",
        "ru": "`serve` пакета, результат которого не поступил в центр.",
    },
    "HANDOUT_DOCUMENT_INVALID": {
        "kk": '`"document": "driving-licence"` немесе нотариат куәландырмаған сенімхатпен '
        "`hand_out`.",
        "ru": '`hand_out` с `"document": "driving-licence"` или с нотариально не '
        "удостоверенной доверенностью.",
    },
    "CONSOLE_BUSY": {
        "kk": "«Байқап көру» жұмысы әлі жүріп жатқанда POST /api/v1/refusals/{code}/try (немесе "
        "турдың келесі қадамы, немесе POST /api/v1/console/reset).",
        "ru": "POST /api/v1/refusals/{code}/try (или следующий шаг тура, или "
        "POST /api/v1/console/reset), пока ещё идёт запуск «Проверить».",
    },
    "COLLECTION_INVALID": {
        "kk": "Берушінің жұмыс орны ретінде (arm-rshep жіберушісі) кеме куәлігіне Алматы "
        "берушісінің қол қоюшысы (almaty-transport-signer) қол қойған, деректерінде белгілі "
        "орталық, қызмет немесе алушы көрсетілмеген нәтижесі бар REQUEST жіберіңіз: орталық "
        "оны жеткізуден бас тартады (NOT_DELIVERED, әрекетте осы код).",
        "ru": "Как АРМ услугодателя (отправитель arm-rshep) отправьте REQUEST на "
        "удостоверение на судно с результатом, подписанным подписантом алматинского "
        "услугодателя (almaty-transport-signer), данные которого не называют известный центр, "
        "услугу или услугополучателя: центр отказывает в доставке (NOT_DELIVERED, этот код в "
        "попытке).",
    },
    "TERM_DATE_INVALID": {
        "kk": "Алматының емтиханнан кейінгі куәлігіне (`variant: licence-after-exam`) нысанның "
        "`exam-date` өрісінсіз немесе бүгіннен кейінгі күнмен тапсырыс беріңіз: оның 8 жұмыс "
        "күні емтиханнан бастап есептеледі.",
        "ru": "Закажите алматинское удостоверение после сданного экзамена "
        "(`variant: licence-after-exam`) без поля формы `exam-date` или с датой позже сегодняшней: "
        "его 8 рабочих дней считаются от экзамена.",
    },
    "VERDICT_INVALID": {
        "kk": "Орындаушы ретінде тіркелмеген құжатты «сәйкес» деп немесе құжатты ескертпесіз "
        "«сәйкес емес» деп `check` етіңіз.",
        "ru": "Как исполнитель отметьте (`check`) неприложенный документ «соответствует» или "
        "документ «не соответствует» без примечания.",
    },
    "REFUSAL_DOCUMENTS_COMPLIANT": {
        "kk": "Орындаушы ретінде барлық құжатты «сәйкес» деп `check` етіп, содан кейін `prepare` "
        '`{"refusal": true, "grounds": "..."}`: толық еместігі үшін бас тартуға сәйкес келмейтін '
        "құжат керек.",
        "ru": "Как исполнитель отметьте (`check`) все документы «соответствует», затем `prepare` "
        '`{"refusal": true, "grounds": "..."}`: для отказа за некомплектность нужен '
        "несоответствующий документ.",
    },
    # Safe on a network (issue 14).
    "OPERATOR_REQUIRED": {
        "kk": "`egovsim serve --operator-token SECRET` іске қосып, POST /api/v1/clock-қа (немесе "
        "OpenAPI құжаты operatorToken деп белгілеген кез келген мекенжайға) "
        "`Authorization: Bearer SECRET` тақырыпсыз жіберіңіз.",
        "ru": "Запустите `egovsim serve --operator-token SECRET` и отправьте POST /api/v1/clock "
        "(или на любой адрес, который документ OpenAPI помечает operatorToken) без "
        "`Authorization: Bearer SECRET`.",
    },
    "WSS_SIGNED_CONTENT_AMBIGUOUS": {
        "kk": "Конвертке қол қойып, содан кейін оның қол қойылған messageId өрісіне түсініктеме "
        "салыңыз (`X<!---->-rest`).",
        "ru": "Подпишите конверт, затем вставьте комментарий в его подписанный messageId "
        "(`X<!---->-rest`).",
    },
    "WSS_TIMESTAMP_MISSING": {
        "kk": "Тек Body бөлігіне қол қойып, wsu:Timestamp-ты қолтаңбасыз қалдырыңыз.",
        "ru": "Подпишите только Body, оставив wsu:Timestamp неподписанным.",
    },
    "WSS_TIMESTAMP_STALE": {
        "kk": "Симулятор уақытынан да, машина уақытынан да екі апта бұрын (немесе 700 күн кейін) "
        "жасалған Timestamp-пен қол қойыңыз.",
        "ru": "Подпишите с Timestamp, созданным за две недели до времени и симулятора, и машины "
        "(или через 700 дней после).",
    },
    "WSS_REPLAYED": {
        "kk": "Бір қол қойылған конвертті оның Timestamp мерзімі ішінде екі рет жіберіңіз.",
        "ru": "Отправьте один и тот же подписанный конверт дважды в пределах окна его Timestamp.",
    },
    "DRAFTS_LIMIT_REACHED": {
        "kk": "Бір алушының 20 жобасы қол қойылмаған кезде 21-ші жобаны ашыңыз "
        "(POST /api/v1/portal/applications; max_open_drafts баптауы).",
        "ru": "Откройте 21-й черновик (POST /api/v1/portal/applications), когда 20 черновиков "
        "одного заявителя не подписаны (настройка max_open_drafts).",
    },
    "ATTACHMENTS_QUOTA_EXCEEDED": {
        "kk": "Бір алушының жобаларына барлығы 50 МиБ-тан артық тіркеңіз "
        "(max_draft_attachment_bytes баптауы), мысалы, 9,9 МиБ-тық алты PDF.",
        "ru": "Приложите к черновикам одного заявителя в сумме более 50 МиБ (настройка "
        "max_draft_attachment_bytes), например шесть PDF по 9,9 МиБ.",
    },
    "RECEIVER_HOST_NOT_ALLOWED": {
        "kk": "POST /api/v1/gateway/routes-қа loopback емес және `serve --receiver-host` арқылы "
        'аталмаған хосттағы "url" жіберіңіз.',
        "ru": 'Отправьте POST /api/v1/gateway/routes с "url" на хосте, который не loopback и не '
        "назван через `serve --receiver-host`.",
    },
    "ROUTE_PARTY_UNKNOWN": {
        "kk": 'POST /api/v1/gateway/routes-қа ешқашан тіркелмеген "provider" немесе "sender_id" '
        "жіберіңіз.",
        "ru": 'Отправьте POST /api/v1/gateway/routes с "provider" или "sender_id", который '
        "никогда не регистрировался.",
    },
    # Timestamps and several signers (issue 20).
    "TIMESTAMP_MISSING": {
        "kk": "`--tsp`-сіз қол қойып, содан кейін `egovsim verify cms FILE --require-timestamp` "
        "іске қосыңыз.",
        "ru": "Подпишите без `--tsp`, затем запустите "
        "`egovsim verify cms FILE --require-timestamp`.",
    },
    "TIMESTAMP_IMPRINT_MISMATCH": {
        "kk": "`tsa-wrong-imprint` ауыстырғышын қосыңыз: `egovsim sign cms --tsp` берілген "
        "белгіні қабылдамайды (тексеруші басқа қолтаңбаға берілген белгіні осы кодпен қайтарады).",
        "ru": "Включите переключатель `tsa-wrong-imprint`: `egovsim sign cms --tsp` отвергает "
        "выданную метку (проверяющий встречает метку над другой подписью с этим кодом).",
    },
    "TSA_UNTRUSTED": {
        "kk": "`tsa-untrusted` ауыстырғышын қосып, `egovsim sign cms --tsp`, содан кейін "
        "`egovsim verify cms` іске қосыңыз.",
        "ru": "Включите переключатель `tsa-untrusted`, выполните `egovsim sign cms --tsp`, затем "
        "`egovsim verify cms`.",
    },
    "TSA_UNAVAILABLE": {
        "kk": "`tsa-down` ауыстырғышын қосыңыз (немесе күту мерзімінен асатын `tsa-slow`), "
        "содан кейін `egovsim sign cms --tsp` іске қосыңыз.",
        "ru": "Включите переключатель `tsa-down` (или `tsa-slow` дольше тайм-аута), затем "
        "выполните `egovsim sign cms --tsp`.",
    },
    "SIGNER_REFUSED": {
        "kk": "Жарамды персонамен қол қойып, `egovsim sign cms --add` арқылы қайтарылған "
        "персонамен екінші қол қоюшыны қосыңыз, содан кейін `egovsim verify cms` іске қосыңыз.",
        "ru": "Подпишите действующей персоной, добавьте второго подписанта отозванной персоной "
        "через `egovsim sign cms --add`, затем выполните `egovsim verify cms`.",
    },
    # C3: an attached document opened before a verdict on its content (issue 15).
    "DOCUMENT_NOT_OPENED": {
        "kk": "Орындаушы ретінде портал өтінішінің тіркелген құжатын алдымен ашпай (GET "
        "/api/v1/workstation/applications/{id}/attachments/{document}) «сәйкес» деп `check` "
        "етіңіз.",
        "ru": "Как исполнитель отметьте (`check`) приложенный документ заявления с портала "
        "«соответствует», не открыв его (GET /api/v1/workstation/applications/{id}/attachments/"
        "{document}).",
    },
}
