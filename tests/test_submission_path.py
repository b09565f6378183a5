"""A signed submission's path costs a fixed few trips to the database, and the shortcuts it takes
inside the process (the gateway reading the portal's envelope as it was built, the bodies
deflated before the transaction) store exactly what reading the envelope as sent would give."""

from __future__ import annotations

import hashlib
from typing import Any

from lxml import etree

from egovsim.gateway import soap
from egovsim.signatures.xmldsig import canonical
from egovsim.storage import bodies
from egovsim.web.common.keys import SIMULATOR
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


async def test_a_submission_costs_one_read_of_the_draft_and_three_grouped_writes(
    api, persona
) -> None:
    cabinet, number, signature = await _signed_licence(api, persona)
    seen: list[str] = []
    database = api.app[SIMULATOR].database
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
    # The draft with its attachments (one snapshot); P4-P6; the gateway's acceptance; P7; the
    # answer (one snapshot).
    assert [t[0] for t in transactions] == ["BEGIN", *["BEGIN IMMEDIATE"] * 3, "BEGIN"], statements
    # Outside those, the portal reads only the session.
    portal_reads = [
        sql
        for sql in _outside_transactions(statements)
        if sql.startswith("SELECT") and "PORTAL_" in sql
    ]
    assert len(portal_reads) == 1 and "PORTAL_SESSIONS" in portal_reads[0], portal_reads


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
