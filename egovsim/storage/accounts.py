"""The portal's applicant accounts, their employees, login challenges and sessions."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from egovsim.storage.database import Database, Row


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """An applicant's account: an individual by IIN or a legal entity by BIN."""

    id: int
    kind: str  # "individual" | "legal_entity"
    login: str
    name: str
    password_hash: str
    failed_attempts: int
    locked_until: datetime | None


@dataclass(frozen=True, slots=True)
class EmployeeRecord:
    """A legal entity's employee who may log in to its account."""

    iin: str
    name: str
    role: str | None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A signed-in session: who acts, for which account, since when (simulator time), until
    when (real time)."""

    token_hash: str
    account: AccountRecord
    person_iin: str
    person_name: str
    role: str | None
    csrf_token: str
    opened_at: datetime
    expires_at: datetime


def _time(moment: datetime) -> str:
    # One fixed form, so that times compare as text in SQL.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _account(row: Row) -> AccountRecord:
    return AccountRecord(
        row["id"],
        row["kind"],
        row["login"],
        row["name"],
        row["password_hash"],
        row["failed_attempts"],
        _parse(row["locked_until"]),
    )


#: How long a session read from the database is taken as it was (seconds): every request of a
#: signed-in applicant reads its session, and a load test sends hundreds a second. A logout or
#: retirement through this instance forgets it at once; through another, within this long (as
#: the instances' shared state is refreshed: `Settings.shared_refresh`).
SESSION_KEPT = 1.0
#: Sessions kept in memory at most (beyond, the memory is emptied and fills again).
SESSIONS_KEPT = 10_000


class AccountStore:
    """Accounts, employees, challenges and sessions of the portal."""

    def __init__(self, database: Database, kept_for: float = SESSION_KEPT) -> None:
        self._db = database
        self._kept_for = kept_for
        #: Sessions by token hash, with the (monotonic) moment each was read.
        self._sessions: dict[str, tuple[float, SessionRecord]] = {}

    def forget_cache(self) -> None:
        """Drop the sessions kept in memory (after the database was emptied behind its back)."""
        self._sessions.clear()

    # -- accounts -------------------------------------------------------------------------------

    async def account(self, login: str) -> AccountRecord | None:
        """The account that logs in with `login` (an IIN or a BIN)."""
        row = await self._db.fetch_one("SELECT * FROM portal_accounts WHERE login = ?", (login,))
        return _account(row) if row else None

    async def employees(self, account_id: int) -> list[EmployeeRecord]:
        """A legal entity's employees, by IIN."""
        rows = await self._db.fetch_all(
            "SELECT iin, name, role FROM portal_employees WHERE account_id = ? ORDER BY iin",
            (account_id,),
        )
        return [EmployeeRecord(row["iin"], row["name"], row["role"]) for row in rows]

    async def employee(self, account_id: int, iin: str) -> EmployeeRecord | None:
        """One employee of a legal entity, by IIN."""
        row = await self._db.fetch_one(
            "SELECT iin, name, role FROM portal_employees WHERE account_id = ? AND iin = ?",
            (account_id, iin),
        )
        return EmployeeRecord(row["iin"], row["name"], row["role"]) if row else None

    async def create_account(
        self,
        kind: str,
        login: str,
        name: str,
        password_hash: str,
        employees: Sequence[EmployeeRecord],
        now: datetime,
    ) -> AccountRecord | None:
        """Create an account with its employees; None when the login is taken already."""
        async with self._db.write() as connection:
            cursor = await connection.execute(
                "INSERT INTO portal_accounts (kind, login, name, password_hash, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (login) DO NOTHING RETURNING *",
                (kind, login, name, password_hash, _time(now)),
            )
            row = await cursor.fetchone()
            if row is None:
                return None
            account = _account(row)
            await connection.executemany(
                "INSERT INTO portal_employees (account_id, iin, name, role) VALUES (?, ?, ?, ?)",
                [(account.id, e.iin, e.name, e.role) for e in employees],
            )
        return account

    async def save_employees(self, account_id: int, employees: Sequence[EmployeeRecord]) -> None:
        """Add employees to a legal entity, or update the name and role of known ones."""
        async with self._db.write() as connection:
            await connection.executemany(
                "INSERT INTO portal_employees (account_id, iin, name, role) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (account_id, iin) DO UPDATE SET name = excluded.name,"
                " role = excluded.role",
                [(account_id, e.iin, e.name, e.role) for e in employees],
            )

    async def record_failure(
        self, account_id: int, now: datetime, limit: int, lock_for: timedelta
    ) -> tuple[int, datetime | None]:
        """Count a failed login; at `limit` in a row, lock the account for `lock_for` and
        start the count again. The count now, and the end of the lock if one began."""
        async with self._db.write() as connection:
            cursor = await connection.execute(
                "UPDATE portal_accounts SET failed_attempts = failed_attempts + 1 WHERE id = ?"
                " RETURNING failed_attempts",
                (account_id,),
            )
            row = await cursor.fetchone()
            assert row is not None
            attempts = int(row[0])
            if attempts < limit:
                return attempts, None
            until = now + lock_for
            await connection.execute(
                "UPDATE portal_accounts SET failed_attempts = 0, locked_until = ? WHERE id = ?",
                (_time(until), account_id),
            )
            return attempts, until

    async def record_success(self, account_id: int) -> None:
        """A successful login ends the run of failures."""
        async with self._db.write() as connection:
            await connection.execute(
                "UPDATE portal_accounts SET failed_attempts = 0, locked_until = NULL"
                " WHERE id = ? AND (failed_attempts != 0 OR locked_until IS NOT NULL)",
                (account_id,),
            )

    async def forget_failures(self, login: str) -> bool:
        """Forget an account's run of failed logins and lift its lock (a guided run starts
        from a clean account); whether there was anything to forget."""
        async with self._db.write() as connection:
            cursor = await connection.execute(
                "UPDATE portal_accounts SET failed_attempts = 0, locked_until = NULL"
                " WHERE login = ? AND (failed_attempts != 0 OR locked_until IS NOT NULL)",
                (login,),
            )
            return bool(cursor.rowcount)

    async def retire_account(self, login: str) -> bool:
        """Free an account's login for a new registration: the account keeps its id, its
        applications and its history under a login nobody signs in with, and its sessions
        end; whether there was one."""
        async with self._db.write() as connection:
            cursor = await connection.execute(
                "UPDATE portal_accounts SET login = login || ' (retired ' || id || ')'"
                " WHERE login = ? RETURNING id",
                (login,),
            )
            row = await cursor.fetchone()
            if row is None:
                return False
            await connection.execute(
                "DELETE FROM portal_sessions WHERE account_id = ?", (int(row[0]),)
            )
        retired = int(row[0])
        for kept, (_, session) in list(self._sessions.items()):
            if session.account.id == retired:
                del self._sessions[kept]
        return True

    # -- challenges -----------------------------------------------------------------------------

    async def add_challenge(self, challenge_id: str, nonce: bytes, expires_at: datetime) -> None:
        """Remember a login challenge until it expires (and forget the ones that have)."""
        async with self._db.write() as connection:
            await connection.execute(
                "DELETE FROM portal_challenges WHERE expires_at < ?",
                (_time(expires_at - timedelta(days=1)),),
            )
            await connection.execute(
                "INSERT INTO portal_challenges (id, nonce, expires_at) VALUES (?, ?, ?)",
                (challenge_id, nonce, _time(expires_at)),
            )

    async def use_challenge(self, challenge_id: str, now: datetime) -> bytes | None:
        """Spend a challenge: its nonce if it was known, unused and unexpired at `now`."""
        async with self._db.write() as connection:
            cursor = await connection.execute(
                "UPDATE portal_challenges SET used_at = ?"
                " WHERE id = ? AND used_at IS NULL AND expires_at > ? RETURNING nonce",
                (_time(now), challenge_id, _time(now)),
            )
            row = await cursor.fetchone()
        return bytes(row[0]) if row else None

    # -- sessions -------------------------------------------------------------------------------

    async def open_session(
        self,
        token_hash: str,
        account_id: int,
        person_iin: str,
        person_name: str,
        role: str | None,
        csrf_token: str,
        opened_at: datetime,
        expires_at: datetime,
        real_now: datetime,
    ) -> None:
        """Remember a signed-in session (only the token's hash), forgetting ended ones."""
        async with self._db.write() as connection:
            await connection.execute(
                "DELETE FROM portal_sessions WHERE expires_at <= ?", (_time(real_now),)
            )
            await connection.execute(
                "INSERT INTO portal_sessions (token_hash, account_id, person_iin, person_name,"
                " role, csrf_token, opened_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    token_hash,
                    account_id,
                    person_iin,
                    person_name,
                    role,
                    csrf_token,
                    _time(opened_at),
                    _time(expires_at),
                ),
            )

    async def session(self, token_hash: str, real_now: datetime) -> SessionRecord | None:
        """The session of a token's hash, if it has not ended by `real_now` (as read at most
        `SESSION_KEPT` seconds ago)."""
        kept = self._sessions.get(token_hash)
        if kept is not None and time.monotonic() - kept[0] < self._kept_for:
            return kept[1] if kept[1].expires_at > real_now else None
        read_at = time.monotonic()
        found = await self._read_session(token_hash, real_now)
        if found is None:
            self._sessions.pop(token_hash, None)
            return None
        if len(self._sessions) >= SESSIONS_KEPT:
            self._sessions.clear()
        self._sessions[token_hash] = (read_at, found)
        return found

    async def _read_session(self, token_hash: str, real_now: datetime) -> SessionRecord | None:
        row = await self._db.fetch_one(
            "SELECT portal_accounts.*, portal_sessions.token_hash, portal_sessions.person_iin,"
            " portal_sessions.person_name, portal_sessions.role, portal_sessions.csrf_token,"
            " portal_sessions.opened_at, portal_sessions.expires_at AS session_expires_at"
            " FROM portal_sessions"
            " JOIN portal_accounts ON portal_accounts.id = portal_sessions.account_id"
            " WHERE portal_sessions.token_hash = ? AND portal_sessions.expires_at > ?",
            (token_hash, _time(real_now)),
        )
        if row is None:
            return None
        opened_at = _parse(row["opened_at"])
        expires_at = _parse(row["session_expires_at"])
        assert opened_at is not None
        assert expires_at is not None
        return SessionRecord(
            row["token_hash"],
            _account(row),
            row["person_iin"],
            row["person_name"],
            row["role"],
            row["csrf_token"],
            opened_at,
            expires_at,
        )

    async def close_session(self, token_hash: str) -> None:
        """End a session."""
        self._sessions.pop(token_hash, None)
        async with self._db.write() as connection:
            await connection.execute(
                "DELETE FROM portal_sessions WHERE token_hash = ?", (token_hash,)
            )
        # Again: a request may have read it meanwhile, before the DELETE committed.
        self._sessions.pop(token_hash, None)
