"""The electronic copies of documents an applicant attaches at P3: the limits, the type told by
the file's first bytes (never by its name or its declared type), and storage by content.

A copy is kept in the database under its SHA-256, so every instance on the database reads it
and a name the user chose never reaches the file system. The same content attached twice is
stored once.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import unicodedata
from pathlib import Path

from egovsim.errors import EgovsimError
from egovsim.storage.attachment_contents import AttachmentContents

#: The most one document's copy may weigh.
MAX_ATTACHMENT = 10 * 1024 * 1024
MAX_FILE_NAME = 200

#: What is accepted, by the signature its content starts with.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
ACCEPTED_TYPES = tuple(kind for _, kind in SIGNATURES)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sniff(data: bytes) -> str | None:
    """The media type the content is (PDF, JPEG, PNG), or None."""
    return next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)


def check_attachment(data: bytes, declared_type: str | None) -> str:
    """The content's media type, or the refusal: too large (413) or not PDF/JPEG/PNG (415)."""
    if len(data) > MAX_ATTACHMENT:
        raise EgovsimError("ATTACHMENT_TOO_LARGE", {"size": len(data), "limit": MAX_ATTACHMENT})
    kind = sniff(data)
    if kind is None:
        raise EgovsimError(
            "ATTACHMENT_TYPE_REFUSED",
            {
                "declared_type": declared_type,
                "accepted": list(ACCEPTED_TYPES),
                "reason": "the content is none of the accepted types" if data else "empty file",
            },
        )
    return kind


def clean_file_name(name: str | None, fallback: str) -> str:
    """The file name to show (never used on disk): its last path part, without control
    characters, at most 200 characters; `fallback` when nothing is left."""
    text = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()
    return text[:MAX_FILE_NAME] or fallback


class AttachmentFiles:
    """Attachments addressed by their SHA-256, kept in the database that every instance shares.

    Copies stored by a version that kept them as files (`ab/abcdef…` in the attachments
    directory) are still read, and moved into the database the first time they are.
    """

    def __init__(self, contents: AttachmentContents, legacy_directory: Path | None = None) -> None:
        self._contents = contents
        self._legacy = legacy_directory

    async def save(self, data: bytes) -> str:
        """Store the content (once); its SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        if not await self._contents.has(digest):
            await self._contents.put(digest, data)
        return digest

    async def read(self, sha256: str) -> bytes:
        """The content with that digest; FileNotFoundError when nothing is stored under it."""
        if not _SHA256.match(sha256):
            raise ValueError(f"not a SHA-256 digest: {sha256!r}")
        found = await self._contents.get(sha256)
        if found is not None:
            return found
        legacy = None if self._legacy is None else self._legacy / sha256[:2] / sha256
        if legacy is None or not legacy.is_file():
            raise FileNotFoundError(f"no attachment with SHA-256 {sha256}")
        data = await asyncio.to_thread(legacy.read_bytes)
        await self._contents.put(sha256, data)
        return data
