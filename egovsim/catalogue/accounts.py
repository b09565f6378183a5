"""C1, the authorization on the portal (P2 is the refusal that follows any of them)."""

from __future__ import annotations

from egovsim.catalogue import Refusal, entry

ENTRIES: tuple[Refusal, ...] = (
    # C1: the portal checks the IIN/BIN, the password and the AUTH certificate. P2 is the
    # refusal that follows any of them.
    entry(
        "LOGIN_ID_INVALID",
        "C1",
        400,
        "ЖСН/БСН дұрыс емес: ол 12 цифрдан тұруы және бақылау цифры сәйкес келуі керек.",
        "ИИН/БИН указан неверно: он должен состоять из 12 цифр с верной контрольной цифрой.",
        "The IIN/BIN is not valid: it must be 12 digits with a correct check digit.",
    ),
    entry(
        "ACCOUNT_UNKNOWN",
        "C1",
        401,
        "Бұл ЖСН/БСН бойынша порталда тіркелген есептік жазба жоқ.",
        "На портале нет учётной записи с этим ИИН/БИН.",
        "There is no portal account with this IIN/BIN.",
    ),
    entry(
        "ACCOUNT_LOCKED",
        "C1",
        423,
        "Бірнеше рет қатарынан сәтсіз кіру әрекетінен кейін есептік жазба уақытша бұғатталды. "
        "Кейінірек қайталап көріңіз.",
        "Учётная запись временно заблокирована после нескольких неудачных попыток входа "
        "подряд. Повторите попытку позже.",
        "The account is locked for a while after several failed sign-in attempts in a row. "
        "Try again later.",
    ),
    entry(
        "PASSWORD_WRONG",
        "C1",
        401,
        "Құпиясөз қате.",
        "Неверный пароль.",
        "The password is wrong.",
    ),
    entry(
        "CHALLENGE_INVALID",
        "C1",
        400,
        "Кіруге арналған сұрау белгісіз, бұрын пайдаланылған немесе оның мерзімі өтіп кеткен. "
        "Жаңа сұрау алып, қайта қол қойыңыз.",
        "Запрос на вход неизвестен, уже использован или просрочен. Получите новый запрос и "
        "подпишите его заново.",
        "The sign-in challenge is unknown, already used, or expired. Get a new challenge and "
        "sign it again.",
    ),
    entry(
        "AUTH_SIGNATURE_REFUSED",
        "C1",
        401,
        "Аутентификация кілтімен жасалған қолтаңба расталмады: тіркеу куәлігі немесе "
        "қолтаңба тексеруден өтпеді.",
        "Подпись ключом аутентификации не подтверждена: регистрационное свидетельство или "
        "подпись не прошли проверку.",
        "The signature made with the authentication key was not confirmed: the certificate "
        "or the signature failed the check.",
    ),
    entry(
        "AUTH_CERT_ID_MISMATCH",
        "C1",
        403,
        "Тіркеу куәлігіндегі ЖСН/БСН кіру үшін енгізілген ЖСН/БСН-мен сәйкес келмейді.",
        "ИИН/БИН в регистрационном свидетельстве не совпадает с ИИН/БИН, указанным для входа.",
        "The IIN/BIN in the certificate differs from the IIN/BIN entered to sign in.",
    ),
    entry(
        "AUTH_NOT_AN_EMPLOYEE",
        "C1",
        403,
        "Тіркеу куәлігінің иесі бұл заңды тұлғаның қызметкерлерінің қатарында жоқ.",
        "Владелец регистрационного свидетельства не числится среди сотрудников этого "
        "юридического лица.",
        "The certificate's holder is not an employee of this legal entity.",
    ),
    entry(
        "NOT_SIGNED_IN",
        "C1",
        401,
        "Порталға кірмегенсіз немесе сеанстың мерзімі аяқталды. Қайта кіріңіз.",
        "Вы не вошли на портал или сеанс завершён. Войдите снова.",
        "You are not signed in to the portal, or the session has ended. Sign in again.",
    ),
    entry(
        "CSRF_TOKEN_INVALID",
        "C1",
        403,
        "Сұраудың қорғау белгісі (CSRF) жоқ немесе сеансқа сәйкес келмейді. Бетті жаңартып, "
        "қайталаңыз.",
        "Защитный маркер запроса (CSRF) отсутствует или не соответствует сеансу. Обновите "
        "страницу и повторите.",
        "The request's protection token (CSRF) is missing or does not match the session. "
        "Reload the page and try again.",
    ),
    entry(
        "PASSWORD_TOO_WEAK",
        "C1",
        400,
        "Құпиясөз тым әлсіз: кемінде 8 таңба, оның ішінде кемінде бір әріп және бір цифр болуы "
        "керек.",
        "Пароль слишком простой: нужно не менее 8 символов, среди них хотя бы одна буква и "
        "одна цифра.",
        "The password is too weak: it needs at least 8 characters, with at least one letter "
        "and one digit.",
    ),
    entry(
        "ACCOUNT_EXISTS",
        "C1",
        409,
        "Бұл ЖСН/БСН бойынша есептік жазба бұрыннан тіркелген. Порталға кіріңіз.",
        "Учётная запись с этим ИИН/БИН уже зарегистрирована. Войдите на портал.",
        "An account with this IIN/BIN is already registered. Sign in instead.",
    ),
)
