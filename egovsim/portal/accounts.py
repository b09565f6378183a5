"""The portal's accounts and authorization: P1 (the applicant presents the EDS and the
password), C1 (the portal checks them against the registered account), P2 (the refusal).

A login proves two things: the password of the account, and possession of an authentication
(AUTH) key whose certificate names the account. The portal hands out a one-time challenge (32
random bytes, valid five minutes of the simulator's clock); the applicant signs it as an
attached CMS with the AUTH key (NCALayer, or `openssl cms -sign`) and sends the signature with
the login and the password. The checks run in this order, as a real portal would order them:

1. the login is an IIN or a BIN with a correct check digit (LOGIN_ID_INVALID): a typo is
   caught before anything is spent, and the signed challenge may be sent again;
2. the challenge is spent (CHALLENGE_INVALID when unknown, used or expired): from here on every
   attempt burns its challenge, so a captured signature cannot be replayed;
3. the account exists (ACCOUNT_UNKNOWN);
4. the account is not locked (ACCOUNT_LOCKED): checked before the password, so a locked account
   tells nothing about guesses;
5. the password (PASSWORD_WRONG): cheaper than a certificate check, and it keeps strangers from
   making the portal ask the OCSP responder;
6. the signature, by the shared verifier for the purpose "auth" at the simulator's time
   (AUTH_SIGNATURE_REFUSED with the verifier's code: expired, revoked, on hold, untrusted, a
   signing key...), and that what it signs is the challenge's nonce;
7. the certificate names the account: an individual's IIN is the login (and the certificate is
   an individual's), a legal entity's BIN is the login (AUTH_CERT_ID_MISMATCH);
8. for a legal entity, the certificate's person is one of its employees (AUTH_NOT_AN_EMPLOYEE).

Failures 5 to 8 count against the account: five in a row lock it for thirty minutes of the
simulator's clock (the fifth answers ACCOUNT_LOCKED); a successful login resets the count.
Every refusal is step C1 and carries `"refusal_step": "P2"` in its details.

Registration proves the EDS the same way: login format, password policy (PASSWORD_TOO_WEAK),
the challenge, the signature, the certificate naming the login; only then is ACCOUNT_EXISTS
told, so only the holder of the key learns whether the IIN/BIN has an account.

Sessions are random tokens of which only the hash is stored; each carries a CSRF token, the
simulator time it was opened at (for the application's timeline) and ends on logout or twelve
hours of real time after it opened, so moving the simulator's clock signs nobody out.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from egovsim.clock import utcnow
from egovsim.errors import EgovsimError
from egovsim.identity import classify
from egovsim.passwords import (
    check_password,
    demo_password_hash,
    hash_password,
    new_token,
    token_hash,
)
from egovsim.pki.personas import COMPANY_BIN
from egovsim.portal.credentials import (
    LOCK_DURATION,
    check_certificate_names,
    check_login_id,
    decode_signature,
    is_locked,
    password_problems,
    refused,
    signature_refused,
    signed_content,
)
from egovsim.portal.model import Applicant, ApplicantKind
from egovsim.signatures.checks import Expectations
from egovsim.signatures.report import SignerIdentity
from egovsim.signatures.verifier import Verifier
from egovsim.storage.accounts import AccountRecord, AccountStore, EmployeeRecord

CHALLENGE_LIFETIME = timedelta(minutes=5)
SESSION_LIFETIME = timedelta(hours=12)
MAX_FAILED_ATTEMPTS = 5
NONCE_BYTES = 32

T = TypeVar("T")


class Accounts:
    """Applicant accounts, login challenges and sessions (P1, C1, P2)."""

    def __init__(
        self,
        store: AccountStore,
        verifier: Verifier,
        now: Callable[[], datetime],
        persona_password: str,
        *,
        real_now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._verifier = verifier
        self._now = now
        self._real_now = real_now
        self._persona_password = persona_password

    # -- seeding --------------------------------------------------------------------------------

    async def seed_from_personas(
        self, personas: Iterable[Mapping[str, Any]], company_bin: str | None = None
    ) -> None:
        """An account for every individual persona (login: IIN) and one for the demo company
        (login: BIN) with its employees; provider officials get none. Idempotent."""
        company = company_bin or COMPANY_BIN
        listing = list(personas)
        for persona in listing:
            if persona.get("bin") is None:
                await self._seed(
                    "individual",
                    persona["iin"],
                    persona["name"],
                    [EmployeeRecord(persona["iin"], persona["name"], None)],
                )
        employees = [p for p in listing if p.get("bin") == company]
        if employees:
            await self._seed(
                "legal_entity",
                company,
                employees[0].get("organization") or company,
                [EmployeeRecord(p["iin"], p["name"], p.get("role")) for p in employees],
            )

    async def _seed(
        self, kind: ApplicantKind, login: str, name: str, employees: list[EmployeeRecord]
    ) -> None:
        account = await self._store.account(login)
        if account is None:
            hashed = await _in_executor(demo_password_hash, self._persona_password)
            account = await self._store.create_account(
                kind, login, name, hashed, employees, self._now()
            )
        if account is not None and kind == "legal_entity":
            await self._store.save_employees(account.id, employees)

    # -- challenges -----------------------------------------------------------------------------

    async def challenge(self) -> tuple[str, bytes, datetime]:
        """A one-time login challenge: its id, the nonce to sign, and when it expires."""
        challenge_id = secrets.token_urlsafe(16)
        nonce = secrets.token_bytes(NONCE_BYTES)
        expires_at = self._now() + CHALLENGE_LIFETIME
        await self._store.add_challenge(challenge_id, nonce, expires_at)
        return challenge_id, nonce, expires_at

    async def _spend_challenge(self, challenge_id: str) -> bytes:
        nonce = await self._store.use_challenge(challenge_id, self._now())
        if nonce is None:
            raise refused("CHALLENGE_INVALID", challenge_id=challenge_id)
        return nonce

    async def _proof(self, signature: str, nonce: bytes) -> SignerIdentity:
        """The holder of the AUTH key that signed `nonce`; AUTH_SIGNATURE_REFUSED otherwise."""
        cms_bytes = decode_signature(signature)
        report = await self._verifier.verify_cms(
            cms_bytes, at=self._now(), expect=Expectations(purpose="auth")
        )
        if not report.passed:
            raise signature_refused(report, report.code or "SIGNATURE_MALFORMED")
        if signed_content(cms_bytes) != nonce:
            raise signature_refused(
                report, None, reason="the signed content is not this challenge's nonce"
            )
        assert report.signer is not None
        return report.signer

    # -- registration ---------------------------------------------------------------------------

    async def register(
        self, login: str, password: str, challenge_id: str, signature: str
    ) -> Applicant:
        """A new account for the IIN or BIN whose AUTH key signed the challenge (a BIN's
        signing employee becomes its first employee)."""
        number = check_login_id(login)
        problems = password_problems(password)
        if problems:
            raise refused("PASSWORD_TOO_WEAK", problems=problems)
        nonce = await self._spend_challenge(challenge_id)
        signer = await self._proof(signature, nonce)
        kind: ApplicantKind = "legal_entity" if classify(number) == "bin" else "individual"
        check_certificate_names(kind, number, signer)
        if await self._store.account(number) is not None:
            raise refused("ACCOUNT_EXISTS", login=number)
        person_iin = signer.iin or ""
        person_name = signer.common_name or person_iin
        name = (signer.organization or number) if kind == "legal_entity" else person_name
        role = signer.role if kind == "legal_entity" else None
        hashed = await _in_executor(hash_password, password)
        account = await self._store.create_account(
            kind, number, name, hashed, [EmployeeRecord(person_iin, person_name, role)], self._now()
        )
        if account is None:
            raise refused("ACCOUNT_EXISTS", login=number)
        return _applicant(account, person_iin, person_name, role)

    # -- login and sessions ---------------------------------------------------------------------

    async def login(
        self, login: str, password: str, challenge_id: str, signature: str
    ) -> tuple[str, Applicant, str]:
        """C1: open a session for the account, or refuse; the session token (for the cookie),
        the applicant, and the session's CSRF token."""
        number = check_login_id(login)
        nonce = await self._spend_challenge(challenge_id)
        account = await self._store.account(number)
        if account is None:
            raise refused("ACCOUNT_UNKNOWN", login=number)
        now = self._now()
        locked_until = account.locked_until
        if locked_until is not None and is_locked(locked_until, now):
            raise refused("ACCOUNT_LOCKED", login=number, locked_until=_iso(locked_until))
        try:
            if not await _in_executor(check_password, password, account.password_hash):
                raise refused("PASSWORD_WRONG")
            signer = await self._proof(signature, nonce)
            kind: ApplicantKind = "legal_entity" if account.kind == "legal_entity" else "individual"
            check_certificate_names(kind, number, signer)
            person_iin = signer.iin or ""
            if kind == "legal_entity":
                employee = await self._store.employee(account.id, person_iin)
                if employee is None:
                    raise refused("AUTH_NOT_AN_EMPLOYEE", login=number, iin=person_iin)
                person_name, role = employee.name, signer.role or employee.role
            else:
                person_name, role = account.name, None
        except EgovsimError as error:
            raise await self._failed(account, error) from None
        await self._store.record_success(account.id)
        token, hashed_token = new_token()
        csrf = secrets.token_urlsafe(32)
        real_now = self._real_now()
        await self._store.open_session(
            hashed_token,
            account.id,
            person_iin,
            person_name,
            role,
            csrf,
            now,
            real_now + SESSION_LIFETIME,
            real_now,
        )
        return token, _applicant(account, person_iin, person_name, role), csrf

    async def _failed(self, account: AccountRecord, error: EgovsimError) -> EgovsimError:
        """Count a failed attempt; the refusal to give (ACCOUNT_LOCKED on the last one)."""
        now = self._now()
        attempts, locked_until = await self._store.record_failure(
            account.id, now, MAX_FAILED_ATTEMPTS, LOCK_DURATION
        )
        if locked_until is not None:
            return refused(
                "ACCOUNT_LOCKED",
                login=account.login,
                locked_until=_iso(locked_until),
                cause=error.code,
                cause_details=dict(error.details),
            )
        return EgovsimError(
            error.code, {**error.details, "attempts_left": MAX_FAILED_ATTEMPTS - attempts}
        )

    async def applicant_for_session(self, token: str) -> tuple[Applicant, str, datetime] | None:
        """The applicant, CSRF token and opening time (simulator clock) of a live session."""
        if not token:
            return None
        session = await self._store.session(token_hash(token), self._real_now())
        if session is None:
            return None
        applicant = _applicant(
            session.account, session.person_iin, session.person_name, session.role
        )
        return applicant, session.csrf_token, session.opened_at

    async def applicant(
        self, login: str, person_iin: str, person_name: str, role: str | None = None
    ) -> Applicant | None:
        """The account of `login` as the person named acts for it (its cabinet seen without a
        session, as the trainer's console shows it); None when there is no such account."""
        account = await self._store.account(login)
        if account is None:
            return None
        return _applicant(account, person_iin, person_name, role)

    async def session_opened_at(self, token: str) -> datetime | None:
        """When (simulator time) a live session was opened: the moment of its P1/C1."""
        found = await self.applicant_for_session(token)
        return found[2] if found is not None else None

    async def logout(self, token: str) -> None:
        """End the session of `token` (nothing happens for an unknown one)."""
        await self._store.close_session(token_hash(token))


def _applicant(
    account: AccountRecord, person_iin: str, person_name: str, role: str | None
) -> Applicant:
    legal = account.kind == "legal_entity"
    return Applicant(
        account_id=account.id,
        kind="legal_entity" if legal else "individual",
        iin=None if legal else account.login,
        bin=account.login if legal else None,
        name=account.name,
        person_iin=person_iin,
        person_name=person_name,
        role=role,
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat()


async def _in_executor(function: Callable[..., T], *args: Any) -> T:
    # scrypt takes tens of milliseconds: keep it off the event loop.
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)
