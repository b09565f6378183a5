"""A happy path driven through a `Simulator` from Python, without HTTP, and a reset after it:
run as `python -m tests.simulator_drive CERTS DATA ISSUED` by `tests/test_simulator_core.py`, in a
process of its own so that what it imports can be told. Prints one JSON line of what it saw."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.pki.authority import TestPki
from egovsim.pki.keystore import Keystore, load_keystore
from egovsim.pki.personas import load_personas
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.signatures import cms
from egovsim.simulator import Simulator

SERVICE, VARIANT = "almaty-small-vessel-licence", "duplicate"
#: The smallest files the portal's content sniffing takes as each kind.
FILES = {
    "application": (
        "application.pdf",
        "application/pdf",
        b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n",
    ),
    "identity-document": ("id.jpeg", "image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)),
    "photo": ("photo.png", "image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)),
}


def working_morning(after: datetime, calendar: WorkingCalendar, days: int = 1) -> datetime:
    """10:00 local time `days` working days after `after`."""
    day = after.astimezone(calendar.zone).date()
    for _ in range(days):
        day += timedelta(days=1)
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=calendar.zone)


async def deliver(sim: Simulator) -> None:
    """Run the gateway's deliveries until none is due (bounded: a loop would be a bug)."""
    for _ in range(20):
        if not await sim.delivery.deliver_due():
            return
    raise AssertionError("the gateway's deliveries never settle")


def sign_key(certs: Path, persona_id: str) -> tuple[dict[str, Any], Keystore]:
    """A demo persona's entry and its signing keystore."""
    entry = next(p for p in load_personas(certs) if p["id"] == persona_id)
    return entry, load_keystore(certs / entry["keystores"]["sign"]["file"], entry["password"])


async def happy_path(sim: Simulator) -> dict[str, Any]:
    """A citizen's duplicate small-vessel licence from the portal to the result in the cabinet:
    what the application and the result said at the end."""
    citizen, keystore = sign_key(sim.settings.certs_dir, "citizen-valid")
    applicant = await sim.accounts.applicant(citizen["iin"], citizen["iin"], citizen["name"])
    assert applicant is not None, "the demo accounts are seeded at start"
    draft = await sim.portal.start(applicant, SERVICE, VARIANT, {"request-kind": "duplicate"})
    number = draft.application.id
    for document, (filename, content_type, data) in FILES.items():
        await sim.portal.attach(applicant, number, document, filename, content_type, data)
    edocument = await sim.portal.document_to_sign(applicant, number)
    signature = cms.sign(
        edocument, keystore.key, keystore.certificate, keystore.chain, sim.clock.now()
    )
    sent = await sim.portal.sign(applicant, number, signature)
    await deliver(sim)

    async def staff(login: str, action: str, params: dict[str, Any] | None = None) -> None:
        member = await sim.staff.staff_by_login(login)
        assert member is not None, login
        if action == "open":
            for document in FILES:
                await sim.workstation.open_attachment(member, provider_id, document)
        else:
            await sim.workstation.act(member, provider_id, action, params or {})

    office = await sim.staff.staff_by_login("alm-office")
    assert office is not None
    (arrived,) = (await sim.workstation.inbox(office)).views
    provider_id = arrived.application.id
    await staff("alm-office", "register")
    sim.clock.set(working_morning(sim.clock.now(), sim.calendar))
    await staff("alm-executor", "open")
    await staff("alm-executor", "check", {"documents": dict.fromkeys(FILES, "compliant")})
    await staff("alm-executor", "prepare", {"result": "duplicate"})
    await staff("alm-head", "sign")
    await staff("alm-office", "hand_over")
    await deliver(sim)
    detail = await sim.portal.application(applicant, number)
    result = await sim.portal.result(applicant, number)
    return {
        "sent": sent.application.status,
        "status": detail.application.status,
        "result": result.kind,
        "refusal": result.refusal,
        "result_signature": result.verification.get("indication"),
        "applications": len((await sim.portal.applications(applicant)).views),
    }


async def drive(certs: Path, data: Path, issued: datetime) -> dict[str, Any]:
    """Start a simulator on the working morning after the PKI was `issued`, run the happy
    path, reset it, and tell what was there before and after the reset."""
    # The script delivers itself (`deliver`): a background worker would claim the messages first.
    settings = Settings(
        data_dir=data,
        certs_dir=certs,
        public_url=TestPki.open(certs).base_url,
        gateway_worker=False,
    )
    clock = Clock(frozen_at=working_morning(issued, WorkingCalendar.kazakhstan()))
    async with Simulator(settings, clock, network=None) as sim:
        await sim.startup_catch_up
        seen = await happy_path(sim)
        sim.clock.advance(timedelta(days=3))
        emptied = await sim.reset()
        citizen, _ = sign_key(certs, "citizen-valid")
        applicant = await sim.accounts.applicant(citizen["iin"], citizen["iin"], citizen["name"])
        assert applicant is not None, "the reset seeds the demo accounts again"
        seen["removed"] = emptied.rows
        seen["after_reset"] = {
            "applications": len((await sim.portal.applications(applicant)).views),
            "clock": sim.clock.mode,
            "messages": len(await sim.gateway_store.search(limit=10)),
            "staff": (await sim.staff.staff_by_login("alm-office")) is not None,
            "routes": len(await sim.gateway_store.routes()),
        }
    seen["aiohttp_imported"] = "aiohttp" in sys.modules
    return seen


if __name__ == "__main__":
    certs, data, issued = Path(sys.argv[1]), Path(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
    print(json.dumps(asyncio.run(drive(certs, data, issued))))
