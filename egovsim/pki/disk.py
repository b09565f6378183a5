"""The test PKI's directory on disk: writers take one file lock across processes (the command
line and a running server) and replace files atomically, so a reader never sees half a file."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def key_pem(key: PrivateKeyTypes) -> bytes:
    """A private key as unencrypted PKCS#8 PEM, as the CA directory keeps it."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Serialize writers across processes (the CLI and a running server)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
