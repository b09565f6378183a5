"""The electronic copies of documents an applicant attaches at P3: the limits, the type told by
the file's first bytes (never by its name or its declared type), and storage by content.

A file is kept under its SHA-256 (`ab/abcdef…`) in the attachments directory, written to a
temporary file beside it and renamed into place, so a reader never sees half a file and a name
the user chose never reaches the file system. The same content attached twice is stored once.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from egovsim.errors import EgovsimError

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
    """Attachments on disk, addressed by their SHA-256."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def path(self, sha256: str) -> Path:
        """Where the content with that digest lives."""
        if not _SHA256.match(sha256):
            raise ValueError(f"not a SHA-256 digest: {sha256!r}")
        return self._directory / sha256[:2] / sha256

    async def save(self, data: bytes) -> str:
        """Store the content (once); its SHA-256."""
        return await asyncio.to_thread(self._save, data)

    def _save(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.is_file() and target.stat().st_size == len(data):
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    async def read(self, sha256: str) -> bytes:
        """The content with that digest."""
        return await asyncio.to_thread(self.path(sha256).read_bytes)
