"""The parts of stored JSON that recur, kept once: a text in three languages (a step's name, a
centre's address), a certificate holder's details, a report's check and a chain are written
into `json_parts` by their digest, and the row that carries them keeps a reference
`{"$p": key}` in their place.

Reading gives back the same value: `fetch` finds the parts a page's rows refer to (in one query,
the rest from this process's cache: a part never changes, its key is its digest), `unpacked`
puts them back. A row written before the parts existed has none and reads as it always did.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from egovsim.storage.database import Connection, Database, WorkConnection

#: A reference to a part, in place of the value.
REFERENCE = "$p"
#: A stored dictionary of one `$`-named key (an answer may carry anything): kept apart from a
#: reference by being wrapped.
ESCAPED = "$e"
#: Keeps a part unless the same one is kept already: `executemany` it before the rows.
INSERT_PART = "INSERT INTO json_parts (key, content) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"
_LANGUAGES = frozenset({"kk", "ru", "en"})
_HOLDER = frozenset({"serial", "issuer"})
#: A check of a verifier's report: the same for every signature of one certificate.
_CHECK = frozenset({"name", "status", "detail"})
#: A list of texts (a certificate chain) is kept apart from this length of JSON on.
_LONG_LIST = 120
#: How many parts this process remembers; parts are few (the regulations' texts, the signers).
_CACHE_SIZE = 50_000
_cache: dict[str, str] = {}


def _is_part(value: Any) -> bool:
    """A value that recurs from row to row: a text in languages, a certificate's holder, a
    report's check, a chain."""
    if isinstance(value, dict):
        keys = value.keys()
        if len(keys) >= 2 and keys <= _LANGUAGES:
            return all(isinstance(text, str) for text in value.values())
        if keys >= _HOLDER or keys == _CHECK:
            return all(not isinstance(item, dict | list) for item in value.values())
        return False
    if isinstance(value, list) and len(value) >= 2 and all(isinstance(i, str) for i in value):
        return sum(len(item) for item in value) >= _LONG_LIST
    return False


def _key(content: str) -> str:
    digest = hashlib.sha256(content.encode()).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def packed(value: Any) -> tuple[str, list[tuple[str, str]]]:
    """`value` as stored (JSON with references) and the parts it refers to (`INSERT_PART`'s
    rows)."""
    parts: list[tuple[str, str]] = []

    def pack(item: Any) -> Any:
        if _is_part(item):
            content = json.dumps(item, ensure_ascii=False)
            key = _key(content)
            parts.append((key, content))
            return {REFERENCE: key}
        if isinstance(item, dict):
            made = {name: pack(inner) for name, inner in item.items()}
            if len(made) == 1 and next(iter(made)).startswith("$"):
                return {ESCAPED: made}
            return made
        if isinstance(item, list):
            return [pack(inner) for inner in item]
        return item

    return json.dumps(pack(value), ensure_ascii=False), parts


def references(texts: Iterable[str | None]) -> set[str]:
    """The keys of the parts stored JSON texts refer to."""
    found: set[str] = set()

    def visit(item: Any) -> None:
        if isinstance(item, dict):
            if len(item) == 1 and isinstance(item.get(REFERENCE), str):
                found.add(item[REFERENCE])
                return
            if len(item) == 1 and isinstance(item.get(ESCAPED), dict):
                item = item[ESCAPED]
            for inner in item.values():
                visit(inner)
        elif isinstance(item, list):
            for inner in item:
                visit(inner)

    for text in texts:
        if text and f'"{REFERENCE}"' in text:
            visit(json.loads(text))
    return found


def unpacked(text: str, parts: Mapping[str, str]) -> Any:
    """The value a stored JSON text holds, its references replaced by `parts` (of `fetch`)."""
    value = json.loads(text)
    if '"$' not in text:
        return value

    def unpack(item: Any) -> Any:
        if isinstance(item, dict):
            if len(item) == 1:
                if isinstance(item.get(REFERENCE), str):
                    return json.loads(parts[item[REFERENCE]])
                if isinstance(item.get(ESCAPED), dict):
                    return {name: unpack(inner) for name, inner in item[ESCAPED].items()}
            return {name: unpack(inner) for name, inner in item.items()}
        if isinstance(item, list):
            return [unpack(inner) for inner in item]
        return item

    return unpack(value)


def _remembered(keys: set[str]) -> tuple[dict[str, str], list[str]]:
    known = {key: _cache[key] for key in keys if key in _cache}
    return known, sorted(keys - known.keys())


def _remember(known: dict[str, str], rows: Iterable[Any]) -> None:
    if len(_cache) > _CACHE_SIZE:
        _cache.clear()
    for row in rows:
        _cache[row[0]] = known[row[0]] = str(row[1])


def _lookup(keys: list[str]) -> tuple[str, list[str]]:
    marks = ", ".join("?" for _ in keys)
    return f"SELECT key, content FROM json_parts WHERE key IN ({marks})", keys


def fetch_now(connection: WorkConnection, texts: Iterable[str | None]) -> dict[str, str]:
    """The parts `texts` refer to (their JSON), by key, inside `Database.snapshot` or `transact`."""
    known, missing = _remembered(references(texts))
    for start in range(0, len(missing), 500):
        _remember(known, connection.execute(*_lookup(missing[start : start + 500])).fetchall())
    return known


async def fetch(database: Database | Connection, texts: Iterable[str | None]) -> dict[str, str]:
    """`fetch_now` from a `Database` (or inside a `Database.write()` block)."""
    known, missing = _remembered(references(texts))
    for start in range(0, len(missing), 500):
        sql, keys = _lookup(missing[start : start + 500])
        if hasattr(database, "fetch_all"):
            rows: Iterable[Any] = await database.fetch_all(sql, keys)
        else:
            rows = await (await database.execute(sql, keys)).fetchall()
        _remember(known, rows)
    return known
