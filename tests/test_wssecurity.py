"""WS-Security of gateway envelopes: signing, verifying, the wrapping attacks, hostile XML, and the
certificate handed on to the shared verifier."""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from egovsim.gateway.wssecurity import (
    DS,
    SOAP,
    WSSE,
    WSU,
    EnvelopeError,
    SecurityCheck,
    sign_envelope,
    verify_envelope,
)
from egovsim.gateway.wssign import signed_envelope
from egovsim.pki.profiles import Holder
from egovsim.signatures.verifier import Verifier
from egovsim.signatures.xmldsig import SigningKey, canonical
from egovsim.signatures.xmlsafe import XmlRefused, parse_xml
from tests.conftest import NOW

NS = {"soapenv": SOAP, "wsse": WSSE, "wsu": WSU, "ds": DS}
ENVELOPE = (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:typ="http://bip.bee.kz/SyncChannel/v10/Types" xmlns:unused="urn:unused">'
    "<soapenv:Header/>"
    "<soapenv:Body><typ:SendMessage><request><requestInfo>"
    "<messageId>6f1c2a9e-55b0-4c1e-9a51-3f2d7c1e0b42</messageId>"
    "<serviceId>shymkent-energy-readiness-passport</serviceId>"
    "<messageDate>2025-03-14T10:00:00+05:00</messageDate>"
    "<sender><senderId>shymkent-energy</senderId></sender>"
    "</requestInfo><requestData><data>Жылу беруге дайындық паспорты</data></requestData>"
    "</request></typ:SendMessage></soapenv:Body></soapenv:Envelope>"
).encode()
XMLSEC1 = shutil.which("xmlsec1")


def _signed(keystore, envelope: bytes = ENVELOPE) -> bytes:
    return sign_envelope(envelope, keystore.key, keystore.certificate, created=NOW)


def _tamper(signed: bytes, change: Callable[[etree._Element], None]) -> bytes:
    root = etree.fromstring(signed)
    change(root)
    return bytes(etree.tostring(root))


def _verify_changed(persona, change: Callable[[etree._Element], None]) -> SecurityCheck:
    """Sign as citizen-valid, change the signed envelope, verify it."""
    signed = _signed(persona("citizen-valid").sign)
    return verify_envelope(_tamper(signed, change), require=True)


def _one(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list) and len(found) == 1
    node = found[0]
    assert isinstance(node, etree._Element)
    return node


def _issue_p256(pki):
    holder = Holder(iin="850715301233", surname="ТЕСТОВ", name="ТЕСТ")
    return pki.issue(
        holder,
        "sign",
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=30),
        key_kind="p256",
    )


def _verifier(pki) -> Verifier:
    crls = [x509.load_der_x509_crl(pki.crl(name, NOW)) for name in ("nca_rsa", "root_rsa")]
    return Verifier(
        pki.trust_anchors,
        crls=crls,
        intermediates=[pki.authority("nca_rsa").certificate],
        clock=lambda: NOW,
    )


async def _certificate_report(pki, check: SecurityCheck):
    """What the gateway does with a verified envelope: the token's certificate goes to C2."""
    assert check.certificate is not None
    der = check.certificate.public_bytes(serialization.Encoding.DER)
    return await _verifier(pki).verify_certificate(der, at=check.signed_at)


# -- signing and verifying --------------------------------------------------------------------


def test_signed_envelope_verifies_with_the_signers_certificate(persona) -> None:
    keystore = persona("citizen-valid").sign
    check = verify_envelope(_signed(keystore), require=True)
    assert (check.signed, check.code, check.passed) == (True, None, True)
    assert check.certificate == keystore.certificate
    assert check.signed_at == NOW
    assert check.expires_at == NOW + timedelta(minutes=5)
    assert "over Body, Timestamp" in check.detail


def test_signed_envelope_has_token_timestamp_and_signature_in_the_security_header(persona) -> None:
    keystore = persona("citizen-valid").sign
    signed = _signed(keystore)
    assert signed.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(signed)
    security = _one(root, "/soapenv:Envelope/soapenv:Header/wsse:Security")
    assert [etree.QName(child).localname for child in security] == [
        "Timestamp",
        "BinarySecurityToken",
        "Signature",
    ]
    token = _one(security, "wsse:BinarySecurityToken")
    assert token.get("ValueType", "").endswith("#X509v3")
    assert token.get("EncodingType", "").endswith("#Base64Binary")
    der = keystore.certificate.public_bytes(serialization.Encoding.DER)
    assert base64.b64decode(token.text or "") == der
    assert _one(security, "wsu:Timestamp/wsu:Created").text == NOW.strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )
    body_id = _one(root, "/soapenv:Envelope/soapenv:Body").get(f"{{{WSU}}}Id")
    timestamp_id = _one(security, "wsu:Timestamp").get(f"{{{WSU}}}Id")
    uris = [node.get("URI") for node in security.iterfind(".//ds:Reference", NS)]
    assert uris == [f"#{body_id}", f"#{timestamp_id}"]
    method = _one(security, "ds:Signature/ds:SignedInfo/ds:SignatureMethod").get("Algorithm")
    assert method == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    reference = _one(security, "ds:Signature/ds:KeyInfo/wsse:SecurityTokenReference/wsse:Reference")
    assert reference.get("URI") == f"#{token.get(f'{{{WSU}}}Id')}"


def test_a_timestamp_before_the_year_1000_is_written_with_four_year_digits(persona) -> None:
    # The simulator's clock goes back to year 1 (issue 14): xsd:dateTime needs four digits.
    keystore = persona("citizen-valid").sign
    early = NOW.replace(year=435)
    signed = sign_envelope(ENVELOPE, keystore.key, keystore.certificate, created=early)
    reply = signed_envelope(
        etree.fromstring(b"<answer/>"),
        SigningKey.of(keystore.key, keystore.certificate),
        created=early,
    )
    for envelope in (signed, reply):
        created = _one(etree.fromstring(envelope), "//wsu:Timestamp/wsu:Created").text or ""
        assert created.startswith("0435-")
        check = verify_envelope(envelope, require=True)
        assert (check.code, check.signed_at) == (None, early.replace(microsecond=0))


def test_signing_keeps_the_body_and_other_headers_as_they_were(persona) -> None:
    envelope = ENVELOPE.replace(
        b"<soapenv:Header/>",
        b"<soapenv:Header><!-- route --><typ:routing>r-1</typ:routing></soapenv:Header>",
    )
    before = etree.fromstring(envelope)
    after = etree.fromstring(_signed(persona("citizen-valid").sign, envelope))
    for path in ("soapenv:Body/*", "soapenv:Header/typ:routing"):
        namespaces = {**NS, "typ": "http://bip.bee.kz/SyncChannel/v10/Types"}
        (old,) = before.xpath(path, namespaces=namespaces)
        (new,) = after.xpath(path, namespaces=namespaces)
        assert canonical(new) == canonical(old)
    assert isinstance(after.find(f"{{{SOAP}}}Header")[0], etree._Comment)


def test_envelope_without_a_header_gets_one_before_the_body(persona) -> None:
    envelope = ENVELOPE.replace(b"<soapenv:Header/>", b"")
    signed = _signed(persona("citizen-valid").sign, envelope)
    root = etree.fromstring(signed)
    assert [etree.QName(child).localname for child in root] == ["Header", "Body"]
    assert verify_envelope(signed, require=True).passed


def test_body_using_the_wsu_prefix_for_another_namespace_keeps_it(persona) -> None:
    envelope = ENVELOPE.replace(
        b"<soapenv:Body>", b'<soapenv:Body xmlns:wsu="urn:not-wsu"><wsu:note>n</wsu:note>'
    )
    signed = _signed(persona("citizen-valid").sign, envelope)
    root = etree.fromstring(signed)
    assert root.find("soapenv:Body/{urn:not-wsu}note", NS) is not None
    assert verify_envelope(signed, require=True).passed


def test_verify_takes_an_already_parsed_envelope(persona) -> None:
    root = parse_xml(_signed(persona("citizen-valid").sign))
    assert verify_envelope(root, require=True).passed


def test_key_of_another_certificate_cannot_sign(persona) -> None:
    mine, theirs = persona("citizen-valid").sign, persona("citizen-second").sign
    with pytest.raises(EnvelopeError, match="not the certificate's key"):
        sign_envelope(ENVELOPE, mine.key, theirs.certificate, created=NOW)


def test_an_already_signed_envelope_is_not_signed_again(persona) -> None:
    keystore = persona("citizen-valid").sign
    with pytest.raises(EnvelopeError, match="already holds"):
        _signed(keystore, _signed(keystore))


def test_p256_key_signs_and_verifies(pki) -> None:
    issued = _issue_p256(pki)
    signed = sign_envelope(ENVELOPE, issued.key, issued.certificate, created=NOW)
    method = _one(etree.fromstring(signed), "//ds:SignatureMethod").get("Algorithm")
    assert method == "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    check = verify_envelope(signed, require=True)
    assert check.passed, check.detail
    assert check.certificate == issued.certificate


# -- unsigned ---------------------------------------------------------------------------------


def test_unsigned_envelope_passes_as_unsigned_when_no_signature_is_required() -> None:
    check = verify_envelope(ENVELOPE, require=False)
    assert (check.signed, check.code, check.certificate, check.signed_at) == (
        False,
        None,
        None,
        None,
    )


def test_unsigned_envelope_is_refused_when_a_signature_is_required() -> None:
    check = verify_envelope(ENVELOPE, require=True)
    assert (check.signed, check.code) == (False, "WSS_SIGNATURE_MISSING")


# -- integrity --------------------------------------------------------------------------------


def test_body_changed_after_signing_is_a_digest_mismatch(persona) -> None:
    signed = _signed(persona("citizen-valid").sign)
    assert signed.count(b"shymkent-energy<") == 1
    tampered = signed.replace(b"shymkent-energy<", b"shymkent-energZ<")
    check = verify_envelope(tampered, require=True)
    assert (check.signed, check.code, check.certificate) == (True, "WSS_DIGEST_MISMATCH", None)
    assert "Body" in check.detail


def test_timestamp_changed_after_signing_is_a_digest_mismatch(persona) -> None:
    def later(root: etree._Element) -> None:
        _one(root, "//wsu:Expires").text = (NOW + timedelta(days=365)).isoformat()

    check = _verify_changed(persona, later)
    assert check.code == "WSS_DIGEST_MISMATCH"
    assert "Timestamp" in check.detail


def test_changed_signature_value_is_an_invalid_signature(persona) -> None:
    def flip(root: etree._Element) -> None:
        node = _one(root, "//ds:SignatureValue")
        value = bytearray(base64.b64decode(node.text or ""))
        value[10] ^= 0x01
        node.text = base64.b64encode(bytes(value)).decode()

    check = _verify_changed(persona, flip)
    assert check.code == "WSS_SIGNATURE_INVALID"


def test_token_replaced_by_another_certificate_is_an_invalid_signature(persona) -> None:
    other = persona("citizen-second").sign.certificate.public_bytes(serialization.Encoding.DER)

    def swap(root: etree._Element) -> None:
        _one(root, "//wsse:BinarySecurityToken").text = base64.b64encode(other).decode()

    check = _verify_changed(persona, swap)
    assert check.code == "WSS_SIGNATURE_INVALID"


def test_token_that_is_not_a_certificate_is_refused(persona) -> None:
    def garble(root: etree._Element) -> None:
        _one(root, "//wsse:BinarySecurityToken").text = base64.b64encode(b"not DER").decode()

    check = _verify_changed(persona, garble)
    assert check.code == "WSS_TOKEN_INVALID"


def test_signature_without_a_body_reference_is_body_not_signed(persona) -> None:
    def drop(root: etree._Element) -> None:
        body_id = _one(root, "/soapenv:Envelope/soapenv:Body").get(f"{{{WSU}}}Id")
        reference = _one(root, f"//ds:Reference[@URI='#{body_id}']")
        reference.getparent().remove(reference)

    check = _verify_changed(persona, drop)
    assert check.code == "WSS_BODY_NOT_SIGNED"


# -- signature wrapping -----------------------------------------------------------------------


def test_signed_body_moved_into_a_header_wrapper_is_signature_wrapping(persona) -> None:
    def wrap(root: etree._Element) -> None:
        body = _one(root, "/soapenv:Envelope/soapenv:Body")
        wrapper = etree.SubElement(_one(root, "soapenv:Header"), "{urn:attacker}Wrapper")
        wrapper.append(body)  # keeps its wsu:Id, so the Reference still finds it
        forged = etree.SubElement(root, f"{{{SOAP}}}Body")
        etree.SubElement(forged, "{urn:attacker}transfer").text = "everything"

    check = _verify_changed(persona, wrap)
    assert (check.code, check.certificate) == ("SIGNATURE_WRAPPING", None)


def test_second_body_is_signature_wrapping(persona) -> None:
    def add(root: etree._Element) -> None:
        etree.SubElement(root, f"{{{SOAP}}}Body").text = "second"

    check = _verify_changed(persona, add)
    assert check.code == "SIGNATURE_WRAPPING"


def test_body_nested_inside_the_body_is_signature_wrapping(persona) -> None:
    def nest(root: etree._Element) -> None:
        body = _one(root, "/soapenv:Envelope/soapenv:Body")
        etree.SubElement(body[0], f"{{{SOAP}}}Body").text = "inner"

    check = _verify_changed(persona, nest)
    assert check.code == "SIGNATURE_WRAPPING"


def test_two_elements_with_the_same_wsu_id_are_signature_wrapping(persona) -> None:
    def duplicate(root: etree._Element) -> None:
        body_id = _one(root, "/soapenv:Envelope/soapenv:Body").get(f"{{{WSU}}}Id")
        decoy = etree.SubElement(_one(root, "soapenv:Header"), "{urn:attacker}Decoy")
        decoy.set(f"{{{WSU}}}Id", body_id or "")

    check = _verify_changed(persona, duplicate)
    assert check.code == "SIGNATURE_WRAPPING"


def test_second_timestamp_is_signature_wrapping(persona) -> None:
    def add(root: etree._Element) -> None:
        etree.SubElement(_one(root, "//wsse:Security"), f"{{{WSU}}}Timestamp")

    check = _verify_changed(persona, add)
    assert check.code == "SIGNATURE_WRAPPING"


# -- algorithms and what is not supported -----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "algorithm"),
    [
        ("//ds:SignatureMethod", "http://www.w3.org/2000/09/xmldsig#rsa-sha1"),
        ("//ds:SignatureMethod", "http://www.w3.org/2001/04/xmldsig-more#rsa-md5"),
        ("(//ds:DigestMethod)[1]", "http://www.w3.org/2000/09/xmldsig#sha1"),
        ("(//ds:DigestMethod)[2]", "http://www.w3.org/2001/04/xmldsig-more#md5"),
    ],
)
def test_sha1_or_md5_in_signed_info_is_a_weak_algorithm(persona, path, algorithm) -> None:
    def weaken(root: etree._Element) -> None:
        _one(root, path).set("Algorithm", algorithm)

    check = _verify_changed(persona, weaken)
    assert check.code == "WSS_WEAK_ALGORITHM"


@pytest.mark.parametrize(
    ("path", "attribute", "value"),
    [
        ("(//ds:Reference)[1]", "URI", "http://attacker.example/body.xml"),
        ("(//ds:Reference)[1]", "URI", ""),
        ("(//ds:Reference)[1]", "URI", "#xpointer(/)"),
        ("(//ds:Transform)[1]", "Algorithm", "http://www.w3.org/TR/1999/REC-xpath-19991116"),
        ("(//ds:Transform)[1]", "Algorithm", "http://www.w3.org/TR/1999/REC-xslt-19991116"),
        (
            "//ds:CanonicalizationMethod",
            "Algorithm",
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        ),
        ("//ds:SignatureMethod", "Algorithm", "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"),
    ],
)
def test_external_references_and_other_transforms_are_unsupported(
    persona, path, attribute, value
) -> None:
    def change(root: etree._Element) -> None:
        _one(root, path).set(attribute, value)

    check = _verify_changed(persona, change)
    assert check.code == "WSS_UNSUPPORTED"


def test_second_signature_in_the_header_is_unsupported(persona) -> None:
    def copy(root: etree._Element) -> None:
        signature = _one(root, "//ds:Signature")
        signature.addnext(etree.fromstring(etree.tostring(signature)))

    check = _verify_changed(persona, copy)
    assert check.code == "WSS_UNSUPPORTED"


def test_document_that_is_not_a_soap_envelope_is_malformed() -> None:
    check = verify_envelope(b"<Envelope><Body/></Envelope>", require=False)
    assert check.code == "ENVELOPE_MALFORMED"


# -- hostile XML ------------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
<soapenv:Body><x>&e;</x></soapenv:Body></soapenv:Envelope>"""
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{n} "' + f"&lol{n - 1};" * 10 + '">' for n in range(1, 10)).encode()
    + b"]><lolz>&lol9;</lolz>"
)


@pytest.mark.parametrize(
    "document",
    [XXE, LAUGHS, XXE.decode().replace("UTF-8", "UTF-16").encode("utf-16")],
    ids=["xxe", "billion-laughs", "xxe-utf16"],
)
def test_document_type_declarations_are_refused(document) -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_xml(document)
    assert refused.value.reason == "doctype"
    with pytest.raises(XmlRefused, match="doctype"):
        verify_envelope(document, require=False)


def test_comments_and_instructions_before_the_root_are_not_a_doctype() -> None:
    root = parse_xml(b'<?xml version="1.0"?>\n<!-- <!DOCTYPE x> --><?pi x?>\n<a><!--c--></a>')
    assert root.tag == "a"


def test_oversize_document_is_refused_before_parsing() -> None:
    document = b"<a>" + b" " * (10 * 1024 * 1024) + b"</a>"
    with pytest.raises(XmlRefused) as refused:
        parse_xml(document)
    assert refused.value.reason == "too_large"
    with pytest.raises(XmlRefused, match="too_large"):
        parse_xml(b"<a>1234</a>", max_bytes=8)


@pytest.mark.parametrize("document", [b"<soapenv:Envelope", b"<a></b>", b"", b"<a/><b/>"])
def test_malformed_document_is_refused(document) -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_xml(document)
    assert refused.value.reason == "malformed"


@pytest.mark.parametrize("depth", [201, 300, 10_000])
def test_deep_nesting_is_refused(depth) -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_xml(b"<a>" * depth + b"</a>" * depth)
    assert refused.value.reason == "too_deep"


def test_nesting_up_to_the_limit_is_accepted() -> None:
    assert parse_xml(b"<a>" * 200 + b"</a>" * 200).tag == "a"


def test_too_many_elements_are_refused() -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_xml(b"<r>" + b"<e/>" * 100_000 + b"</r>")
    assert refused.value.reason == "too_many_elements"


@pytest.mark.parametrize("padding", [0, 70_000], ids=["one chunk", "several chunks"])
def test_limits_hold_for_small_and_large_documents(padding) -> None:
    """A document of one chunk is parsed whole and counted; a larger one as it streams in."""
    filler = b"<!--" + b"x" * padding + b"-->" if padding else b""
    deep = filler + b"<a>" * 60 + b"</a>" * 60
    with pytest.raises(XmlRefused, match="too_deep"):
        parse_xml(deep, max_depth=50)
    assert parse_xml(deep, max_depth=60).tag == "a"
    wide = filler + b"<r>" + b"<e/>" * 40 + b"</r>"
    with pytest.raises(XmlRefused, match="too_many_elements"):
        parse_xml(wide, max_elements=40)
    assert len(parse_xml(wide, max_elements=41)) == 40
    with pytest.raises(XmlRefused, match="doctype"):
        parse_xml(filler + b'<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>')


def test_exclusive_canonical_form_carries_only_the_namespaces_used() -> None:
    root = parse_xml(b'<a xmlns:x="urn:x" xmlns:y="urn:y"><x:b  c="1"><!--n--></x:b></a>')
    assert canonical(root[0]) == b'<x:b xmlns:x="urn:x" c="1"></x:b>'
    assert canonical(root[0], with_comments=True) == b'<x:b xmlns:x="urn:x" c="1"><!--n--></x:b>'
    inclusive = b'<x:b xmlns:x="urn:x" xmlns:y="urn:y" c="1"></x:b>'
    assert canonical(root[0], exclusive=False) == inclusive


# -- the certificate goes on to the shared verifier (C2) --------------------------------------


async def test_valid_citizens_token_passes_the_certificate_check(persona, pki) -> None:
    check = verify_envelope(_signed(persona("citizen-valid").sign), require=True)
    assert check.passed
    report = await _certificate_report(pki, check)
    assert report.passed, report.to_json()


async def test_revoked_citizens_intact_envelope_is_refused_by_the_certificate_check(
    persona, pki
) -> None:
    check = verify_envelope(_signed(persona("citizen-revoked").sign), require=True)
    assert check.passed  # the signature itself is intact: revocation is the verifier's question
    report = await _certificate_report(pki, check)
    assert (report.passed, report.code) == (False, "CERT_REVOKED")


async def test_p256_token_passes_the_certificate_check(pki) -> None:
    issued = _issue_p256(pki)
    check = verify_envelope(
        sign_envelope(ENVELOPE, issued.key, issued.certificate, created=NOW), require=True
    )
    report = await _certificate_report(pki, check)
    assert report.passed, report.to_json()


# -- an independent implementation: xmlsec1 ---------------------------------------------------

needs_xmlsec1 = pytest.mark.skipif(
    XMLSEC1 is None, reason="xmlsec1 is not installed (Debian package xmlsec1)"
)
ID_ATTRIBUTES = ("--id-attr:Id", f"{SOAP}:Body", "--id-attr:Id", f"{WSU}:Timestamp")


def _xmlsec1(*args: str | Path) -> subprocess.CompletedProcess[str]:
    assert XMLSEC1 is not None
    return subprocess.run(
        [XMLSEC1, *map(str, args)], capture_output=True, text=True, check=False, timeout=60
    )


def _signer(kind: str, persona, pki):
    if kind == "rsa":
        keystore = persona("shymkent-energy-head").sign
        return keystore.key, keystore.certificate
    issued = _issue_p256(pki)
    return issued.key, issued.certificate


@needs_xmlsec1
@pytest.mark.parametrize("kind", ["rsa", "p256"])
def test_xmlsec1_verifies_our_signature(kind, persona, pki, tmp_path) -> None:
    key, certificate = _signer(kind, persona, pki)
    envelope = ENVELOPE.replace(b"<soapenv:Body>", b'<soapenv:Body xmlns="urn:default">')
    (tmp_path / "envelope.xml").write_bytes(sign_envelope(envelope, key, certificate, created=NOW))
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    verify = ("--verify", *ID_ATTRIBUTES, "--pubkey-cert-pem", tmp_path / "cert.pem")
    result = _xmlsec1(*verify, tmp_path / "envelope.xml")
    assert result.returncode == 0, result.stderr
    assert "SignedInfo References (ok/all): 2/2" in result.stderr

    # The same judge refuses the envelope once its Body is changed.
    tampered = (tmp_path / "envelope.xml").read_bytes().replace(b"shymkent-energy<", b"X<")
    (tmp_path / "tampered.xml").write_bytes(tampered)
    assert _xmlsec1(*verify, tmp_path / "tampered.xml").returncode != 0


@needs_xmlsec1
@pytest.mark.parametrize("kind", ["rsa", "p256"])
def test_we_verify_xmlsec1s_signature(kind, persona, pki, tmp_path) -> None:
    key, certificate = _signer(kind, persona, pki)

    def blank(root: etree._Element) -> None:
        for node in root.iterfind(".//ds:DigestValue", NS):
            node.text = ""
        _one(root, "//ds:SignatureValue").text = ""

    template = _tamper(sign_envelope(ENVELOPE, key, certificate, created=NOW), blank)
    (tmp_path / "template.xml").write_bytes(template)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "key.pem").write_bytes(pem)
    result = _xmlsec1(
        "--sign",
        *ID_ATTRIBUTES,
        "--privkey-pem",
        tmp_path / "key.pem",
        "--output",
        tmp_path / "signed.xml",
        tmp_path / "template.xml",
    )
    assert result.returncode == 0, result.stderr
    check = verify_envelope((tmp_path / "signed.xml").read_bytes(), require=True)
    assert check.passed, check.detail
    assert check.certificate == certificate
