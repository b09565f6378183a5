"""The `soap` step's options beyond what the shipped files show: each WS-Security form and change
meets its own refusal, the forms the gateway accepts are signed honestly (the signature holds),
the `wss` words are checked when a file loads, `deliver` judges the message's final state, and
a fault switch is switched off by `on: false`."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from egovsim.gateway.wsnames import WSU
from egovsim.gateway.wssecurity import sign_envelope, verify_envelope
from egovsim.scenarios.model import WSS_DIGESTS, WSS_METHODS, ScenarioError, load_scenario_file
from egovsim.scenarios.runner import ScenarioResult, run_files
from egovsim.scenarios.steps.soap import DIGESTS, METHODS, reshape
from egovsim.scenarios.targets import InProcess
from egovsim.signatures.xmldsig import DS, canonical
from egovsim.web.serving import serve
from tests.conftest import NOW
from tests.test_workstation import passport_request
from tests.test_wssecurity import ENVELOPE

#: A message as the portal sends it: signed, as the portal's sender requires.
SEND = """\
          wss: {signer: egov-gateway}
          body: |
            <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
             <soapenv:Header/><soapenv:Body>
              <ns:sendMessage xmlns:ns="http://bip.bee.kz/AsyncChannel/v10/Types"><request>
               <messageInfo><messageId>${uuid}</messageId>
                <serviceId>shymkent-energy-readiness-passport</serviceId>
                <messageType>REQUEST</messageType>
                <messageDate>2027-09-01T10:00:00+05:00</messageDate>
                <sender><senderId>egov-portal</senderId><password>Qwerty12</password></sender>
               </messageInfo>
               <messageData><data>{}</data></messageData>
              </request></ns:sendMessage>
             </soapenv:Body></soapenv:Envelope>
"""


async def _run(certs_dir: Path, tmp_path: Path, steps: str, clock: str = "") -> ScenarioResult:
    path = tmp_path / "scenario.yaml"
    start = f"    clock: {clock}\n" if clock else ""
    path.write_text(f"scenarios:\n  - name: one\n{start}    steps:\n{steps}", encoding="utf-8")
    (result,) = await run_files(InProcess(certs_dir, serve), [load_scenario_file(path)])
    (scenario,) = result.scenarios
    return scenario


def _signed(persona: Any, wss: dict[str, Any]) -> tuple[bytes, Any]:
    keystore = persona("citizen-valid").sign
    made = sign_envelope(ENVELOPE, keystore.key, keystore.certificate, created=NOW)
    return reshape(made, keystore.key, wss), keystore.certificate


def _signature_holds(envelope: bytes, certificate: Any, exclusive: bool = True) -> bool:
    """The SignatureValue verifies over the SignedInfo as it stands, with the signer's key:
    what the step changed it signed again, honestly."""
    root = etree.fromstring(envelope)
    signed_info = root.find(f".//{{{DS}}}SignedInfo")
    assert signed_info is not None
    method = signed_info.find(f"{{{DS}}}SignatureMethod")
    assert method is not None
    algorithm = next(h for uri, h in METHODS.values() if uri == method.get("Algorithm"))
    value = base64.b64decode(root.findtext(f".//{{{DS}}}SignatureValue") or "")
    try:
        certificate.public_key().verify(
            value, canonical(signed_info, exclusive=exclusive), padding.PKCS1v15(), algorithm
        )
    except Exception:
        return False
    return True


# -- the WS-Security forms ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wss", "code"),
    [
        ({}, None),
        ({"sign": ["body"]}, None),
        ({"digest": "sha512"}, None),
        ({"method": "rsa-sha512", "digest": "sha384"}, None),
        ({"digest": "sha1"}, "WSS_WEAK_ALGORITHM"),
        ({"method": "rsa-sha1"}, "WSS_WEAK_ALGORITHM"),
        ({"sign": ["timestamp"]}, "WSS_BODY_NOT_SIGNED"),
        ({"c14n": "inclusive"}, "WSS_UNSUPPORTED"),
        ({"tamper": "body"}, "WSS_DIGEST_MISMATCH"),
        ({"tamper": "signature"}, "WSS_SIGNATURE_INVALID"),
        ({"tamper": "token"}, "WSS_TOKEN_INVALID"),
        ({"tamper": "wrap"}, "SIGNATURE_WRAPPING"),
    ],
)
def test_each_wss_form_meets_its_own_refusal_or_none(persona, wss, code) -> None:
    envelope, certificate = _signed(persona, wss)
    check = verify_envelope(envelope, require=True)
    assert check.code == code, check.detail
    if code is None:
        assert check.certificate == certificate
    if "tamper" not in wss:
        assert _signature_holds(envelope, certificate, wss.get("c14n") != "inclusive")


def test_a_signature_over_the_timestamp_only_has_no_reference_to_the_body(persona) -> None:
    envelope, _ = _signed(persona, {"sign": ["timestamp"]})
    root = etree.fromstring(envelope)
    timestamp = root.find(f".//{{{WSU}}}Timestamp")
    assert timestamp is not None
    uris = [r.get("URI") for r in root.iter(f"{{{DS}}}Reference")]
    assert uris == [f"#{timestamp.get(f'{{{WSU}}}Id')}"]


def test_the_wrapped_envelope_keeps_the_signed_body_in_a_header_and_a_changed_one_in_place(
    persona,
) -> None:
    envelope, _ = _signed(persona, {"tamper": "wrap"})
    root = etree.fromstring(envelope)
    bodies = list(root.iter("{http://schemas.xmlsoap.org/soap/envelope/}Body"))
    assert len(bodies) == 2
    signed, forged = sorted(bodies, key=lambda b: b.getparent() is root)
    assert signed.getparent().getparent().tag.endswith("Header")
    assert forged.getparent() is root
    assert "(changed)" in etree.tostring(forged).decode()
    assert "(changed)" not in etree.tostring(signed).decode()


def test_every_digest_and_method_word_has_its_algorithm() -> None:
    assert set(DIGESTS) == set(WSS_DIGESTS)
    assert set(METHODS) == set(WSS_METHODS)
    assert all(isinstance(h, hashes.HashAlgorithm) for _, h in METHODS.values())


@pytest.mark.parametrize(
    ("wss", "message"),
    [
        ("{tamper: body}", "wss takes a signer"),
        ("{signer: citizen-valid, colour: red}", "not colour"),
        ("{signer: citizen-valid, tamper: bend}", "wss tamper is one of"),
        ("{signer: citizen-valid, sign: [header]}", "wss sign is a list of"),
        ("{signer: citizen-valid, digest: md5}", "wss digest is one of"),
    ],
)
def test_the_wss_words_are_checked_when_a_file_loads(tmp_path: Path, wss, message) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        f"scenarios:\n  - name: x\n    steps:\n      - soap:\n          body: x\n"
        f"          wss: {wss}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as raised:
        load_scenario_file(path)
    assert message in raised.value.message
    assert raised.value.line == 5


# -- following a message through its delivery -----------------------------------------------------


async def test_a_delivered_message_passes_and_one_the_provider_refuses_names_its_code(
    certs_dir: Path, tmp_path: Path
) -> None:
    send = "      - soap:\n          deliver: true\n" + SEND.replace(
        "<data>{}</data>", f"<data>{json.dumps(passport_request())}</data>"
    )
    delivered = await _run(certs_dir, tmp_path, send, "in-window 08-15..09-30")
    assert delivered.passed, delivered.failure()

    late = await _run(certs_dir, tmp_path, send, "outside-window 08-15..09-30")
    failure = late.failure()
    assert failure is not None
    assert failure.message == "refused with OUTSIDE_ACCEPTANCE_WINDOW"
    assert '"state": "NOT_DELIVERED"' in failure.evidence

    expected = send + "        refused: {code: OUTSIDE_ACCEPTANCE_WINDOW, step: P3}\n"
    late = await _run(certs_dir, tmp_path, expected, "outside-window 08-15..09-30")
    assert late.passed, late.failure()


async def test_a_receiver_switched_unreachable_ends_the_delivery_with_its_code(
    certs_dir: Path, tmp_path: Path
) -> None:
    scenario = await _run(
        certs_dir,
        tmp_path,
        "      - fault: {gateway: shymkent-energy-readiness-passport, kind: unreachable}\n"
        "      - soap:\n          deliver: true\n"
        + SEND
        + "        refused: {code: RECEIVER_UNREACHABLE, step: gateway}\n",
    )
    assert scenario.passed, scenario.failure()


async def test_a_fault_switched_off_with_on_false_is_off(certs_dir: Path, tmp_path: Path) -> None:
    scenario = await _run(
        certs_dir,
        tmp_path,
        "      - fault: {switch: gateway-down}\n"
        "      - fault: {switch: gateway-down, on: false}\n"
        "      - soap:\n" + SEND,
    )
    assert scenario.passed, scenario.failure()
