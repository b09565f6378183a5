"""A table of generated paths on which `openssl verify -crl_check_all -policy_check` and egovsim
agree: valid ones both accept, each broken rule both refuse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from egovsim.pki.paths import Party, PathKit, ca_usage, dn, policies, policy_mappings
from egovsim.signatures.checks import EXPECT_NOTHING
from egovsim.signatures.validation import PathInputs
from egovsim.signatures.verifier import Verifier
from tests.conftest import NOW
from tests.test_openssl_interop import openssl

POLICY_A = "1.2.398.3.3.2.1"
POLICY_B = "1.2.398.3.3.2.2"
ATTIME = str(int(NOW.timestamp()))


class Case:
    """One generated path: the anchor, the CAs, the leaf, the CRLs and the policy inputs."""

    def __init__(
        self,
        root: Party,
        cas: list[Party],
        leaf: Party,
        crls: list[x509.CertificateRevocationList],
        *,
        policy: tuple[str, ...] = (),
        explicit: bool = False,
    ) -> None:
        self.root, self.cas, self.leaf, self.crls = root, cas, leaf, crls
        self.policy, self.explicit = policy, explicit


def _org(organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )


def _simple(kit: PathKit, **ca_options: object) -> tuple[Party, Party]:
    root = kit.root("Root")
    return root, kit.ca("CA", root, **ca_options)


def valid(kit: PathKit) -> Case:
    root, ca = _simple(kit)
    return Case(root, [ca], kit.leaf("Aigerim", ca), [kit.crl(root), kit.crl(ca)])


def revoked(kit: PathKit) -> Case:
    root, ca = _simple(kit)
    leaf = kit.leaf("Aigerim", ca)
    listed = kit.crl(ca, [(leaf.certificate.serial_number, NOW - timedelta(hours=1))])
    return Case(root, [ca], leaf, [kit.crl(root), listed])


def outside_directory_constraints(kit: PathKit) -> Case:
    allowed = x509.NameConstraints([x509.DirectoryName(_org("Allowed"))], None)
    root, ca = _simple(kit, extensions=[(allowed, True)])
    return Case(root, [ca], kit.leaf(dn("Aigerim", "Other"), ca), [kit.crl(root), kit.crl(ca)])


def inside_directory_constraints(kit: PathKit) -> Case:
    allowed = x509.NameConstraints([x509.DirectoryName(_org("Allowed"))], None)
    root, ca = _simple(kit, extensions=[(allowed, True)])
    return Case(root, [ca], kit.leaf(dn("Aigerim", "Allowed"), ca), [kit.crl(root), kit.crl(ca)])


def excluded_dns_name(kit: PathKit) -> Case:
    banned = x509.NameConstraints(None, [x509.DNSName("evil.example")])
    root, ca = _simple(kit, extensions=[(banned, True)])
    names = x509.SubjectAlternativeName([x509.DNSName("www.evil.example")])
    leaf = kit.leaf("Aigerim", ca, extensions=[(names, False)])
    return Case(root, [ca], leaf, [kit.crl(root), kit.crl(ca)])


def host_in_the_cn_outside_dns_constraints(kit: PathKit) -> Case:
    permitted = x509.NameConstraints([x509.DNSName("egov.kz")], None)
    root, ca = _simple(kit, extensions=[(permitted, True)])
    return Case(root, [ca], kit.leaf("www.evil.example", ca), [kit.crl(root), kit.crl(ca)])


def crl_by_a_ca_without_crl_sign(kit: PathKit) -> Case:
    root, ca = _simple(kit, key_usage=ca_usage(crl_sign=False))
    return Case(root, [ca], kit.leaf("Aigerim", ca), [kit.crl(root), kit.crl(ca)])


def ca_without_key_cert_sign(kit: PathKit) -> Case:
    root, ca = _simple(kit, key_usage=ca_usage(cert_sign=False))
    return Case(root, [ca], kit.leaf("Aigerim", ca), [kit.crl(root), kit.crl(ca)])


def path_length_exceeded(kit: PathKit) -> Case:
    root, ca = _simple(kit, path_length=0)
    sub = kit.ca("Sub CA", ca)
    crls = [kit.crl(root), kit.crl(ca), kit.crl(sub)]
    return Case(root, [ca, sub], kit.leaf("Aigerim", sub), crls)


def explicit_policy_missing(kit: PathKit) -> Case:
    root, ca = _simple(kit, extensions=[policies(POLICY_A)])
    leaf = kit.leaf("Aigerim", ca)
    return Case(root, [ca], leaf, [kit.crl(root), kit.crl(ca)], explicit=True)


def explicit_policy_held(kit: PathKit) -> Case:
    root, ca = _simple(kit, extensions=[policies(POLICY_A, POLICY_B)])
    leaf = kit.leaf("Aigerim", ca, extensions=[policies(POLICY_B)])
    crls = [kit.crl(root), kit.crl(ca)]
    return Case(root, [ca], leaf, crls, policy=(POLICY_B,), explicit=True)


def policy_of_another_set(kit: PathKit) -> Case:
    root, ca = _simple(kit, extensions=[policies(POLICY_A, POLICY_B)])
    leaf = kit.leaf("Aigerim", ca, extensions=[policies(POLICY_B)])
    crls = [kit.crl(root), kit.crl(ca)]
    return Case(root, [ca], leaf, crls, policy=(POLICY_A,), explicit=True)


def policy_mapped(kit: PathKit) -> Case:
    mapping = [policies(POLICY_A), (policy_mappings([(POLICY_A, POLICY_B)]), False)]
    root, ca = _simple(kit, extensions=mapping)
    leaf = kit.leaf("Aigerim", ca, extensions=[policies(POLICY_B)])
    crls = [kit.crl(root), kit.crl(ca)]
    return Case(root, [ca], leaf, crls, policy=(POLICY_A,), explicit=True)


def unknown_critical_extension(kit: PathKit) -> Case:
    odd = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.7"), b"\x05\x00")
    root, ca = _simple(kit)
    leaf = kit.leaf("Aigerim", ca, extensions=[(odd, True)])
    return Case(root, [ca], leaf, [kit.crl(root), kit.crl(ca)])


TABLE: dict[str, tuple[Callable[[PathKit], Case], bool]] = {
    "valid": (valid, True),
    "revoked": (revoked, False),
    "inside-directory-constraints": (inside_directory_constraints, True),
    "outside-directory-constraints": (outside_directory_constraints, False),
    "excluded-dns-name": (excluded_dns_name, False),
    "host-in-the-cn-outside-dns-constraints": (host_in_the_cn_outside_dns_constraints, False),
    "crl-by-a-ca-without-crl-sign": (crl_by_a_ca_without_crl_sign, False),
    "ca-without-key-cert-sign": (ca_without_key_cert_sign, False),
    "path-length-exceeded": (path_length_exceeded, False),
    "explicit-policy-missing": (explicit_policy_missing, False),
    "explicit-policy-held": (explicit_policy_held, True),
    "policy-of-another-set": (policy_of_another_set, False),
    "policy-mapped": (policy_mapped, True),
    "unknown-critical-extension": (unknown_critical_extension, False),
}


def _pem(path: Path, *items: x509.Certificate | x509.CertificateRevocationList) -> Path:
    path.write_bytes(b"".join(item.public_bytes(serialization.Encoding.PEM) for item in items))
    return path


def _openssl_accepts(case: Case, directory: Path) -> bool:
    arguments: list[str | Path] = [
        "verify", "-crl_check_all", "-policy_check", "-attime", ATTIME,
        "-CAfile", _pem(directory / "root.pem", case.root.certificate),
        "-CRLfile", _pem(directory / "crls.pem", *case.crls),
    ]  # fmt: skip
    if case.cas:
        cas = _pem(directory / "cas.pem", *(ca.certificate for ca in case.cas))
        arguments += ["-untrusted", cas]
    for oid in case.policy:
        arguments += ["-policy", oid]
    if case.explicit:
        arguments.append("-explicit_policy")
    ran = openssl(*arguments, _pem(directory / "leaf.pem", case.leaf.certificate))
    return ran.returncode == 0


async def _egovsim_accepts(case: Case) -> bool:
    verifier = Verifier(
        [case.root.certificate],
        intermediates=[ca.certificate for ca in case.cas],
        crls=case.crls,
        prefer="crl",
        inputs=PathInputs(
            frozenset(case.policy) if case.policy else PathInputs().user_initial_policy_set,
            initial_explicit_policy=case.explicit,
        ),
    )
    encoded = case.leaf.certificate.public_bytes(serialization.Encoding.DER)
    report = await verifier.verify_certificate(encoded, at=NOW, expect=EXPECT_NOTHING)
    return report.passed


@pytest.mark.parametrize("name", TABLE, ids=list(TABLE))
async def test_openssl_verify_and_egovsim_agree_on_the_generated_path(
    name: str, tmp_path: Path
) -> None:
    make, expected = TABLE[name]
    case = make(PathKit(NOW))

    assert _openssl_accepts(case, tmp_path) is expected
    assert await _egovsim_accepts(case) is expected
