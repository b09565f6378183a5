"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary directory, started on a
free loopback port, stopped and removed at the end. Standard library only, so `.ci/run` uses it
before any virtual environment exists:

    eval "$(python3 tests/pg_cluster.py start)"   # exports EGOVSIM_TEST_DATABASE_URL, ..._PGDATA
    python3 tests/pg_cluster.py stop "$EGOVSIM_TEST_PGDATA"

Run as root, the server runs as the `postgres` user (or `nobody`): PostgreSQL refuses root.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

#: The cluster's superuser (trusted on loopback: a throwaway cluster holds nothing of value).
USER = "egovsim"


@dataclass(frozen=True)
class Cluster:
    """A running throwaway cluster."""

    directory: Path
    bindir: Path
    port: int

    @property
    def url(self) -> str:
        """The URL of its `postgres` database, as the superuser."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"


def binaries() -> Path | None:
    """Where PostgreSQL's server programs are: `pg_config --bindir`, else Debian's layout
    (/usr/lib/postgresql/VERSION/bin, the newest); None when PostgreSQL is not installed."""
    found: list[Path] = []
    if shutil.which("pg_config"):
        result = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if result.returncode == 0:
            found.append(Path(result.stdout.strip()))
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    found.extend(Path(p) for p in sorted(versions, key=_version, reverse=True))
    for bindir in found:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


def _version(path: str) -> int:
    name = Path(path).parent.name
    return int(name) if name.isdigit() else 0


def _owner() -> pwd.struct_passwd | None:
    """Whom the server runs as: PostgreSQL refuses root, so root hands it to `postgres` (or
    `nobody`); anyone else runs it as themselves (None)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root, and neither a postgres nor a nobody user exists")


def _run(command: list[str], owner: pwd.struct_passwd | None) -> None:
    ids = {} if owner is None else {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
    result = subprocess.run(command, capture_output=True, text=True, **ids)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(bindir: Path | None = None, directory: Path | None = None) -> Cluster:
    """initdb in a new temporary directory (or in `directory`, where a cluster kept before is
    started again as it is) and start the server on a free loopback port."""
    bindir = bindir or binaries()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb found)")
    owner = _owner()
    kept = directory is not None
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="egovsim-pg-"))
    directory.mkdir(parents=True, exist_ok=True)
    if owner is not None:
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    data = directory / "data"
    if not (data / "PG_VERSION").is_file():
        _initdb(bindir, data, owner)
    # Durability across a power cut is not what a throwaway cluster is for: no fsync.
    options = (
        f"-h 127.0.0.1 -k {directory} -c fsync=off -c synchronous_commit=off"
        " -c full_page_writes=off -c max_connections=200"
    )
    for _ in range(5):
        port = _free_port()
        try:
            _run(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(directory / "server.log"),
                    "-w",
                    "-t",
                    "600",
                    "-o",
                    f"{options} -p {port}",
                    "start",
                ],
                owner,
            )
        except RuntimeError:
            continue  # the port was taken in between: another one
        return Cluster(directory, bindir, port)
    log = (directory / "server.log").read_text(errors="replace")[-2000:]
    if not kept:
        shutil.rmtree(directory, ignore_errors=True)
    raise RuntimeError(f"the PostgreSQL server did not start:\n{log}")


def _initdb(bindir: Path, data: Path, owner: pwd.struct_passwd | None) -> None:
    _run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            USER,
            "--auth=trust",
            "--no-sync",
            "--encoding=UTF8",
            "--locale=C",
        ],
        owner,
    )


def stop(directory: Path, bindir: Path | None = None, *, keep: bool = False) -> None:
    """Stop the cluster in `directory` (if it runs) and remove the directory; with `keep`,
    stop it cleanly (its next start needs no recovery) and leave its data in place."""
    bindir = bindir or binaries()
    if bindir is not None and (directory / "data" / "postmaster.pid").exists():
        mode = "fast" if keep else "immediate"
        stop_now = [str(bindir / "pg_ctl"), "-D", str(directory / "data"), "-m", mode]
        with contextlib.suppress(RuntimeError):  # already gone
            _run([*stop_now, "-w", "-t", "600", "stop"], _owner())
    if not keep:
        shutil.rmtree(directory, ignore_errors=True)


def psql(url: str, statement: str, bindir: Path | None = None) -> None:
    """Run one statement with psql (how a test makes and drops its own database)."""
    bindir = bindir or binaries()
    program = str(bindir / "psql") if bindir else "psql"
    result = subprocess.run(
        [program, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", statement],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.strip()}")


def new_database(admin_url: str, bindir: Path | None = None) -> tuple[str, str]:
    """A new empty database on the cluster of `admin_url`: (its name, its URL)."""
    name = f"egovsim_{uuid.uuid4().hex[:12]}"
    psql(admin_url, f'CREATE DATABASE "{name}"', bindir)
    return name, admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url: str, name: str, bindir: Path | None = None) -> None:
    """Drop a database made by `new_database`, closing whatever still connects to it."""
    psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', bindir)


def main(arguments: list[str]) -> int:
    """`start` prints the shell's exports; `stop DIRECTORY` stops and removes it; `bindir`
    prints where PostgreSQL's programs are (exit 1 when it is not installed)."""
    if arguments[:1] == ["bindir"]:
        bindir = binaries()
        print(bindir or "PostgreSQL is not installed", file=sys.stdout if bindir else sys.stderr)
        return 0 if bindir else 1
    if arguments[:1] == ["start"]:
        cluster = start()
        print(f"export EGOVSIM_TEST_DATABASE_URL={shlex.quote(cluster.url)}")
        print(f"export EGOVSIM_TEST_PGDATA={shlex.quote(str(cluster.directory))}")
        return 0
    if arguments[:1] == ["stop"] and len(arguments) == 2:
        stop(Path(arguments[1]))
        return 0
    print("usage: pg_cluster.py start | stop DIRECTORY | bindir", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
