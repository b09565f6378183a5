"""Two simulator instances on one database (the SQLite file, and PostgreSQL): what one changes,
the other serves, within one refresh interval; the PKI, the sessions and the attachments are
one for both, each instance with its own certs directory as on two machines."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from egovsim.cli import main
from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.pki.authority import NCA, NCA_DELTA, TestPki
from egovsim.portal.attachments import AttachmentFiles
from egovsim.signatures import cms
from egovsim.simulator import Simulator
from egovsim.simulator.pki_sharing import MARKER
from egovsim.storage.attachment_contents import AttachmentContents
from egovsim.storage.database import Database, database_location
from egovsim.storage.faults import OCSP_DOWN, PkiFault
from egovsim.storage.shared_versions import PKI
from egovsim.web.app import create_app
from egovsim.web.common.keys import SIMULATOR
from tests.conftest import BOTH_DATABASES, NOW, PASSWORD

pytestmark = pytest.mark.parametrize("database_url", BOTH_DATABASES, indirect=True)
#: A refresh that never comes by itself during a test that refreshes by hand.
BY_HAND = 60.0
#: The refresh of the tests that wait for it: short, so the wait is too.
QUICK = 0.05


def instances(settings: Settings, tmp_path: Path, refresh: float) -> tuple[Simulator, Simulator]:
    """Two instances on the test's database: the first with the test's PKI, the second with an
    empty certs directory of its own (another machine)."""
    # Refreshed by hand: no announcement (PostgreSQL's NOTIFY) refreshes it behind the test.
    first = settings.with_overrides(shared_refresh=refresh, shared_listen=refresh != BY_HAND)
    second = first.with_overrides(certs_dir=tmp_path / "second-machine" / "certs")
    return Simulator(first, Clock(frozen_at=NOW)), Simulator(second, Clock(frozen_at=NOW))


def ocsp_status(sim: Simulator, certificate: x509.Certificate) -> ocsp.OCSPCertStatus:
    """What the instance's OCSP responder says of `certificate` now."""
    issuer = sim.pki.authority(NCA).certificate
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1()).build()
    der = request.public_bytes(serialization.Encoding.DER)
    return ocsp.load_der_ocsp_response(sim.ocsp.respond(der, sim.clock.now())).certificate_status


def listed(crl_der: bytes, serial: int) -> bool:
    """Whether the CRL lists `serial`."""
    return (
        x509.load_der_x509_crl(crl_der).get_revoked_certificate_by_serial_number(serial) is not None
    )


async def eventually(check: Any, refresh: float) -> bool:
    """Whether `check()` holds within a few refresh intervals (a bounded wait, no timing)."""
    for _ in range(200):
        if check():
            return True
        await asyncio.sleep(refresh)
    return bool(check())


async def test_a_second_instance_copies_the_pki_and_serves_a_session_made_on_the_first(
    settings: Settings, tmp_path: Path, persona: Any
) -> None:
    first, second = instances(settings, tmp_path, BY_HAND)
    async with first, second:
        assert second.pki.trust_anchors == first.pki.trust_anchors
        assert [r.serial for r in second.pki.records()] == [r.serial for r in first.pki.records()]
        assert (second.settings.certs_dir / "personas.json").is_file()
        assert second.keyring.current is not None

        auth = persona("citizen-valid").auth
        challenge_id, nonce, _ = await first.accounts.challenge()
        signature = cms.sign(nonce, auth.key, auth.certificate, auth.chain, NOW)
        token, applicant, _ = await first.accounts.login(
            persona("citizen-valid").iin,
            PASSWORD,
            challenge_id,
            base64.b64encode(signature).decode(),
        )
        found = await second.accounts.applicant_for_session(token)
        assert found is not None and found[0].iin == applicant.iin


async def test_a_revocation_through_one_instance_is_in_the_others_ocsp_answers_and_crls(
    settings: Settings, tmp_path: Path, persona: Any
) -> None:
    first, second = instances(settings, tmp_path, BY_HAND)
    certificate = persona("citizen-valid").sign.certificate
    async with first, second:
        # The other instance has answered for it already: its pre-produced answer says good.
        assert ocsp_status(second, certificate) == ocsp.OCSPCertStatus.GOOD
        assert not listed(second.pki.crl("nca_rsa", NOW), certificate.serial_number)

        first.pki.revoke(certificate.serial_number, "keyCompromise", NOW - timedelta(hours=1), NOW)
        assert PKI not in await first.shared.refresh()  # sent: nothing to copy in here
        assert PKI in await second.shared.refresh()

        assert ocsp_status(second, certificate) == ocsp.OCSPCertStatus.REVOKED
        assert listed(second.pki.crl("nca_rsa", NOW), certificate.serial_number)
        # One CRL, not one per instance: the same bytes, the same number.
        assert second.pki.crl("nca_rsa", NOW) == first.pki.crl("nca_rsa", NOW)
        assert second.pki.crl(NCA_DELTA, NOW) == first.pki.crl(NCA_DELTA, NOW)


async def test_a_crl_published_when_due_on_one_instance_is_the_one_the_other_serves(
    settings: Settings, tmp_path: Path
) -> None:
    first, second = instances(settings, tmp_path, BY_HAND)
    later = NOW + timedelta(days=3)
    async with first, second:
        published = first.pki.crl("nca_rsa", later)  # due: published anew, here
        await first.shared.refresh()
        await second.shared.refresh()
        assert second.pki.crl("nca_rsa", later) == published
        number = x509.load_der_x509_crl(published).extensions.get_extension_for_class(
            x509.CRLNumber
        )
        assert number.value.crl_number > 1


async def test_the_clock_switches_and_key_set_changed_on_one_are_seen_on_the_other(
    settings: Settings, tmp_path: Path
) -> None:
    first, second = instances(settings, tmp_path, QUICK)
    moved = NOW + timedelta(days=5, hours=3)
    async with first, second:
        first.clock.freeze(moved)
        await first.clock_changed()
        await first.faults.switch_on(PkiFault(OCSP_DOWN, first.clock.now()))
        await first.choose_key_set("citizen-revoked")

        assert await eventually(lambda: second.clock.now() == moved, QUICK)
        assert await eventually(lambda: second.faults.current.is_on(OCSP_DOWN), QUICK)
        assert await eventually(lambda: key_set(second) == "citizen-revoked", QUICK)

        await first.reset()
        assert await eventually(lambda: second.clock.mode == "real", QUICK)
        assert await eventually(lambda: not second.faults.current.is_on(OCSP_DOWN), QUICK)
        assert await eventually(lambda: key_set(second) == "citizen-valid", QUICK)


async def test_on_postgresql_a_change_is_announced_and_served_by_the_other_before_its_period(
    settings: Settings, tmp_path: Path, database_url: str | None
) -> None:
    if database_url is None:
        pytest.skip("SQLite announces nothing: instances on one file read the counters")
    # A period longer than the test: only the announcement can bring the change in time.
    first = settings.with_overrides(shared_refresh=BY_HAND)
    second = first.with_overrides(certs_dir=tmp_path / "second-machine" / "certs")
    one, other = Simulator(first, Clock(frozen_at=NOW)), Simulator(second, Clock(frozen_at=NOW))
    moved = NOW + timedelta(days=2)
    async with one, other:
        assert await eventually(lambda: other.shared.listening, QUICK)
        one.clock.freeze(moved)
        await one.clock_changed()
        await one.faults.switch_on(PkiFault(OCSP_DOWN, one.clock.now()))

        assert await eventually(lambda: other.clock.now() == moved, QUICK)
        assert await eventually(lambda: other.faults.current.is_on(OCSP_DOWN), QUICK)
        assert other.shared.announcements >= 2


def key_set(sim: Simulator) -> str | None:
    current = sim.keyring.current
    return None if current is None else current.id


async def test_attachments_stored_through_one_database_connection_are_read_through_another(
    settings: Settings, tmp_path: Path
) -> None:
    location = database_location(settings)
    legacy = tmp_path / "attachments"
    old = b"%PDF-1.4 kept as a file by an earlier version"
    old_digest = hashlib.sha256(old).hexdigest()
    (legacy / old_digest[:2]).mkdir(parents=True)
    (legacy / old_digest[:2] / old_digest).write_bytes(old)
    here, there = await Database.open(location), await Database.open(location)
    try:
        stored = AttachmentFiles(AttachmentContents(here))
        digest = await stored.save(b"%PDF-1.7 a scan")
        assert await stored.save(b"%PDF-1.7 a scan") == digest  # kept once
        read = AttachmentFiles(AttachmentContents(there), legacy)
        assert await read.read(digest) == b"%PDF-1.7 a scan"
        assert await read.read(old_digest) == old  # moved into the database on first read
        assert await AttachmentContents(here).get(old_digest) == old
        with pytest.raises(FileNotFoundError):
            await read.read("0" * 64)
    finally:
        await here.close()
        await there.close()


async def test_a_pki_change_made_while_no_instance_ran_is_shared_at_the_next_start(
    settings: Settings, tmp_path: Path, persona: Any
) -> None:
    first, second = instances(settings, tmp_path, BY_HAND)
    async with first:
        pass
    assert (settings.certs_dir / MARKER).is_file()
    # `egovsim pki revoke` on the first machine, with no server running there.
    certificate = persona("citizen-valid").sign.certificate
    TestPki.open(settings.certs_dir).revoke(
        certificate.serial_number, "keyCompromise", NOW - timedelta(hours=1), NOW
    )
    first, _ = instances(settings, tmp_path, BY_HAND)
    async with first, second:
        assert ocsp_status(second, certificate) == ocsp.OCSPCertStatus.REVOKED


async def test_egovsim_pki_revoke_on_another_machine_reaches_a_running_instance(
    settings: Settings, tmp_path: Path, persona: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = instances(settings, tmp_path, BY_HAND)
    certificate = persona("citizen-valid").sign.certificate
    database = (
        ["--database-url", settings.database_url]
        if settings.database_url
        else ["--data-dir", str(settings.data_dir)]
    )
    elsewhere = tmp_path / "third-machine" / "certs"
    async with first:
        assert ocsp_status(first, certificate) == ocsp.OCSPCertStatus.GOOD
        arguments = [*database, "--certs", str(elsewhere), "pki", "revoke"]
        serial = f"{certificate.serial_number:X}"
        at = (NOW - timedelta(hours=1)).isoformat()
        code = await asyncio.to_thread(main, [*arguments, "--serial", serial, "--at", at])
        assert code == 0, capsys.readouterr().err
        assert "revoked" in capsys.readouterr().out
        # The machine that ran the command holds the whole PKI now, with the revocation.
        assert TestPki.open(elsewhere).find(certificate.serial_number).revocation is not None

        assert PKI in await first.shared.refresh()
        assert ocsp_status(first, certificate) == ocsp.OCSPCertStatus.REVOKED


async def test_two_changes_to_the_pki_in_one_interval_keep_the_databases_and_say_so(
    settings: Settings, tmp_path: Path, persona: Any, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = instances(settings, tmp_path, BY_HAND)
    here = persona("citizen-valid").sign.certificate
    there = persona("citizen-second").sign.certificate
    an_hour_ago = NOW - timedelta(hours=1)
    async with first, second:
        first.pki.revoke(here.serial_number, "keyCompromise", an_hour_ago, NOW)
        second.pki.revoke(there.serial_number, "keyCompromise", an_hour_ago, NOW)
        await first.shared.refresh()
        await second.shared.refresh()

        assert "the shared copy wins" in caplog.text
        assert ocsp_status(second, here) == ocsp.OCSPCertStatus.REVOKED
        assert ocsp_status(second, there) == ocsp.OCSPCertStatus.GOOD
        assert second.pki.crl("nca_rsa", NOW) == first.pki.crl("nca_rsa", NOW)


async def test_an_imported_database_brings_its_pki_to_the_instances_on_it(
    settings: Settings, tmp_path: Path
) -> None:
    exported = tmp_path / "state.jsonl"
    async with Simulator(settings, Clock(frozen_at=NOW)) as first:
        anchors, serials = first.pki.trust_anchors, [r.serial for r in first.pki.records()]
    database = (
        ["--database-url", settings.database_url]
        if settings.database_url
        else ["--data-dir", str(settings.data_dir)]
    )
    assert await asyncio.to_thread(main, [*database, "db", "export", str(exported)]) == 0
    elsewhere = Settings(
        data_dir=tmp_path / "elsewhere" / "data",
        certs_dir=tmp_path / "elsewhere" / "certs",
        public_url=settings.public_url,
        clock_frozen_at=NOW,
    )
    imported = ["--data-dir", str(elsewhere.data_dir), "db", "import", str(exported)]
    assert await asyncio.to_thread(main, imported) == 0

    async with Simulator(elsewhere, Clock(frozen_at=NOW)) as second:
        assert second.pki.trust_anchors == anchors
        assert [r.serial for r in second.pki.records()] == serials


async def test_two_served_instances_answer_a_revocation_made_on_one_over_http(
    settings: Settings, tmp_path: Path, persona: Any
) -> None:
    first_settings = settings.with_overrides(shared_refresh=QUICK)
    second_settings = first_settings.with_overrides(certs_dir=tmp_path / "second" / "certs")
    certificate = persona("citizen-valid").sign.certificate
    async with (
        TestClient(TestServer(create_app(first_settings, Clock(frozen_at=NOW)))) as first,
        TestClient(TestServer(create_app(second_settings, Clock(frozen_at=NOW)))) as second,
    ):
        issuer = first.app[SIMULATOR].pki.authority(NCA).certificate
        request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1())
        body = request.build().public_bytes(serialization.Encoding.DER)

        async def second_says() -> ocsp.OCSPCertStatus:
            answer = await second.post(
                "/ocsp", data=body, headers={"Content-Type": "application/ocsp-request"}
            )
            return ocsp.load_der_ocsp_response(await answer.read()).certificate_status

        assert await second_says() == ocsp.OCSPCertStatus.GOOD
        # `egovsim pki revoke` on the first machine (its certs directory).
        first.app[SIMULATOR].pki.revoke(
            certificate.serial_number, "keyCompromise", NOW - timedelta(hours=1), NOW
        )
        for _ in range(200):
            if await second_says() == ocsp.OCSPCertStatus.REVOKED:
                break
            await asyncio.sleep(QUICK)
        assert await second_says() == ocsp.OCSPCertStatus.REVOKED
        crl = await (await second.get("/crl/nca_rsa.crl")).read()
        assert listed(crl, certificate.serial_number)
        assert crl == await (await first.get("/crl/nca_rsa.crl")).read()


async def test_a_reload_under_way_does_not_put_back_a_clock_set_here_meanwhile(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The refusal tour's race: this instance's own earlier change makes the refresh reload the
    # clock; the reload reads the database, the trainer sets the clock again before the reload
    # applies what it read, and the reload must not leave the instance on the earlier time.
    first, _ = instances(settings, tmp_path, BY_HAND)
    earlier, later = NOW + timedelta(days=3), NOW + timedelta(days=40)
    async with first:
        first.clock.freeze(earlier)
        await first.clock_changed()
        read, release = asyncio.Event(), asyncio.Event()
        reading = first.clock_store.clock_state

        async def slow_read() -> Any:
            state = await reading()
            read.set()
            await release.wait()
            return state

        monkeypatch.setattr(first.clock_store, "clock_state", slow_read)
        refresh = asyncio.create_task(first.shared.refresh())
        await read.wait()  # the reload holds the earlier time and has not applied it yet
        first.clock.freeze(later)
        change = asyncio.create_task(first.clock_changed())
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(refresh, change)
        assert first.clock.now() == later
        monkeypatch.setattr(first.clock_store, "clock_state", reading)
        await first.shared.refresh()  # the change's own counter: reloads the time it saved
        assert first.clock.now() == later
