"""Emptying the database for a clean demo: every row of every table goes, the schema stays.

The trainer's console and `egovsim reset` use it; what the demo needs at start (accounts, staff,
centres, the gateway's parties) is seeded again by the same code that seeds a fresh start.
"""

from __future__ import annotations

from dataclasses import dataclass

from egovsim.storage.database import Database

#: Tables a reset keeps: the schema's own record of its migrations.
KEPT = frozenset({"schema_migrations"})


@dataclass(frozen=True, slots=True)
class Emptied:
    """What a reset removed: the rows of each table that had any."""

    rows: dict[str, int]

    @property
    def total(self) -> int:
        """Every row removed."""
        return sum(self.rows.values())


async def empty_database(database: Database) -> Emptied:
    """Delete every row of every table but the migrations' record, in one transaction.

    The append-only tables (the workstation's transitions, the portal's timeline) refuse a
    DELETE by trigger; the triggers are dropped and made again from their own SQL inside the
    same transaction, so no moment exists where the rule is off for anyone else. Foreign keys
    are checked at the commit, when every table is empty, so the order of deletes does not
    matter. AUTOINCREMENT counters start again from 1.
    """
    rows: dict[str, int] = {}
    async with database.write() as connection:
        await connection.execute("PRAGMA defer_foreign_keys = ON")
        cursor = await connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        )
        triggers = [(str(name), str(sql)) for name, sql in await cursor.fetchall()]
        cursor = await connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
        tables = [str(name) for (name,) in await cursor.fetchall() if name not in KEPT]
        for name, _ in triggers:
            await connection.execute(f'DROP TRIGGER "{name}"')
        for table in tables:
            cursor = await connection.execute(f'DELETE FROM "{table}"')
            if cursor.rowcount:
                rows[table] = cursor.rowcount
        cursor = await connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
        )
        if await cursor.fetchone() is not None:
            await connection.execute("DELETE FROM sqlite_sequence")
        for _, sql in triggers:
            await connection.execute(sql)
    return Emptied(rows)
