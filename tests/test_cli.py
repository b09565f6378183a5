"""The `egovsim` command line: the test PKI, signing and verifying, IINs; exit codes and output.

Most commands run in-process through `egovsim.cli.main`; a few run the installed console script
to prove it works. EGOVSIM_CLOCK puts the CLI at the tests' NOW. Nothing listens at the address
the certificates name (port 9), so the CLI answers revocation questions from the local PKI.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from egovsim import __version__
from egovsim.cli import main
from egovsim.identity import is_valid_iin
from egovsim.pki.authority import TestPki
from egovsim.pki.personas import load_personas
from tests.conftest import NOW, PASSWORD, console

IIN = "850715301233"
OTHER_IIN = "900501322012"
VALID_BIN = "061240000003"
CONTENT = b'{"service": "vessel-licence", "iin": "850715301233"}\n'


@dataclass(frozen=True)
class Run:
    """What a command did: its exit code and its output."""

    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def egovsim(tmp_path: Path, capsys, monkeypatch) -> Any:
    """`egovsim("id", "check", ...)` runs `egovsim id check ...` in-process at the tests' clock."""
    monkeypatch.setenv("EGOVSIM_CLOCK", NOW.isoformat())
    for name in ("EGOVSIM_CERTS", "EGOVSIM_DATA", "EGOVSIM_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*args: str | Path) -> Run:
        capsys.readouterr()
        code = main([*map(str, args)])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def cli(egovsim, certs_dir: Path) -> Any:
    """`cli("pki", "list")` runs `egovsim --certs <the test's PKI> pki list` in-process."""

    def run(*args: str | Path) -> Run:
        result: Run = egovsim("--certs", certs_dir, *args)
        return result

    return run


def persona_entry(certs_dir: Path, persona_id: str) -> dict[str, Any]:
    return next(entry for entry in load_personas(certs_dir) if entry["id"] == persona_id)


def persona_p12(certs_dir: Path, persona_id: str, usage: str = "sign") -> Path:
    return certs_dir / persona_entry(certs_dir, persona_id)["keystores"][usage]["file"]


def sign_file(cli, p12: Path, directory: Path, password: str = PASSWORD, *extra: str) -> Path:
    """Sign CONTENT with a keystore through `egovsim sign cms`; the signature's path."""
    request = directory / "request.json"
    request.write_bytes(CONTENT)
    signature = directory / f"{p12.stem}.p7s"
    signed = cli("sign", "cms", "--p12", p12, "--password", password, *extra, request, signature)
    assert (signed.code, signed.err) == (0, "")
    return signature


def issue(cli, directory: Path, *options: str, iin: str = IIN) -> dict[str, Any]:
    """`egovsim pki issue ... --json` into `directory`; the record it prints."""
    directory.mkdir(exist_ok=True)
    issued = cli(
        "pki", "issue", "--iin", iin, "--out", directory, "--password", "pw", "--json", *options
    )
    assert issued.code == 0, issued.err
    record: dict[str, Any] = issued.json
    return record


def check_named(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(check for check in report["checks"] if check["name"] == name)


# -- the developer's story ------------------------------------------------------------------


def test_a_revoked_fresh_certificate_signs_a_cms_that_verify_refuses_as_revoked(
    cli, certs_dir: Path, tmp_path: Path
) -> None:
    record = issue(cli, tmp_path / "keys", "--usage", "sign")
    keystore = Path(record["keystore"])
    assert keystore.parent == tmp_path / "keys" and keystore.is_file()
    assert keystore.name.startswith("RSA256_")
    assert (record["iin"], record["usage"], record["status"]) == (IIN, "sign", "valid")

    revoked = cli(
        "pki", "revoke", "--serial", record["serial"], "--reason", "keyCompromise",
        "--at", (NOW - timedelta(days=1)).isoformat(),
    )  # fmt: skip
    assert revoked.code == 0, revoked.err
    assert f"revoked {record['serial']}" in revoked.out

    signature = sign_file(cli, keystore, tmp_path, "pw")
    verified = cli("verify", "cms", signature, "--expect-iin", IIN, "--json")

    assert verified.code == 1
    report = verified.json
    assert (report["indication"], report["code"]) == ("INDETERMINATE", "CERT_REVOKED")
    revocation = check_named(report, "revocation")
    assert revocation["status"] == "failed"
    assert revocation["data"]["reason"] == "keyCompromise"
    assert revocation["data"]["serial"] == record["serial"]
    assert revocation["data"]["source"] == "ocsp"  # answered by the local PKI's responder
    assert "keyCompromise" in revocation["detail"]
    assert check_named(report, "binding")["status"] == "passed"

    offline = cli(
        "verify", "cms", signature, "--expect-iin", IIN, "--json", "--no-online",
        "--crl", certs_dir / "crl" / "nca_rsa.crl", "--crl", certs_dir / "crl" / "root_rsa.crl",
    )  # fmt: skip
    assert offline.code == 1
    assert offline.json["code"] == "CERT_REVOKED"
    assert check_named(offline.json, "revocation")["data"]["source"].startswith("crl")


def test_pki_revoke_publishes_the_revocation_in_pki_list(cli, tmp_path: Path) -> None:
    record = issue(cli, tmp_path / "keys", "--usage", "sign")
    assert cli("pki", "revoke", "--serial", record["serial"], "--reason", "superseded").code == 0

    listed = {row["serial"]: row for row in cli("pki", "list", "--json").json}

    assert listed[record["serial"]]["status"] == "revoked"
    assert listed[record["serial"]]["revocation"]["reason"] == "superseded"
    assert listed[record["serial"]]["revocation"]["at"] == NOW.isoformat()


# -- what `pki issue` can make, and what verify says of it --------------------------------

ISSUE_CASES = {
    "expired": (
        [
            "--usage", "sign",
            "--not-before", (NOW - timedelta(days=400)).isoformat(),
            "--not-after", (NOW - timedelta(days=30)).isoformat(),
        ],
        [], 1, "CERT_EXPIRED",
    ),
    "p256": (["--usage", "sign", "--key", "p256"], [], 0, None),
    "rsa1024": (["--usage", "sign", "--key", "rsa1024"], [], 1, "WEAK_ALGORITHM"),
    "employee-of-a-company": (
        ["--usage", "sign", "--role", "employee", "--bin", VALID_BIN],
        ["--expect-bin", VALID_BIN], 1, "NO_SIGNING_RIGHT",
    ),
    "auth-key": (["--usage", "auth"], [], 1, "CERT_WRONG_KEY_USAGE"),
    "another-iin": (["--usage", "sign"], ["--expect-iin", OTHER_IIN], 1, "IIN_MISMATCH"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("issue_options", "verify_options", "exit_code", "code"),
    ISSUE_CASES.values(),
    ids=ISSUE_CASES.keys(),
)
def test_issued_certificate_gets_its_verdict_from_verify_cms(
    cli, tmp_path: Path, issue_options, verify_options, exit_code: int, code: str | None
) -> None:
    record = issue(cli, tmp_path / "keys", *issue_options)
    signature = sign_file(cli, Path(record["keystore"]), tmp_path, "pw")

    verified = cli("verify", "cms", signature, "--json", *verify_options)

    assert verified.code == exit_code, verified.out + verified.err
    assert verified.json["code"] == code
    assert (verified.json["indication"] == "TOTAL_PASSED") is (code is None)


def test_p256_keystore_is_named_like_the_ncas(cli, tmp_path: Path) -> None:
    record = issue(cli, tmp_path / "keys", "--usage", "auth", "--key", "p256")

    assert Path(record["keystore"]).name.startswith("AUTH_EC256_")
    assert record["key"] == "p256"


def test_pki_issue_refuses_a_role_without_a_bin_as_a_usage_error(cli, tmp_path: Path) -> None:
    refused = cli(
        "pki", "issue", "--iin", IIN, "--usage", "sign", "--role", "employee",
        "--out", tmp_path, "--password", "pw",
    )  # fmt: skip

    assert refused.code == 2
    assert "--bin" in refused.err
    assert list(tmp_path.glob("*.p12")) == []


def test_pki_issue_refuses_not_after_before_not_before(cli, tmp_path: Path) -> None:
    refused = cli(
        "pki", "issue", "--iin", IIN, "--usage", "sign", "--out", tmp_path, "--password", "pw",
        "--not-before", NOW.isoformat(), "--not-after", (NOW - timedelta(days=1)).isoformat(),
    )  # fmt: skip

    assert refused.code == 1
    assert "--not-after must be later than --not-before" in refused.err


# -- verify cms: exit codes and output ----------------------------------------------------


def test_verify_cms_exits_0_and_names_the_signer_on_total_passed(
    cli, certs_dir: Path, tmp_path: Path
) -> None:
    signature = sign_file(cli, persona_p12(certs_dir, "citizen-valid"), tmp_path)
    iin = persona_entry(certs_dir, "citizen-valid")["iin"]

    verified = cli("verify", "cms", signature, "--expect-iin", iin)

    assert verified.code == 0
    lines = verified.out.splitlines()
    assert lines[0] == "TOTAL_PASSED"
    assert f"IIN {iin}" in verified.out
    assert "[FAIL]" not in verified.out


def test_verify_cms_of_a_detached_signature_uses_data(cli, certs_dir: Path, tmp_path: Path) -> None:
    signature = sign_file(
        cli, persona_p12(certs_dir, "citizen-valid"), tmp_path, PASSWORD, "--detached"
    )
    assert CONTENT not in signature.read_bytes()
    changed = tmp_path / "changed.json"
    changed.write_bytes(CONTENT.replace(b"vessel", b"VESSEL"))

    good = cli("verify", "cms", signature, "--data", tmp_path / "request.json", "--json")
    bad = cli("verify", "cms", signature, "--data", changed, "--json")

    assert (good.code, good.json["indication"]) == (0, "TOTAL_PASSED")
    assert (bad.code, bad.json["code"]) == (1, "SIGNATURE_BROKEN")


def test_verify_cms_exits_1_with_the_refusal_in_text(cli, certs_dir: Path, tmp_path: Path) -> None:
    signature = sign_file(cli, persona_p12(certs_dir, "citizen-expired"), tmp_path)

    verified = cli("verify", "cms", signature)

    assert verified.code == 1
    assert verified.out.splitlines()[0] == "INDETERMINATE / OUT_OF_BOUNDS_NO_POE / CERT_EXPIRED"
    assert "[FAIL] validity" in verified.out


def test_verify_cms_json_report_has_the_documented_keys(
    cli, certs_dir: Path, tmp_path: Path
) -> None:
    signature = sign_file(cli, persona_p12(certs_dir, "company-finance"), tmp_path)

    verified = cli("verify", "cms", signature, "--json")

    report = verified.json
    assert {"indication", "subindication", "code", "checks"} <= set(report)
    assert (report["indication"], report["subindication"], report["code"]) == (
        "INDETERMINATE",
        "SIG_CONSTRAINTS_FAILURE",
        "NO_SIGNING_RIGHT",
    )
    assert all({"name", "status"} <= set(check) for check in report["checks"])
    assert check_named(report, "role")["code"] == "NO_SIGNING_RIGHT"
    assert report["message"]["en"]
    assert verified.code == 1


def test_verify_cms_of_a_missing_file_is_a_usage_error(cli, tmp_path: Path) -> None:
    verified = cli("verify", "cms", tmp_path / "nope.p7s", "--json")

    assert verified.code == 2
    assert "cannot read" in verified.err
    assert verified.out == ""


def test_verify_cms_with_an_unknown_option_is_a_usage_error(cli, tmp_path: Path, capsys) -> None:
    (tmp_path / "x.p7s").write_bytes(b"x")

    with pytest.raises(SystemExit) as exited:
        cli("verify", "cms", tmp_path / "x.p7s", "--no-such-option")

    assert exited.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_verify_cms_with_an_unreadable_crl_is_a_usage_error(cli, certs_dir, tmp_path) -> None:
    signature = sign_file(cli, persona_p12(certs_dir, "citizen-valid"), tmp_path)
    (tmp_path / "bad.crl").write_bytes(b"not a CRL")

    verified = cli("verify", "cms", signature, "--crl", tmp_path / "bad.crl")

    assert verified.code == 2
    assert "is not a CRL" in verified.err


# -- pki list, personas, init, release ----------------------------------------------------


def test_pki_list_json_lists_every_persona_certificate_with_its_status(
    cli, certs_dir: Path
) -> None:
    listed = cli("pki", "list", "--json")

    assert listed.code == 0
    rows = {row["serial"]: row for row in listed.json}
    personas = load_personas(certs_dir)
    assert len(rows) == sum(len(entry["keystores"]) for entry in personas)
    expected = {
        "citizen-valid": "valid",
        "citizen-revoked": "revoked",
        "citizen-on-hold": "on-hold",
        "citizen-expired": "expired",
        "citizen-not-yet-valid": "not-yet-valid",
    }
    for persona_id, status in expected.items():
        for keystore in persona_entry(certs_dir, persona_id)["keystores"].values():
            row = rows[keystore["serial"]]
            assert (row["persona"], row["status"]) == (persona_id, status)


def test_pki_list_text_has_one_line_per_certificate(cli, certs_dir: Path) -> None:
    listed = cli("pki", "list")

    assert listed.code == 0
    assert len(listed.out.splitlines()) == len(TestPki.open(certs_dir).records())
    assert "citizen-revoked" in listed.out


def test_pki_personas_lists_each_persona_with_its_expected_outcome(cli, certs_dir: Path) -> None:
    shown = cli("pki", "personas")

    assert shown.code == 0
    lines = shown.out.splitlines()
    personas = load_personas(certs_dir)
    assert len(lines) == len(personas)
    for line, entry in zip(lines, personas, strict=True):
        assert line.startswith(entry["id"])
        assert f"IIN {entry['iin']}" in line
        assert (entry["expected_code"] or "TOTAL_PASSED") in line
    assert cli("pki", "personas", "--json").json == personas


def test_pki_init_refuses_to_overwrite_a_pki_without_force(cli, certs_dir: Path) -> None:
    state = (certs_dir / "pki.json").read_bytes()
    root = (certs_dir / "ca" / "root_rsa.cer").read_bytes()

    refused = cli("pki", "init")

    assert refused.code == 1
    assert "--force" in refused.err
    assert (certs_dir / "pki.json").read_bytes() == state
    assert (certs_dir / "ca" / "root_rsa.cer").read_bytes() == root


def test_pki_init_force_replaces_the_pki(cli, certs_dir: Path) -> None:
    root = (certs_dir / "ca" / "root_rsa.cer").read_bytes()

    replaced = cli("pki", "init", "--force", "--no-personas")

    assert replaced.code == 0, replaced.err
    assert "test PKI created" in replaced.out
    assert (certs_dir / "ca" / "root_rsa.cer").read_bytes() != root
    assert TestPki.open(certs_dir).records() == []
    no_personas = cli("pki", "personas")
    assert no_personas.code == 1
    assert "pki init" in no_personas.err


def test_pki_release_takes_the_on_hold_persona_off_hold_and_verify_passes(
    cli, certs_dir: Path, tmp_path: Path
) -> None:
    p12 = persona_p12(certs_dir, "citizen-on-hold")
    signature = sign_file(cli, p12, tmp_path)
    before = cli("verify", "cms", signature, "--json")
    assert (before.code, before.json["code"]) == (1, "CERT_ON_HOLD")

    released = cli("pki", "release", "--cert", p12, "--password", PASSWORD)

    assert released.code == 0, released.err
    assert "released" in released.out
    after = cli("verify", "cms", signature, "--json")
    assert (after.code, after.json["indication"]) == (0, "TOTAL_PASSED")
    offline = cli(
        "verify", "cms", signature, "--json", "--no-online",
        "--crl", certs_dir / "crl" / "nca_rsa.crl", "--crl", certs_dir / "crl" / "root_rsa.crl",
    )  # fmt: skip
    assert (offline.code, offline.json["indication"]) == (0, "TOTAL_PASSED")


def test_pki_release_of_a_revoked_certificate_is_refused(cli, certs_dir: Path) -> None:
    serial = persona_entry(certs_dir, "citizen-revoked")["keystores"]["sign"]["serial"]

    refused = cli("pki", "release", "--serial", serial)

    assert refused.code == 1
    assert "not on hold" in refused.err


def test_pki_revoke_of_an_unknown_serial_is_refused(cli) -> None:
    refused = cli("pki", "revoke", "--serial", "DEADBEEF")

    assert refused.code == 1
    assert "DEADBEEF" in refused.err


# -- verify cert --------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["DER", "PEM"])
@pytest.mark.parametrize(
    ("persona_id", "exit_code", "code"),
    [("citizen-valid", 0, None), ("citizen-revoked", 1, "CERT_REVOKED")],
)
def test_verify_cert_of_a_persona_certificate(
    cli, persona, certs_dir: Path, tmp_path: Path, persona_id: str, exit_code: int, code, encoding
) -> None:
    certificate = persona(persona_id).sign.certificate
    exported = tmp_path / f"{persona_id}.cer"
    exported.write_bytes(certificate.public_bytes(getattr(serialization.Encoding, encoding)))
    serial = persona_entry(certs_dir, persona_id)["keystores"]["sign"]["serial"]

    verified = cli("verify", "cert", exported, "--json")

    assert verified.code == exit_code, verified.out
    report = verified.json
    assert report["code"] == code
    assert report["signer"]["iin"] == persona_entry(certs_dir, persona_id)["iin"]
    assert report["signer"]["serial"] == serial


# -- id check / id new --------------------------------------------------------------------


def test_id_check_accepts_a_valid_iin(egovsim) -> None:
    checked = egovsim("id", "check", IIN)

    assert checked.code == 0
    assert checked.out.strip() == f"{IIN} is a valid IIN"


def test_id_check_explains_a_wrong_check_digit(egovsim) -> None:
    checked = egovsim("id", "check", "850715301234")

    assert checked.code == 1
    assert "850715301234 is not a valid IIN" in checked.out
    assert "BAD_CHECK_DIGIT" in checked.out
    assert "check digit is 4, expected 3" in checked.out


def test_id_check_json_names_the_problem_digits(egovsim) -> None:
    checked = egovsim("id", "check", "850715301234", "--json")

    assert checked.code == 1
    body = checked.json
    assert (body["number"], body["kind"], body["valid"]) == ("850715301234", "iin", False)
    assert [(p["code"], p["digits"]) for p in body["problems"]] == [("BAD_CHECK_DIGIT", [12, 12])]


def test_id_check_accepts_a_valid_bin(egovsim) -> None:
    checked = egovsim("id", "check", VALID_BIN)

    assert (checked.code, checked.out.strip()) == (0, f"{VALID_BIN} is a valid BIN")


def test_id_new_iin_is_valid_born_that_day_and_repeatable_with_a_seed(egovsim) -> None:
    first = egovsim("id", "new", "iin", "--born", "1990-05-01", "--seed", "1")
    second = egovsim("id", "new", "iin", "--born", "1990-05-01", "--seed", "1")

    assert first.code == 0
    number = first.out.strip()
    assert len(number) == 12 and number.startswith("900501")
    assert is_valid_iin(number)
    assert second.out == first.out
    assert egovsim("id", "check", number).code == 0


def test_id_new_iin_with_an_impossible_date_is_a_usage_error(egovsim, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        egovsim("id", "new", "iin", "--born", "1990-02-30")

    assert exited.value.code == 2
    assert "--born" in capsys.readouterr().err


# -- the installed console script ---------------------------------------------------------


def test_console_script_prints_its_version(tmp_path: Path) -> None:
    result = console("--version", cwd=tmp_path)

    assert result.returncode == 0
    assert result.stdout.strip() == f"egovsim {__version__}"


def test_console_script_verifies_a_cms_at_the_clock_it_is_given(
    cli, certs_dir: Path, tmp_path: Path
) -> None:
    signature = sign_file(cli, persona_p12(certs_dir, "citizen-revoked"), tmp_path)

    result = console("verify", "cms", signature, "--certs", certs_dir, "--json", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["code"] == "CERT_REVOKED"
    assert report["validation_time"] == NOW.isoformat()
    assert "Traceback" not in result.stderr


def test_console_script_exits_2_on_an_unknown_option(tmp_path: Path) -> None:
    result = console("verify", "cms", tmp_path / "x.p7s", "--no-such-option", cwd=tmp_path)

    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr
    assert "Traceback" not in result.stderr


def test_python_dash_m_egovsim_runs_the_same_commands(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "egovsim", "id", "check", "850715301234"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )

    assert result.returncode == 1
    assert "BAD_CHECK_DIGIT" in result.stdout


def test_serve_on_a_taken_port_says_so_without_a_traceback(certs_dir: Path, tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = console(
            "serve", "--port", str(port), "--certs", certs_dir, "--data-dir", "data", cwd=tmp_path
        )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"port {port} on 127.0.0.1 is taken (address already in use)" in result.stderr
    assert "Traceback" not in result.stderr
