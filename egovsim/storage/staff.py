"""Providers, their staff logins and the staff's sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from egovsim.storage.database import Database, Row
from egovsim.storage.records import (
    Provider,
    StaffMember,
)


def _provider(row: Row, services: Sequence[str]) -> Provider:
    return Provider(
        row["id"],
        row["bin"],
        {"kk": row["name_kk"], "ru": row["name_ru"], "en": row["name_en"]},
        row["region"],
        tuple(services),
    )


def _staff(row: Row) -> StaffMember:
    return StaffMember(
        row["id"],
        row["provider_id"],
        row["login"],
        row["password_hash"],
        row["role"],
        row["name"],
        row["iin"],
        row["keystore"],
        row["keystore_password"],
    )


class StaffStore:
    """Providers, staff and sessions."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # -- providers and staff ------------------------------------------------------------------

    async def save_provider(self, provider: Provider) -> None:
        """Create or update a provider and the services it gives."""
        async with self._db.write() as connection:
            await connection.execute(
                "INSERT INTO providers (id, bin, name_kk, name_ru, name_en, region)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET bin = excluded.bin,"
                " name_kk = excluded.name_kk, name_ru = excluded.name_ru,"
                " name_en = excluded.name_en, region = excluded.region",
                (
                    provider.id,
                    provider.bin,
                    provider.name["kk"],
                    provider.name["ru"],
                    provider.name["en"],
                    provider.region,
                ),
            )
            await connection.execute(
                "DELETE FROM provider_services WHERE provider_id = ?", (provider.id,)
            )
            await connection.executemany(
                "INSERT INTO provider_services (provider_id, regulation_id) VALUES (?, ?)",
                [(provider.id, service) for service in provider.services],
            )

    async def providers(self) -> list[Provider]:
        """Every provider, by id."""
        rows = await self._db.fetch_all("SELECT * FROM providers ORDER BY id")
        services = await self._db.fetch_all(
            "SELECT provider_id, regulation_id FROM provider_services ORDER BY regulation_id"
        )
        return [
            _provider(row, [s["regulation_id"] for s in services if s["provider_id"] == row["id"]])
            for row in rows
        ]

    async def provider(self, provider_id: str) -> Provider | None:
        """A provider by id."""
        return next((p for p in await self.providers() if p.id == provider_id), None)

    async def save_staff(self, member: StaffMember) -> int:
        """Create or update a staff login; its id."""
        async with self._db.write() as connection:
            cursor = await connection.execute(
                "INSERT INTO staff (provider_id, login, password_hash, role, name, iin, keystore,"
                " keystore_password) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (login) DO UPDATE SET provider_id = excluded.provider_id,"
                " password_hash = excluded.password_hash, role = excluded.role,"
                " name = excluded.name, iin = excluded.iin, keystore = excluded.keystore,"
                " keystore_password = excluded.keystore_password RETURNING id",
                (
                    member.provider_id,
                    member.login,
                    member.password_hash,
                    member.role,
                    member.name,
                    member.iin,
                    member.keystore,
                    member.keystore_password,
                ),
            )
            row = await cursor.fetchone()
            assert row is not None
            return int(row[0])

    async def staff_by_login(self, login: str) -> StaffMember | None:
        """A staff login by name."""
        row = await self._db.fetch_one("SELECT * FROM staff WHERE login = ?", (login,))
        return _staff(row) if row else None

    async def staff_of(self, provider_id: str) -> list[StaffMember]:
        """A provider's staff, by login."""
        rows = await self._db.fetch_all(
            "SELECT * FROM staff WHERE provider_id = ? ORDER BY login", (provider_id,)
        )
        return [_staff(row) for row in rows]

    async def open_session(
        self, token_hash: str, staff_id: int, now: datetime, expires: datetime
    ) -> None:
        """Remember a signed-in session (only the token's hash is stored)."""
        async with self._db.write() as connection:
            await connection.execute(
                "INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (token_hash, staff_id, now.isoformat(), expires.isoformat()),
            )

    async def session_staff(self, token_hash: str, now: datetime) -> StaffMember | None:
        """The staff member of a live session."""
        row = await self._db.fetch_one(
            "SELECT staff.* FROM staff_sessions JOIN staff ON staff.id = staff_sessions.staff_id"
            " WHERE token_hash = ? AND expires_at > ?",
            (token_hash, now.isoformat()),
        )
        return _staff(row) if row else None

    async def close_session(self, token_hash: str) -> None:
        """Sign out."""
        async with self._db.write() as connection:
            await connection.execute(
                "DELETE FROM staff_sessions WHERE token_hash = ?", (token_hash,)
            )
