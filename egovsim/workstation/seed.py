"""Seeding the providers and their staff into a fresh database (idempotent)."""

from __future__ import annotations

from typing import Any

from egovsim.passwords import demo_password_hash
from egovsim.storage.records import Provider, StaffMember
from egovsim.storage.staff import StaffStore
from egovsim.workstation.providers import PROVIDERS


async def seed_providers(staff: StaffStore, personas: list[dict[str, Any]], password: str) -> int:
    """Create the seeded providers and the staff logins that do not exist yet; how many logins
    were created. Officials who sign use their persona's signing keystore."""
    by_id = {persona["id"]: persona for persona in personas}
    password_hash: str | None = None  # one scrypt for all: they share the demo password
    created = 0
    for spec in PROVIDERS:
        await staff.save_provider(
            Provider(spec.id, spec.bin, spec.name, spec.region, spec.services)
        )
        for member in spec.staff:
            if await staff.staff_by_login(member.login) is not None:
                continue
            persona = by_id.get(member.persona) if member.persona else None
            if member.persona and persona is None:
                raise LookupError(f"persona {member.persona} is missing from the test PKI")
            password_hash = password_hash or demo_password_hash(password)
            await staff.save_staff(
                StaffMember(
                    id=0,
                    provider_id=spec.id,
                    login=member.login,
                    password_hash=password_hash,
                    role=member.role,
                    name=member.name,
                    iin=persona["iin"] if persona else member.iin,
                    keystore=persona["keystores"]["sign"]["file"] if persona else None,
                    keystore_password=persona["password"] if persona else None,
                )
            )
            created += 1
    return created
