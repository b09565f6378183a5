"""C2, the EDS check (P5 is the refusal that follows any of them)."""

from __future__ import annotations

from egovsim.catalogue import Refusal, entry

ENTRIES: tuple[Refusal, ...] = (
    # C2: the EDS check. P5 is the refusal that follows any of them.
    entry(
        "SIGNATURE_MALFORMED",
        "C2",
        400,
        "Қолтаңба оқылмайды: бұл CMS SignedData емес немесе ол бүлінген.",
        "Подпись не читается: это не CMS SignedData или она повреждена.",
        "The signature cannot be read: it is not a CMS SignedData, or it is damaged.",
    ),
    entry(
        "SIGNED_DATA_MISSING",
        "C2",
        400,
        "Бөлек қолтаңбаға қол қойылған деректер берілмеген.",
        "Для отсоединённой подписи не переданы подписанные данные.",
        "The signature is detached and the signed data was not supplied.",
    ),
    entry(
        "SIGNER_CERT_MISSING",
        "C2",
        422,
        "Қол қоюшының тіркеу куәлігі қолтаңбада жоқ.",
        "Регистрационное свидетельство подписанта отсутствует в подписи.",
        "The signer's certificate is not in the signature.",
    ),
    entry(
        "SIGNATURE_BROKEN",
        "C2",
        422,
        "Қолтаңба жарамсыз: құжат қол қойылғаннан кейін өзгертілген немесе қолтаңба бүлінген.",
        "Подпись недействительна: документ изменён после подписания или подпись повреждена.",
        "The signature is broken: the document was changed after signing, or the signature "
        "was damaged.",
    ),
    entry(
        "WEAK_ALGORITHM",
        "C2",
        422,
        "Қолтаңба әлсіз алгоритммен жасалған (MD5, SHA-1 немесе 2048 биттен қысқа RSA кілті).",
        "Подпись сделана слабым алгоритмом (MD5, SHA-1 или ключ RSA короче 2048 бит).",
        "The signature uses a weak algorithm (MD5, SHA-1, or an RSA key shorter than 2048 bits).",
    ),
    entry(
        "CERT_UNTRUSTED",
        "C2",
        422,
        "Тіркеу куәлігі сенімді куәландырушы орталыққа дейін тізбектелмейді.",
        "Регистрационное свидетельство не выстраивается в цепочку до доверенного "
        "удостоверяющего центра.",
        "The certificate does not chain to a trusted certification authority.",
    ),
    entry(
        "CHAIN_INVALID",
        "C2",
        422,
        "Куәліктер тізбегі жарамсыз: куәландырушы орталықтың қолтаңбасы немесе шектеулері "
        "сәйкес келмейді.",
        "Цепочка свидетельств недействительна: подпись или ограничения удостоверяющего центра "
        "не соблюдены.",
        "The certificate chain is invalid: a CA signature or a CA constraint does not hold.",
    ),
    entry(
        "CERT_EXPIRED",
        "C2",
        422,
        "Тіркеу куәлігінің қолданылу мерзімі өтіп кеткен.",
        "Срок действия регистрационного свидетельства истёк.",
        "The certificate has expired.",
    ),
    entry(
        "CERT_NOT_YET_VALID",
        "C2",
        422,
        "Тіркеу куәлігінің қолданылу мерзімі әлі басталмаған.",
        "Срок действия регистрационного свидетельства ещё не наступил.",
        "The certificate is not valid yet.",
    ),
    entry(
        "CERT_REVOKED",
        "C2",
        422,
        "Тіркеу куәлігі кері қайтарылған.",
        "Регистрационное свидетельство отозвано.",
        "The certificate has been revoked.",
    ),
    entry(
        "CERT_ON_HOLD",
        "C2",
        422,
        "Тіркеу куәлігінің әрекеті тоқтатылған.",
        "Действие регистрационного свидетельства приостановлено.",
        "The certificate is on hold (suspended).",
    ),
    entry(
        "REVOCATION_UNAVAILABLE",
        "C2",
        503,
        "Тіркеу куәлігінің кері қайтарылу мәртебесін қазір тексеру мүмкін емес; кейінірек "
        "қайталаңыз.",
        "Статус отзыва регистрационного свидетельства сейчас проверить нельзя; повторите позже.",
        "The certificate's revocation status cannot be checked now; try again later.",
    ),
    entry(
        "CERT_WRONG_KEY_USAGE",
        "C2",
        422,
        "Бұл кілт осы мақсатқа арналмаған (мысалы, аутентификация кілтімен қол қойылған).",
        "Этот ключ не предназначен для данной цели (например, подпись ключом аутентификации).",
        "This key is not meant for this purpose (for example, an authentication key was used "
        "to sign).",
    ),
    entry(
        "NO_SIGNING_RIGHT",
        "C2",
        422,
        "Қол қоюшының ұйым атынан қол қою құқығы жоқ.",
        "У подписанта нет права подписи от имени организации.",
        "The signer has no right to sign for the organization.",
    ),
    entry(
        "IIN_MISMATCH",
        "C2",
        422,
        "Сұраудағы ЖСН тіркеу куәлігіндегі ЖСН-ға сәйкес келмейді.",
        "ИИН в запросе не совпадает с ИИН в регистрационном свидетельстве.",
        "The IIN in the request differs from the IIN in the certificate.",
    ),
    entry(
        "BIN_MISMATCH",
        "C2",
        422,
        "Сұраудағы БСН тіркеу куәлігіндегі БСН-ға сәйкес келмейді.",
        "БИН в запросе не совпадает с БИН в регистрационном свидетельстве.",
        "The BIN in the request differs from the BIN in the certificate.",
    ),
    # Timestamps (CAdES-T) and documents signed by several people.
    entry(
        "TIMESTAMP_MISSING",
        "C2",
        422,
        "Қолтаңбада уақыт белгісі (RFC 3161) жоқ, ал саясат оны талап етеді.",
        "В подписи нет метки времени (RFC 3161), а политика её требует.",
        "The signature carries no timestamp (RFC 3161), and the policy requires one.",
    ),
    entry(
        "TIMESTAMP_IMPRINT_MISMATCH",
        "C2",
        422,
        "Уақыт белгісі осы қолтаңбаға емес, басқа деректерге берілген.",
        "Метка времени выдана не на эту подпись, а на другие данные.",
        "The timestamp was issued for other data, not for this signature.",
    ),
    entry(
        "TSA_UNTRUSTED",
        "C2",
        422,
        "Уақыт белгісін сенім білдірілмеген немесе жарамсыз уақыт белгілеу қызметі берген.",
        "Метку времени выдала недоверенная или недействительная служба штампов времени.",
        "The timestamp was issued by an untrusted or invalid time-stamping authority.",
    ),
    entry(
        "TSA_UNAVAILABLE",
        "C2",
        503,
        "Уақыт белгілеу қызметі жауап бермеді: уақыт белгісі бар қолтаңба жасалмады.",
        "Служба штампов времени не ответила: подпись с меткой времени не создана.",
        "The time-stamping authority did not answer: no timestamped signature was made.",
    ),
    entry(
        "SIGNER_REFUSED",
        "C2",
        422,
        "Құжатқа қол қойғандардың бірінің қолтаңбасы қабылданбады.",
        "Подпись одного из подписантов документа не принята.",
        "The signature of one of the document's signers was refused.",
    ),
)
