"""`egovsim sign cms` and `egovsim verify cms|cert`: the verifier from the command line."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path
from typing import Any

from cryptography import x509

from egovsim.cli.common import CommandError, UsageError, clock_for, print_json, time_option
from egovsim.config import Settings
from egovsim.pki.authority import TestPki
from egovsim.pki.keystore import KeystoreError, load_keystore
from egovsim.signatures import cades, cms
from egovsim.signatures.certs import looks_like_certificate
from egovsim.signatures.encoding import to_der
from egovsim.signatures.policies import ANY_POLICY
from egovsim.signatures.report import Report, Status
from egovsim.signatures.revocation import load_crl
from egovsim.signatures.verifier import Expectations, PathInputs, TimestampPolicy, Verifier

_OID = re.compile(r"[0-2](\.(0|[1-9][0-9]*))+")


def register(commands: Any, shared: argparse.ArgumentParser) -> None:
    """Add the `sign` and `verify` command trees."""
    sign = commands.add_parser("sign", help="sign with a persona's keystore")
    kinds = sign.add_subparsers(dest="kind", required=True, metavar="KIND")
    sign_cms = kinds.add_parser("cms", parents=[shared], help="CMS SignedData (DER) over a file")
    sign_cms.add_argument("--p12", required=True, type=Path)
    sign_cms.add_argument("--password", required=True)
    sign_cms.add_argument("--detached", action="store_true", help="leave the data out")
    sign_cms.add_argument(
        "--tsp",
        action="store_true",
        help="add an RFC 3161 signature-time-stamp to each signer without one (CAdES-T)",
    )
    sign_cms.add_argument(
        "--tsp-url", metavar="URL", default="", help="the TSA (default: the test PKI's /tsp)"
    )
    sign_cms.add_argument(
        "--add",
        type=Path,
        metavar="EXISTING",
        help="add a signer to the CMS EXISTING (its signers and timestamps are kept); IN is "
        "the signed data, needed only when EXISTING is detached",
    )
    sign_cms.add_argument("files", type=Path, nargs="+", metavar="[IN] OUT")
    sign_cms.set_defaults(run=_sign_cms)

    verify = commands.add_parser("verify", help="check a signature or a certificate")
    kinds = verify.add_subparsers(dest="kind", required=True, metavar="KIND")
    for kind, help_text in (("cms", "a CMS SignedData"), ("cert", "an X.509 certificate")):
        command = kinds.add_parser(kind, parents=[shared], help=f"check {help_text}")
        command.add_argument("file", type=Path, metavar="FILE")
        if kind == "cms":
            command.add_argument("--data", type=Path, help="the signed data of a detached CMS")
            command.add_argument(
                "--require-timestamp",
                action="store_true",
                help="refuse a signer without a signature-time-stamp (TIMESTAMP_MISSING)",
            )
            command.add_argument(
                "--at-validation-time",
                action="store_true",
                help="check the signers' certificates at the validation time even when a "
                "timestamp proves an earlier time of signing",
            )
        command.add_argument("--at", type=time_option, help="validation time (default: now)")
        command.add_argument(
            "--trust",
            type=Path,
            action="append",
            default=[],
            help="a trust anchor; given, only these are trusted",
        )
        command.add_argument(
            "--ca", type=Path, action="append", default=[], help="an intermediate CA certificate"
        )
        command.add_argument(
            "--crl", type=Path, action="append", default=[], help="a CRL to use (full or delta)"
        )
        command.add_argument(
            "--no-online", action="store_true", help="fetch nothing: use only the files given"
        )
        command.add_argument("--expect-iin", help="the IIN the request carries")
        command.add_argument("--expect-bin", help="the BIN the request carries")
        command.add_argument(
            "--purpose", choices=("sign", "auth"), default="sign" if kind == "cms" else None
        )
        command.add_argument(
            "--revocation",
            choices=("ocsp", "crl"),
            default="ocsp",
            help="which revocation source to ask first",
        )
        command.add_argument(
            "--soft-fail",
            action="store_true",
            help="pass with a warning when revocation status is unavailable",
        )
        _policy_options(command)
        command.add_argument("--json", action="store_true", help="print the report as JSON")
        command.set_defaults(run=_verify)

    answer = kinds.add_parser(
        "ocsp", parents=[shared], help="check an OCSP response as the verifier would use it"
    )
    answer.add_argument("response", type=Path, metavar="RESPONSE", help="a DER OCSP response")
    answer.add_argument("--cert", type=Path, required=True, help="the certificate asked about")
    answer.add_argument("--issuer", type=Path, required=True, help="the certificate's issuer")
    answer.add_argument("--at", type=time_option, help="validation time (default: now)")
    answer.add_argument("--json", action="store_true", help="print the verdict as JSON")
    answer.set_defaults(run=_verify_ocsp)


def _policy_options(command: argparse.ArgumentParser) -> None:
    """RFC 5280 §6.1.1's policy inputs (the user-initial-policy-set and the three flags)."""
    command.add_argument(
        "--policy",
        action="append",
        default=[],
        metavar="OID",
        help="an acceptable certificate policy (repeatable; default: any policy)",
    )
    command.add_argument(
        "--explicit-policy", action="store_true", help="require a valid policy on the path"
    )
    command.add_argument(
        "--inhibit-policy-mapping", action="store_true", help="refuse policy mappings"
    )
    command.add_argument(
        "--inhibit-any-policy", action="store_true", help="do not let anyPolicy match a policy"
    )


def _path_inputs(arguments: argparse.Namespace) -> PathInputs:
    for oid in arguments.policy:
        if not _OID.fullmatch(oid):
            raise UsageError(f"--policy {oid} is not an object identifier (e.g. 1.2.398.3.3.2)")
    return PathInputs(
        user_initial_policy_set=frozenset(arguments.policy or {ANY_POLICY}),
        initial_explicit_policy=arguments.explicit_policy,
        initial_policy_mapping_inhibit=arguments.inhibit_policy_mapping,
        initial_any_policy_inhibit=arguments.inhibit_any_policy,
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None


def _sign_cms(arguments: argparse.Namespace, settings: Settings) -> int:
    files: list[Path] = arguments.files
    if len(files) > 2 or (len(files) == 1 and arguments.add is None):
        raise UsageError("give IN and OUT (with --add, IN only for a detached CMS)")
    if arguments.add is not None and arguments.detached:
        raise UsageError("--detached is for a new CMS; --add keeps EXISTING as it is")
    try:
        keystore = load_keystore(arguments.p12, arguments.password)
    except KeystoreError as error:
        raise CommandError(str(error)) from None
    content = _read(files[0]) if len(files) == 2 else None
    now = clock_for(settings).now()
    if arguments.add is not None:
        try:
            signature = cades.add_signer(
                _read(arguments.add),
                content,
                keystore.key,
                keystore.certificate,
                keystore.chain,
                now,
            )
        except ValueError as error:
            raise CommandError(f"{arguments.add}: {error}") from None
    else:
        assert content is not None
        signature = cms.sign(
            content,
            keystore.key,
            keystore.certificate,
            keystore.chain,
            now,
            detached=arguments.detached,
        )
    if arguments.tsp or arguments.tsp_url:
        signature = asyncio.run(_stamp(signature, arguments.tsp_url, settings))
    files[-1].write_bytes(signature)
    return 0


async def _stamp(signature: bytes, url: str, settings: Settings) -> bytes:
    """Each signer without a timestamp gets one from the TSA (the test PKI's, answered from the
    certs directory when its server is not running, as `verify` does)."""
    from egovsim.signatures.fetching_http import HttpFetcher
    from egovsim.signatures.fetching_local import LocalPkiFetcher
    from egovsim.storage.database import database_location
    from egovsim.storage.faults import saved_pki_faults

    clock = clock_for(settings)
    async with HttpFetcher(settings.fetch_timeout) as http:
        post: Any = http
        if not url:
            if not TestPki.exists(settings.certs_dir):
                raise UsageError(f"--tsp needs a URL, or a PKI in {settings.certs_dir}")
            pki = TestPki.open(settings.certs_dir)
            url = pki.base_url + "/tsp"
            faults = saved_pki_faults(database_location(settings))
            post = LocalPkiFetcher(http, pki, clock.now, faults=lambda: faults)
        try:
            return await cades.stamp_every_signer(post.post, url, signature)
        except cades.TimestampError as error:
            raise CommandError(f"{error.code}: {error}") from None


def _certificates(paths: list[Path], option: str) -> list[bytes]:
    """The certificates' DER: one the verifier cannot read is its report's to tell, not ours."""
    found = []
    for path in paths:
        encoded = to_der(_read(path))
        if not looks_like_certificate(encoded):
            raise UsageError(f"{option} {path} is not a certificate (DER or PEM)")
        found.append(encoded)
    return found


def _crls(paths: list[Path]) -> list[x509.CertificateRevocationList]:
    found = []
    for path in paths:
        try:
            found.append(load_crl(_read(path)))
        except ValueError:
            raise UsageError(f"--crl {path} is not a CRL (DER or PEM)") from None
    return found


async def _run_verification(
    arguments: argparse.Namespace, settings: Settings
) -> tuple[Report, list[str]]:
    from egovsim.signatures.fetching_http import HttpFetcher
    from egovsim.signatures.fetching_local import LocalPkiFetcher
    from egovsim.storage.database import database_location
    from egovsim.storage.faults import saved_pki_faults

    clock = clock_for(settings)
    pki = TestPki.open(settings.certs_dir) if TestPki.exists(settings.certs_dir) else None
    anchors: list[x509.Certificate | bytes] = [*_certificates(arguments.trust, "--trust")]
    if not anchors:
        if pki is None:
            raise UsageError(
                f"no trust anchor: give --trust, or create a PKI in "
                f"{settings.certs_dir} with 'egovsim pki init'"
            )
        anchors = [*pki.trust_anchors]
    data = _read(arguments.file)
    content = _read(arguments.data) if getattr(arguments, "data", None) else None
    expect = Expectations(arguments.expect_iin, arguments.expect_bin, arguments.purpose)
    async with HttpFetcher(settings.fetch_timeout) as http:
        fetcher: Any = None
        if not arguments.no_online:
            # The fault switches a server saved apply here too (OCSP down, CRL stale...).
            faults = saved_pki_faults(database_location(settings))
            fetcher = (
                LocalPkiFetcher(http, pki, clock.now, faults=lambda: faults)
                if pki is not None
                else http
            )
        verifier = Verifier(
            anchors,
            fetcher=fetcher,
            intermediates=[*_certificates(arguments.ca, "--ca")],
            crls=_crls(arguments.crl),
            prefer=arguments.revocation,
            policy="soft-fail" if arguments.soft_fail else "hard-fail",
            clock=clock.now,
            inputs=_path_inputs(arguments),
        )
        if arguments.kind == "cms":
            policy = TimestampPolicy(
                required=arguments.require_timestamp,
                at_signing_time=not arguments.at_validation_time,
            )
            report = await verifier.verify_cms(
                data, content=content, at=arguments.at, expect=expect, policy=policy
            )
        else:
            report = await verifier.verify_certificate(data, at=arguments.at, expect=expect)
    local = fetcher.answered_locally if isinstance(fetcher, LocalPkiFetcher) else []
    return report, local


def _verify(arguments: argparse.Namespace, settings: Settings) -> int:
    report, answered_locally = asyncio.run(_run_verification(arguments, settings))
    if arguments.json:
        print_json(report.to_json())
    else:
        _print_report(report)
    if answered_locally:
        print(
            f"egovsim: note: nothing answered at {answered_locally[0].split('/')[2]}; "
            f"{len(answered_locally)} revocation or CA fetches were answered from "
            f"{settings.certs_dir}",
            file=sys.stderr,
        )
    return 0 if report.passed else 1


_MARKS = {
    Status.PASSED: "ok  ",
    Status.FAILED: "FAIL",
    Status.WARNING: "warn",
    Status.SKIPPED: "skip",
}


def _print_report(report: Report) -> None:
    verdict = str(report.indication)
    if report.code:
        verdict += f" / {report.subindication} / {report.code}"
    print(verdict)
    body = report.to_json()
    if body["message"]:
        print(f"  {body['message']['en']}")
    if report.signer:
        signer = report.signer
        who = f"{signer.common_name}, IIN {signer.iin}"
        if signer.bin:
            who += f", BIN {signer.bin} ({signer.organization}), {signer.role}"
        print(f"  signer: {who}")
    for check in report.checks:
        print(f"  [{_MARKS[check.status]}] {check.name}: {check.detail}")
    if len(report.signers) > 1:
        for each in report.signers:
            own = each.verdict
            print(f"  {each.name()}: {own.indication} {own.code or ''}".rstrip())
            for check in own.checks:
                print(f"    [{_MARKS[check.status]}] {check.name}: {check.detail}")
    for each in report.signers:
        if each.timestamp and each.times:
            print(
                f"  {each.name()}: timestamp {each.timestamp['time']}; certificate checked "
                f"at {each.times.get('validity')}"
            )


def _verify_ocsp(arguments: argparse.Namespace, settings: Settings) -> int:
    from egovsim.cli.ocsp_verdict import ocsp_verdict

    verdict = ocsp_verdict(
        _read(arguments.response),
        _read(arguments.cert),
        _read(arguments.issuer),
        arguments.at or clock_for(settings).now(),
    )
    if arguments.json:
        print_json(verdict)
    else:
        state = "acceptable" if verdict["acceptable"] else "NOT acceptable"
        print(f"{verdict['status'] or 'no status'} ({state})")
        for key in ("reason", "responder", "this_update", "next_update", "revoked_at"):
            if verdict.get(key):
                print(f"  {key.replace('_', ' ')}: {verdict[key]}")
    return 0 if verdict["acceptable"] and verdict["status"] == "good" else 1
