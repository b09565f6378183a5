"""The accounts' domain without the web: seeding from the personas, the login id and password
rules, and sessions that live twelve hours of real time."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from egovsim.clock import Clock
from egovsim.errors import EgovsimError
from egovsim.pki.personas import COMPANY, COMPANY_BIN, load_personas
from egovsim.portal.accounts import Accounts
from egovsim.portal.credentials import check_login_id, password_problems
from egovsim.signatures import cms
from egovsim.signatures.verifier import Verifier
from egovsim.storage.accounts import AccountStore
from egovsim.storage.database import Database
from tests.conftest import NOW, PASSWORD


class RealTime:
    """A stand-in for the machine's time that a test moves."""

    def __init__(self) -> None:
        self.moment = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[AccountStore]:
    database = await Database.open(tmp_path / "accounts.sqlite3")
    try:
        yield AccountStore(database)
    finally:
        await database.close()


@pytest.fixture
def real_time() -> RealTime:
    return RealTime()


@pytest.fixture
def accounts(store: AccountStore, pki, real_time: RealTime) -> Accounts:
    """Accounts checking signatures offline against the test PKI's CRLs at NOW."""
    crls = [x509.load_der_x509_crl(pki.crl(name, NOW)) for name in ("nca_rsa", "root_rsa")]
    verifier = Verifier(pki.trust_anchors, crls=crls, clock=lambda: NOW)
    return Accounts(store, verifier, Clock(frozen_at=NOW).now, PASSWORD, real_now=real_time)


async def signed_login(accounts: Accounts, keystore, login: str) -> tuple[str, object, str]:
    challenge_id, nonce, _ = await accounts.challenge()
    signature = cms.sign(nonce, keystore.key, keystore.certificate, keystore.chain, NOW)
    return await accounts.login(login, PASSWORD, challenge_id, base64.b64encode(signature).decode())


async def test_seeding_makes_individuals_and_one_company_and_no_officials(
    accounts: Accounts, store: AccountStore, certs_dir: Path
) -> None:
    personas = load_personas(certs_dir)

    await accounts.seed_from_personas(personas)

    for persona in personas:
        account = await store.account(persona["iin"])
        if persona["bin"] is None:
            assert account is not None, persona["id"]
            assert (account.kind, account.name) == ("individual", persona["name"])
        else:
            assert account is None, persona["id"]
    company = await store.account(COMPANY_BIN)
    assert company is not None
    assert (company.kind, company.name) == ("legal_entity", COMPANY)
    employees = {e.iin: e.role for e in await store.employees(company.id)}
    expected = {p["iin"]: p["role"] for p in personas if p["bin"] == COMPANY_BIN}
    assert employees == expected
    assert set(employees.values()) == {"first-head", "signer", "finance", "hr", "employee"}
    officials = {p["bin"] for p in personas if p["bin"] not in (None, COMPANY_BIN)}
    assert officials
    for official_bin in officials:
        assert await store.account(official_bin) is None


async def test_seeding_twice_changes_nothing(
    accounts: Accounts, store: AccountStore, certs_dir: Path
) -> None:
    personas = load_personas(certs_dir)
    await accounts.seed_from_personas(personas)
    before = await store.account(COMPANY_BIN)

    await accounts.seed_from_personas(personas)

    assert await store.account(COMPANY_BIN) == before
    assert before is not None
    assert len(await store.employees(before.id)) == 5


async def test_a_session_ends_twelve_hours_of_real_time_after_it_opened(
    accounts: Accounts, persona, certs_dir: Path, real_time: RealTime
) -> None:
    await accounts.seed_from_personas(load_personas(certs_dir))
    valid = persona("citizen-valid")
    token, applicant, csrf = await signed_login(accounts, valid.auth, valid.iin)

    real_time.moment += timedelta(hours=11, minutes=59)
    found = await accounts.applicant_for_session(token)
    assert found == (applicant, csrf, NOW)
    assert await accounts.session_opened_at(token) == NOW

    real_time.moment += timedelta(minutes=1)
    assert await accounts.applicant_for_session(token) is None


async def test_logout_ends_the_session(accounts: Accounts, persona, certs_dir: Path) -> None:
    await accounts.seed_from_personas(load_personas(certs_dir))
    head = persona("company-first-head")
    token, applicant, _ = await signed_login(accounts, head.auth, COMPANY_BIN)
    assert (applicant.kind, applicant.role) == ("legal_entity", "first-head")

    await accounts.logout(token)

    assert await accounts.applicant_for_session(token) is None


async def test_a_session_is_read_from_the_database_once_a_moment_and_not_after_its_logout(
    accounts: Accounts, store: AccountStore, persona, certs_dir: Path
) -> None:
    await accounts.seed_from_personas(load_personas(certs_dir))
    valid = persona("citizen-valid")
    token, applicant, csrf = await signed_login(accounts, valid.auth, valid.iin)
    seen: list[str] = []
    database = store._db
    await database.trace(seen.append)
    try:
        # Every request of a signed-in applicant asks: the database is asked once a moment.
        for _ in range(5):
            assert await accounts.applicant_for_session(token) == (applicant, csrf, NOW)
        reads = [sql for sql in seen if "portal_sessions" in sql and sql.startswith("SELECT")]
        assert len(reads) <= 1, reads
        await accounts.logout(token)
        assert await accounts.applicant_for_session(token) is None
        # Another instance's change (here: behind the store's back) is seen once the moment
        # a session is kept for has passed, or the caches are cleared.
        token, applicant, csrf = await signed_login(accounts, valid.auth, valid.iin)
        assert await accounts.applicant_for_session(token) == (applicant, csrf, NOW)
        async with database.write() as connection:
            await connection.execute("DELETE FROM portal_sessions")
        store.forget_cache()
        assert await accounts.applicant_for_session(token) is None
    finally:
        await database.trace(None)


async def test_a_kept_session_ends_when_its_time_is_up_however_recently_it_was_read(
    accounts: Accounts, persona, certs_dir: Path, real_time: RealTime
) -> None:
    await accounts.seed_from_personas(load_personas(certs_dir))
    valid = persona("citizen-valid")
    token, applicant, csrf = await signed_login(accounts, valid.auth, valid.iin)
    real_time.moment += timedelta(hours=11, minutes=59, seconds=59)
    assert await accounts.applicant_for_session(token) == (applicant, csrf, NOW)
    real_time.moment += timedelta(seconds=1)
    assert await accounts.applicant_for_session(token) is None


@pytest.mark.parametrize("login", ["850715330124", " 850715330124 ", "040340041272"])
def test_a_valid_iin_or_bin_is_a_login(login: str) -> None:
    assert check_login_id(login) == login.strip()


@pytest.mark.parametrize("login", ["850715330125", "8507153301", "ABCDEFGHIJKL", "040340041270"])
def test_a_bad_iin_or_bin_is_refused_with_its_problems(login: str) -> None:
    with pytest.raises(EgovsimError) as raised:
        check_login_id(login)

    assert raised.value.code == "LOGIN_ID_INVALID"
    assert raised.value.step == "C1"
    assert raised.value.details["refusal_step"] == "P2"
    assert raised.value.details["problems"]


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("Qwerty12", []),
        ("Qw1", ["shorter than 8 characters"]),
        ("Qwertyuiop", ["no digit"]),
        ("1234567890", ["no letter"]),
        ("Пароль2026", []),
    ],
)
def test_the_password_policy_wants_eight_characters_a_letter_and_a_digit(
    password: str, problems: list[str]
) -> None:
    assert password_problems(password) == problems
