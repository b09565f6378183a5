"""A signed submission's path costs a fixed few trips to the database, and the shortcuts it takes
inside the process (the gateway reading the portal's envelope as it was built, the bodies
deflated before the transaction) store exactly what reading the envelope as sent would give."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import pytest
from lxml import etree

from egovsim.errors import EgovsimError
from egovsim.gateway import soap
from egovsim.signatures.xmldsig import canonical
from egovsim.storage import bodies
from egovsim.web.common.keys import SIMULATOR
from tests.test_portal import PNG, citizen, licence_draft, signed
from tests.test_portal_api import api, egovsim_cms, signed_in

__all__ = ["api"]  # the fixture, used by name


async def _signed_licence(client: Any, persona: Any) -> tuple[Any, int, bytes]:
    """A signed-in citizen's duplicate licence draft, its id and the CMS over its e-document."""
    cabinet = await signed_in(client, persona, "citizen-valid")
    number = await cabinet.licence_draft()
    document = await cabinet.document(number)
    return cabinet, number, egovsim_cms(client, persona("citizen-valid").sign, document)


async def test_the_gateway_keeps_the_portals_data_as_the_envelope_sent_carries_it(
    api, persona
) -> None:
    cabinet, number, signature = await _signed_licence(api, persona)
    message_id = (await cabinet.sign(number, signature))["message_id"]
    stored = await api.app[SIMULATOR].gateway_store.message(message_id)
    assert stored is not None
    # What a reader of the logged envelope finds: the same data, byte for byte, and the same
    # content hash (a request sent again after a crash is recognised by it).
    root = etree.fromstring(stored.envelope)
    body = next(child for child in root if child.tag == f"{{{soap.SOAP}}}Body")
    request = soap.request_of(soap.operation(body))
    data = canonical(soap.message_data(request), exclusive=False)
    assert stored.data_xml == data
    digest = hashlib.sha256()
    for part in (stored.service_id, "REQUEST", message_id, stored.sender_id):
        digest.update(part.encode() + b"\0")
    digest.update(data)
    assert stored.content_hash == digest.hexdigest()
    assert root.find(f"{{{soap.SOAP}}}Header") is not None  # signed as the real portal signs


async def test_a_submission_costs_one_read_of_the_draft_and_one_write_with_its_acceptance(
    api, persona
) -> None:
    database = api.app[SIMULATOR].database
    if database.dialect != "sqlite":  # EGOVSIM_TEST_DIALECT=postgresql
        pytest.skip("PostgreSQL's statement trace has no BEGIN and COMMIT to count by")
    cabinet, number, signature = await _signed_licence(api, persona)
    seen: list[str] = []
    await database.trace(seen.append)
    try:
        await cabinet.sign(number, signature)
    finally:
        await database.trace(None)
    statements = [" ".join(sql.split()).upper() for sql in seen]
    # Background work of the instance (its refresh of what it shares with other instances,
    # leases) may run beside, whenever its turn comes: only the submission's own is counted.
    own = ("PORTAL_", "GATEWAY_MESSAGES")
    transactions = [t for t in _transactions(statements) if any(w in s for s in t for w in own)]
    # The draft with its attachments and timeline (one snapshot); P4-P7 with the gateway's
    # acceptance. The answer is composed from those, not read back.
    assert [t[0] for t in transactions] == ["BEGIN", "BEGIN IMMEDIATE"], statements
    written = " ".join(transactions[1])
    assert "UPDATE PORTAL_APPLICATIONS SET STATUS = 'SIGNED'" in written
    assert "INSERT INTO GATEWAY_MESSAGES" in written
    assert "UPDATE PORTAL_APPLICATIONS SET STATUS = 'SENT'" in written
    # Outside those, the portal reads only the session (at most: it is kept a moment).
    portal_reads = [
        sql
        for sql in _outside_transactions(statements)
        if sql.startswith("SELECT") and "PORTAL_" in sql
    ]
    assert len(portal_reads) <= 1, portal_reads
    assert all("PORTAL_SESSIONS" in sql for sql in portal_reads), portal_reads


async def test_the_answer_to_a_signature_is_the_application_as_reading_it_back_shows_it(
    api, persona
) -> None:
    cabinet, number, signature = await _signed_licence(api, persona)
    composed = await cabinet.sign(number, signature)
    read = await cabinet.call("GET", f"/applications/{number}")
    assert composed["status"] == "sent"
    assert [e["step"] for e in composed["timeline"]][-4:] == ["P4", "C2", "P6", "P7"]
    assert composed == read


async def test_a_draft_changed_while_it_was_signed_is_neither_kept_signed_nor_sent(
    api, persona
) -> None:
    owner = persona("citizen-valid")
    applicant = citizen(owner)
    portal = api.app[SIMULATOR].portal
    application_id = await licence_draft(api, applicant)
    document = await portal.document_to_sign(applicant, application_id)
    draft = await portal._store.to_sign(application_id)
    assert draft is not None
    # A copy replaced between the draft's reading and the signature's write: the write that
    # goes in with the gateway's acceptance finds the e-document thawed, and withdraws both.
    await portal.attach(applicant, application_id, "photo", "photo.png", "", PNG)
    with pytest.raises(EgovsimError) as refused:
        await portal._signing.sign(applicant, draft[0], draft[1], signed(api, owner.sign, document))
    assert refused.value.code == "SIGNED_CONTENT_MISMATCH"
    detail = await portal.application(applicant, application_id)
    assert detail.application.status == "draft" and detail.application.message_id is None
    assert "P6" not in [entry.step for entry in detail.timeline]
    assert await api.app[SIMULATOR].database.fetch_all("SELECT id FROM gateway_messages") == []
    # Signed again over the e-document as it is now, it goes.
    again = await portal.document_to_sign(applicant, application_id)
    sent = await portal.sign(applicant, application_id, signed(api, owner.sign, again))
    assert sent.application.status == "sent"


async def test_a_withdrawn_signature_leaves_a_signature_committed_beside_it_in_place(
    api, persona
) -> None:
    owner = persona("citizen-valid")
    applicant = citizen(owner)
    portal = api.app[SIMULATOR].portal
    stale_id = await licence_draft(api, applicant)
    good_id = await licence_draft(api, applicant)
    stale_document = await portal.document_to_sign(applicant, stale_id)
    stale = await portal._store.to_sign(stale_id)
    assert stale is not None
    await portal.attach(applicant, stale_id, "photo", "photo.png", "", PNG)
    good_document = await portal.document_to_sign(applicant, good_id)
    # Both at once, so that their writes may share the gateway's group commit.
    withdrawn, sent = await asyncio.gather(
        portal._signing.sign(
            applicant, stale[0], stale[1], signed(api, owner.sign, stale_document)
        ),
        portal.sign(applicant, good_id, signed(api, owner.sign, good_document)),
        return_exceptions=True,
    )
    assert isinstance(withdrawn, EgovsimError) and withdrawn.code == "SIGNED_CONTENT_MISMATCH"
    assert not isinstance(sent, BaseException) and sent.application.status == "sent"
    stored = await api.app[SIMULATOR].database.fetch_all("SELECT message_id FROM gateway_messages")
    assert [row[0] for row in stored] == [sent.application.message_id]
    assert (await portal.application(applicant, stale_id)).application.status == "draft"


async def test_a_final_state_the_portal_missed_is_landed_by_the_catch_up_and_only_that_one(
    api, persona
) -> None:
    cabinet, first, signature = await _signed_licence(api, persona)
    delivered = (await cabinet.sign(first, signature))["message_id"]
    second = await cabinet.licence_draft()
    document = await cabinet.document(second)
    keystore = persona("citizen-valid").sign
    await cabinet.sign(second, egovsim_cms(api, keystore, document))
    simulator = api.app[SIMULATOR]
    # Delivered while the portal was not told (a stop between the two commits).
    async with simulator.database.write() as connection:
        await connection.execute(
            "UPDATE gateway_messages SET state = 'DELIVERED' WHERE message_id = ?", (delivered,)
        )
    await simulator.catch_up()
    assert (await cabinet.call("GET", f"/applications/{first}"))["status"] == "delivered"
    assert (await cabinet.call("GET", f"/applications/{second}"))["status"] == "sent"


def _transactions(statements: list[str]) -> list[list[str]]:
    """The statements of each BEGIN ... COMMIT, in order."""
    return [group for inside, group in _runs(statements) if inside]


def _outside_transactions(statements: list[str]) -> list[str]:
    """The statements run on their own, outside any BEGIN ... COMMIT."""
    return [sql for inside, group in _runs(statements) if not inside for sql in group]


def _runs(statements: list[str]) -> list[tuple[bool, list[str]]]:
    """The statements cut into transactions (True) and single statements (False)."""
    runs: list[tuple[bool, list[str]]] = []
    current: list[str] | None = None
    for sql in statements:
        if sql.startswith("BEGIN"):
            current = []
            runs.append((True, current))
        if current is None:
            runs.append((False, [sql]))
            continue
        current.append(sql)
        if sql.startswith("COMMIT") or sql == "ROLLBACK":
            current = None
    return runs


def test_a_body_packed_before_its_transaction_is_stored_as_packing_it_inside_would() -> None:
    envelope = b"<envelope>" + b"the same words again and again " * 40 + b"</envelope>"
    ready = bodies.pack(envelope)
    assert (ready.encoding, ready.content) == bodies.packed(envelope)
    assert ready.digest == hashlib.sha256(envelope).digest() and ready.size == len(envelope)
    assert bodies.unpacked(ready.encoding, ready.content) == envelope
