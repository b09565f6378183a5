"""Who signs what the suite sends, from the run's own copy of the test PKI: the gateway itself
(the `egov-gateway` persona), and two certificates of the gateway's identity made to be refused,
one revoked an hour before the run and one from a CA the NCA's root does not vouch for; and the
applicant whose signed application the REQUESTs carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from egovsim.pki.authority import TestPki
from egovsim.pki.hierarchy import NCA, UNTRUSTED
from egovsim.pki.keystore import Keystore, load_keystore
from egovsim.pki.personas import PERSONAS, load_personas

GATEWAY_PERSONA = "egov-gateway"


class SignersMissing(Exception):
    """The test PKI lacks a persona the suite signs with."""


@dataclass(frozen=True, slots=True)
class Signers:
    """The keys of one run."""

    gateway: Keystore
    revoked: Keystore
    untrusted: Keystore
    #: Persona id -> its entry in personas.json, for the applicants.
    personas: dict[str, dict[str, Any]]
    certs_dir: Path
    _opened: dict[str, Keystore] = field(default_factory=dict)

    def persona_key(self, persona_id: str) -> Keystore:
        """A persona's signing keystore (opened once: opening one costs a key derivation)."""
        if persona_id not in self._opened:
            entry = self.personas.get(persona_id)
            if entry is None or "sign" not in entry["keystores"]:
                raise SignersMissing(f"the test PKI has no signing key of {persona_id}")
            self._opened[persona_id] = load_keystore(
                self.certs_dir / entry["keystores"]["sign"]["file"], str(entry["password"])
            )
        return self._opened[persona_id]


def prepare_signers(certs_dir: Path, now: datetime) -> Signers:
    """Issue the two certificates to be refused in `certs_dir` (the run's copy: the PKI it
    serves learns of them before any provider asks) and open the gateway's keystore."""
    personas = {entry["id"]: entry for entry in load_personas(certs_dir)}
    entry = personas.get(GATEWAY_PERSONA)
    if entry is None:
        raise SignersMissing(
            f"the test PKI in {certs_dir} has no {GATEWAY_PERSONA} persona: run "
            "'egovsim pki init --force' to make one with every persona"
        )
    password = str(entry["password"])
    gateway = load_keystore(certs_dir / entry["keystores"]["sign"]["file"], password)
    holder = next(spec.holder for spec in PERSONAS if spec.id == GATEWAY_PERSONA)
    pki = TestPki.open(certs_dir)
    not_before, not_after = now - timedelta(days=30), now + timedelta(days=30)
    revoked = pki.issue(holder, "sign", not_before=not_before, not_after=not_after)
    pki.revoke(revoked.record.serial, "keyCompromise", now - timedelta(hours=1), now)
    untrusted = pki.issue(
        holder, "sign", not_before=not_before, not_after=not_after, issuer=UNTRUSTED
    )
    return Signers(
        gateway=gateway,
        revoked=Keystore(revoked.key, revoked.certificate, [pki.authority(NCA).certificate]),
        untrusted=Keystore(
            untrusted.key, untrusted.certificate, [pki.authority(UNTRUSTED).certificate]
        ),
        personas=personas,
        certs_dir=certs_dir,
    )
