"""CAdES-T and several signers from the command line: `sign cms --tsp` and `--add`, with
OpenSSL as the second opinion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms as asn1_cms

from egovsim.cli import main
from egovsim.signatures.cades import ATTR_SIGNATURE_TIME_STAMP
from tests.conftest import NOW, PASSWORD
from tests.test_cli import CONTENT, Run, persona_p12
from tests.test_openssl_interop import openssl, write_cert


@pytest.fixture
def cli(certs_dir: Path, tmp_path: Path, capsys, monkeypatch) -> Any:
    """`cli("sign", "cms", ...)` runs `egovsim --certs <the test's PKI> ...` in-process."""
    monkeypatch.setenv("EGOVSIM_CLOCK", NOW.isoformat())
    for name in ("EGOVSIM_CERTS", "EGOVSIM_DATA", "EGOVSIM_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*args: str | Path) -> Run:
        capsys.readouterr()
        code = main(["--certs", str(certs_dir), *map(str, args)])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def signer_infos(path: Path) -> list[asn1_cms.SignerInfo]:
    return list(asn1_cms.ContentInfo.load(path.read_bytes())["content"]["signer_infos"])


def sign(cli, certs_dir: Path, persona: str, *arguments: str | Path) -> None:
    made = cli(
        "sign", "cms", "--p12", persona_p12(certs_dir, persona), "--password", PASSWORD, *arguments
    )
    assert (made.code, made.err) == (0, ""), made.err


def test_sign_with_tsp_adds_a_timestamp_openssl_prints(
    cli, certs_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "request.json"
    data.write_bytes(CONTENT)
    signature = tmp_path / "stamped.p7s"
    sign(cli, certs_dir, "company-first-head", "--tsp", data, signature)

    printed = openssl("cms", "-cmsout", "-print", "-inform", "DER", "-in", signature)
    assert printed.returncode == 0, printed.stderr
    assert f"id-smime-aa-timeStampToken ({ATTR_SIGNATURE_TIME_STAMP})" in printed.stdout
    [signer] = signer_infos(signature)
    assert [a["type"].dotted for a in signer["unsigned_attrs"]] == [ATTR_SIGNATURE_TIME_STAMP]


def test_add_keeps_the_earlier_signer_and_its_timestamp_byte_for_byte(
    cli, certs_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "request.json"
    data.write_bytes(CONTENT)
    first, both = tmp_path / "first.p7s", tmp_path / "both.p7s"
    sign(cli, certs_dir, "company-first-head", "--tsp", data, first)
    sign(cli, certs_dir, "company-signer", "--add", first, "--tsp", both)

    before, after = signer_infos(first), signer_infos(both)
    assert len(after) == 2
    assert after[0].dump() == before[0].dump()
    assert [a["type"].dotted for a in after[1]["unsigned_attrs"]] == [ATTR_SIGNATURE_TIME_STAMP]
    root = write_cert(tmp_path / "root.pem", _root(certs_dir))
    nca = write_cert(tmp_path / "nca.pem", _nca(certs_dir))
    checked = openssl(
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-in",
        both,
        "-CAfile",
        root,
        "-certfile",
        nca,
        "-purpose",
        "any",
        "-attime",
        str(int(NOW.timestamp())),
        "-out",
        tmp_path / "out",
    )
    assert checked.returncode == 0, checked.stderr
    assert (tmp_path / "out").read_bytes() == CONTENT


def test_add_to_a_detached_cms_needs_the_data_and_keeps_it_detached(
    cli, certs_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "request.json"
    data.write_bytes(CONTENT)
    first, both = tmp_path / "first.p7s", tmp_path / "both.p7s"
    sign(cli, certs_dir, "company-first-head", "--detached", data, first)
    refused = cli(
        "sign",
        "cms",
        "--p12",
        persona_p12(certs_dir, "company-signer"),
        "--password",
        PASSWORD,
        "--add",
        first,
        both,
    )
    assert refused.code != 0
    assert "detached" in refused.err
    sign(cli, certs_dir, "company-signer", "--add", first, data, both)
    assert len(signer_infos(both)) == 2
    assert CONTENT not in both.read_bytes()


def test_a_tsa_that_does_not_answer_refuses_the_signing_with_tsa_unavailable(
    cli, certs_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "request.json"
    data.write_bytes(CONTENT)
    refused = cli(
        "sign",
        "cms",
        "--p12",
        persona_p12(certs_dir, "citizen-valid"),
        "--password",
        PASSWORD,
        "--tsp-url",
        "http://127.0.0.1:9/tsp",
        data,
        tmp_path / "out.p7s",
    )
    assert refused.code != 0
    assert "TSA_UNAVAILABLE" in refused.err
    assert not (tmp_path / "out.p7s").exists()


def _root(certs_dir: Path):
    from egovsim.pki.authority import TestPki

    return TestPki.open(certs_dir).authority("root_rsa").certificate


def _nca(certs_dir: Path):
    from egovsim.pki.authority import TestPki

    return TestPki.open(certs_dir).authority("nca_rsa").certificate
