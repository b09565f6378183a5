"""`egovsim pki init|issue|revoke|release|list|personas`: the test PKI, one command per case."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from egovsim.cli.common import CommandError, UsageError, clock_for, print_json, time_option
from egovsim.config import Settings
from egovsim.identity import explain_bin, explain_iin
from egovsim.pki.authority import NCA, UNTRUSTED, PkiError, TestPki
from egovsim.pki.keystore import keystore_name, write_keystore
from egovsim.pki.oids import ROLES, Role
from egovsim.pki.personas import create_personas, load_personas
from egovsim.pki.profiles import KEY_KINDS, Holder
from egovsim.pki.records import REASONS
from egovsim.signatures.encoding import to_der


def register(commands: Any, shared: argparse.ArgumentParser) -> None:
    """Add the `pki` command tree."""
    pki = commands.add_parser("pki", help="the test PKI: init, issue, revoke, list")
    actions = pki.add_subparsers(dest="action", required=True, metavar="ACTION")

    init = actions.add_parser("init", parents=[shared], help="create the CAs and the personas")
    init.add_argument("--force", action="store_true", help="replace an existing PKI")
    init.add_argument("--no-personas", action="store_true", help="create only the CAs")
    init.set_defaults(run=_in_step(_init))

    issue = actions.add_parser("issue", parents=[shared], help="issue a certificate and keystore")
    issue.add_argument("--iin", required=True, help="the holder's IIN (12 digits)")
    issue.add_argument("--bin", help="the organization's BIN: a legal entity's certificate")
    issue.add_argument("--usage", required=True, choices=("sign", "auth"))
    issue.add_argument(
        "--role", choices=ROLES, help="default: individual, or first-head with --bin"
    )
    issue.add_argument("--not-before", type=time_option, help="default: now")
    issue.add_argument("--not-after", type=time_option, help="default: a year after not-before")
    issue.add_argument(
        "--key",
        choices=KEY_KINDS,
        default="rsa2048",
        help="rsa1024 exists to exercise the weak-algorithm refusal",
    )
    issue.add_argument(
        "--issuer",
        choices=("nca", "untrusted"),
        default="nca",
        help="untrusted: a CA that verifiers do not trust",
    )
    issue.add_argument("--surname", default="ТЕСТОВ")
    issue.add_argument("--name", default="ТЕСТ")
    issue.add_argument("--patronymic", default="ТЕСТОВИЧ")
    issue.add_argument("--organization", help="default with --bin: ТОО «TEST»")
    issue.add_argument("--email")
    issue.add_argument(
        "--out",
        required=True,
        type=Path,
        help="the .p12 to write, or a directory for the NCA's file name",
    )
    issue.add_argument("--password", required=True, help="the keystore's password")
    issue.add_argument("--json", action="store_true", help="print the record as JSON")
    issue.set_defaults(run=_in_step(_issue))

    revoke = actions.add_parser("revoke", parents=[shared], help="revoke or hold a certificate")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--cert", type=Path, help="the certificate (DER, PEM, or a .p12)")
    which.add_argument("--serial", help="the serial number in hexadecimal")
    revoke.add_argument("--password", help="the password, when --cert is a .p12")
    revoke.add_argument("--reason", choices=list(REASONS), default="unspecified")
    revoke.add_argument("--at", type=time_option, help="when it takes effect (default: now)")
    revoke.set_defaults(run=_in_step(_revoke))

    release = actions.add_parser("release", parents=[shared], help="take a certificate off hold")
    which = release.add_mutually_exclusive_group(required=True)
    which.add_argument("--cert", type=Path)
    which.add_argument("--serial")
    release.add_argument("--password")
    release.set_defaults(run=_in_step(_release))

    listing = actions.add_parser("list", parents=[shared], help="every issued certificate")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_in_step(_list))

    personas = actions.add_parser("personas", parents=[shared], help="the demo personas")
    personas.add_argument("--json", action="store_true")
    personas.set_defaults(run=_in_step(_personas))


#: A command of `egovsim pki`: its exit status.
Command = Callable[[argparse.Namespace, Settings], int]


def _in_step(command: Command) -> Command:
    """The command run on the certs directory in step with the database's PKI (shared by the
    instances on it): brought up to it before, what it changed sent after."""

    def run(arguments: argparse.Namespace, settings: Settings) -> int:
        from egovsim.simulator.pki_sharing import certs_in_step  # the database, when it is used

        with certs_in_step(settings):
            return command(arguments, settings)

    return run


def open_pki(settings: Settings) -> TestPki:
    """The PKI in the certs directory; a clear error when there is none."""
    try:
        return TestPki.open(settings.certs_dir)
    except PkiError as error:
        raise CommandError(str(error)) from None


def _init(arguments: argparse.Namespace, settings: Settings) -> int:
    directory = settings.certs_dir
    if TestPki.exists(directory):
        if not arguments.force:
            raise CommandError(f"{directory} already holds a test PKI; --force replaces it")
        for name in ("ca", "crl", "issued", "personas"):
            shutil.rmtree(directory / name, ignore_errors=True)
        for name in ("pki.json", "personas.json"):
            (directory / name).unlink(missing_ok=True)
    now = clock_for(settings).now()
    pki = TestPki.init(directory, settings.base_url, now)
    personas = [] if arguments.no_personas else create_personas(pki, now, settings.persona_password)
    print(f"test PKI created in {directory}, pointing at {pki.base_url}")
    for persona in personas:
        print(f"  {persona['id']:<24} IIN {persona['iin']}  {persona['summary']}")
    return 0


def _number_warning(kind: str, value: str) -> None:
    problems = explain_iin(value) if kind == "IIN" else explain_bin(value)
    if any(p.code == "NOT_12_DIGITS" for p in problems):
        raise UsageError(f"--{kind.lower()} must be 12 digits, got {value!r}")
    if problems:
        # Real NCA test certificates carry such numbers; the portal's login refuses them.
        details = "; ".join(p.message for p in problems)
        print(f"egovsim: warning: {kind} {value} is not valid ({details})", file=sys.stderr)


def _issue(arguments: argparse.Namespace, settings: Settings) -> int:
    _number_warning("IIN", arguments.iin)
    if arguments.bin:
        _number_warning("BIN", arguments.bin)
    role: Role = arguments.role or ("first-head" if arguments.bin else "individual")
    if arguments.bin and role == "individual":
        raise UsageError("--role individual cannot go with --bin")
    if not arguments.bin and role != "individual":
        raise UsageError(f"--role {role} needs --bin (it is a legal entity's role)")
    pki = open_pki(settings)
    now = clock_for(settings).now()
    not_before = arguments.not_before
    not_after = arguments.not_after
    if not_before is None:
        not_before = now if not_after is None or not_after > now else not_after - timedelta(365)
    if not_after is None:
        not_after = not_before + timedelta(days=365)
    holder = Holder(
        iin=arguments.iin,
        surname=arguments.surname,
        name=arguments.name,
        patronymic=arguments.patronymic,
        email=arguments.email,
        bin=arguments.bin,
        organization=(arguments.organization or "ТОО «TEST»") if arguments.bin else None,
        role=role,
    )
    issuer = NCA if arguments.issuer == "nca" else UNTRUSTED
    try:
        issued = pki.issue(
            holder,
            arguments.usage,
            not_before=not_before,
            not_after=not_after,
            key_kind=arguments.key,
            issuer=issuer,
        )
    except PkiError as error:
        raise CommandError(str(error)) from None
    out: Path = arguments.out
    if out.is_dir():
        out = out / keystore_name(issued.certificate, arguments.usage)
    write_keystore(
        out, issued.key, issued.certificate, [pki.authority(issuer).certificate], arguments.password
    )
    record = issued.record.to_json() | {"keystore": str(out), "status": issued.record.status(now)}
    if arguments.json:
        print_json(record)
    else:
        print(
            f"issued {record['serial']} ({arguments.usage}, {role}, {arguments.key}) "
            f"valid {not_before.isoformat()} .. {not_after.isoformat()}: {out}"
        )
    return 0


def _serial_of(arguments: argparse.Namespace) -> int:
    if arguments.serial:
        try:
            return int(arguments.serial.removeprefix("0x"), 16)
        except ValueError:
            raise UsageError(f"--serial must be hexadecimal, got {arguments.serial!r}") from None
    path: Path = arguments.cert
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    if path.suffix.lower() in (".p12", ".pfx"):
        if arguments.password is None:
            raise UsageError("--password is needed to open a .p12")
        try:
            _, certificate, _ = pkcs12.load_key_and_certificates(data, arguments.password.encode())
        except ValueError:
            raise CommandError(f"{path}: not a PKCS#12 keystore, or the wrong password") from None
        if certificate is None:
            raise CommandError(f"{path} holds no certificate")
        return certificate.serial_number
    try:
        return x509.load_der_x509_certificate(to_der(data)).serial_number
    except ValueError:
        raise CommandError(f"{path} is not a certificate (DER or PEM)") from None


def _revoke(arguments: argparse.Namespace, settings: Settings) -> int:
    pki = open_pki(settings)
    now = clock_for(settings).now()
    try:
        record = pki.revoke(_serial_of(arguments), arguments.reason, arguments.at or now, now)
    except PkiError as error:
        raise CommandError(str(error)) from None
    assert record.revocation is not None
    print(
        f"revoked {record.serial_hex} from {record.revocation.at.isoformat()} "
        f"({record.revocation.reason}); CRLs published"
    )
    return 0


def _release(arguments: argparse.Namespace, settings: Settings) -> int:
    pki = open_pki(settings)
    try:
        record = pki.release(_serial_of(arguments), clock_for(settings).now())
    except PkiError as error:
        raise CommandError(str(error)) from None
    print(f"released {record.serial_hex} from hold; CRLs published")
    return 0


def _list(arguments: argparse.Namespace, settings: Settings) -> int:
    pki = open_pki(settings)
    now = clock_for(settings).now()
    rows = [record.to_json() | {"status": record.status(now)} for record in pki.records()]
    if arguments.json:
        print_json(rows)
        return 0
    for row in rows:
        who = f"IIN {row['iin']}" + (f" BIN {row['bin']}" if row["bin"] else "")
        print(
            f"{row['serial']:<42} {row['status']:<14} {row['usage']:<5} {row['role']:<11} "
            f"{who:<34} {row['persona'] or ''}"
        )
    return 0


def _personas(arguments: argparse.Namespace, settings: Settings) -> int:
    personas = load_personas(settings.certs_dir)
    if not personas:
        raise CommandError(f"no personas in {settings.certs_dir}: run 'egovsim pki init'")
    if arguments.json:
        print_json(personas)
        return 0
    for persona in personas:
        files = ", ".join(f"{usage}: {ks['file']}" for usage, ks in persona["keystores"].items())
        expected = persona["expected_code"] or "TOTAL_PASSED"
        print(f"{persona['id']:<24} IIN {persona['iin']} → {expected:<22} {files}")
    return 0
