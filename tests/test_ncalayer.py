"""The NCALayer-compatible signer: NCALayer's answers over a real WebSocket, real signatures
from the personas' keystores, the key set chosen per connection or server-wide, the standalone
`egovsim ncalayer` over TLS, and the page script."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import shutil
import ssl
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from egovsim.signatures import cms
from egovsim.signatures.verifier import Expectations, Verifier
from egovsim.signatures.xmldsig import canonical
from egovsim.signatures.xmlsafe import parse_xml
from egovsim.testing.ports import free_port
from tests.conftest import CONSOLE_SCRIPT, NOW, PASSWORD

CAPTURED = Path(__file__).resolve().parents[2] / "shared/reference/ncalayer/captured-exchanges.json"
SCRIPT = Path(__file__).resolve().parents[1] / "static" / "ncalayer.js"
COMMON = "kz.gov.pki.knca.commonUtils"
BASICS = "kz.gov.pki.knca.basics"
KEYS = "kz.egovsim.keys"
DS = "http://www.w3.org/2000/09/xmldsig#"
DATA = b'{"service": "vessel-licence", "iin": "850715301233"}'
B64 = base64.b64encode(DATA).decode()
MISMATCH = "java.lang.IllegalArgumentException: argument type mismatch. Method: {}"
WRONG_PASSWORD = "java.io.IOException: keystore password was incorrect"


def captured() -> list[dict[str, Any]]:
    if not CAPTURED.is_file():
        pytest.skip("the captured NCALayer exchanges are not beside the project")
    exchanges: list[dict[str, Any]] = json.loads(CAPTURED.read_text())
    return exchanges


class Socket:
    """A client of the signer's WebSocket that sends one request and reads its answer."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, greeting: str) -> None:
        self.ws = ws
        self.greeting = greeting

    async def ask(self, module: str, method: str, args: Any = None) -> dict[str, Any]:
        request: dict[str, Any] = {"module": module, "method": method}
        if args is not None:
            request["args"] = args
        return await self.send(json.dumps(request))

    async def send(self, text: str) -> dict[str, Any]:
        await self.ws.send_str(text)
        answer: dict[str, Any] = json.loads(await self.ws.receive_str())
        return answer

    async def sign(self, key_type: str = "SIGNATURE", *, attached: bool = False) -> bytes:
        answer = await self.ask(
            COMMON, "createCAdESFromBase64", ["PKCS12", key_type, B64, attached]
        )
        assert answer["code"] == "200", answer
        return base64.b64decode(answer["responseObject"])


@pytest.fixture
async def connect(client) -> Any:
    """`await connect()` opens a connection to `/ncalayer` and reads NCALayer's greeting."""
    opened: list[aiohttp.ClientWebSocketResponse] = []

    async def open_socket(path: str = "/ncalayer") -> Socket:
        ws = await client.ws_connect(path)
        opened.append(ws)
        return Socket(ws, await ws.receive_str())

    yield open_socket
    for ws in opened:
        await ws.close()


@pytest.fixture
def verifier(pki, fetcher) -> Verifier:
    """The project's verifier at the tests' clock, revocation from the test's server."""
    return Verifier(pki.trust_anchors, fetcher=fetcher, clock=lambda: NOW)


def signer_certificate(signature: bytes) -> x509.Certificate:
    """The certificate the CMS's signer names (the CMS holds its chain too)."""
    parsed = cms.parse(signature)
    certificates = [x509.load_der_x509_certificate(der) for der in parsed.certificates]
    (signer,) = [c for c in certificates if c.serial_number == parsed.signers[0].serial]
    return signer


# -- NCALayer's shapes -----------------------------------------------------------------------


async def test_a_client_is_greeted_as_ncalayer_greets(connect) -> None:
    ws = await connect()
    assert json.loads(ws.greeting) == {"result": {"version": "1.2"}}
    if CAPTURED.is_file():
        assert json.loads(ws.greeting) == json.loads(captured()[0]["initMessage"])


def _shape(answer: dict[str, Any]) -> tuple[Any, ...]:
    """What must match a captured answer: the keys, the code strings, the result's JSON type."""
    if "status" in answer:
        body = answer.get("body", {})
        return (
            "basics",
            sorted(answer),
            answer["status"],
            answer.get("code"),
            type(body.get("result")),
        )
    return ("commonUtils", sorted(answer), answer["code"], type(answer.get("responseObject")))


async def test_every_captured_request_gets_an_answer_of_the_captured_shape(connect) -> None:
    ws = await connect()
    differences = []
    compared = 0
    for number, exchange in enumerate(captured()):
        request, expected = json.loads(exchange["request"]), json.loads(exchange["response"])
        cancelled = expected == {"body": {}, "status": True} or expected.get("message") == (
            "action.canceled"
        )
        if cancelled or request["module"] == "kz.digiflow.mobile.extensions":
            continue  # a user's cancel, or KAZTOKEN desktop answering in NCALayer's place
        answer = await ws.send(exchange["request"])
        compared += 1
        if _shape(answer) != _shape(expected):
            differences.append((number, request["method"], _shape(expected), _shape(answer)))
        message = expected.get("message", "")
        if message.startswith("java.lang.IllegalArgumentException") and answer != expected:
            differences.append((number, request["method"], expected, answer))
        if isinstance(expected.get("responseObject"), dict):
            assert set(expected["responseObject"]) <= set(answer["responseObject"])
    assert compared > 30
    assert not differences, differences


async def test_the_signed_xml_starts_as_ncalayer_writes_it(connect) -> None:
    ws = await connect()
    answer = await ws.ask(COMMON, "signXml", ["AKKaztokenStore", "123", "<tag>data</tag>", "", ""])
    assert answer["responseObject"].startswith(
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?><tag>data'
        f'<ds:Signature xmlns:ds="{DS}">'
    )


@pytest.mark.parametrize(
    ("method", "args", "message"),
    [
        ("getKeyInfo", [None], MISMATCH.format("getKeyInfo")),
        ("getKeyInfo", [1], MISMATCH.format("getKeyInfo")),
        ("getKeyInfo", [True], MISMATCH.format("getKeyInfo")),
        (
            "createCAdESFromBase64",
            ["PKCS12", 123, B64, False],
            MISMATCH.format("createCAdESFromBase64"),
        ),
        (
            "createCAdESFromBase64",
            ["PKCS12", "SIGNATURE", B64, "yes"],
            MISMATCH.format("createCAdESFromBase64"),
        ),
        (
            "createCMSSignatureFromBase64",
            ["PKCS12", [7], B64, False],
            MISMATCH.format("createCMSSignatureFromBase64"),
        ),
        ("signXml", ["PKCS12", "SIGNATURE", 555, "", ""], MISMATCH.format("signXml")),
        ("signXmls", ["PKCS12", "SIGNATURE", "<a/>", "", ""], MISMATCH.format("signXmls")),
        ("changeLocale", [2], MISMATCH.format("changeLocale")),
        (
            "createCAdESFromBase64",
            ["PKCS12", "SIGNATURE", B64],
            "java.lang.IllegalArgumentException: wrong number of arguments. "
            "Method: createCAdESFromBase64",
        ),
        (
            "createCAdESFromBase64",
            ["PKCS12", "SIGNATURE", "not-base64", False],
            "java.lang.IllegalArgumentException: Illegal base64 character 2d",
        ),
        ("signIt", [], f"java.lang.NoSuchMethodException: {COMMON}.signIt"),
    ],
)
async def test_bad_arguments_are_answered_as_ncalayer_answers_them(
    connect, method, args, message
) -> None:
    ws = await connect()
    assert await ws.ask(COMMON, method, args) == {"code": "500", "message": message}


async def test_an_empty_hash_gets_ncalayers_bare_500(connect) -> None:
    ws = await connect()
    answer = await ws.ask(COMMON, "createCAdESFromBase64Hash", ["PKCS12", "SIGNATURE", ""])
    assert answer == {"code": "500"}


async def test_unknown_modules_and_messages_that_are_not_json_get_the_500_shape(connect) -> None:
    ws = await connect()
    unknown = await ws.ask("kz.example.nothing", "go")
    assert unknown["code"] == "500" and "kz.example.nothing" in unknown["message"]
    for text in ("not json", "[1, 2]", '"text"'):
        answer = await ws.send(text)
        assert answer["code"] == "500" and answer["message"].startswith("org.json.JSONException")


async def test_basics_refuses_params_that_are_not_objects_as_ncalayer_does(connect) -> None:
    ws = await connect()
    args = {"allowedStorages": None, "format": "cms", "data": "MTEK", "signingParams": {}}
    for broken, details in (
        ({**args, "signerParams": 555}, 'JSONObject["signerParams"] is not a JSONObject.'),
        ({**args, "signerParams": {}, "format": 7}, 'JSONObject["format"] is not a string.'),
        (
            {"format": "cms", "data": "MTEK", "signerParams": {}},
            'JSONObject["signingParams"] not found.',
        ),
    ):
        answer = await ws.ask(BASICS, "sign", broken)
        assert answer == {
            "code": "INVOCATION_ERROR",
            "details": f"org.json.JSONException: {details}",
            "message": "An invoked method threw an exception.",
            "status": False,
        }
    answer = await ws.ask(BASICS, "sign", [1, 2])
    assert answer["status"] is False and "args" in answer["details"]


async def test_the_heartbeat_comes_back(connect) -> None:
    ws = await connect()
    await ws.ws.send_str("--heartbeat--")
    assert await ws.ws.receive_str() == "--heartbeat--"


async def test_active_tokens_are_none_and_the_locale_changes_quietly(connect) -> None:
    ws = await connect()
    assert await ws.ask(COMMON, "getActiveTokens") == {"code": "200", "responseObject": []}
    assert await ws.ask(COMMON, "changeLocale", ["kk"]) == {"code": "200"}


# -- CMS from the personas' keystores ----------------------------------------------------------


@pytest.mark.parametrize("attached", [True, False])
async def test_cades_passes_the_verifier_with_the_personas_iin(
    connect, verifier, persona, attached
) -> None:
    ws = await connect()
    signature = await ws.sign(attached=attached)
    who = persona("citizen-valid")
    assert (cms.parse(signature).content is not None) is attached
    report = await verifier.verify_cms(
        signature, content=None if attached else DATA, expect=Expectations(iin=who.iin)
    )
    assert report.passed, report
    assert report.signer is not None and report.signer.iin == who.iin
    assert report.signing_time == NOW  # the simulator's clock, not the machine's
    # The chain as the keystore gives it rides along: the signer and its issuing CA.
    assert len(cms.parse(signature).certificates) == 1 + len(who.sign.chain)


async def test_cms_signature_from_base64_is_the_same_cades(connect, verifier, persona) -> None:
    ws = await connect()
    answer = await ws.ask(
        COMMON, "createCMSSignatureFromBase64", ["PKCS12", "SIGNATURE", B64, True]
    )
    report = await verifier.verify_cms(
        answer["responseObject"].encode(), expect=Expectations(iin=persona("citizen-valid").iin)
    )
    assert report.passed


async def test_authentication_signs_with_the_auth_certificate(connect, verifier, persona) -> None:
    ws = await connect()
    who = persona("citizen-valid")
    signature = await ws.sign("AUTHENTICATION", attached=True)
    assert signer_certificate(signature) == who.auth.certificate
    report = await verifier.verify_cms(signature, expect=Expectations(iin=who.iin, purpose="auth"))
    assert report.passed


async def test_a_key_set_without_a_signing_key_says_so(connect, client) -> None:
    await client.put("/api/v1/ncalayer/persona", json={"persona": "citizen-auth-only"})
    ws = await connect()
    answer = await ws.ask(COMMON, "createCAdESFromBase64", ["PKCS12", "SIGNATURE", B64, False])
    assert answer["code"] == "500"
    assert "citizen-auth-only has no SIGNATURE key" in answer["message"]


async def test_any_key_type_signs_with_the_auth_key_for_a_c2_demo(
    connect, client, verifier, persona
) -> None:
    await client.put("/api/v1/ncalayer/persona", json={"persona": "citizen-auth-only"})
    ws = await connect()
    who = persona("citizen-auth-only")
    signature = await ws.sign("", attached=True)
    assert signer_certificate(signature) == who.auth.certificate
    report = await verifier.verify_cms(signature, expect=Expectations(iin=who.iin))
    assert report.code == "CERT_WRONG_KEY_USAGE"


async def test_any_key_type_prefers_the_signing_key(connect, persona) -> None:
    ws = await connect()
    signature = await ws.sign("123", attached=True)  # NCALayer lets the user pick any key
    assert signer_certificate(signature) == persona("citizen-valid").sign.certificate


async def test_a_hash_is_signed_so_that_the_data_verifies(connect, verifier, persona) -> None:
    ws = await connect()
    digest = base64.b64encode(hashlib.sha256(DATA).digest()).decode()
    answer = await ws.ask(COMMON, "createCAdESFromBase64Hash", ["PKCS12", "SIGNATURE", digest])
    signature = base64.b64decode(answer["responseObject"])
    assert cms.parse(signature).content is None
    who = persona("citizen-valid")
    report = await verifier.verify_cms(signature, content=DATA, expect=Expectations(iin=who.iin))
    assert report.passed, report
    broken = await verifier.verify_cms(signature, content=DATA + b" ", expect=Expectations())
    assert broken.code == "SIGNATURE_BROKEN"


async def test_key_info_describes_the_current_key(connect, persona) -> None:
    ws = await connect()
    info = (await ws.ask(COMMON, "getKeyInfo", ["PKCS12"]))["responseObject"]
    certificate = persona("citizen-valid").sign.certificate
    assert x509.load_pem_x509_certificate(info["pem"].encode()) == certificate
    assert info["serialNumber"] == format(certificate.serial_number, "x")
    assert f"SERIALNUMBER=IIN{persona('citizen-valid').iin}" in info["subjectDn"]
    assert info["subjectDn"].startswith("CN=")
    assert info["certNotAfter"] == str(int(certificate.not_valid_after_utc.timestamp() * 1000))
    assert info["algorithm"] == "RSA"


# -- the basics module ---------------------------------------------------------------------------


def _basics(data: Any, *, form: str = "cms", signing: Any = None, oids: Any = None) -> Any:
    return {
        "allowedStorages": ["PKCS12"],
        "format": form,
        "data": data,
        "signingParams": {} if signing is None else signing,
        "signerParams": {"extKeyUsageOids": oids or []},
        "locale": "ru",
    }


async def test_basics_sign_answers_pem_cms_one_or_many(connect, verifier, persona) -> None:
    ws = await connect()
    who = persona("citizen-valid")
    one = await ws.ask(BASICS, "sign", _basics(B64))
    assert one["status"] is True
    pem = one["body"]["result"]
    assert pem.startswith("-----BEGIN CMS-----\n") and pem.endswith("-----END CMS-----\n")
    report = await verifier.verify_cms(pem.encode(), expect=Expectations(iin=who.iin))
    assert report.passed  # default parameters: decoded from base64, data attached
    many = await ws.ask(BASICS, "sign", _basics([B64, B64]))
    assert len(many["body"]["result"]) == 2
    detached = {"decode": True, "encapsulate": False, "digested": False, "tsaProfile": {}}
    answer = await ws.ask(BASICS, "sign", _basics(B64, signing=detached))
    report = await verifier.verify_cms(
        answer["body"]["result"].encode(), content=DATA, expect=Expectations(iin=who.iin)
    )
    assert report.passed and report.check("format").detail.endswith("detached")


async def test_basics_signs_a_hash_when_told_the_data_is_digested(connect, verifier) -> None:
    ws = await connect()
    digest = base64.b64encode(hashlib.sha256(DATA).digest()).decode()
    hashed = {"decode": True, "encapsulate": False, "digested": True, "tsaProfile": {}}
    answer = await ws.ask(BASICS, "sign", _basics(digest, signing=hashed))
    report = await verifier.verify_cms(answer["body"]["result"].encode(), content=DATA)
    assert report.passed


async def test_basics_picks_the_key_with_the_extended_usages_asked_for(connect, persona) -> None:
    ws = await connect()
    auth = await ws.ask(
        BASICS, "sign", _basics(B64, oids=["1.3.6.1.5.5.7.3.2", "1.2.398.3.3.4.1.1"])
    )
    signature = base64.b64decode("".join(auth["body"]["result"].splitlines()[1:-1]))
    assert signer_certificate(signature) == persona("citizen-valid").auth.certificate
    legal = await ws.ask(
        BASICS, "sign", _basics(B64, oids=["1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.2"])
    )
    assert legal["status"] is False
    assert "1.2.398.3.3.4.1.2" in legal["details"]


async def test_basics_xml_answers_a_list_of_signed_documents(connect) -> None:
    ws = await connect()
    answer = await ws.ask(BASICS, "sign", _basics("<tag>data</tag>", form="xml"))
    (document,) = answer["body"]["result"]
    assert parse_xml(document.encode()).find(f"{{{DS}}}Signature") is not None


# -- choosing the key set ----------------------------------------------------------------------


async def test_keys_lists_every_persona_and_the_current_one(connect, certs_dir) -> None:
    from egovsim.pki.personas import load_personas

    ws = await connect()
    listing = (await ws.ask(KEYS, "list"))["responseObject"]
    assert listing["current"] == "citizen-valid" and listing["chosen"] is False
    by_id = {key["id"]: key for key in listing["keys"]}
    assert set(by_id) == {entry["id"] for entry in load_personas(certs_dir)}
    assert by_id["citizen-auth-only"]["usages"] == ["auth"]
    head = by_id["company-first-head"]
    assert head["bin"] and head["organization"] and head["role"] == "first-head"
    assert all(key["notAfter"] for key in head["keys"])
    assert "password" not in json.dumps(listing)


async def test_a_connection_chooses_its_own_key_set_with_its_password(
    connect, verifier, persona
) -> None:
    mine, other = await connect(), await connect()
    chosen = await mine.ask(KEYS, "choose", ["citizen-second", PASSWORD])
    assert chosen["code"] == "200" and chosen["responseObject"]["id"] == "citizen-second"
    second, valid = persona("citizen-second"), persona("citizen-valid")
    assert signer_certificate(await mine.sign()) == second.sign.certificate
    assert signer_certificate(await other.sign()) == valid.sign.certificate
    listing = (await mine.ask(KEYS, "list"))["responseObject"]
    assert listing["current"] == "citizen-second" and listing["chosen"] is True
    assert await mine.ask(KEYS, "forget") == {"code": "200"}
    assert signer_certificate(await mine.sign()) == valid.sign.certificate


async def test_a_wrong_password_leaves_the_key_set_as_it_was(connect, persona) -> None:
    ws = await connect()
    answer = await ws.ask(KEYS, "choose", ["citizen-second", "qwerty12"])
    assert answer == {"code": "500", "message": WRONG_PASSWORD}
    assert signer_certificate(await ws.sign()) == persona("citizen-valid").sign.certificate
    unknown = await ws.ask(KEYS, "choose", ["nobody", PASSWORD])
    assert unknown["code"] == "500" and "nobody" in unknown["message"]
    assert await ws.ask(KEYS, "choose", ["citizen-second"]) == {
        "code": "500",
        "message": "java.lang.IllegalArgumentException: wrong number of arguments. Method: choose",
    }


async def test_the_api_sets_the_key_set_of_every_connection_without_its_own(
    connect, client, persona
) -> None:
    before = await connect()
    shown = await (await client.get("/api/v1/ncalayer/persona")).json()
    assert shown["persona"] == "citizen-valid"
    assert {key["id"] for key in shown["available"]} >= {"citizen-valid", "company-signer"}
    response = await client.put(
        "/api/v1/ncalayer/persona", json={"persona": "company-signer", "password": PASSWORD}
    )
    assert response.status == 200
    assert (await response.json())["key"]["bin"] == persona("company-signer").bin
    signer = persona("company-signer").sign.certificate
    assert signer_certificate(await before.sign()) == signer
    assert signer_certificate(await (await connect()).sign()) == signer
    shown = await (await client.get("/api/v1/ncalayer/persona")).json()
    assert shown["persona"] == "company-signer"


async def test_the_api_refuses_an_unknown_persona_and_a_wrong_password(client) -> None:
    unknown = await client.put("/api/v1/ncalayer/persona", json={"persona": "nobody"})
    assert unknown.status == 404
    error = (await unknown.json())["error"]
    assert error["code"] == "NCALAYER_PERSONA_UNKNOWN" and error["step"] == "P4"
    assert "citizen-valid" in error["details"]["known"]
    wrong = await client.put(
        "/api/v1/ncalayer/persona", json={"persona": "citizen-second", "password": "x"}
    )
    assert wrong.status == 403
    assert (await wrong.json())["error"]["code"] == "NCALAYER_PASSWORD_WRONG"
    bad = await client.put("/api/v1/ncalayer/persona", json={"persona": 7})
    assert (await bad.json())["error"]["code"] == "BAD_REQUEST"
    shown = await (await client.get("/api/v1/ncalayer/persona")).json()
    assert shown["persona"] == "citizen-valid"


# -- signXml ------------------------------------------------------------------------------------


REQUEST_XML = (
    '<?xml version="1.0" encoding="UTF-8"?><!-- a request -->'
    '<request xmlns="urn:egovsim:test" xmlns:x="urn:x"><iin>850715301233</iin>'
    '<x:note lang="kk">Өтініш</x:note></request>'
)


def _verify_enveloped(document: str) -> x509.Certificate:
    """Check an enveloped signature the way XML-DSig says, with the project's helpers."""
    root = parse_xml(document.encode())
    signature = root.find(f"{{{DS}}}Signature")
    assert signature is not None and signature.getparent() is root
    signed_info = signature.find(f"{{{DS}}}SignedInfo")
    reference = signed_info.find(f"{{{DS}}}Reference")
    assert reference.get("URI") == ""
    value = base64.b64decode(signature.findtext(f"{{{DS}}}SignatureValue"))
    der = base64.b64decode(signature.findtext(f".//{{{DS}}}X509Certificate"))
    certificate = x509.load_der_x509_certificate(der)
    certificate.public_key().verify(  # type: ignore[union-attr, call-arg]
        value, canonical(signed_info), padding.PKCS1v15(), hashes.SHA256()
    )
    signature.getparent().remove(signature)  # the enveloped-signature transform
    whole = etree.tostring(root.getroottree(), method="c14n", exclusive=True, with_comments=False)
    digest = base64.b64encode(hashlib.sha256(whole).digest()).decode()
    assert reference.findtext(f"{{{DS}}}DigestValue") == digest
    return certificate


async def test_sign_xml_is_an_enveloped_signature_that_checks_out(
    connect, persona, pki, tmp_path
) -> None:
    ws = await connect()
    answer = await ws.ask(COMMON, "signXml", ["PKCS12", "SIGNATURE", REQUEST_XML, "", ""])
    document = answer["responseObject"]
    assert _verify_enveloped(document) == persona("citizen-valid").sign.certificate
    assert "<!-- a request -->" in document and "Өтініш" in document

    if shutil.which("xmlsec1") is None:
        pytest.skip("xmlsec1 is not installed")
    pem = serialization.Encoding.PEM
    root, nca = tmp_path / "root.pem", tmp_path / "nca.pem"
    root.write_bytes(pki.authority("root_rsa").certificate.public_bytes(pem))
    nca.write_bytes(pki.authority("nca_rsa").certificate.public_bytes(pem))

    def xmlsec1(text: str) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "signed.xml"
        path.write_text(text, encoding="utf-8")
        return subprocess.run(
            ["xmlsec1", "--verify", "--trusted-pem", root, "--untrusted-pem", nca, path],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    assert xmlsec1(document).returncode == 0, xmlsec1(document).stderr
    assert xmlsec1(document.replace("850715301233", "850715301234")).returncode != 0


async def test_sign_xmls_signs_each_document_with_the_auth_key_when_asked(connect, persona) -> None:
    ws = await connect()
    answer = await ws.ask(
        COMMON, "signXmls", ["PKCS12", "AUTHENTICATION", ["<a/>", "<b>1</b>"], "", ""]
    )
    assert len(answer["responseObject"]) == 2
    for document in answer["responseObject"]:
        assert _verify_enveloped(document) == persona("citizen-valid").auth.certificate


@pytest.mark.parametrize(
    "text",
    [
        "<this>is not a valid XML",
        '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        "",
    ],
)
async def test_sign_xml_refuses_what_is_not_a_safe_document(connect, text) -> None:
    ws = await connect()
    answer = await ws.ask(COMMON, "signXml", ["PKCS12", "SIGNATURE", text, "", ""])
    assert answer["code"] == "500"
    assert answer["message"].startswith("org.xml.sax.SAXParseException; ")


async def test_sign_xml_of_a_part_of_the_document_is_refused_clearly(connect) -> None:
    ws = await connect()
    answer = await ws.ask(COMMON, "signXml", ["PKCS12", "SIGNATURE", "<a><b/></a>", "//b", ""])
    assert answer["code"] == "500" and "tbsElementXPath" in answer["message"]


# -- the page's parts ----------------------------------------------------------------------------


async def test_the_page_script_is_served(client) -> None:
    response = await client.get("/static/ncalayer.js")
    assert response.status == 200
    text = await response.text()
    assert "function egovsimSign(" in text and "kz.egovsim.keys" in text


@pytest.mark.parametrize(
    ("lang", "title"), [("kk", "ЭЦҚ кілтін таңдау"), ("en", "Choose an EDS key")]
)
def test_the_key_dialog_speaks_the_pages_language_and_takes_its_words(lang, title) -> None:
    import jinja2

    from egovsim.web.common.render import TEMPLATES

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    template = environment.get_template("_ncalayer_dialog.html")
    html = template.render(lang=lang)
    assert f">{title}</h2>" in html and 'role="alert"' in html and "<dialog" in html
    assert _words(html)["title"] == title
    replaced = template.render(lang=lang, ncalayer_texts={"title": "</script><b>"})
    assert "&lt;/script&gt;&lt;b&gt;</h2>" in replaced
    assert _words(replaced)["title"] == "</script><b>"  # escaped inside the JSON block too
    assert _words(replaced)["cancel"] == _words(html)["cancel"]


def _words(html: str) -> dict[str, str]:
    words: dict[str, str] = json.loads(
        html.split('id="egovsim-ncalayer-texts">')[1].split("</script>")[0]
    )
    return words


def _node() -> list[str] | None:
    """node with a WebSocket client (built in from Node 22, behind a flag in Node 20)."""
    node = shutil.which("node")
    if node is None:
        return None
    check = "process.exit(typeof WebSocket === 'function' ? 0 : 1)"
    for flags in ([], ["--experimental-websocket"]):
        probe = subprocess.run(
            [node, *flags, "-e", check], capture_output=True, check=False, timeout=30
        )
        if probe.returncode == 0:
            return [node, *flags]
    return None


NODE_CLIENT = """
require(process.argv[2]);
const { Connection } = globalThis.egovsim.ncalayer;
(async () => {
  const connection = new Connection(process.argv[3]);
  const version = await connection.open();
  let wrong = null;
  try { await connection.chooseKey("citizen-second", "nope"); } catch (e) { wrong = e.message; }
  const chosen = await connection.chooseKey("citizen-second", process.argv[4]);
  const signature = await connection.sign(process.argv[5], "SIGNATURE", true);
  connection.close();
  console.log(JSON.stringify({ version, wrong, chosen: chosen.id, signature }));
})().catch((error) => { console.error(error); process.exit(1); });
"""


async def test_the_page_script_chooses_a_key_and_signs(client, verifier, persona, tmp_path) -> None:
    node = _node()
    if node is None:
        pytest.skip("node with a WebSocket client is not installed")
    program = tmp_path / "client.js"
    program.write_text(NODE_CLIENT)
    url = str(client.make_url("/ncalayer")).replace("http://", "ws://")
    process = await asyncio.create_subprocess_exec(
        *node,
        program,
        SCRIPT,
        url,
        PASSWORD,
        B64,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    result = json.loads(out)
    assert result["version"] == "1.2"
    assert result["wrong"] == f"500: {WRONG_PASSWORD}"
    assert result["chosen"] == "citizen-second"
    who = persona("citizen-second")
    report = await verifier.verify_cms(
        result["signature"].encode(), expect=Expectations(iin=who.iin)
    )
    assert report.passed


# -- the standalone command ----------------------------------------------------------------------


async def test_the_standalone_signer_serves_wss_that_the_test_root_vouches_for(
    certs_dir, tmp_path, persona
) -> None:
    port = free_port()
    env = {**os.environ, "EGOVSIM_CLOCK": NOW.isoformat()}
    for name in ("EGOVSIM_CERTS", "EGOVSIM_DATA", "EGOVSIM_PUBLIC_URL"):
        env.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        CONSOLE_SCRIPT,
        "ncalayer",
        "--certs",
        certs_dir,
        "--data-dir",
        tmp_path / "data",
        "--port",
        str(port),
        "--persona",
        "citizen-second",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        banner = (await asyncio.wait_for(process.stdout.readline(), timeout=60)).decode()
        assert banner.startswith(f"egovsim NCALayer on wss://127.0.0.1:{port}"), banner
        assert "citizen-second" in banner
        trust = (await asyncio.wait_for(process.stdout.readline(), timeout=10)).decode()
        root = Path(trust.split("certificate ", 1)[1].split(" in the browser")[0])
        context = ssl.create_default_context(cafile=str(root))
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"wss://127.0.0.1:{port}/", ssl=context) as ws:
                assert json.loads(await ws.receive_str()) == {"result": {"version": "1.2"}}
                await ws.send_str(
                    json.dumps({"module": COMMON, "method": "getKeyInfo", "args": ["PKCS12"]})
                )
                info = json.loads(await ws.receive_str())["responseObject"]
                assert f"IIN{persona('citizen-second').iin}" in info["subjectDn"]
            async with session.get(f"https://localhost:{port}/", ssl=context) as probe:
                assert probe.status == 200  # clients probe the address before connecting
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.communicate(), timeout=30)
        except TimeoutError:
            process.kill()
            await process.wait()
