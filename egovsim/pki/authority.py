"""The test PKI on disk: its CAs, the certificates they issued, revocations and published CRLs.

Everything lives under one directory (`certs/` by default) so that `egovsim pki ...` and a
running `egovsim serve` share it: writers take a file lock and replace files atomically, readers
notice a change by the state file's modification time.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import (
    PrivateKeyTypes,
)

from egovsim.clock import as_utc
from egovsim.magic import REVOCATION_UNAVAILABLE, REVOKED, holder_outcome
from egovsim.pki import profiles
from egovsim.pki.disk import key_pem, locked, write_atomic
from egovsim.pki.hierarchy import (
    ISSUERS,
    NCA,
    NCA_DELTA,
    OCSP_SIGNER,
    ROOT,
    TSA,
    TSA_UNTRUSTED,
    UNTRUSTED,
    Authority,
    create_hierarchy,
)
from egovsim.pki.oids import Usage
from egovsim.pki.profiles import Endpoints, Holder, KeyKind
from egovsim.pki.publishing import Publication, UnavailableCrls, publish_crls
from egovsim.pki.records import REASONS, IssuedCertificate, Revocation

__all__ = [
    "NCA",
    "NCA_DELTA",
    "OCSP_SIGNER",
    "ROOT",
    "TSA",
    "TSA_UNTRUSTED",
    "UNTRUSTED",
    "Authority",
    "Issued",
    "PkiError",
    "Publication",
    "TestPki",
]

STATE_FILE = "pki.json"


class PkiError(Exception):
    """A PKI operation that cannot be done as asked (unknown serial, no PKI yet, ...)."""


@dataclass(frozen=True, slots=True)
class Issued:
    """A freshly issued certificate with its private key."""

    record: IssuedCertificate
    certificate: x509.Certificate
    key: PrivateKeyTypes


class TestPki:
    """The test PKI kept in one directory; create it with `init`, reopen it with `open`."""

    __test__ = False  # not a pytest test class, whatever its name says

    def __init__(self, directory: Path, publication: Publication | None = None) -> None:
        self.directory = directory
        #: The state file as text: `reload` stats it on every OCSP request.
        self._state_path = str(directory / STATE_FILE)
        self.publication = publication or Publication()
        self._authorities: dict[str, Authority] = {}
        self._state: dict[str, Any] = {}
        self._records: dict[tuple[str, int], IssuedCertificate] = {}
        self._stamp: tuple[int, int, int] | None = None
        self.reload()

    # -- opening and creating -------------------------------------------------------------

    @staticmethod
    def exists(directory: Path) -> bool:
        """Whether `directory` holds a test PKI."""
        return (directory / STATE_FILE).is_file()

    @classmethod
    def open(cls, directory: Path, publication: Publication | None = None) -> TestPki:
        """Open the PKI in `directory`; `PkiError` when there is none."""
        if not cls.exists(directory):
            raise PkiError(f"no test PKI in {directory}: run 'egovsim pki init' first")
        return cls(directory, publication)

    @classmethod
    def init(
        cls,
        directory: Path,
        base_url: str,
        now: datetime,
        publication: Publication | None = None,
    ) -> TestPki:
        """Create a new PKI (root, issuing CA, OCSP signer, an untrusted CA) dated from `now`."""
        now = as_utc(now)
        directory.mkdir(parents=True, exist_ok=True)
        endpoints = Endpoints(base_url.rstrip("/"))
        with locked(directory):
            for authority in create_hierarchy(endpoints, now):
                write_atomic(directory / "ca" / f"{authority.name}.key", key_pem(authority.key))
                write_atomic(
                    directory / "ca" / f"{authority.name}.cer",
                    authority.certificate.public_bytes(serialization.Encoding.DER),
                )
            state = {
                "format": 1,
                "base_url": endpoints.base_url,
                "created": now.isoformat(),
                "crls": {name: {"number": 0} for name in ISSUERS},
                "certificates": [],
            }
            write_atomic(directory / STATE_FILE, json.dumps(state, indent=1).encode())
            pki = cls(directory, publication)
            for name in ISSUERS:
                pki._publish(name, now, rebase=True)
            pki._save()
        return pki

    def reload(self) -> bool:
        """Read the state again if another process changed it; True when it did."""
        try:
            # `os.stat` of the path as text: pathlib's joining and stat cost several times the
            # system call, and this runs on every OCSP request.
            info = os.stat(self._state_path)
        except FileNotFoundError:
            return False
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        if stamp == self._stamp:
            return False
        self._state = json.loads(Path(self._state_path).read_text())
        self._records = {}
        for raw in self._state["certificates"]:
            record = IssuedCertificate.from_json(raw)
            self._records[(record.issuer, record.serial)] = record
        if not self._authorities:
            for name in (ROOT, NCA, OCSP_SIGNER, UNTRUSTED, TSA, TSA_UNTRUSTED):
                if not (self.directory / "ca" / f"{name}.cer").exists():
                    continue  # a TSA of a PKI made before there was one: `add_authority`
                self._authorities[name] = self._load_authority(name)
        self._stamp = stamp
        return True

    def _load_authority(self, name: str) -> Authority:
        cert = x509.load_der_x509_certificate((self.directory / "ca" / f"{name}.cer").read_bytes())
        # The keys are the PKI's own, written by `init`: the costly RSA consistency
        # check (tens of milliseconds a key) adds nothing here.
        key = serialization.load_pem_private_key(
            (self.directory / "ca" / f"{name}.key").read_bytes(),
            None,
            unsafe_skip_rsa_key_validation=True,
        )
        assert not isinstance(key, str)
        return Authority(name, cert, key)  # type: ignore[arg-type]

    @property
    def version(self) -> tuple[int, int, int] | None:
        """Changes whenever a certificate is issued or revoked or a CRL is published."""
        return self._stamp

    # -- what it holds ----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The server address its certificates were issued to point at."""
        return str(self._state["base_url"])

    @property
    def endpoints(self) -> Endpoints:
        """The addresses its certificates name."""
        return Endpoints(self.base_url)

    def authority(self, name: str) -> Authority:
        """A CA (or the OCSP signer, or a TSA) by name; KeyError when there is none."""
        return self._authorities[name]

    def has_authority(self, name: str) -> bool:
        """Whether the PKI has that CA or signer (an older PKI may lack its TSA)."""
        return name in self._authorities

    def add_authority(self, authority: Authority) -> Authority:
        """Keep a signer made after `init` (a TSA of an older PKI); the one on disk wins when
        another process wrote it first."""
        with locked(self.directory):
            certificate = self.directory / "ca" / f"{authority.name}.cer"
            if not certificate.exists():
                write_atomic(
                    self.directory / "ca" / f"{authority.name}.key", key_pem(authority.key)
                )
                write_atomic(
                    certificate, authority.certificate.public_bytes(serialization.Encoding.DER)
                )
        self._authorities[authority.name] = self._load_authority(authority.name)
        return self._authorities[authority.name]

    @property
    def trust_anchors(self) -> list[x509.Certificate]:
        """The root every verifier of this PKI trusts (the untrusted CA is, by design, not one)."""
        return [self._authorities[ROOT].certificate]

    def published_certificates(self) -> dict[str, x509.Certificate]:
        """CA certificates served at `/cert/<name>.cer`."""
        return {name: self._authorities[name].certificate for name in (ROOT, NCA, UNTRUSTED)}

    def records(self) -> list[IssuedCertificate]:
        """Every issued certificate, oldest first."""
        return list(self._records.values())

    def find(self, serial: int, issuer: str | None = None) -> IssuedCertificate | None:
        """The record of a serial number (of any issuer unless one is named)."""
        if issuer is not None:
            return self._records.get((issuer, serial))
        for (_, number), record in self._records.items():
            if number == serial:
                return record
        return None

    def certificate(self, record: IssuedCertificate) -> x509.Certificate:
        """The certificate a record describes."""
        path = self.directory / "issued" / record.issuer / f"{record.serial_hex}.cer"
        return x509.load_der_x509_certificate(path.read_bytes())

    # -- issuing and revoking ---------------------------------------------------------------

    def issue(
        self,
        holder: Holder,
        usage: Usage,
        *,
        not_before: datetime,
        not_after: datetime,
        key_kind: KeyKind = "rsa2048",
        issuer: str = NCA,
        persona: str | None = None,
        keystore: str | None = None,
    ) -> Issued:
        """Issue a signing or authentication certificate with a fresh key."""
        if issuer not in (NCA, UNTRUSTED):
            raise PkiError(f"{issuer} does not issue end-entity certificates")
        not_before, not_after = as_utc(not_before), as_utc(not_after)
        if not_after <= not_before:
            raise PkiError("--not-after must be later than --not-before")
        authority = self._authorities[issuer]
        key = profiles.generate_key(key_kind)
        # The magic IINs and BINs (egovsim.magic) fix what C2 says of their signing certificates.
        magic = holder_outcome(holder.iin, holder.bin) if usage == "sign" else None
        endpoints = self.endpoints
        if magic == REVOCATION_UNAVAILABLE:
            endpoints = UnavailableCrls(self.base_url)
        certificate = profiles.end_entity(
            holder,
            usage,
            key.public_key(),
            authority.ref,
            endpoints,
            not_before,
            not_after,
            x509.random_serial_number(),
        ).sign(authority.key, hashes.SHA256())
        record = IssuedCertificate(
            serial=certificate.serial_number,
            issuer=issuer,
            subject=certificate.subject.rfc4514_string(),
            usage=usage,
            role=holder.role,
            key=key_kind,
            iin=holder.iin,
            bin=holder.bin,
            not_before=not_before,
            not_after=not_after,
            persona=persona,
            keystore=keystore,
        )
        if magic == REVOKED:
            record = record.with_revocation(Revocation(not_before, "keyCompromise"))
        with locked(self.directory):
            self.reload()
            write_atomic(
                self.directory / "issued" / issuer / f"{record.serial_hex}.cer",
                certificate.public_bytes(serialization.Encoding.DER),
            )
            self._records[(issuer, record.serial)] = record
            if record.revocation is not None:
                # Revoked from birth: the CRLs count as stale from its notBefore, so the next
                # one asked for (at the asker's time) is published anew and lists it.
                info = self._state["crls"][issuer]
                stale_from = min(as_utc(datetime.fromisoformat(info["next_update"])), not_before)
                info["next_update"] = stale_from.isoformat()
            self._save()
        return Issued(record, certificate, key)

    def revoke(self, serial: int, reason: str, at: datetime, now: datetime) -> IssuedCertificate:
        """Revoke (or put on hold) a certificate from `at`, and publish new CRLs at `now`."""
        if reason not in REASONS:
            raise PkiError(f"unknown reason {reason!r}; one of: {', '.join(REASONS)}")
        with locked(self.directory):
            self.reload()
            record = self._require(serial)
            if record.revocation is not None and record.revocation.released_at is None:
                raise PkiError(f"certificate {record.serial_hex} is already revoked")
            updated = record.with_revocation(Revocation(as_utc(at), reason))
            return self._change(updated, as_utc(now))

    def release(self, serial: int, now: datetime) -> IssuedCertificate:
        """Take a certificate off hold (certificateHold is the only reversible reason)."""
        with locked(self.directory):
            self.reload()
            record = self._require(serial)
            revocation = record.revocation
            if revocation is None or revocation.reason != "certificateHold":
                raise PkiError(f"certificate {record.serial_hex} is not on hold")
            now = as_utc(now)
            released = Revocation(revocation.at, revocation.reason, released_at=now)
            return self._change(record.with_revocation(released), now)

    def _require(self, serial: int) -> IssuedCertificate:
        record = self.find(serial)
        if record is None:
            raise PkiError(f"no certificate with serial {serial:X} was issued here")
        return record

    def _change(self, record: IssuedCertificate, now: datetime) -> IssuedCertificate:
        self._records[(record.issuer, record.serial)] = record
        self._publish(record.issuer, now, rebase=False)
        self._save()
        return record

    # -- CRLs -------------------------------------------------------------------------------

    def crl(self, name: str, now: datetime) -> bytes:
        """A published CRL (DER), published anew first if it is stale at `now`."""
        issuer = next((ca for ca, (full, delta) in ISSUERS.items() if name in (full, delta)), None)
        if issuer is None:
            raise PkiError(f"no CRL named {name}")
        now = as_utc(now)
        self.reload()
        info = self._state["crls"][issuer]
        if now >= as_utc(datetime.fromisoformat(info["next_update"])) or now < as_utc(
            datetime.fromisoformat(info["this_update"])
        ):
            with locked(self.directory):
                self.reload()
                info = self._state["crls"][issuer]
                full_due = now >= as_utc(datetime.fromisoformat(info["full_next_update"]))
                self._publish(
                    issuer,
                    now,
                    rebase=full_due or now < as_utc(datetime.fromisoformat(info["base_time"])),
                )
                self._save()
        return (self.directory / "crl" / f"{name}.crl").read_bytes()

    def _publish(self, issuer: str, now: datetime, *, rebase: bool) -> None:
        """Write the issuer's CRLs as of `now` (see `publishing.publish_crls`)."""
        records = [record for record in self._records.values() if record.issuer == issuer]
        publish_crls(
            self.directory,
            self._authorities[issuer],
            records,
            self._state["crls"][issuer],
            now,
            rebase=rebase,
            publication=self.publication,
            endpoints=self.endpoints,
        )

    def _save(self) -> None:
        self._state["certificates"] = [record.to_json() for record in self._records.values()]
        write_atomic(
            self.directory / STATE_FILE,
            json.dumps(self._state, indent=1, ensure_ascii=False).encode(),
        )
        info = (self.directory / STATE_FILE).stat()
        self._stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
