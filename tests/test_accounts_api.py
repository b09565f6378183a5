"""The portal's authorization over the JSON API: P1 (the applicant presents the AUTH key and the
password), C1 (the portal checks them), every refusal (P2), sessions, CSRF and registration."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from datetime import date, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.identity import generate_bin, generate_iin
from egovsim.pki.authority import TestPki
from egovsim.pki.keystore import Keystore
from egovsim.pki.personas import COMPANY, COMPANY_BIN
from egovsim.pki.profiles import Holder
from egovsim.web.app import create_app
from egovsim.web.portal.session import SESSION_COOKIE
from tests.conftest import NOW, later
from tests.portal_helpers import PASSWORD, challenge, log_in, login_reply, sign_nonce
from tests.test_openssl_interop import openssl, write_cert, write_key


async def refusal(reply: Any, status: int, code: str) -> dict[str, Any]:
    """Assert a C1 refusal (followed by P2) with its HTTP status and code; its details."""
    body = await reply.json()
    assert reply.status == status, body
    error = body["error"]
    assert error["code"] == code, body
    assert error["step"] == "C1"
    assert set(error["message"]) == {"kk", "ru", "en"}
    details: dict[str, Any] = error["details"]
    return details


def p2(details: dict[str, Any]) -> dict[str, Any]:
    assert details["refusal_step"] == "P2"
    return details


async def move_clock(client: Any, **amount: float) -> None:
    """Move the simulator's clock forward through its API, as a trainer does."""
    ((unit, value),) = amount.items()
    reply = await client.post("/api/v1/clock", json={"advance": {unit: value}})
    assert reply.status == 200, await reply.text()


def issued_keystore(pki: TestPki, holder: Holder) -> Keystore:
    """An AUTH keystore for `holder`, valid around NOW, from the test's PKI."""
    issued = pki.issue(holder, "auth", not_before=later(-30), not_after=later(300))
    return Keystore(issued.key, issued.certificate, [pki.authority("nca_rsa").certificate])


@contextlib.asynccontextmanager
async def portal(settings: Settings) -> AsyncIterator[TestClient[Any, Any]]:
    """The whole app started now (after the test issued its own certificates)."""
    app = create_app(settings, Clock(frozen_at=NOW))
    async with TestClient(TestServer(app, host="127.0.0.1")) as started:
        yield started


def citizen(persona: Any) -> Any:
    return persona("citizen-valid")


async def auth_post(
    client: Any,
    action: str,
    login: str,
    challenge_id: str,
    signature: str,
    password: str = PASSWORD,
) -> Any:
    """POST /api/v1/auth/{action} (login or register) with the challenge's id and the signature
    as given; the raw reply."""
    return await client.post(
        f"/api/v1/auth/{action}",
        json={
            "login": login,
            "password": password,
            "challenge_id": challenge_id,
            "signature": signature,
        },
    )


# -- P1 and C1: who logs in ---------------------------------------------------------------------


async def test_a_citizen_logs_in_with_iin_password_and_a_signed_challenge(client, persona) -> None:
    valid = citizen(persona)

    reply = await login_reply(client, valid.auth, valid.iin)

    assert reply.status == 200, await reply.text()
    body = await reply.json()
    assert body["applicant"]["kind"] == "individual"
    assert body["applicant"]["iin"] == valid.iin
    assert body["applicant"]["bin"] is None
    assert body["applicant"]["person_iin"] == valid.iin
    assert body["applicant"]["name"] == "АХМЕТОВ ЕРЛАН ҚАЙРАТҰЛЫ"
    assert body["csrf_token"]
    session = await (await client.get("/api/v1/auth/session")).json()
    assert session["applicant"] == body["applicant"]
    assert session["csrf_token"] == body["csrf_token"]
    assert session["opened_at"] == NOW.isoformat()


@pytest.mark.parametrize(
    ("persona_id", "role"),
    [("company-first-head", "first-head"), ("company-employee", "employee")],
)
async def test_any_employee_logs_in_to_the_legal_entity_with_its_bin(
    client, persona, persona_id: str, role: str
) -> None:
    employee = persona(persona_id)

    reply = await login_reply(client, employee.auth, COMPANY_BIN)

    assert reply.status == 200, await reply.text()
    applicant = (await reply.json())["applicant"]
    assert applicant["kind"] == "legal_entity"
    assert applicant["bin"] == COMPANY_BIN
    assert applicant["iin"] is None
    assert applicant["name"] == COMPANY
    assert applicant["person_iin"] == employee.iin
    assert applicant["role"] == role


async def test_the_login_sets_an_http_only_same_site_lax_session_cookie(client, persona) -> None:
    valid = citizen(persona)

    reply = await login_reply(client, valid.auth, valid.iin)

    cookie = SimpleCookie(reply.headers["Set-Cookie"])[SESSION_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert int(cookie["max-age"]) == 12 * 3600
    assert len(cookie.value) >= 40


async def test_a_cms_made_by_openssl_logs_in(client, persona, pki, tmp_path: Path) -> None:
    valid = citizen(persona)
    challenge_id, nonce = await challenge(client)
    (tmp_path / "nonce.bin").write_bytes(nonce)
    certificate = write_cert(tmp_path / "auth.pem", valid.auth.certificate)
    key = write_key(tmp_path / "auth.key", valid.auth)
    nca = write_cert(tmp_path / "nca.pem", pki.authority("nca_rsa").certificate)
    result = openssl(
        "cms", "-sign", "-binary", "-nodetach", "-outform", "DER", "-md", "sha256",
        "-in", tmp_path / "nonce.bin", "-signer", certificate, "-inkey", key,
        "-certfile", nca, "-out", tmp_path / "signature.p7s",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    signature = base64.b64encode((tmp_path / "signature.p7s").read_bytes()).decode()
    reply = await auth_post(client, "login", valid.iin, challenge_id, signature)

    assert reply.status == 200, await reply.text()
    assert (await reply.json())["applicant"]["iin"] == valid.iin


# -- C1 refusals (P2) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "login",
    ["12345", "85071533012a", "850715330125", "", "040340041273"],
    ids=["too-short", "not-digits", "bad-iin-check-digit", "empty", "bad-bin-check-digit"],
)
async def test_a_login_that_is_no_iin_or_bin_is_refused(client, persona, login: str) -> None:
    reply = await login_reply(client, citizen(persona).auth, login)

    details = p2(await refusal(reply, 400, "LOGIN_ID_INVALID"))
    assert details["login"] == login
    assert details["problems"]


async def test_an_iin_without_an_account_is_refused(client, persona) -> None:
    stranger = generate_iin(date(1990, 5, 5), "female", serial=777)

    reply = await login_reply(client, citizen(persona).auth, stranger)

    assert p2(await refusal(reply, 401, "ACCOUNT_UNKNOWN"))["login"] == stranger


async def test_provider_officials_have_no_applicant_account(client, persona) -> None:
    head = persona("shymkent-energy-head")

    by_bin = await login_reply(client, head.auth, head.bin)
    by_iin = await login_reply(client, head.auth, head.iin)

    await refusal(by_bin, 401, "ACCOUNT_UNKNOWN")
    await refusal(by_iin, 401, "ACCOUNT_UNKNOWN")


async def test_a_wrong_password_is_refused_with_the_attempts_left(client, persona) -> None:
    valid = citizen(persona)

    reply = await login_reply(client, valid.auth, valid.iin, "Wrong-password-1")

    assert p2(await refusal(reply, 401, "PASSWORD_WRONG"))["attempts_left"] == 4


async def test_five_failures_lock_the_account_until_the_clock_passes_thirty_minutes(
    client, persona
) -> None:
    valid = citizen(persona)
    for left in (4, 3, 2, 1):
        reply = await login_reply(client, valid.auth, valid.iin, "Wrong-password-1")
        assert (await refusal(reply, 401, "PASSWORD_WRONG"))["attempts_left"] == left

    fifth = await login_reply(client, valid.auth, valid.iin, "Wrong-password-1")
    details = p2(await refusal(fifth, 423, "ACCOUNT_LOCKED"))
    assert details["locked_until"] == (NOW + timedelta(minutes=30)).isoformat()
    assert details["cause"] == "PASSWORD_WRONG"

    still = await login_reply(client, valid.auth, valid.iin)
    assert (await refusal(still, 423, "ACCOUNT_LOCKED"))["locked_until"] == details["locked_until"]
    await move_clock(client, minutes=29)
    await refusal(await login_reply(client, valid.auth, valid.iin), 423, "ACCOUNT_LOCKED")

    await move_clock(client, minutes=1)
    reply = await login_reply(client, valid.auth, valid.iin)
    assert reply.status == 200, await reply.text()


async def test_a_lock_from_the_clocks_future_does_not_hold_once_the_clock_is_set_back(
    client, persona
) -> None:
    valid = citizen(persona)
    await move_clock(client, hours=2)  # a scenario run ahead of the trainer's time...
    for _ in range(5):
        await login_reply(client, valid.auth, valid.iin, "Wrong-password-1")
    await refusal(await login_reply(client, valid.auth, valid.iin), 423, "ACCOUNT_LOCKED")

    reply = await client.post("/api/v1/clock", json={"set": NOW.isoformat()})  # ...put back
    assert reply.status == 200, await reply.text()
    reply = await login_reply(client, valid.auth, valid.iin)
    assert reply.status == 200, await reply.text()


async def test_a_refused_certificate_counts_towards_the_lock(client, persona) -> None:
    valid = citizen(persona)
    for _ in range(4):
        reply = await login_reply(client, valid.auth, valid.iin, "Wrong-password-1")
        await refusal(reply, 401, "PASSWORD_WRONG")

    reply = await login_reply(client, valid.sign, valid.iin)

    details = await refusal(reply, 423, "ACCOUNT_LOCKED")
    assert details["cause"] == "AUTH_SIGNATURE_REFUSED"
    assert details["cause_details"]["verifier_code"] == "CERT_WRONG_KEY_USAGE"


async def test_a_successful_login_resets_the_count_of_failures(client, persona) -> None:
    valid = citizen(persona)
    for _ in range(4):
        await login_reply(client, valid.auth, valid.iin, "Wrong-password-1")
    assert (await login_reply(client, valid.auth, valid.iin)).status == 200

    reply = await login_reply(client, valid.auth, valid.iin, "Wrong-password-1")

    assert (await refusal(reply, 401, "PASSWORD_WRONG"))["attempts_left"] == 4


async def test_an_unknown_challenge_is_refused(client, persona) -> None:
    valid = citizen(persona)
    _, nonce = await challenge(client)

    signature = sign_nonce(valid.auth, nonce, client)
    reply = await auth_post(client, "login", valid.iin, "no-such-challenge", signature)

    p2(await refusal(reply, 400, "CHALLENGE_INVALID"))


async def test_a_challenge_is_refused_the_second_time(client, persona) -> None:
    valid = citizen(persona)
    challenge_id, nonce = await challenge(client)
    signature = sign_nonce(valid.auth, nonce, client)
    assert (await auth_post(client, "login", valid.iin, challenge_id, signature)).status == 200

    replayed = await auth_post(client, "login", valid.iin, challenge_id, signature)

    await refusal(replayed, 400, "CHALLENGE_INVALID")


async def test_a_challenge_expires_after_five_minutes_of_the_simulator_clock(
    client, persona
) -> None:
    valid = citizen(persona)
    reply = await client.post("/api/v1/auth/challenge")
    issued = await reply.json()
    assert issued["expires_at"] == (NOW + timedelta(minutes=5)).isoformat()
    assert len(base64.b64decode(issued["nonce"])) == 32
    await move_clock(client, minutes=5)

    signature = sign_nonce(valid.auth, base64.b64decode(issued["nonce"]), client)
    late = await auth_post(client, "login", valid.iin, issued["challenge_id"], signature)

    await refusal(late, 400, "CHALLENGE_INVALID")


@pytest.mark.parametrize(
    ("persona_id", "verifier_code"),
    [
        ("citizen-expired", "CERT_EXPIRED"),
        ("citizen-not-yet-valid", "CERT_NOT_YET_VALID"),
        ("citizen-revoked", "CERT_REVOKED"),
        ("citizen-on-hold", "CERT_ON_HOLD"),
        ("citizen-untrusted", "CERT_UNTRUSTED"),
    ],
)
async def test_a_refused_auth_certificate_passes_the_verifier_code_along(
    client, persona, persona_id: str, verifier_code: str
) -> None:
    who = persona(persona_id)

    reply = await login_reply(client, who.auth, who.iin)

    details = p2(await refusal(reply, 401, "AUTH_SIGNATURE_REFUSED"))
    assert details["verifier_code"] == verifier_code
    assert details["report"]["code"] == verifier_code
    assert details["report"]["indication"] != "TOTAL_PASSED"
    assert details["attempts_left"] == 4


async def test_a_signing_key_cannot_log_in(client, persona) -> None:
    valid = citizen(persona)

    reply = await login_reply(client, valid.sign, valid.iin)

    details = await refusal(reply, 401, "AUTH_SIGNATURE_REFUSED")
    assert details["verifier_code"] == "CERT_WRONG_KEY_USAGE"


async def test_a_signature_over_something_else_than_the_nonce_is_refused(client, persona) -> None:
    valid = citizen(persona)
    challenge_id, _ = await challenge(client)

    signature = sign_nonce(valid.auth, b"an old nonce", client)
    reply = await auth_post(client, "login", valid.iin, challenge_id, signature)

    details = await refusal(reply, 401, "AUTH_SIGNATURE_REFUSED")
    assert "nonce" in details["reason"]


async def test_a_signature_that_is_no_cms_is_refused(client, persona) -> None:
    valid = citizen(persona)
    challenge_id, _ = await challenge(client)

    reply = await auth_post(client, "login", valid.iin, challenge_id, "bm90IGEgc2lnbmF0dXJl")

    details = await refusal(reply, 401, "AUTH_SIGNATURE_REFUSED")
    assert details["verifier_code"] == "SIGNATURE_MALFORMED"


async def test_another_persons_certificate_is_refused_for_an_individual(client, persona) -> None:
    valid, second = citizen(persona), persona("citizen-second")

    reply = await login_reply(client, second.auth, valid.iin)

    details = p2(await refusal(reply, 403, "AUTH_CERT_ID_MISMATCH"))
    assert details["certificate_iin"] == second.iin


async def test_another_organizations_certificate_is_refused_for_a_legal_entity(
    client, persona
) -> None:
    official = persona("shymkent-energy-head")

    reply = await login_reply(client, official.auth, COMPANY_BIN)

    details = await refusal(reply, 403, "AUTH_CERT_ID_MISMATCH")
    assert details["certificate_bin"] == official.bin


async def test_a_certificate_of_the_company_for_a_non_employee_is_refused(settings, pki) -> None:
    holder = Holder(
        generate_iin(date(1999, 9, 9), "male", serial=999),
        "БӨТЕН",
        "АДАМ",
        bin=COMPANY_BIN,
        organization=COMPANY,
        role="employee",
    )
    outsider = issued_keystore(pki, holder)
    async with portal(settings) as client:
        reply = await login_reply(client, outsider, COMPANY_BIN)

        details = p2(await refusal(reply, 403, "AUTH_NOT_AN_EMPLOYEE"))
        assert details["iin"] == holder.iin


async def test_a_login_body_without_the_fields_is_a_bad_request(client) -> None:
    reply = await client.post("/api/v1/auth/login", json={"login": "850715330124"})

    body = await reply.json()
    assert reply.status == 400
    assert body["error"]["code"] == "BAD_REQUEST"


# -- sessions, CSRF, logout ---------------------------------------------------------------------


async def test_without_a_session_the_portal_says_not_signed_in(client) -> None:
    reply = await client.get("/api/v1/auth/session")

    p2(await refusal(reply, 401, "NOT_SIGNED_IN"))


async def test_logout_needs_the_sessions_csrf_token(client, persona) -> None:
    await log_in(client, persona, "citizen-valid")

    missing = await client.post("/api/v1/auth/logout")
    wrong = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "guess"})

    await refusal(missing, 403, "CSRF_TOKEN_INVALID")
    await refusal(wrong, 403, "CSRF_TOKEN_INVALID")
    assert (await client.get("/api/v1/auth/session")).status == 200


async def test_logout_ends_the_session_and_its_cookie(client, persona) -> None:
    csrf = await log_in(client, persona, "citizen-valid")
    token = client.session.cookie_jar.filter_cookies(client.make_url("/"))[SESSION_COOKIE].value

    reply = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})

    assert reply.status == 200, await reply.text()
    await refusal(await client.get("/api/v1/auth/session"), 401, "NOT_SIGNED_IN")
    replayed = await client.get("/api/v1/auth/session", cookies={SESSION_COOKIE: token})
    await refusal(replayed, 401, "NOT_SIGNED_IN")
    await refusal(await client.post("/api/v1/auth/logout"), 401, "NOT_SIGNED_IN")


async def test_moving_the_simulator_clock_days_ahead_keeps_the_session(client, persona) -> None:
    await log_in(client, persona, "company-signer")

    await move_clock(client, days=3)

    session = await (await client.get("/api/v1/auth/session")).json()
    assert session["applicant"]["role"] == "signer"
    assert session["opened_at"] == NOW.isoformat()


async def test_a_forged_session_cookie_is_not_signed_in(client) -> None:
    reply = await client.get("/api/v1/auth/session", cookies={SESSION_COOKIE: "forged"})

    await refusal(reply, 401, "NOT_SIGNED_IN")


# -- registration -------------------------------------------------------------------------------


async def register_reply(client: Any, keystore: Keystore, login: str, password: str) -> Any:
    """POST /api/v1/auth/register with a fresh challenge signed by `keystore`; the raw reply."""
    challenge_id, nonce = await challenge(client)
    signature = sign_nonce(keystore, nonce, client)
    return await auth_post(client, "register", login, challenge_id, signature, password)


async def test_a_new_citizen_registers_with_the_auth_key_and_then_logs_in(settings, pki) -> None:
    holder = Holder(generate_iin(date(2000, 2, 2), "female", serial=4242), "ЖАҢА", "АЗАМАТ")
    keystore = issued_keystore(pki, holder)
    async with portal(settings) as client:
        reply = await register_reply(client, keystore, holder.iin, "NewPassw0rd")

        assert reply.status == 201, await reply.text()
        applicant = (await reply.json())["applicant"]
        assert applicant["kind"] == "individual"
        assert applicant["iin"] == holder.iin
        assert applicant["name"] == "ЖАҢА АЗАМАТ"
        login = await login_reply(client, keystore, holder.iin, "NewPassw0rd")
        assert login.status == 200, await login.text()


async def test_a_new_legal_entity_registers_with_its_signing_employee(settings, pki) -> None:
    company_bin = generate_bin(2015, 6, "resident", "head", serial=777, today=date(2026, 1, 1))
    holder = Holder(
        generate_iin(date(1970, 7, 7), "male", serial=707),
        "БАСШЫ",
        "БІРІНШІ",
        bin=company_bin,
        organization="ЖШС «ЖАҢА КОМПАНИЯ»",
        role="first-head",
    )
    keystore = issued_keystore(pki, holder)
    async with portal(settings) as client:
        reply = await register_reply(client, keystore, company_bin, "Company2026")

        assert reply.status == 201, await reply.text()
        applicant = (await reply.json())["applicant"]
        assert applicant["kind"] == "legal_entity"
        assert applicant["bin"] == company_bin
        assert applicant["name"] == "ЖШС «ЖАҢА КОМПАНИЯ»"
        assert (applicant["person_iin"], applicant["role"]) == (holder.iin, "first-head")
        login = await login_reply(client, keystore, company_bin, "Company2026")
        assert login.status == 200, await login.text()


async def test_registering_an_existing_account_is_refused(client, persona) -> None:
    valid = citizen(persona)

    reply = await register_reply(client, valid.auth, valid.iin, "Another1pass")

    p2(await refusal(reply, 409, "ACCOUNT_EXISTS"))


@pytest.mark.parametrize("password", ["short1", "onlyletters", "1234567890"])
async def test_a_weak_password_is_refused_at_registration(client, persona, password: str) -> None:
    valid = citizen(persona)

    reply = await register_reply(client, valid.auth, valid.iin, password)

    assert (await refusal(reply, 400, "PASSWORD_TOO_WEAK"))["problems"]


async def test_registering_someone_elses_iin_is_refused(client, persona) -> None:
    stranger = generate_iin(date(1991, 1, 1), "male", serial=1111)

    reply = await register_reply(client, citizen(persona).auth, stranger, "Passw0rdX")

    await refusal(reply, 403, "AUTH_CERT_ID_MISMATCH")
