"""Lists a page at a time: what a reader asks for (how many, from where, which step, only the
overdue, one status) and the page it gets, with the opaque cursor of the next."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from egovsim.errors import EgovsimError

#: A page's length when the reader does not say, and the longest one a reader may ask for.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class ListRequest:
    """Which page of a list: `limit` rows after the cursor `after`; filtered by `step` and
    `overdue` (the inbox), by `status` (among the `statuses` a list knows)."""

    limit: int = PAGE_SIZE
    after: str | None = None
    step: str | None = None
    overdue: bool = False
    status: str | None = None

    @classmethod
    def from_query(cls, query: Any, statuses: tuple[str, ...] = ()) -> ListRequest:
        """From a URL's query (`limit`, `after`, `step`, `overdue`, `status`); BAD_REQUEST
        names the parameter that cannot be read."""
        limit = query.get("limit", str(PAGE_SIZE))
        if not limit.isdigit() or not 1 <= int(limit) <= MAX_PAGE_SIZE:
            raise EgovsimError("BAD_REQUEST", {"parameter": "limit", "range": [1, MAX_PAGE_SIZE]})
        overdue = query.get("overdue", "false")
        if overdue not in ("true", "false"):
            raise EgovsimError("BAD_REQUEST", {"parameter": "overdue", "expected": "true|false"})
        status = query.get("status") or None
        if status is not None and status not in statuses:
            raise EgovsimError("BAD_REQUEST", {"parameter": "status", "expected": statuses})
        return cls(
            int(limit),
            query.get("after") or None,
            query.get("step") or None,
            overdue == "true",
            status,
        )

    def query(self, cursor: str) -> dict[str, str]:
        """The query of the next page: the same filters after `cursor`."""
        found = {"after": cursor}
        if self.limit != PAGE_SIZE:
            found["limit"] = str(self.limit)
        if self.step:
            found["step"] = self.step
        if self.overdue:
            found["overdue"] = "true"
        if self.status:
            found["status"] = self.status
        return found


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list, and the cursor of the next (None on the last)."""

    views: list[T]
    next_cursor: str | None


def encode_cursor(*key: str | int) -> str:
    """An opaque cursor for the position `key` in a list's order."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *types: type) -> tuple[Any, ...]:
    """The position a cursor from `encode_cursor` holds, its parts of `types`; BAD_REQUEST for
    anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        key = None
    if (
        not isinstance(key, list)
        or len(key) != len(types)
        or not all(type(part) is kind for part, kind in zip(key, types, strict=True))
    ):
        raise EgovsimError("BAD_REQUEST", {"parameter": "after", "reason": "not a cursor"})
    return tuple(key)
