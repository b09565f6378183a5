"""The result e-document: its structured form, the bytes that are signed, and the signing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from egovsim.pki.keystore import Keystore, KeystoreError, load_keystore
from egovsim.regulations.model import Regulation
from egovsim.signatures import cades, cms
from egovsim.storage.records import Application, Provider, StaffMember


def result_document(
    application: Application,
    regulation: Regulation,
    provider: Provider,
    kind: str,
    grounds: str,
    prepared_at: datetime,
) -> dict[str, Any]:
    """The structured e-document of a result or a reasoned refusal (P9, P8)."""
    result = next(r for r in regulation.results if r.id == kind)
    return {
        "type": "egovsim.result.v1",
        "application": application.number,
        "service": {"id": regulation.id, "name": dict(regulation.name)},
        "provider": {"id": provider.id, "bin": provider.bin, "name": provider.name},
        "applicant": {
            "iin": application.applicant_iin,
            "bin": application.applicant_bin,
            "name": application.applicant_name,
        },
        "variant": application.variant,
        "result": {"kind": kind, "name": dict(result.name), "refusal": result.refusal},
        "grounds": grounds or None,
        "prepared_at": prepared_at.isoformat(),
    }


def signed_bytes(document: dict[str, Any]) -> bytes:
    """The canonical bytes of a document: what the authorized person signs."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class SigningError(Exception):
    """The signer's key cannot be used."""


def sign_result(
    document: dict[str, Any], signer: StaffMember, certs_dir: Path, at: datetime
) -> bytes:
    """An attached CMS of the document with the signer's keystore, at the simulator's time."""
    keystore = _keystore(signer, certs_dir)
    return cms.sign(signed_bytes(document), keystore.key, keystore.certificate, keystore.chain, at)


def approve_result(signature: bytes, approver: StaffMember, certs_dir: Path, at: datetime) -> bytes:
    """The signed result with the approver's signature added after the signer's, over the same
    document, the signer's untouched (`egovsim sign cms --add`)."""
    keystore = _keystore(approver, certs_dir)
    return cades.add_signer(signature, None, keystore.key, keystore.certificate, keystore.chain, at)


def _keystore(member: StaffMember, certs_dir: Path) -> Keystore:
    if not member.keystore or member.keystore_password is None:
        raise SigningError(f"{member.login} has no signing key")
    try:
        return load_keystore(certs_dir / member.keystore, member.keystore_password)
    except KeystoreError as error:
        raise SigningError(str(error)) from None
