"""Object identifiers of the NCA's certificate profile (SPEC §3) and the roles they stand for."""

from __future__ import annotations

from typing import Literal

from cryptography.x509 import ObjectIdentifier
from cryptography.x509.oid import ExtendedKeyUsageOID

Usage = Literal["sign", "auth"]
Role = Literal["individual", "first-head", "signer", "finance", "hr", "employee"]
ROLES: tuple[Role, ...] = ("individual", "first-head", "signer", "finance", "hr", "employee")

INDIVIDUAL = ObjectIdentifier("1.2.398.3.3.4.1.1")
LEGAL_ENTITY = ObjectIdentifier("1.2.398.3.3.4.1.2")
LEGAL_ROLE_OIDS: dict[Role, ObjectIdentifier] = {
    "first-head": ObjectIdentifier("1.2.398.3.3.4.1.2.1"),
    "signer": ObjectIdentifier("1.2.398.3.3.4.1.2.2"),
    "finance": ObjectIdentifier("1.2.398.3.3.4.1.2.3"),
    "hr": ObjectIdentifier("1.2.398.3.3.4.1.2.4"),
    "employee": ObjectIdentifier("1.2.398.3.3.4.1.2.5"),
}
ROLE_BY_OID: dict[str, Role] = {oid.dotted_string: role for role, oid in LEGAL_ROLE_OIDS.items()}

#: Roles that may sign a legal entity's request (SPEC §4: first head or person with signing right).
SIGNING_ROLES: frozenset[Role] = frozenset({"first-head", "signer"})

POLICY_LEGAL_SIGN = ObjectIdentifier("1.2.398.3.3.2.1")
POLICY_LEGAL_AUTH = ObjectIdentifier("1.2.398.3.3.2.2")
POLICY_INDIVIDUAL_SIGN = ObjectIdentifier("1.2.398.3.3.2.3")
POLICY_INDIVIDUAL_AUTH = ObjectIdentifier("1.2.398.3.3.2.4")

EKU_SIGN = ExtendedKeyUsageOID.EMAIL_PROTECTION
EKU_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH


def policy_for(usage: Usage, legal: bool) -> ObjectIdentifier:
    """The certificate policy OID of a signing or authentication certificate."""
    if legal:
        return POLICY_LEGAL_SIGN if usage == "sign" else POLICY_LEGAL_AUTH
    return POLICY_INDIVIDUAL_SIGN if usage == "sign" else POLICY_INDIVIDUAL_AUTH
