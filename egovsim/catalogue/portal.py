"""Refusals of the portal's requests and the personal cabinet: P3 (the request, its
attachments), P5 (the signature is not over the request), P7 (the gateway), P9 (the result)."""

from __future__ import annotations

from egovsim.catalogue import Refusal, entry

ENTRIES: tuple[Refusal, ...] = (
    # P3: the applicant fills in the request and attaches the documents' electronic copies.
    entry(
        "REQUEST_ID_NOT_APPLICANTS",
        "P3",
        422,
        "Сұраудағы ЖСН/БСН порталға кірген көрсетілетін қызметті алушының ЖСН/БСН-імен "
        "сәйкес келмейді: сұрау тек өз атыңыздан беріледі.",
        "ИИН/БИН в запросе не совпадает с ИИН/БИН услугополучателя, вошедшего на портал: "
        "запрос подаётся только от своего имени.",
        "The IIN/BIN in the request is not the signed-in applicant's: a request is made only "
        "in one's own name.",
    ),
    entry(
        "ATTACHMENT_TOO_LARGE",
        "P3",
        413,
        "Тіркелген файл тым үлкен: әр құжат 10 МБ-тан аспауы керек.",
        "Прикреплённый файл слишком велик: каждый документ не больше 10 МБ.",
        "The attached file is too large: each document may be at most 10 MiB.",
    ),
    entry(
        "ATTACHMENT_TYPE_REFUSED",
        "P3",
        415,
        "Файл түрі қабылданбайды: тек PDF, JPEG немесе PNG (файлдың мазмұны бойынша "
        "анықталады, атауы бойынша емес).",
        "Тип файла не принимается: только PDF, JPEG или PNG (определяется по содержимому "
        "файла, а не по имени).",
        "The file type is not accepted: PDF, JPEG or PNG only (recognised by the file's "
        "content, not its name).",
    ),
    entry(
        "REQUEST_DOCUMENTS_MISSING",
        "P3",
        422,
        "Стандарттың 9-тармағында талап етілетін құжаттар тіркелмеген: сұрауға қол қою "
        "алдында оларды тіркеңіз.",
        "Не прикреплены документы, требуемые пунктом 9 Стандарта: прикрепите их перед "
        "подписанием запроса.",
        "Documents required by item 9 of the Standard are not attached: attach them before "
        "signing the request.",
    ),
    entry(
        "APPLICATION_NOT_DRAFT",
        "P3",
        409,
        "Сұрауға қол қойылған: енді оны өзгертуге немесе қайта қол қоюға болмайды.",
        "Запрос уже подписан: изменить его или подписать заново нельзя.",
        "The request has been signed: it can no longer be changed or signed again.",
    ),
    # P5: the signature is valid or not, but it is not over this request.
    entry(
        "SIGNED_CONTENT_MISMATCH",
        "C2",
        422,
        "Қол қойылған мазмұн осы сұраудың электрондық құжаты емес: порталдан алынған құжатқа "
        "қайта қол қойыңыз.",
        "Подписанное содержимое не является электронным документом этого запроса: подпишите "
        "документ, полученный с портала.",
        "What was signed is not this request's e-document: sign the document the portal gives.",
    ),
    # P7: the signed request travels through the gateway.
    entry(
        "REQUEST_NOT_SENT",
        "P7",
        502,
        "Сұрауға қол қойылды, бірақ шлюз оны қабылдамады; ол кейінірек қайта жіберіледі.",
        "Запрос подписан, но шлюз его не принял; он будет отправлен повторно позже.",
        "The request is signed, but the gateway did not take it; it will be sent again later.",
    ),
    # P9: the result in the personal cabinet.
    entry(
        "RESULT_NOT_READY",
        "P9",
        409,
        "Бұл өтініш бойынша нәтиже әлі жеке кабинетке түспеді.",
        "Результат по этому заявлению ещё не поступил в личный кабинет.",
        "The result of this application has not reached the personal cabinet yet.",
    ),
    # What one applicant may keep on the portal (issue 14), so no one fills its storage.
    entry(
        "DRAFTS_LIMIT_REACHED",
        "P3",
        409,
        "Жобалар тым көп: жаңасын ашпас бұрын бұрынғыларына қол қойыңыз немесе оларды аяқтаңыз.",
        "Слишком много черновиков: подпишите или завершите прежние, прежде чем открыть новый.",
        "Too many drafts: sign or finish the earlier ones before opening another.",
    ),
    entry(
        "ATTACHMENTS_QUOTA_EXCEEDED",
        "P3",
        413,
        "Жобаларға тіркелген файлдардың жалпы көлемі шектен асады.",
        "Общий объём файлов, прикреплённых к черновикам, превышает предел.",
        "The files attached to your drafts would exceed the total allowed.",
    ),
)
