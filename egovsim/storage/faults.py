"""The trainer's fault switches (the test PKI's, the gateway being down, the provider's signing
key not at hand, the regulations' effective periods enforced), kept in the database and held in
memory for every request."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from egovsim.storage.database import Database, read_saved
from egovsim.storage.rows import required_time
from egovsim.storage.shared_versions import FAULTS, bump

OCSP_DOWN = "ocsp-down"
OCSP_SLOW = "ocsp-slow"
OCSP_UNKNOWN = "ocsp-unknown"
CRL_STALE = "crl-stale"
#: The e-government gateway takes no messages (its SOAP endpoints answer GATEWAY_UNAVAILABLE).
GATEWAY_DOWN = "gateway-down"
#: The provider's authorized person has no key at hand (no token in the reader): signing a result
#: is refused SIGNER_HAS_NO_KEY.
SIGNER_KEY_MISSING = "signer-key-missing"
#: The regulations' effective periods are enforced: a repealed service is refused
#: SERVICE_NOT_EFFECTIVE (off by default, so the repealed Almaty licence can be shown).
EFFECTIVE_PERIOD = "effective-period"
#: The TSA at /tsp answers HTTP 503, waits before answering, stamps another imprint than the one
#: asked for, or signs with a certificate the untrusted CA issued.
TSA_DOWN = "tsa-down"
TSA_SLOW = "tsa-slow"
TSA_WRONG_IMPRINT = "tsa-wrong-imprint"
TSA_UNTRUSTED_SWITCH = "tsa-untrusted"
TSA_FAULT_NAMES = (TSA_DOWN, TSA_SLOW, TSA_WRONG_IMPRINT, TSA_UNTRUSTED_SWITCH)
#: The PKI's switches, in the order the API lists them.
PKI_FAULT_NAMES = (OCSP_DOWN, OCSP_SLOW, OCSP_UNKNOWN, CRL_STALE)
#: The switches that take a delay in seconds.
SLOW_SWITCHES = (OCSP_SLOW, TSA_SLOW)
#: Every fault switch, in the order the API lists them.
FAULT_NAMES = (
    *PKI_FAULT_NAMES,
    GATEWAY_DOWN,
    SIGNER_KEY_MISSING,
    EFFECTIVE_PERIOD,
    *TSA_FAULT_NAMES,
)
#: The longest the slow responder may be told to wait, in seconds.
MAX_SLOW_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class PkiFault:
    """One switch that is on: since when, and the delay of a slow responder."""

    name: str
    switched_at: datetime
    seconds: float | None = None


@dataclass(frozen=True, slots=True)
class PkiFaults:
    """The switches that are on (the PKI's and `gateway-down`), and the CRLs frozen by
    `crl-stale` (name → DER)."""

    on: Mapping[str, PkiFault] = field(default_factory=dict)
    frozen_crls: Mapping[str, bytes] = field(default_factory=dict)

    def is_on(self, name: str) -> bool:
        """Whether the switch `name` is on."""
        return name in self.on

    @property
    def gateway_down(self) -> bool:
        """Whether the gateway is switched off for the trainer (`gateway-down`)."""
        return GATEWAY_DOWN in self.on

    @property
    def signer_key_missing(self) -> bool:
        """Whether the provider's signers have no key at hand (`signer-key-missing`)."""
        return SIGNER_KEY_MISSING in self.on

    @property
    def enforces_effective_period(self) -> bool:
        """Whether services are refused outside their regulation's effective period."""
        return EFFECTIVE_PERIOD in self.on

    def ocsp_delay(self) -> float | None:
        """How long the responder waits before answering, when `ocsp-slow` is on."""
        slow = self.on.get(OCSP_SLOW)
        return None if slow is None else slow.seconds or 0.0

    def tsa_delay(self) -> float | None:
        """How long the TSA waits before answering, when `tsa-slow` is on."""
        slow = self.on.get(TSA_SLOW)
        return None if slow is None else slow.seconds or 0.0

    def frozen_crl(self, name: str) -> bytes | None:
        """The CRL to serve instead of a fresh one, when `crl-stale` is on."""
        return self.frozen_crls.get(name) if CRL_STALE in self.on else None

    # -- what the PKI's served answers read (`signatures.fetching_local.ServingFaults`) --------

    @property
    def ocsp_down(self) -> bool:
        """Whether the OCSP responder answers 503 (`ocsp-down`)."""
        return OCSP_DOWN in self.on

    @property
    def ocsp_unknown(self) -> bool:
        """Whether the OCSP responder answers "unknown" for every certificate."""
        return OCSP_UNKNOWN in self.on

    @property
    def tsa_down(self) -> bool:
        """Whether the TSA answers 503 (`tsa-down`)."""
        return TSA_DOWN in self.on

    @property
    def tsa_untrusted(self) -> bool:
        """Whether the TSA stamps with a key no trust anchor vouches for (`tsa-untrusted`)."""
        return TSA_UNTRUSTED_SWITCH in self.on

    @property
    def tsa_wrong_imprint(self) -> bool:
        """Whether the TSA stamps a digest other than the one asked (`tsa-wrong-imprint`)."""
        return TSA_WRONG_IMPRINT in self.on


class FaultStore:
    """Where the fault switches are kept; `current` is their state as of the last load or change."""

    def __init__(
        self,
        database: Database,
        changing: Callable[[], AbstractAsyncContextManager[None]] = contextlib.nullcontext,
    ) -> None:
        self._db = database
        #: Held around a change (written, then loaded), so that a reload of the switches that
        #: another instance changed cannot put back what was read before it.
        self._changing = changing
        self.current = PkiFaults()

    async def load(self) -> PkiFaults:
        """Read the switches from the database (at start, so a restart keeps them)."""
        rows = await self._db.fetch_all("SELECT name, seconds, switched_at FROM fault_switches")
        crls = await self._db.fetch_all("SELECT name, der FROM pki_frozen_crls")
        self.current = PkiFaults(
            {row["name"]: _fault(row["name"], row["switched_at"], row["seconds"]) for row in rows},
            {row["name"]: bytes(row["der"]) for row in crls},
        )
        return self.current

    async def switch_on(
        self,
        fault: PkiFault,
        frozen_crls: Mapping[str, bytes] | None = None,
    ) -> PkiFaults:
        """Turn a switch on (or change its delay); `frozen_crls` replace the kept CRLs if given."""
        async with self._changing():
            return await self._switch_on(fault, frozen_crls)

    async def _switch_on(
        self, fault: PkiFault, frozen_crls: Mapping[str, bytes] | None
    ) -> PkiFaults:
        async with self._db.write() as connection:
            await connection.execute(
                "INSERT INTO fault_switches (name, seconds, switched_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET seconds = excluded.seconds",
                (fault.name, fault.seconds, fault.switched_at.isoformat()),
            )
            if frozen_crls is not None:
                await connection.execute("DELETE FROM pki_frozen_crls")
                await connection.executemany(
                    "INSERT INTO pki_frozen_crls (name, der) VALUES (?, ?)",
                    list(frozen_crls.items()),
                )
            await bump(connection, FAULTS)
        return await self.load()

    async def switch_off(self, name: str) -> PkiFaults:
        """Turn a switch off (nothing happens when it is off already)."""
        async with self._changing():
            async with self._db.write() as connection:
                await connection.execute("DELETE FROM fault_switches WHERE name = ?", (name,))
                if name == CRL_STALE:
                    await connection.execute("DELETE FROM pki_frozen_crls")
                await bump(connection, FAULTS)
            return await self.load()


def _fault(name: str, switched_at: str, seconds: float | None) -> PkiFault:
    return PkiFault(name, required_time(switched_at), seconds)


def saved_pki_faults(location: Path | str) -> PkiFaults:
    """The switches as a running server last saved them, read without an event loop (for the
    command line); none when there is no database yet."""
    found = read_saved(
        location,
        [
            "SELECT name, seconds, switched_at FROM fault_switches",
            "SELECT name, der FROM pki_frozen_crls",
        ],
    )
    if found is None:
        return PkiFaults()
    on = {name: _fault(name, at, seconds) for name, seconds, at in found[0]}
    frozen = {name: bytes(der) for name, der in found[1]}
    return PkiFaults(on, frozen)
