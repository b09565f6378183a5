"""Every row of a database as JSON lines, and back: how a simulator's state moves between the
SQLite file and PostgreSQL (`egovsim db export` / `egovsim db import`).

The file's first line names the format and the migrations the rows were written under; then,
table by table (parents before the tables that refer to them), a line naming the table and its
columns and one line per row, bytes as `{"b64": …}`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from egovsim.storage.database import Connection, Database, WorkConnection
from egovsim.storage.dialect import insertion_order
from egovsim.storage.shared_versions import PKI, bump, current_version

FORMAT = "egovsim-database"
#: Rows read, or written, at a time.
BATCH = 2000
#: What stays with the database it is in: the schema's record of its migrations, the leases of
#: runs under way, the counters that tell instances what changed (an import raises `pki`).
NOT_CARRIED = frozenset({"schema_migrations", "run_locks", "shared_versions"})
#: The test PKI's files: carried, and replacing those of the database imported into.
PKI_FILES = "pki_files"


class TransferError(Exception):
    """A file that cannot be imported here, and why."""


def parents_first(references: dict[str, set[str]]) -> list[str]:
    """The tables in an order where each comes after every table it refers to."""
    ordered: list[str] = []
    placed: set[str] = set()

    def place(table: str, path: tuple[str, ...]) -> None:
        if table in placed or table in path:
            return
        for parent in sorted(references.get(table, set())):
            place(parent, (*path, table))
        placed.add(table)
        ordered.append(table)

    for table in sorted(references):
        place(table, ())
    return ordered


def _encoded(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"b64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decoded(value: Any) -> Any:
    if isinstance(value, dict):
        return base64.b64decode(value["b64"])
    return value


async def dump(database: Database, out: TextIO) -> dict[str, int]:
    """Write every row of `database` to `out`, from one consistent snapshot; the rows written
    of each table."""
    migrations = await database.applied_migrations()
    tables = [t for t in parents_first(await database.references()) if t not in NOT_CARRIED]
    orders = {table: await row_order(database, table) for table in tables}
    header = {"format": FORMAT, "from": database.dialect, "migrations": migrations}

    def write(connection: WorkConnection) -> dict[str, int]:
        out.write(json.dumps(header) + "\n")
        counts: dict[str, int] = {}
        for table in tables:
            offset, count = 0, 0
            while True:
                rows = connection.execute(
                    f'SELECT * FROM "{table}" ORDER BY {orders[table]} LIMIT ? OFFSET ?',
                    (BATCH, offset),
                ).fetchall()
                if offset == 0:
                    columns = list(rows[0].keys()) if rows else []
                    out.write(json.dumps({"table": table, "columns": columns}) + "\n")
                for row in rows:
                    out.write(json.dumps([_encoded(value) for value in row]) + "\n")
                count += len(rows)
                offset += BATCH
                if len(rows) < BATCH:
                    break
            counts[table] = count
        return counts

    return await database.snapshot(write)


async def row_order(database: Database, table: str) -> str:
    """What orders `table`'s rows in the file: the order they were written in, or (a SQLite
    table made WITHOUT ROWID, which has none) its primary key."""
    if database.dialect == "sqlite":
        made = await database.fetch_one(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        )
        if made is not None and "WITHOUT ROWID" in str(made[0]).upper():
            keys = await database.fetch_all(
                "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", (table,)
            )
            return ", ".join(f'"{key[0]}"' for key in keys)
    return insertion_order(database.dialect)


async def load(database: Database, lines: Iterable[str]) -> dict[str, int]:
    """Load a file of `dump` into `database`, which must be empty and at the same migrations,
    in one transaction; the rows loaded into each table."""
    stream = iter(lines)
    try:
        header = json.loads(next(stream))
    except (StopIteration, ValueError):
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TransferError(f"not a file of `egovsim db export` (its first line names {FORMAT})")
    theirs = [tuple(m) for m in header.get("migrations", [])]
    ours = await database.applied_migrations()
    if theirs != ours:
        raise TransferError(
            f"the file was exported at schema version {len(theirs)}, this database is at "
            f"{len(ours)}: bring both to the same version (`egovsim db migrate`) and export again"
        )
    filled = [
        t
        for t in await database.tables()
        if t not in NOT_CARRIED and t != PKI_FILES and await _has_rows(database, t)
    ]
    if filled:
        raise TransferError(
            f"the database is not empty ({', '.join(filled)} have rows): import into a new "
            "database, or empty this one first (`egovsim reset`)"
        )
    counts: dict[str, int] = {}
    keyed: list[str] = []
    async with database.write_alone() as connection:
        for table, columns, rows in _tables(stream):
            names = ", ".join(f'"{column}"' for column in columns)
            marks = ", ".join("?" for _ in columns)
            insert = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
            batch: list[list[Any]] = []
            counts[table] = 0
            for row in rows:
                if table == PKI_FILES and not counts[table] and not batch:
                    # The file's PKI replaces the one the database's first start made.
                    await connection.execute("DELETE FROM pki_files")
                batch.append([_decoded(value) for value in row])
                if len(batch) == BATCH:
                    await connection.executemany(insert, batch)
                    counts[table] += len(batch)
                    batch = []
            if batch:
                await connection.executemany(insert, batch)
                counts[table] += len(batch)
            if "id" in columns:
                keyed.append(table)
        if counts.get(PKI_FILES):
            await _pki_moved(connection)
    await database.ids_taken(keyed)
    return counts


def _tables(stream: Iterator[str]) -> Iterator[tuple[str, list[str], Iterator[list[Any]]]]:
    """(table, columns, its rows) for each table of the file, read as they come."""
    pending: list[str] = []

    def rows() -> Iterator[list[Any]]:
        for line in stream:
            item = json.loads(line)
            if isinstance(item, dict):
                pending.append(line)
                return
            yield item

    line = next(stream, None)
    while line is not None:
        item = json.loads(line)
        if not isinstance(item, dict) or "table" not in item:
            raise TransferError(f"a row before its table's line: {line[:60]}")
        yield str(item["table"]), [str(c) for c in item["columns"]], rows()
        line = pending.pop() if pending else next(stream, None)


async def _pki_moved(connection: Connection) -> None:
    """After the PKI's files came in: under a `pki` counter past any an instance has seen, so
    each copies them whole at its next refresh or start."""
    cursor = await connection.execute("SELECT COALESCE(MAX(version), 0) FROM pki_files")
    row = await cursor.fetchone()
    highest = max(0 if row is None else int(row[0]), await current_version(connection, PKI))
    await connection.execute(
        "INSERT INTO shared_versions (topic, version) VALUES (?, ?)"
        " ON CONFLICT (topic) DO UPDATE SET version = excluded.version",
        (PKI, highest),
    )
    await bump(connection, PKI)
    await connection.execute(
        "UPDATE pki_files SET version = (SELECT version FROM shared_versions WHERE topic = ?)",
        (PKI,),
    )


async def _has_rows(database: Database, table: str) -> bool:
    return await database.fetch_one(f'SELECT 1 FROM "{table}" LIMIT 1') is not None
