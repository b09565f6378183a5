"""Settings: one frozen dataclass, built once at the edge (CLI, tests) and passed in."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

RevocationPreference = Literal["ocsp", "crl"]
RevocationPolicy = Literal["hard-fail", "soft-fail"]


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything egovsim can be configured with; each field's default is the documented one."""

    #: The database and other runtime state (`--data-dir`, `EGOVSIM_DATA`).
    data_dir: Path = Path("data")
    #: A PostgreSQL database that several instances share instead of the SQLite file in the
    #: data directory (`--database-url`, `EGOVSIM_DATABASE_URL`): `postgresql://user@host/db`.
    database_url: str | None = None
    #: The test PKI: CA keys, CRLs, issued certificates, personas' keystores
    #: (`--certs`, `EGOVSIM_CERTS`).
    certs_dir: Path = Path("certs")
    #: Where `egovsim serve` listens.
    host: str = "127.0.0.1"
    port: int = 8080
    #: The address other systems reach egovsim at; certificates' CRL, OCSP and CA issuer
    #: addresses are built from it. Defaults to http://HOST:PORT (`EGOVSIM_PUBLIC_URL`).
    public_url: str | None = None
    #: A fixed simulated time to start from (`EGOVSIM_CLOCK`); None runs on real time.
    clock_frozen_at: datetime | None = None
    #: Which revocation source the verifier asks first; the other is the fallback.
    revocation_preference: RevocationPreference = "ocsp"
    #: What a missing or stale revocation answer means: refuse (hard-fail) or pass with a
    #: warning (soft-fail).
    revocation_policy: RevocationPolicy = "hard-fail"
    #: Whether the verifier may fetch CRLs, OCSP answers and CA certificates over HTTP.
    online: bool = True
    #: Seconds a single revocation or AIA fetch may take.
    fetch_timeout: float = 5.0
    #: Lifetimes of what the test CA publishes.
    crl_validity: timedelta = timedelta(days=1)
    delta_crl_validity: timedelta = timedelta(hours=1)
    ocsp_validity: timedelta = timedelta(hours=1)
    #: Where the regulation files are (None: the ones shipped with egovsim).
    regulations_dir: Path | None = None
    #: The government's moved days (None: the file shipped with egovsim).
    moved_days_file: Path | None = None
    #: Refuse applications to a service whose regulation is not in force on the day (P3).
    #: Off by default, so the repealed Almaty regulation can still be demonstrated.
    enforce_effective_period: bool = False
    #: Delivery attempts of a gateway message before it is DELIVERY_STOPPED, and the wait
    #: before the second attempt (doubled for each further one).
    gateway_max_attempts: int = 5
    gateway_first_backoff: float = 1.0
    #: Run the workers in the background: the gateway's delivery and the jobs that keep the
    #: simulator moving (`serve --workers none` leaves them to `egovsim work`; tests drive
    #: deliveries themselves).
    gateway_worker: bool = True
    #: Seconds a worker's claim on a row lasts unless renewed (`EGOVSIM_WORKER_LEASE`): how
    #: long the work of an instance that died waits before another instance takes it over.
    worker_lease: float = 15.0
    #: Seconds between the workers' rounds of the catch-up and the State Corporation's sweep
    #: (`EGOVSIM_JOBS_EVERY`): what an instance that died left undone is done within it.
    jobs_every: float = 30.0
    #: The password of every demo persona's keystore (the NCA's test keys use the same).
    persona_password: str = "Qwerty12"
    #: Seeded gateway senders whose messages may come unsigned (`--wss-optional`,
    #: `EGOVSIM_WSS_OPTIONAL`, comma-separated); every other seeded sender requires WS-Security.
    wss_optional_senders: frozenset[str] = frozenset()
    #: The operator's secret (`--operator-token`, `EGOVSIM_OPERATOR_TOKEN`): every route that
    #: changes the simulator for everyone or acts for someone else needs it. None leaves them
    #: open, which `egovsim serve` allows on a loopback address only.
    operator_token: str | None = None
    #: Hosts besides loopback that the gateway may deliver to (`--receiver-host`,
    #: `EGOVSIM_RECEIVER_HOSTS`, comma-separated); a route or a sender's status address
    #: elsewhere is refused RECEIVER_HOST_NOT_ALLOWED.
    receiver_hosts: tuple[str, ...] = ()
    #: WS-Security Timestamps: how far in the future Created may be (clock skew), and how old a
    #: signed message may be when it has no Expires (or a later one), on the simulator's clock.
    wss_future_skew: timedelta = timedelta(minutes=5)
    wss_max_age: timedelta = timedelta(minutes=15)
    #: What one applicant may keep on the portal at once: open drafts (DRAFTS_LIMIT_REACHED)
    #: and the bytes attached to them (ATTACHMENTS_QUOTA_EXCEEDED); `EGOVSIM_MAX_OPEN_DRAFTS`,
    #: `EGOVSIM_MAX_DRAFT_BYTES`.
    max_open_drafts: int = 20
    max_draft_attachment_bytes: int = 50 * 1024 * 1024
    #: The NCALayer socket answers this machine only, as the real NCALayer does; a trainer
    #: opens it to the room's machines (`--ncalayer-remote`, `EGOVSIM_NCALAYER_REMOTE=1`).
    ncalayer_remote: bool = False
    #: Origins whose pages may use the NCALayer socket besides the simulator's own
    #: (`--ncalayer-origin`, `EGOVSIM_NCALAYER_ORIGINS`, comma-separated), e.g. the address of
    #: a provider's portal under test.
    ncalayer_origins: tuple[str, ...] = ()
    #: The portal's sign-in and request pages ask NCALayer for CAdES-T signatures: a token from
    #: the simulator's TSA on each (`serve --portal-timestamps`, `EGOVSIM_PORTAL_TIMESTAMPS=1`).
    portal_timestamps: bool = False
    #: How often, in seconds, an instance reads what others on its database changed (the clock,
    #: the switches, the key set, the PKI, the gateway's routes): the longest another instance
    #: serves the old state (`EGOVSIM_SHARED_REFRESH`, 0.05 to 60). On PostgreSQL the
    #: instances also announce each change (LISTEN/NOTIFY) and refresh as soon as they hear.
    shared_refresh: float = 1.0
    #: How many processes `egovsim serve` accepts with on its one port (`--processes`,
    #: `EGOVSIM_PROCESSES`): each a whole simulator on the shared database, the kernel spreading
    #: the connections over them (SO_REUSEPORT), so that the signature checks use every core.
    processes: int = 1
    #: Whether an instance on PostgreSQL LISTENs for the others' announcements
    #: (`EGOVSIM_SHARED_LISTEN=0` turns it off, for a pooler that cannot pass LISTEN on, such as
    #: PgBouncer in transaction mode: the refresh period alone then bounds the staleness).
    shared_listen: bool = True

    @property
    def base_url(self) -> str:
        """The public base URL without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def allows_receiver(self, url: str) -> bool:
        """Whether the gateway may post to `url`: http(s) to a loopback host or to one of the
        hosts the operator named (`receiver_hosts`)."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not host:
            return False
        return is_loopback(host) or host in self.receiver_hosts

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields changed (tests use this)."""
        return replace(self, **changes)


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def settings_from_env(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from `EGOVSIM_*` environment variables, then explicit overrides on top."""
    from egovsim.clock import parse_time

    source = os.environ if env is None else env
    values: dict[str, Any] = {}
    if "EGOVSIM_DATA" in source:
        values["data_dir"] = Path(source["EGOVSIM_DATA"])
    if source.get("EGOVSIM_DATABASE_URL"):
        values["database_url"] = database_url(source["EGOVSIM_DATABASE_URL"])
    if "EGOVSIM_CERTS" in source:
        values["certs_dir"] = Path(source["EGOVSIM_CERTS"])
    if "EGOVSIM_PUBLIC_URL" in source:
        values["public_url"] = source["EGOVSIM_PUBLIC_URL"]
    if "EGOVSIM_WSS_OPTIONAL" in source:
        names = (name.strip() for name in source["EGOVSIM_WSS_OPTIONAL"].split(","))
        values["wss_optional_senders"] = frozenset(name for name in names if name)
    if source.get("EGOVSIM_OPERATOR_TOKEN"):
        values["operator_token"] = source["EGOVSIM_OPERATOR_TOKEN"]
    if source.get("EGOVSIM_NCALAYER_REMOTE"):
        values["ncalayer_remote"] = source["EGOVSIM_NCALAYER_REMOTE"] not in ("0", "false", "no")
    if "EGOVSIM_NCALAYER_ORIGINS" in source:
        values["ncalayer_origins"] = tuple(
            name.strip() for name in source["EGOVSIM_NCALAYER_ORIGINS"].split(",") if name.strip()
        )
    if "EGOVSIM_RECEIVER_HOSTS" in source:
        values["receiver_hosts"] = tuple(
            host.strip().lower()
            for host in source["EGOVSIM_RECEIVER_HOSTS"].split(",")
            if host.strip()
        )
    for variable, name in (
        ("EGOVSIM_MAX_OPEN_DRAFTS", "max_open_drafts"),
        ("EGOVSIM_MAX_DRAFT_BYTES", "max_draft_attachment_bytes"),
        ("EGOVSIM_PROCESSES", "processes"),
    ):
        if variable in source:
            values[name] = _positive(variable, source[variable])
    if "EGOVSIM_PORTAL_TIMESTAMPS" in source:
        values["portal_timestamps"] = source["EGOVSIM_PORTAL_TIMESTAMPS"].strip().lower() in (
            "1",
            "true",
            "yes",
            "on",
        )
    if "EGOVSIM_SHARED_LISTEN" in source:
        values["shared_listen"] = source["EGOVSIM_SHARED_LISTEN"].strip().lower() not in (
            "0",
            "false",
            "no",
            "off",
        )
    if "EGOVSIM_SHARED_REFRESH" in source:
        values["shared_refresh"] = _refresh_seconds(source["EGOVSIM_SHARED_REFRESH"])
    if "EGOVSIM_CLOCK" in source:
        values["clock_frozen_at"] = parse_time(source["EGOVSIM_CLOCK"])
    for variable, name in (
        ("EGOVSIM_WORKER_LEASE", "worker_lease"),
        ("EGOVSIM_JOBS_EVERY", "jobs_every"),
    ):
        if variable in source:
            values[name] = _seconds(variable, source[variable])
    values.update({key: value for key, value in overrides.items() if value is not None})
    return Settings(**values)


def database_url(text: str) -> str:
    """A `--database-url`: PostgreSQL's (`postgresql://…`); ValueError saying what is expected
    for anything else (the SQLite file needs no URL: it is the data directory's)."""
    if not text.startswith(("postgresql://", "postgres://")):
        raise ValueError(
            f"the database URL must start with postgresql://, not {text.split('://')[0]!r} "
            "(without one, the database is the SQLite file in the data directory)"
        )
    return text


def _refresh_seconds(text: str) -> float:
    """`EGOVSIM_SHARED_REFRESH`: seconds from 0.05 to 60; ValueError saying so if not."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0.05 <= seconds <= 60:
        raise ValueError(f"EGOVSIM_SHARED_REFRESH must be seconds from 0.05 to 60, not {text!r}")
    return seconds


def _positive(variable: str, text: str) -> int:
    """A positive whole number from the environment; ValueError naming the variable if not."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(f"{variable} must be a positive whole number, not {text!r}")
    return number


def _seconds(variable: str, text: str) -> float:
    """A positive number of seconds from the environment; ValueError naming the variable if
    not."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 86400:
        raise ValueError(
            f"{variable} must be a number of seconds above 0 and below a day, not {text!r}"
        )
    return seconds
