"""The conformance suite's refusal checks see the refusal they push for, not just any fault
(a revoked signer refused with REVOCATION_UNAVAILABLE fails), and its gateway listens where the
settings say the simulator is, never on a fixed port."""

from __future__ import annotations

from pathlib import Path

import pytest

from egovsim.cli import main
from egovsim.conformance import CHECKS
from egovsim.conformance.exchanges import Exchange, refusal, refused_for
from egovsim.conformance.gateway import pki_port, url_port
from egovsim.testing.ports import free_port

SPECS = {spec.id: spec for spec in CHECKS}


def _faulted(faultstring: str, detail: str = "") -> Exchange:
    body = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
        f"<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>{faultstring}"
        f"</faultstring><detail>{detail}</detail></soapenv:Fault></soapenv:Body>"
        "</soapenv:Envelope>"
    ).encode()
    return Exchange("push", "http://127.0.0.1:9/", b"<request/>", 500, body)


def _judged(check: str, exchange: Exchange) -> tuple[bool, str]:
    expected = SPECS[check].refusal
    assert expected is not None
    return refused_for(exchange, expected.codes, expected.words)


@pytest.mark.parametrize(
    ("check", "faultstring"),
    [
        ("revoked-signer-refused", "WSS_CERTIFICATE_REFUSED: CERT_REVOKED: keyCompromise"),
        ("revoked-signer-refused", "The signer's certificate was revoked on 2027-01-01"),
        ("untrusted-signer-refused", "WSS_CERTIFICATE_REFUSED: CERT_UNTRUSTED: unknown root"),
        ("tampered-body-refused", "WSS_DIGEST_MISMATCH: the Body's digest differs"),
        ("unsigned-refused", "WSS_SIGNATURE_MISSING: no Security header"),
        ("malformed-refused", "ENVELOPE_MALFORMED: not XML"),
    ],
)
def test_a_fault_naming_the_refusal_passes_its_check(check: str, faultstring: str) -> None:
    exchange = _faulted(faultstring)
    assert refusal(exchange)[0]
    passed, words = _judged(check, exchange)
    assert passed, words


def test_a_revoked_signer_refused_because_revocation_is_unavailable_fails() -> None:
    exchange = _faulted("WSS_CERTIFICATE_REFUSED: REVOCATION_UNAVAILABLE: OCSP unreachable")
    assert refusal(exchange)[0], "it is a SOAP fault with HTTP 500 ..."
    passed, words = _judged("revoked-signer-refused", exchange)
    assert not passed
    assert words == "refused for REVOCATION_UNAVAILABLE, where this check is about CERT_REVOKED"


def test_a_fault_that_does_not_say_why_fails_and_a_code_in_the_detail_counts() -> None:
    passed, words = _judged("tampered-body-refused", _faulted("Server error"))
    assert not passed
    assert words.startswith("the fault does not say why (WSS_DIGEST_MISMATCH or WSS_SIGN")
    coded = _faulted(
        "refused", "<ErrorInfo><errorCode>WSS_SIGNATURE_INVALID</errorCode></ErrorInfo>"
    )
    assert _judged("tampered-body-refused", coded)[0]


def test_every_refusal_check_names_codes_of_the_catalogue() -> None:
    from egovsim.errors import CATALOGUE

    refusing = [spec for spec in CHECKS if spec.id.endswith("-refused")]
    assert len(refusing) == 5
    for spec in refusing:
        assert spec.refusal is not None, spec.id
        assert set(spec.refusal.codes) <= set(CATALOGUE), spec.id


def test_the_gateway_port_is_the_pki_addresses_when_not_given(certs_dir: Path) -> None:
    assert pki_port(certs_dir) == 9  # the session's PKI names http://127.0.0.1:9
    assert url_port("https://egov.example") == 443
    assert url_port("http://127.0.0.1:8716/") == 8716


def test_the_command_listens_at_the_public_urls_port(
    certs_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("EGOVSIM_CLOCK", "EGOVSIM_CERTS", "EGOVSIM_DATA", "EGOVSIM_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    port = free_port()
    # Nothing answers at the provider's address: every check fails at once; what is looked at
    # here is where the gateway listened.
    code = main(
        [
            "--certs",
            str(certs_dir),
            "--public-url",
            f"http://127.0.0.1:{port}",
            "conformance",
            "--provider-url",
            "http://127.0.0.1:9/",
            "--service",
            "shymkent-energy-readiness-passport",
            "--settle",
            "0",
            "--timeout",
            "1",
        ]
    )
    assert code == 1
    assert f"egovsim's gateway: http://127.0.0.1:{port} " in capsys.readouterr().err
