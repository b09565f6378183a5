"""A centre's packages a page at a time, newest first (of one status), with their steps read in
one query for the page; and the results due back to storage, found by their index and claimed
by the sweep that returns them (a lease on each row, as the gateway's delivery claims)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from egovsim.storage.database import Database, WorkConnection
from egovsim.storage.dialect import skip_locked
from egovsim.storage.statecorp_rows import (
    Package,
    PackageStep,
    packages_now,
    packages_of,
    step_of,
)


class PackageLists:
    """Pages of a centre's packages."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def newest(
        self, centre_id: str, limit: int, before: int | None = None, status: str | None = None
    ) -> list[Package]:
        """A centre's packages newest first (of one status), `limit` of them, older than the
        id `before`."""
        sql = ["SELECT * FROM statecorp_packages WHERE centre_id = ?"]
        parameters: list[object] = [centre_id]
        if status is not None:
            sql.append("AND status = ?")
            parameters.append(status)
        if before is not None:
            sql.append("AND id < ?")
            parameters.append(before)
        sql.append("ORDER BY id DESC LIMIT ?")
        parameters.append(limit)
        return await packages_of(self._db, await self._db.fetch_all(" ".join(sql), parameters))

    async def steps_of(self, ids: Sequence[int]) -> dict[int, list[PackageStep]]:
        """The steps of the packages `ids`, oldest first, in one query."""
        marks = ",".join("?" * len(ids))
        found: dict[int, list[PackageStep]] = defaultdict(list)
        for row in await self._db.fetch_all(
            f"SELECT * FROM statecorp_steps WHERE package_id IN ({marks}) ORDER BY package_id, id",
            ids,
        ):
            found[row["package_id"]].append(step_of(row))
        return found

    async def due_back(self, now: datetime, limit: int) -> list[Package]:
        """Results held at a centre past their month (`kept_until` before `now`), oldest
        first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM statecorp_packages WHERE status = 'at_centre' AND kept_until <= ?"
            " ORDER BY kept_until LIMIT ?",
            (now.astimezone(UTC).isoformat(), limit),
        )
        return await packages_of(self._db, rows)

    async def claim_due_back(
        self, now: datetime, limit: int, holder: str, machine_now: float, lease: float
    ) -> list[Package]:
        """Lease to `holder` the results due back that no live lease holds, oldest first, at
        most `limit` of them (`machine_now` and `lease` in seconds on the machine's clock)."""
        claim = (
            "UPDATE statecorp_packages SET claimed_by = ?, claimed_until = ? WHERE id IN ("
            " SELECT id FROM statecorp_packages WHERE status = 'at_centre' AND kept_until <= ?"
            " AND (claimed_until IS NULL OR claimed_until <= ?)"
            f" ORDER BY kept_until LIMIT ?{skip_locked(self._db.dialect)}) RETURNING id"
        )
        values = (holder, machine_now + lease, now.astimezone(UTC).isoformat(), machine_now, limit)

        def take(connection: WorkConnection) -> list[Package]:
            ids = [row[0] for row in connection.execute(claim, values).fetchall()]
            if not ids:
                return []
            marks = ", ".join("?" for _ in ids)
            rows = connection.execute(
                f"SELECT * FROM statecorp_packages WHERE id IN ({marks}) ORDER BY kept_until, id",
                ids,
            ).fetchall()
            return packages_now(connection, rows)

        return await self._db.transact(take)

    async def renew_claims(self, holder: str, until: float) -> None:
        """Move the end of every lease `holder` holds to `until`."""
        async with self._db.write() as connection:
            await connection.execute(
                "UPDATE statecorp_packages SET claimed_until = ? WHERE claimed_by = ?",
                (until, holder),
            )

    async def release_claims(self, holder: str) -> None:
        """End every lease `holder` holds."""
        async with self._db.write() as connection:
            await connection.execute(
                "UPDATE statecorp_packages SET claimed_by = NULL, claimed_until = NULL"
                " WHERE claimed_by = ?",
                (holder,),
            )
