"""The attachments' content in the database, by SHA-256: every instance on the database reads
what any of them stored, and a reset empties it with the rest."""

from __future__ import annotations

from egovsim.storage.database import Database


class AttachmentContents:
    """Content-addressed blobs: stored once per digest, read by digest."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def has(self, sha256: str) -> bool:
        """Whether the content with that digest is stored."""
        row = await self._db.fetch_one(
            "SELECT 1 FROM attachment_contents WHERE sha256 = ?", (sha256,)
        )
        return row is not None

    async def put(self, sha256: str, data: bytes) -> None:
        """Store `data` under its digest (nothing happens when it is there already)."""
        async with self._db.write() as connection:
            await connection.execute(
                "INSERT INTO attachment_contents (sha256, size, content) VALUES (?, ?, ?)"
                " ON CONFLICT (sha256) DO NOTHING",
                (sha256, len(data), data),
            )

    async def get(self, sha256: str) -> bytes | None:
        """The content with that digest, or None."""
        row = await self._db.fetch_one(
            "SELECT content FROM attachment_contents WHERE sha256 = ?", (sha256,)
        )
        return None if row is None else bytes(row["content"])
