"""The one XML-DSig module: the gateway's envelopes written from a template are the same signature
as those built as trees (checked by egovsim and by xmlsec1), and the NCALayer socket signs with it
without reaching into the gateway."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

from egovsim.gateway import soap
from egovsim.gateway.wssecurity import DS, verify_envelope
from egovsim.gateway.wssign import signed_envelope
from egovsim.signatures.xmldsig import (
    EXC_C14N,
    SigningKey,
    XmlSigningError,
    canonical,
    reference_xml,
    signed_info,
)
from tests.conftest import NOW
from tests.test_wssecurity import (
    ID_ATTRIBUTES,
    NS,
    _one,
    _signer,
    _xmlsec1,
    needs_xmlsec1,
)

PACKAGE = Path(__file__).resolve().parents[1] / "egovsim"
#: Text that canonical XML escapes or keeps in ways a template could get wrong.
AWKWARD = "a & b < c > d \"e\" 'f'\r\nЖылу\tпаспорты"


def _content() -> etree._Element:
    """The Body's element of an answer, with awkward text, an attribute and a default namespace."""
    outer, response = soap.wrapper(soap.ASYNC_TYPES, "sendMessageResponse")
    etree.SubElement(response, "messageId").text = AWKWARD
    etree.SubElement(response, "note", kind=AWKWARD).text = "x"
    extra = etree.SubElement(response, "{urn:default}extra", nsmap={None: "urn:default"})
    etree.SubElement(extra, "{urn:default}inner").text = "y"
    return outer


@pytest.mark.parametrize("kind", ["rsa", "p256"])
def test_an_envelope_signed_from_the_template_verifies(kind, persona, pki) -> None:
    key, certificate = _signer(kind, persona, pki)
    signed = signed_envelope(_content(), SigningKey.of(key, certificate), created=NOW)
    check = verify_envelope(signed, require=True)
    assert check.passed, check.detail
    assert check.certificate == certificate
    assert check.signed_at == NOW
    assert "over Body, Timestamp" in check.detail
    root = etree.fromstring(signed)
    assert _one(root, "//messageId").text == AWKWARD
    assert _one(root, "//note").get("kind") == AWKWARD


def test_signed_info_is_written_in_the_canonical_form_it_signs() -> None:
    references = [
        reference_xml('#id-"1"&<2>', b"<body/>"),
        reference_xml("#TS-1", b"<timestamp/>"),
    ]
    text, signed = signed_info("urn:method", references)
    signature = etree.fromstring(f'<ds:Signature xmlns:ds="{DS}">{text}</ds:Signature>')
    assert canonical(signature[0]) == signed
    assert canonical(signature[0], inclusive_prefixes=["ds"]) == signed
    assert _one(signature, "ds:SignedInfo/ds:CanonicalizationMethod").get("Algorithm") == EXC_C14N
    uris = [node.get("URI") for node in signature.iterfind(".//ds:Reference", NS)]
    assert uris == ['#id-"1"&<2>', "#TS-1"]


@needs_xmlsec1
@pytest.mark.parametrize("kind", ["rsa", "p256"])
def test_xmlsec1_verifies_a_template_signed_envelope(kind, persona, pki, tmp_path) -> None:
    key, certificate = _signer(kind, persona, pki)
    signed = signed_envelope(_content(), SigningKey.of(key, certificate), created=NOW)
    (tmp_path / "envelope.xml").write_bytes(signed)
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    verify = ("--verify", *ID_ATTRIBUTES, "--pubkey-cert-pem", tmp_path / "cert.pem")
    result = _xmlsec1(*verify, tmp_path / "envelope.xml")
    assert result.returncode == 0, result.stderr
    assert "SignedInfo References (ok/all): 2/2" in result.stderr

    tampered = signed.replace(b"<inner>y</inner>", b"<inner>z</inner>")
    assert tampered != signed
    (tmp_path / "tampered.xml").write_bytes(tampered)
    assert _xmlsec1(*verify, tmp_path / "tampered.xml").returncode != 0
    assert verify_envelope(tampered, require=True).code == "WSS_DIGEST_MISMATCH"


def test_a_key_that_is_not_the_certificates_cannot_sign(persona) -> None:
    mine, theirs = persona("citizen-valid").sign, persona("citizen-second").sign
    with pytest.raises(XmlSigningError, match="not the certificate's key"):
        SigningKey.of(mine.key, theirs.certificate)


def test_each_signature_gets_ids_of_its_own(persona) -> None:
    keystore = persona("shymkent-energy-head").sign
    signer = SigningKey.of(keystore.key, keystore.certificate)
    ids = [
        _one(
            etree.fromstring(signed_envelope(_content(), signer, created=NOW)), "//soapenv:Body"
        ).get(f"{{{NS['wsu']}}}Id")
        for _ in range(2)
    ]
    assert ids[0] != ids[1]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("package", ["ncalayer", "signatures"])
def test_the_ncalayer_socket_and_the_signatures_do_not_import_the_gateway(package) -> None:
    for path in sorted((PACKAGE / package).glob("*.py")):
        gateway = {name for name in _imports(path) if name.startswith("egovsim.gateway")}
        assert not gateway, f"{path.name} imports {gateway}"
