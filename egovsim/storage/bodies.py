"""The bodies stored once: the gateway's messages, the CMS and e-documents, the verifier's
reports, kept by their SHA-256 in `message_bodies`, deflated, read back byte for byte; a
message's data deflated against its own envelope.

The functions take a `WorkConnection`: they run inside `Database.transact` and
`Database.snapshot` works, on the database's thread.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from egovsim.storage.database import Connection, Row, WorkConnection

#: zlib's level: 6 (its default) deflates an envelope to about half in about 0.1 ms of CPU.
LEVEL = 6
#: Bodies shorter than this are kept as they are: deflating them saves nothing.
SMALL = 64
#: The (table, column) pairs that refer to a body by its id.
BODY_COLUMNS = frozenset(
    {
        ("gateway_messages", "envelope_body"),
        ("gateway_messages", "security_body"),
        ("gateway_attempts", "request_body"),
        ("gateway_attempts", "response_body"),
        ("results", "signature_body"),
        ("portal_results", "cms_body"),
        ("results", "verification_body"),
        ("portal_results", "verification_body"),
        ("portal_results", "document_body"),
        ("portal_applications", "verification_body"),
        ("portal_applications", "signature_body"),
        ("portal_applications", "edocument_body"),
        ("portal_timeline", "report_body"),
    }
)
#: Keeps a body unless the same bytes are kept already: `executemany` it with `body_row`s
#: before the statement that refers to them by `BODY_ID`, in one transaction.
INSERT_BODY = (
    "INSERT INTO message_bodies (digest, size, encoding, content) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (digest) DO NOTHING"
)
#: A body's id by its digest, as a value in an INSERT or UPDATE (no trip back for the id).
BODY_ID = "(SELECT id FROM message_bodies WHERE digest = ?)"
# New bytes stored, or (written by another instance since the look) nothing returned.
_INSERT_RETURNING = (
    "INSERT INTO message_bodies (digest, size, encoding, content) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (digest) DO NOTHING RETURNING id"
)


def sha256(value: bytes | str | None) -> bytes | None:
    """SQL's `sha256(x)` for SQLite (PostgreSQL has its own): the digest of a body."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.encode()
    return hashlib.sha256(value).digest()


def packed(body: bytes) -> tuple[str, bytes]:
    """(encoding, content) of a body as stored: deflated when that makes it shorter."""
    if len(body) >= SMALL:
        deflated = zlib.compress(body, LEVEL)
        if len(deflated) < len(body):
            return "deflate", deflated
    return "identity", body


def unpacked(encoding: str, content: bytes) -> bytes:
    """The body as sent, from what `packed` stored."""
    if encoding == "deflate":
        return zlib.decompress(content)
    return bytes(content)


@dataclass(frozen=True, slots=True)
class Packed:
    """A body made ready to store before its transaction: its digest, its length and what
    `packed` makes of it (so that a write transaction, which is one at a time, does not
    deflate)."""

    digest: bytes
    size: int
    encoding: str
    content: bytes


def pack(body: bytes) -> Packed:
    """`body` ready for `put`; thread-safe, and zlib and hashlib let go of the GIL meanwhile."""
    encoding, content = packed(body)
    return Packed(hashlib.sha256(body).digest(), len(body), encoding, content)


def body_row(body: bytes) -> tuple[bytes, int, str, bytes]:
    """`INSERT_BODY`'s values for `body`: its digest (`BODY_ID`'s value), size and packing."""
    made = pack(body)
    return made.digest, made.size, made.encoding, made.content


def json_bytes(value: Any) -> bytes:
    """A JSON value (a report) as kept: the bytes of the same value are the same."""
    return json.dumps(value, ensure_ascii=False).encode()


def put(connection: WorkConnection, body: bytes | Packed) -> int:
    """The id of `body` in `message_bodies`, stored now if these bytes are new."""
    digest = body.digest if isinstance(body, Packed) else hashlib.sha256(body).digest()
    row = connection.execute("SELECT id FROM message_bodies WHERE digest = ?", (digest,)).fetchone()
    if row is not None:
        return int(row[0])
    ready = body if isinstance(body, Packed) else pack(body)
    made = connection.execute(
        _INSERT_RETURNING, (ready.digest, ready.size, ready.encoding, ready.content)
    ).fetchone()
    if made is None:  # another instance stored the same bytes meanwhile
        made = connection.execute(
            "SELECT id FROM message_bodies WHERE digest = ?", (digest,)
        ).fetchone()
    return int(made[0])


async def put_async(connection: Connection, body: bytes) -> int:
    """`put` inside a `Database.write()` block."""
    digest = hashlib.sha256(body).digest()
    cursor = await connection.execute("SELECT id FROM message_bodies WHERE digest = ?", (digest,))
    row = await cursor.fetchone()
    if row is not None:
        return int(row[0])
    encoding, content = packed(body)
    cursor = await connection.execute(_INSERT_RETURNING, (digest, len(body), encoding, content))
    made = await cursor.fetchone()
    if made is None:  # another instance stored the same bytes meanwhile
        cursor = await connection.execute(
            "SELECT id FROM message_bodies WHERE digest = ?", (digest,)
        )
        made = await cursor.fetchone()
    assert made is not None
    return int(made[0])


def referred(row: Row, name: str, own: str | None = None) -> bytes | None:
    """The body a row refers to, read through its join (`{name}_encoding`, `{name}_content`),
    or else the row's own column `own` (by default `name`: a value kept in the row)."""
    content = row[f"{name}_content"]
    if content is not None:
        return unpacked(row[f"{name}_encoding"], content)
    kept = row[own or name]
    if isinstance(kept, str):
        return kept.encode()
    return bytes(kept) if kept is not None else None


def referred_json(row: Row, name: str) -> Any:
    """A JSON value a row refers to (`name`'s body), or else keeps in `{name}_json`; None
    without either."""
    kept = referred(row, name, f"{name}_json")
    return json.loads(kept) if kept else None


def joined(alias: str, column: str, name: str) -> tuple[str, str]:
    """(the selected columns, the join) that read the body `alias`.`column` refers to as
    `{name}_encoding` and `{name}_content` (`referred`'s names)."""
    table = f"{name}_b"
    return (
        f"{table}.encoding AS {name}_encoding, {table}.content AS {name}_content",
        f" LEFT JOIN message_bodies {table} ON {table}.id = {alias}.{column}",
    )


def read(connection: WorkConnection, ids: Iterable[int | None]) -> dict[int, bytes]:
    """The bodies of `ids` as sent, by id (None and unknown ids are left out)."""
    wanted = sorted({i for i in ids if i is not None})
    found: dict[int, bytes] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in connection.execute(
            f"SELECT id, encoding, content FROM message_bodies WHERE id IN ({marks})", chunk
        ):
            found[int(row[0])] = unpacked(row[1], row[2])
    return found


def packed_data(data: bytes, envelope: bytes) -> tuple[str, bytes]:
    """(encoding, content) of a message's data: deflated with its envelope as the preset
    dictionary (the data is a part of it, so a few dozen bytes remain)."""
    if not envelope or len(data) < SMALL:
        return "identity", data
    compressor = zlib.compressobj(LEVEL, zdict=envelope[-32768:])
    deflated = compressor.compress(data) + compressor.flush()
    return ("deflate-envelope", deflated) if len(deflated) < len(data) else ("identity", data)


def unpacked_data(encoding: str, content: bytes, envelope: bytes) -> bytes:
    """A message's data as the gateway read it, from what `packed_data` stored."""
    if encoding == "deflate-envelope":
        decompressor = zlib.decompressobj(zdict=envelope[-32768:])
        return decompressor.decompress(content) + decompressor.flush()
    return bytes(content)
