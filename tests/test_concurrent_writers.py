"""Two instances writing to one database at the same moment: PostgreSQL runs their write
transactions side by side (no lock for the whole database), and every read-modify-write still
comes out exact: no number given twice, no update lost, nothing registered twice. SQLite, one
writer at a time, must give the same results."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from egovsim.storage import bodies
from egovsim.storage.accounts import AccountStore
from egovsim.storage.applications import ApplicationStore, NewStep, NewTransition
from egovsim.storage.database import Database
from egovsim.storage.pki_files import PkiFiles, locked_version, publish
from egovsim.storage.portal import PortalStore
from egovsim.storage.portal_cabinet import CabinetStore
from egovsim.storage.records import Provider
from egovsim.storage.staff import StaffStore
from tests.conftest import BOTH_DATABASES, NOW

pytestmark = pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)
#: Writes each instance makes in a test.
EACH = 12


@pytest.fixture
async def two(database_location: Path | str) -> AsyncIterator[tuple[Database, Database]]:
    """Two databases opened on one location, as two instances have them."""
    first = await Database.open(database_location)
    second = await Database.open(database_location)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


def both(two: tuple[Database, Database], count: int) -> list[Database]:
    """`count` writers' databases, alternately the first instance's and the second's."""
    return [two[n % 2] for n in range(count)]


async def _provider(database: Database) -> None:
    await StaffStore(database).save_provider(
        Provider("akimat-x", "123456789012", {"kk": "X", "ru": "X", "en": "X"}, "almaty")
    )


def _application(message_id: str | None) -> tuple[dict[str, Any], NewStep, NewTransition]:
    fields = {
        "number_prefix": "X",
        "provider_id": "akimat-x",
        "regulation_id": "some-service",
        "variant": None,
        "channel": "provider_office",
        "category": "individual",
        "applicant_iin": "900101300123",
        "applicant_bin": None,
        "applicant_name": "Applicant",
        "form": {},
        "documents": [],
        "received_at": NOW,
        "gateway_message_id": message_id,
    }
    step = NewStep(1, "register", "clerk", "register", NOW, NOW + timedelta(days=1))
    entry = NewTransition(NOW, "gateway", None, "received", None, "provider_office", {})
    return fields, step, entry


async def test_applications_registered_at_once_by_two_instances_get_every_number_once(
    two: tuple[Database, Database],
) -> None:
    await _provider(two[0])
    writers = both(two, 2 * EACH)
    made = await asyncio.gather(
        *(ApplicationStore(db).create_application(*_application(None)) for db in writers)
    )
    assert len(set(made)) == 2 * EACH
    rows = await two[0].fetch_all("SELECT number FROM applications ORDER BY number")
    assert [row["number"] for row in rows] == [f"X-{n:06d}" for n in range(1, 2 * EACH + 1)]


async def test_one_message_delivered_by_two_instances_at_once_registers_one_application(
    two: tuple[Database, Database],
) -> None:
    await _provider(two[0])
    made = await asyncio.gather(
        *(ApplicationStore(db).create_application(*_application("m-1")) for db in both(two, 6))
    )
    assert len(set(made)) == 1
    rows = await two[1].fetch_all("SELECT COUNT(*) AS n FROM applications")
    assert rows[0]["n"] == 1


async def test_portal_drafts_made_at_once_by_two_instances_are_numbered_by_their_ids(
    two: tuple[Database, Database],
) -> None:
    account = await AccountStore(two[0]).create_account(
        "individual", "900101300123", "A", "h", [], NOW
    )
    assert account is not None
    fields = {
        "account_id": account.id,
        "applicant_kind": "individual",
        "applicant_iin": "900101300123",
        "applicant_bin": None,
        "applicant_name": "A",
        "person_iin": "900101300123",
        "person_name": "A",
        "regulation_id": "some-service",
        "variant": None,
        "category": "individual",
        "form": {},
        "created_at": NOW,
    }
    drafts = await asyncio.gather(
        *(PortalStore(db).create_application(fields, ()) for db in both(two, 2 * EACH))
    )
    assert sorted(d.number for d in drafts) == sorted(f"EGOV-{d.id:06d}" for d in drafts)
    assert len({d.number for d in drafts}) == 2 * EACH

    # An office's result taken by both instances at once opens one cabinet entry.
    office = {
        "message_id": "office-1",
        "at": NOW,
        "applicant_iin": "900101300123",
        "applicant_bin": None,
        "applicant_name": "A",
        "regulation_id": "some-service",
        "variant": None,
        "category": "individual",
        "provider_number": "X-000001",
    }
    opened = await asyncio.gather(
        *(
            CabinetStore(db).open_for_office_result("900101300123", office, ())
            for db in both(two, 6)
        )
    )
    assert len({entry.id for entry in opened if entry is not None}) == 1


async def test_failed_sign_ins_counted_by_two_instances_at_once_are_all_counted(
    two: tuple[Database, Database],
) -> None:
    account = await AccountStore(two[0]).create_account(
        "individual", "900101300124", "B", "h", [], NOW
    )
    assert account is not None
    counts = await asyncio.gather(
        *(
            AccountStore(db).record_failure(account.id, NOW, 1000, timedelta(minutes=5))
            for db in both(two, 2 * EACH)
        )
    )
    assert sorted(count for count, _ in counts) == list(range(1, 2 * EACH + 1))


async def test_one_body_stored_by_two_instances_at_once_is_kept_once(
    two: tuple[Database, Database],
) -> None:
    async def put(database: Database) -> int:
        async with database.write() as connection:
            return await bodies.put_async(connection, b"the same result, signed once")

    ids = await asyncio.gather(*(put(db) for db in both(two, 8)))
    assert len(set(ids)) == 1
    rows = await two[0].fetch_all("SELECT COUNT(*) AS n FROM message_bodies")
    assert rows[0]["n"] == 1


async def test_pki_changes_sent_by_two_instances_at_once_each_get_a_version_of_their_own(
    two: tuple[Database, Database],
) -> None:
    async def send(database: Database, n: int) -> tuple[int, int]:
        async with database.write() as connection:
            seen = await locked_version(connection)
            await asyncio.sleep(0.001)  # let the other instance try to send in between
            return seen, await publish(connection, {f"crl/{n}.crl": bytes([n])})

    sent = await asyncio.gather(*(send(db, n) for n, db in enumerate(both(two, 2 * EACH))))
    # Each saw the version the one before it made: one after another, none lost.
    assert sorted(sent) == [(n, n + 1) for n in range(2 * EACH)]
    assert await PkiFiles(two[1]).version() == 2 * EACH
