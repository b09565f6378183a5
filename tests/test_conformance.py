"""The provider conformance suite drives a provider system through the gateway contract from an
in-process gateway on loopback: the reference provider system passes every check (through
`egovsim conformance`, with JUnit XML and an HTML report holding the exchanged SOAP messages),
and a deliberately broken one fails exactly the checks its breakages break."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from junitparser import JUnitXml

from egovsim.cli import main
from egovsim.conformance import CHECK_IDS, ConformanceOptions, ConformanceRun, run_conformance
from egovsim.testing.ports import free_port
from egovsim.web.serving import serve
from examples.broken_provider import BREAKAGES, BrokenProvider
from examples.provider_system import ProviderSystem

PASSPORT = "shymkent-energy-readiness-passport"
SENDER, SENDER_PASSWORD = "shymkent-energy-is", "s3cret"


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EGOVSIM_CLOCK", "EGOVSIM_CERTS", "EGOVSIM_DATA", "EGOVSIM_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)


async def started(system: ProviderSystem) -> TestServer:
    server = TestServer(system.application(), host="127.0.0.1")
    await server.start_server()
    return server


async def stopped(system: ProviderSystem, server: TestServer) -> None:
    await asyncio.gather(*system.answers, return_exceptions=True)
    await server.close()


async def conformance_of(
    system: ProviderSystem, certs_dir: Path, provider_bin: str | None = None
) -> ConformanceRun:
    """The suite through its Python API, the gateway on any free port."""
    server = await started(system)
    try:

        def ready(url: str) -> None:
            system.gateway = url  # the system answers to the run's gateway

        return await run_conformance(
            ConformanceOptions(
                provider_url=str(server.make_url("/")),
                service_id=PASSPORT,
                certs_dir=certs_dir,
                sender_id=SENDER,
                password=SENDER_PASSWORD,
                provider_bin=provider_bin,
                port=0,
                settle=1.0,
            ),
            serve=serve,
            on_ready=ready,
        )
    finally:
        await stopped(system, server)


async def test_the_reference_system_passes_every_check_through_the_command(
    certs_dir: Path, persona, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    system = ProviderSystem(
        f"http://127.0.0.1:{port}",
        SENDER,
        SENDER_PASSWORD,
        persona("shymkent-energy-head").sign,
        PASSPORT,
    )
    server = await started(system)
    junit, report = tmp_path / "out" / "conformance.xml", tmp_path / "out" / "conformance.html"
    try:
        # The command runs its own event loop; the system answers from this one.
        code = await asyncio.to_thread(
            main,
            [
                "--certs",
                str(certs_dir),
                "conformance",
                "--provider-url",
                str(server.make_url("/")),
                "--service",
                PASSPORT,
                "--sender",
                SENDER,
                "--password",
                SENDER_PASSWORD,
                "--port",
                str(port),
                "--settle",
                "1",
                "--junit",
                str(junit),
                "--html",
                str(report),
            ],
        )
    finally:
        await stopped(system, server)

    assert code == 0, capsys.readouterr().err
    assert f"egovsim's gateway: http://127.0.0.1:{port}" in capsys.readouterr().err
    (suite,) = list(JUnitXml.fromfile(str(junit)))
    cases = list(suite)
    assert [case.name for case in cases] == list(CHECK_IDS)
    assert all(case.is_passed for case in cases)
    # The evidence: each push and the system's answer, and what the system sent the gateway.
    pushed = next(c for c in cases if c.name == "request-acknowledged").system_out or ""
    assert "wsse:Security" in pushed
    assert "sendMessageResponse" in pushed
    revoked = next(c for c in cases if c.name == "revoked-signer-refused").system_out or ""
    assert "HTTP 500" in revoked
    assert "CERT_REVOKED" in revoked
    page = report.read_text(encoding="utf-8")
    assert "11 passed, 0 failed" in page
    assert "changeMassageStatusNotificationResponse" in page
    assert "TOTAL_PASSED" in page


async def test_a_broken_system_fails_exactly_the_checks_its_breakages_break(
    certs_dir: Path, persona
) -> None:
    system = BrokenProvider(
        "http://127.0.0.1:9",
        SENDER,
        SENDER_PASSWORD,
        persona("shymkent-energy-head").sign,
        PASSPORT,
        breakages=frozenset(BREAKAGES),
    )
    run = await conformance_of(system, certs_dir)

    failed = {r.spec.id: r.message for r in run.results if not r.passed}
    assert set(failed) == {
        "unsigned-refused",  # accept-unsigned
        "revoked-signer-refused",  # accept-revoked
        "tampered-body-refused",  # accept-tampered
        "duplicate-handled-once",  # answer-duplicates
        "redelivery-handled-once",  # answer-duplicates
        "updates-signed-and-correlated",  # unsigned-updates
        "response-signed-by-authorized-person",  # unsigned-response
        "malformed-refused",  # crash-on-malformed
    }, failed
    assert set(failed) == set().union(*(checks for _, checks in BREAKAGES.values()))
    assert "acknowledged" in failed["unsigned-refused"]
    assert "acknowledged" in failed["revoked-signer-refused"]
    assert "acknowledged" in failed["tampered-body-refused"]
    assert "2 (" in failed["duplicate-handled-once"]
    assert "handled again" in failed["redelivery-handled-once"]
    assert "no WS-Security signature" in failed["updates-signed-and-correlated"]
    assert 'without a "cms"' in failed["response-signed-by-authorized-person"]
    assert "without a SOAP fault" in failed["malformed-refused"]
    assert not run.passed


async def test_a_result_signed_without_the_right_to_sign_fails_the_response_check(
    certs_dir: Path, persona
) -> None:
    # A system of the energy company whose keys are an employee's: a valid signing
    # certificate of the right BIN, but no right to sign for the organization.
    employee = persona("company-employee")
    system = ProviderSystem("http://127.0.0.1:9", SENDER, SENDER_PASSWORD, employee.sign, PASSPORT)
    run = await conformance_of(system, certs_dir, provider_bin=employee.bin)

    failed = {r.spec.id: r.message for r in run.results if not r.passed}
    assert list(failed) == ["response-signed-by-authorized-person"]
    assert "NO_SIGNING_RIGHT" in failed["response-signed-by-authorized-person"]


def test_a_run_without_a_test_pki_or_with_a_bad_address_is_a_usage_error(
    certs_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def conformance(certs: Path, url: str) -> int:
        arguments = ["--provider-url", url, "--service", PASSPORT, "--port", "0"]
        return main(["--certs", str(certs), "conformance", *arguments])

    assert conformance(tmp_path / "nothing", "http://127.0.0.1:9/") == 2
    assert "no test PKI" in capsys.readouterr().err
    assert conformance(certs_dir, "ftp://127.0.0.1/") == 2
    assert "--provider-url must be an http(s) address" in capsys.readouterr().err
