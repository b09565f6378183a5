"""A centre's packages a page at a time, newest first (of one status), with their steps read in
one query for the page; and the results due back to storage, found by their index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from egovsim.storage.database import Database
from egovsim.storage.statecorp import Package, PackageStep, _package, _step


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
        return [_package(row) for row in await self._db.fetch_all(" ".join(sql), parameters)]

    async def steps_of(self, ids: Sequence[int]) -> dict[int, list[PackageStep]]:
        """The steps of the packages `ids`, oldest first, in one query."""
        marks = ",".join("?" * len(ids))
        found: dict[int, list[PackageStep]] = defaultdict(list)
        for row in await self._db.fetch_all(
            f"SELECT * FROM statecorp_steps WHERE package_id IN ({marks}) ORDER BY package_id, id",
            ids,
        ):
            found[row["package_id"]].append(_step(row))
        return found

    async def due_back(self, now: datetime, limit: int) -> list[Package]:
        """Results held at a centre past their month (`kept_until` before `now`), oldest
        first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM statecorp_packages WHERE status = 'at_centre' AND kept_until <= ?"
            " ORDER BY kept_until LIMIT ?",
            (now.astimezone(UTC).isoformat(), limit),
        )
        return [_package(row) for row in rows]
