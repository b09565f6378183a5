"""The test PKI shared through the database: the database holds every file of the PKI (keys,
certificates, the state with its serials, revocations and CRL numbers, the CRLs, the personas'
key stores) and each instance's certs directory is its working copy.

What an instance writes to its copy (a CRL published when it fell due, `egovsim pki revoke`
run on this machine) is sent to the database at its next refresh, in a write transaction, so
writes from several instances queue one after another; what another instance wrote is copied
in at the next refresh, and the PKI reloaded (which renews the OCSP responder's answers). When
both changed the same version, the database's copy wins and this instance's change is dropped
(logged): a CRL published in that window is published again by whoever finds it due.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from egovsim.config import Settings
from egovsim.pki.authority import TestPki
from egovsim.pki.disk import locked, write_atomic
from egovsim.storage.database import Database, database_location, is_postgresql, opened
from egovsim.storage.pki_files import PkiFiles, locked_version, publish

log = logging.getLogger("egovsim")
#: What the copy last agreed with the database on, kept beside the files (so a change made
#: while no server ran, by `egovsim pki`, is sent at the next start).
MARKER = ".shared.json"
#: Folders of the certs directory that stay with their machine: the NCALayer bridge's TLS
#: server key and certificate, issued for the names of the machine it runs on.
MACHINE_ONLY = frozenset({"ncalayer"})
#: A file's modification time and size: how a change to the copy is noticed.
Stamp = tuple[int, int]


@dataclass(frozen=True, slots=True)
class LocalChange:
    """A file of the copy that differs from what the database was told: its content (None:
    removed) and its stamp when read."""

    content: bytes | None
    stamp: Stamp | None


class SharedPki:
    """Keeps one certs directory and the database's PKI the same (see the module)."""

    def __init__(self, directory: Path, database: Database) -> None:
        self.directory = directory
        self._db = database
        self._files = PkiFiles(database)
        #: The `pki` counter the copy matches.
        self.version = 0
        #: Each file's stamp when the copy last matched the database.
        self._known: dict[str, Stamp] = {}
        self.pki: TestPki | None = None
        # One sync at a time in this instance (the refresh, and a caller's own).
        self._syncing = asyncio.Lock()

    async def open(self, create: Callable[[], TestPki]) -> TestPki:
        """At start: `reconcile`, then the PKI of the directory (made by `create` if need be)."""
        await self.reconcile(create)
        if self.pki is None:
            self.pki = await asyncio.to_thread(create)
        return self.pki

    async def reconcile(self, create: Callable[[], TestPki] | None = None) -> None:
        """Bring the directory and the database's PKI together (at start, and around a command
        of `egovsim pki`): the database's PKI copied in, with what the directory changed since
        it last matched sent first when nothing else changed meanwhile; on a database without
        one, the directory's PKI (made by `create` when there is none) sent to it. One at a
        time across instances, so two that start together share one PKI."""
        async with self._syncing, self._db.write() as connection:
            shared = await locked_version(connection)
            self._read_marker(shared)
            if shared == 0 and create is not None:
                self.pki = await asyncio.to_thread(create)
            local = await asyncio.to_thread(self._local_changes)
            if local and shared == self.version:
                self.version = await publish(connection, _contents(local))
                self._remember(local)
            elif shared != self.version:
                self._dropped(await self._pull(shared, local))
        await asyncio.to_thread(self._write_marker)

    async def sync(self, shared: int | None = None) -> bool:
        """Send what changed in the copy, or copy in what changed in the database (`shared`:
        its counter when the caller has just read it); True when the copy changed."""
        async with self._syncing:
            return await self._sync(shared)

    async def _sync(self, shared: int | None) -> bool:
        if shared is None or shared < self.version:  # read before a sync that went further
            shared = await self._files.version()
        local = await asyncio.to_thread(self._local_changes)
        if not local and shared == self.version:
            return False
        if local:
            async with self._db.write() as connection:
                shared = await locked_version(connection)
                if shared == self.version:
                    self.version = await publish(connection, _contents(local))
                    self._remember(local)
                    await asyncio.to_thread(self._write_marker)
                    return False
        self._dropped(await self._pull(shared, local))
        await asyncio.to_thread(self._write_marker)
        if self.pki is not None:
            self.pki.reload()
        return True

    async def _pull(self, shared: int, local: Mapping[str, LocalChange]) -> list[str]:
        """Copy in the files changed after our version, and the database's content of every
        file changed here too (the database's copy wins); the files whose change here was
        replaced by another content."""
        # A database that went back (emptied, another one at the same URL) is copied whole.
        since = self.version if shared >= self.version else 0
        changes = await self._files.changed_since(since)
        wanted = dict(changes.files)
        missing = [path for path in local if path not in wanted]
        if missing:
            everything = (await self._files.changed_since(0)).files
            wanted.update({path: everything[path] for path in missing if path in everything})
        await asyncio.to_thread(self._write_files, wanted)
        # A file changed only here, that the database never had, stays here: nothing names it.
        for path, change in local.items():
            if path not in wanted and change.stamp is not None:
                self._known[path] = change.stamp
        self.version = changes.version
        return sorted(
            path
            for path, change in local.items()
            if wanted.get(path, change.content) != change.content
        )

    @staticmethod
    def _dropped(paths: list[str]) -> None:
        if paths:
            log.warning(
                "the test PKI changed on another instance while %d file(s) changed here; the "
                "shared copy wins: %s",
                len(paths),
                ", ".join(paths[:5]),
            )

    # -- the copy on disk -------------------------------------------------------------------

    def _scan(self) -> dict[str, Stamp]:
        found: dict[str, Stamp] = {}
        if not self.directory.is_dir():
            return found
        root = str(self.directory)
        for folder, folders, names in os.walk(root):
            top = folder == root
            folders[:] = [
                name
                for name in folders
                if not name.startswith(".") and not (top and name in MACHINE_ONLY)
            ]
            for name in names:
                if name.startswith("."):  # the lock, temporary files, the marker
                    continue
                full = os.path.join(folder, name)
                info = os.stat(full)
                relative = os.path.relpath(full, root).replace(os.sep, "/")
                found[relative] = (info.st_mtime_ns, info.st_size)
        return found

    def _local_changes(self) -> dict[str, LocalChange]:
        """The files that differ from what the database was last told, read under the PKI's
        lock (so no writer of this machine is half-way)."""
        with locked(self.directory):
            current = self._scan()
            changes = {path: LocalChange(None, None) for path in self._known if path not in current}
            for path, stamp in current.items():
                if self._known.get(path) != stamp:
                    changes[path] = LocalChange((self.directory / path).read_bytes(), stamp)
            return changes

    def _remember(self, sent: Mapping[str, LocalChange]) -> None:
        for path, change in sent.items():
            if change.stamp is None:
                self._known.pop(path, None)
            else:
                self._known[path] = change.stamp

    def _write_files(self, files: Mapping[str, bytes | None]) -> None:
        with locked(self.directory):
            for path, content in files.items():
                target = self.directory / _safe(path)
                if content is None:
                    target.unlink(missing_ok=True)
                    self._known.pop(path, None)
                    continue
                write_atomic(target, content)
                info = target.stat()
                self._known[path] = (info.st_mtime_ns, info.st_size)

    def _read_marker(self, shared: int) -> None:
        try:
            saved = json.loads((self.directory / MARKER).read_text())
        except (OSError, ValueError):
            return
        if not isinstance(saved, dict) or saved.get("database") != self._db.described:
            return  # a copy of another database's PKI: the database's wins
        version, files = saved.get("version"), saved.get("files")
        if isinstance(version, int) and version <= shared and isinstance(files, dict):
            self.version = version
            self._known = {str(path): (int(s[0]), int(s[1])) for path, s in files.items()}

    def _write_marker(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        marker = {"database": self._db.described, "version": self.version, "files": self._known}
        write_atomic(self.directory / MARKER, json.dumps(marker, sort_keys=True).encode())


def _contents(changes: Mapping[str, LocalChange]) -> dict[str, bytes | None]:
    return {path: change.content for path, change in changes.items()}


def _safe(path: str) -> Path:
    """A path from the database as a relative path inside the directory (never outside it)."""
    parts = PurePosixPath(path).parts
    if not parts or PurePosixPath(path).is_absolute() or ".." in parts:
        raise ValueError(f"not a path inside the certs directory: {path!r}")
    return Path(*parts)


@contextlib.contextmanager
def certs_in_step(settings: Settings) -> Iterator[None]:
    """Around a command of `egovsim pki`: the certs directory brought up to the database's PKI
    first, and what the command changed sent to it after, so a revocation made from any
    machine is everyone's. Without a database yet, the directory is all there is (the first
    start sends it)."""
    location = database_location(settings)
    if not is_postgresql(location) and not Path(location).is_file():
        yield
        return
    asyncio.run(_reconciled(settings.certs_dir, location))
    yield
    asyncio.run(_reconciled(settings.certs_dir, location))


async def _reconciled(directory: Path, location: Path | str) -> None:
    async with opened(location) as database:
        await SharedPki(directory, database).reconcile()
