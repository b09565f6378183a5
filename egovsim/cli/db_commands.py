"""`egovsim db`: the database's schema (`migrate`, `status`), its rows carried between SQLite and
PostgreSQL (`export`, `import`), and a history written in bulk (`fill`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from egovsim.cli import fill_command
from egovsim.cli.common import CommandError
from egovsim.config import Settings
from egovsim.storage.database import (
    Database,
    bundled_migrations,
    database_location,
    is_postgresql,
    read_saved,
)
from egovsim.storage.transfer import TransferError, dump, load


def register(commands: Any, shared: argparse.ArgumentParser) -> None:
    """Add `db migrate`, `db status`, `db export`, `db import` and `db fill`."""
    db = commands.add_parser(
        "db",
        parents=[shared],
        help="the database: migrate it, carry it between SQLite and PostgreSQL, fill it",
        description="The database is the SQLite file in the data directory, or the PostgreSQL "
        "database of --database-url (EGOVSIM_DATABASE_URL).",
    )
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    migrate = actions.add_parser(
        "migrate",
        parents=[shared],
        help="bring the schema up to date (serve does it at start too)",
        description="Applies the migrations the database has not had yet, in order, each "
        "recorded in it. Run it once before starting several instances on one PostgreSQL "
        "database (instances that start together also wait for each other).",
    )
    migrate.set_defaults(run=_migrate)
    status = actions.add_parser(
        "status", parents=[shared], help="which migrations are applied and which are not"
    )
    status.set_defaults(run=_status)
    export = actions.add_parser(
        "export",
        parents=[shared],
        help="write every row of the database to a file (JSON lines)",
        description="Writes every table's rows, with the schema's version, to FILE ('-' for "
        "standard output). Export from a stopped simulator, so the copy is of one moment.",
    )
    export.add_argument("file", metavar="FILE")
    export.set_defaults(run=_export)
    load_parser = actions.add_parser(
        "import",
        parents=[shared],
        help="load a file of `db export` into an empty database",
        description="Loads FILE ('-' for standard input), made by `db export` from either "
        "SQLite or PostgreSQL, into the database, which must be empty (new, or after "
        "`egovsim reset`) and at the same schema version.",
    )
    load_parser.add_argument("file", metavar="FILE")
    load_parser.set_defaults(run=_import)
    fill_command.register(actions, shared)


def _where(settings: Settings) -> str:
    location = database_location(settings)
    return "the PostgreSQL database" if is_postgresql(location) else str(location)


def _migrate(arguments: argparse.Namespace, settings: Settings) -> int:
    before = _applied(settings)

    async def run() -> list[tuple[int, str]]:
        database = await _open(settings)
        try:
            return await database.applied_migrations()
        finally:
            await database.close()

    after = asyncio.run(run())
    new = [f"{version:04d}_{name}" for version, name in after if (version, name) not in before]
    if new:
        print(f"applied {len(new)} migration(s) to {_where(settings)}: {', '.join(new)}")
    else:
        print(f"{_where(settings)} is up to date (version {after[-1][0] if after else 0})")
    return 0


def _status(arguments: argparse.Namespace, settings: Settings) -> int:
    applied = _applied(settings)
    for migration in bundled_migrations():
        done = (migration.version, migration.name) in applied
        print(f"{migration.version:04d}_{migration.name}  {'applied' if done else 'pending'}")
    return 0


def _applied(settings: Settings) -> set[tuple[int, str]]:
    found = read_saved(database_location(settings), ["SELECT version, name FROM schema_migrations"])
    return {(int(row[0]), str(row[1])) for row in found[0]} if found else set()


async def _open(settings: Settings) -> Database:
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        return await Database.open(database_location(settings))
    except OSError as error:
        raise CommandError(f"cannot reach the database: {error}") from None


def _export(arguments: argparse.Namespace, settings: Settings) -> int:
    async def run() -> dict[str, int]:
        database = await _open(settings)
        try:
            if arguments.file == "-":
                return await dump(database, sys.stdout)
            with Path(arguments.file).open("w", encoding="utf-8") as out:
                return await dump(database, out)
        finally:
            await database.close()

    counts = asyncio.run(run())
    print(
        f"exported {sum(counts.values())} rows of {len(counts)} tables from {_where(settings)}",
        file=sys.stderr,
    )
    return 0


def _import(arguments: argparse.Namespace, settings: Settings) -> int:
    async def run() -> dict[str, int]:
        database = await _open(settings)
        try:
            if arguments.file == "-":
                return await load(database, sys.stdin)
            path = Path(arguments.file)
            if not path.is_file():
                raise CommandError(f"no file {path}")
            with path.open(encoding="utf-8") as lines:
                return await load(database, lines)
        except TransferError as error:
            raise CommandError(str(error)) from None
        finally:
            await database.close()

    counts = asyncio.run(run())
    print(f"imported {sum(counts.values())} rows of {len(counts)} tables into {_where(settings)}")
    return 0
