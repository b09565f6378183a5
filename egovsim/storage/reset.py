"""Emptying the database for a clean demo: every row of every table goes, the schema stays.

The trainer's console and `egovsim reset` use it; what the demo needs at start (accounts, staff,
centres, the gateway's parties) is seeded again by the same code that seeds a fresh start.
"""

from __future__ import annotations

from dataclasses import dataclass

from egovsim.storage.database import Database

#: Tables a reset keeps: the schema's own record of its migrations, the leases of runs under
#: way (the reset itself holds one), the counters that tell other instances what changed (the
#: reset raises them), and the test PKI (a reset keeps the certificates, as it keeps `certs/`).
KEPT = frozenset({"schema_migrations", "run_locks", "shared_versions", "pki_files"})


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
    DELETE by trigger; each dialect empties them without switching the rule off for anyone
    else (see `Database.empty`). Ids start again from 1.
    """
    return Emptied(await database.empty(KEPT))
