"""Path validation held to RFC 5280 §6.1: each false accept and false reject of issue 13.

Every path is generated for the test by `egovsim.pki.paths`, dated around the test clock.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from egovsim.pki.paths import Party, PathKit, ca_usage, dn, policies, policy_mappings
from egovsim.signatures.checks import EXPECT_NOTHING
from egovsim.signatures.report import Report
from egovsim.signatures.validation import PathInputs
from egovsim.signatures.verifier import Verifier
from tests.conftest import NOW

POLICY_A = "1.2.398.3.3.2.1"
POLICY_B = "1.2.398.3.3.2.2"


@pytest.fixture
def kit() -> PathKit:
    return PathKit(NOW)


def der(party: Party) -> bytes:
    return party.certificate.public_bytes(serialization.Encoding.DER)


async def check(
    anchor: Party,
    leaf: Party,
    *cas: Party,
    kit: PathKit,
    inputs: PathInputs | None = None,
    crls: list[x509.CertificateRevocationList] | None = None,
    extra: list[x509.Certificate] | None = None,
) -> Report:
    """Verify `leaf` offline at NOW, with an empty CRL of every CA unless CRLs are given."""
    if crls is None:
        crls = [kit.crl(ca) for ca in (anchor, *cas)]
    verifier = Verifier(
        [anchor.certificate],
        intermediates=[*(ca.certificate for ca in cas), *(extra or [])],
        crls=crls,
        prefer="crl",
        inputs=inputs or PathInputs(),
    )
    return await verifier.verify_certificate(der(leaf), at=NOW, expect=EXPECT_NOTHING)


def chain_detail(report: Report) -> str:
    chain = report.check("chain")
    assert chain is not None
    return chain.detail


def constraints(
    permitted: list[x509.GeneralName] | None = None,
    excluded: list[x509.GeneralName] | None = None,
) -> list[tuple[x509.ExtensionType, bool]]:
    return [(x509.NameConstraints(permitted, excluded), True)]


def with_names(*names: x509.GeneralName) -> list[tuple[x509.ExtensionType, bool]]:
    return [(x509.SubjectAlternativeName(list(names)), False)]


# -- 1. name constraints ------------------------------------------------------------------


def _org(organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )


NAME_CASES = {
    "directory-name-inside": (
        constraints([x509.DirectoryName(_org("Allowed"))]),
        "Allowed",
        [],
        True,
    ),
    "directory-name-outside": (
        constraints([x509.DirectoryName(_org("Allowed"))]),
        "Other",
        [],
        False,
    ),
    "directory-name-excluded": (
        constraints(None, [x509.DirectoryName(_org("Banned"))]),
        "Banned",
        [],
        False,
    ),
    "dns-inside": (
        constraints([x509.DNSName("egov.kz")]),
        "Allowed",
        [x509.DNSName("api.egov.kz")],
        True,
    ),
    "dns-outside": (
        constraints([x509.DNSName("egov.kz")]),
        "Allowed",
        [x509.DNSName("egov.kz.evil.example")],
        False,
    ),
    "dns-excluded": (
        constraints(None, [x509.DNSName("evil.example")]),
        "Allowed",
        [x509.DNSName("www.evil.example")],
        False,
    ),
    "email-in-san-outside": (
        constraints([x509.RFC822Name("egov.kz")]),
        "Allowed",
        [x509.RFC822Name("a@mail.ru")],
        False,
    ),
    "uri-outside": (
        constraints([x509.UniformResourceIdentifier(".egov.kz")]),
        "Allowed",
        [x509.UniformResourceIdentifier("https://evil.example/x")],
        False,
    ),
    "uri-inside": (
        constraints([x509.UniformResourceIdentifier(".egov.kz")]),
        "Allowed",
        [x509.UniformResourceIdentifier("https://api.egov.kz/x")],
        True,
    ),
    "ip-inside": (
        constraints([x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))]),
        "Allowed",
        [x509.IPAddress(ipaddress.ip_address("10.1.2.3"))],
        True,
    ),
    "ip-excluded": (
        constraints(None, [x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))]),
        "Allowed",
        [x509.IPAddress(ipaddress.ip_address("10.1.2.3"))],
        False,
    ),
}


@pytest.mark.parametrize("case", NAME_CASES, ids=list(NAME_CASES))
async def test_name_constraints_of_an_intermediate_are_processed(kit, case: str) -> None:
    extensions, organization, names, allowed = NAME_CASES[case]
    root = kit.root("Root")
    ca = kit.ca("Constrained CA", root, extensions=extensions)
    leaf = kit.leaf(dn("Aigerim", organization), ca, extensions=with_names(*names) if names else [])

    report = await check(root, leaf, ca, kit=kit)

    assert report.passed is allowed, report.to_json()["checks"]
    if not allowed:
        assert report.code == "CHAIN_INVALID"
        assert "§6.1.3 (b)(c) name constraints" in chain_detail(report)


async def test_email_address_in_the_subject_dn_is_held_to_rfc822_constraints(kit) -> None:
    root = kit.root("Root")
    ca = kit.ca("Mail CA", root, extensions=constraints([x509.RFC822Name(".egov.kz")]))
    subject = x509.Name([*dn("Aigerim"), x509.NameAttribute(NameOID.EMAIL_ADDRESS, "a@mail.ru")])
    leaf = kit.leaf(subject, ca)

    report = await check(root, leaf, ca, kit=kit)

    assert report.code == "CHAIN_INVALID"
    assert "rfc822Name a@mail.ru is not permitted" in chain_detail(report)


@pytest.mark.parametrize(
    ("common_name", "allowed"),
    [("api.egov.kz", True), ("www.evil.example", False), ("10.1.2.3", False), ("Aigerim", True)],
)
async def test_a_host_name_in_the_cn_cannot_escape_the_constraints(
    kit, common_name: str, allowed: bool
) -> None:
    permitted = [x509.DNSName("egov.kz"), x509.IPAddress(ipaddress.ip_network("192.0.2.0/24"))]
    root = kit.root("Root")
    ca = kit.ca("Host CA", root, extensions=constraints(permitted))
    leaf = kit.leaf(dn(common_name), ca)  # no subjectAltName: the CN is the only host name

    report = await check(root, leaf, ca, kit=kit)

    assert report.passed is allowed, report.to_json()["checks"]


@pytest.mark.parametrize(
    "name",
    [
        x509.RFC822Name("no-host-here"),
        x509.UniformResourceIdentifier("urn:egov:licence"),
        x509.DNSName("bad..egov.kz"),
    ],
    ids=["mailbox-without-host", "uri-without-host", "malformed-dns-name"],
)
async def test_a_name_that_cannot_be_compared_with_a_constraint_of_its_form_is_refused(
    kit, name: x509.GeneralName
) -> None:
    excluded = [
        x509.RFC822Name("evil.example"),
        x509.UniformResourceIdentifier(".evil.example"),
        x509.DNSName("evil.example"),
    ]
    root = kit.root("Root")
    ca = kit.ca("CA", root, extensions=constraints(None, excluded))
    leaf = kit.leaf("Aigerim", ca, extensions=with_names(name))

    report = await check(root, leaf, ca, kit=kit)

    assert "cannot be checked" in chain_detail(report)


async def test_a_wildcard_that_could_name_an_excluded_host_is_refused(kit) -> None:
    root = kit.root("Root")
    ca = kit.ca("CA", root, extensions=constraints(None, [x509.DNSName("admin.egov.kz")]))
    wildcard = kit.leaf("Aigerim", ca, extensions=with_names(x509.DNSName("*.egov.kz")))
    sibling = kit.leaf("Aigerim", ca, extensions=with_names(x509.DNSName("www.egov.kz")))

    assert not (await check(root, wildcard, ca, kit=kit)).passed
    assert (await check(root, sibling, ca, kit=kit)).passed


async def test_name_constraints_in_a_trust_anchor_are_honoured(kit) -> None:
    root = kit.root("Root", extensions=constraints([x509.DirectoryName(_org("Allowed"))]))
    inside = kit.leaf(dn("Aigerim", "Allowed"), root)
    outside = kit.leaf(dn("Aigerim", "Other"), root)

    assert (await check(root, inside, kit=kit)).passed
    refused = await check(root, outside, kit=kit)
    assert refused.code == "CHAIN_INVALID"
    assert "name constraints" in chain_detail(refused)


# -- 4. certificate policies ----------------------------------------------------------------


async def test_required_explicit_policy_absent_from_the_path_is_refused(kit) -> None:
    root = kit.root("Root")
    ca = kit.ca("CA", root, extensions=[policies(POLICY_A)])
    leaf = kit.leaf("Aigerim", ca)  # no certificatePolicies: the policy graph ends empty
    explicit = PathInputs(initial_explicit_policy=True)

    assert (await check(root, leaf, ca, kit=kit)).passed
    refused = await check(root, leaf, ca, kit=kit, inputs=explicit)
    assert refused.code == "CHAIN_INVALID"
    assert "§6.1.3 (f) certificate policies" in chain_detail(refused)


async def test_require_explicit_policy_in_a_ca_refuses_a_leaf_of_another_policy(kit) -> None:
    root = kit.root("Root")
    requiring = [policies(POLICY_A), (x509.PolicyConstraints(0, None), True)]
    ca = kit.ca("CA", root, extensions=requiring)
    good = kit.leaf("Aigerim", ca, extensions=[policies(POLICY_A)])
    other = kit.leaf("Aigerim", ca, extensions=[policies(POLICY_B)])

    assert (await check(root, good, ca, kit=kit)).passed
    refused = await check(root, other, ca, kit=kit)
    assert refused.code == "CHAIN_INVALID"
    assert "certificate policies" in chain_detail(refused)


async def test_the_user_initial_policy_set_limits_the_accepted_policies(kit) -> None:
    root = kit.root("Root")
    ca = kit.ca("CA", root, extensions=[policies(POLICY_A, POLICY_B)])
    leaf = kit.leaf("Aigerim", ca, extensions=[policies(POLICY_B)])
    wants_a = PathInputs(frozenset({POLICY_A}), initial_explicit_policy=True)
    wants_b = PathInputs(frozenset({POLICY_B}), initial_explicit_policy=True)

    assert (await check(root, leaf, ca, kit=kit, inputs=wants_b)).passed
    refused = await check(root, leaf, ca, kit=kit, inputs=wants_a)
    assert "§6.1.5 (g) certificate policies" in chain_detail(refused)


async def test_policy_mapping_is_followed_and_can_be_inhibited(kit) -> None:
    root = kit.root("Root")
    mapping = [policies(POLICY_A), (policy_mappings([(POLICY_A, POLICY_B)]), False)]
    ca = kit.ca("Mapping CA", root, extensions=mapping)
    leaf = kit.leaf("Aigerim", ca, extensions=[policies(POLICY_B)])
    wants_a = PathInputs(frozenset({POLICY_A}), initial_explicit_policy=True)
    inhibited = PathInputs(
        frozenset({POLICY_A}), initial_explicit_policy=True, initial_policy_mapping_inhibit=True
    )

    assert (await check(root, leaf, ca, kit=kit, inputs=wants_a)).passed
    assert not (await check(root, leaf, ca, kit=kit, inputs=inhibited)).passed


async def test_a_mapping_to_any_policy_is_refused(kit) -> None:
    root = kit.root("Root")
    mapping = [policies(POLICY_A), (policy_mappings([(POLICY_A, "2.5.29.32.0")]), False)]
    ca = kit.ca("CA", root, extensions=mapping)
    leaf = kit.leaf("Aigerim", ca, extensions=[policies(POLICY_A)])

    refused = await check(root, leaf, ca, kit=kit)

    assert "§6.1.4 (a) policy mappings" in chain_detail(refused)


async def test_many_policies_and_mappings_do_not_blow_up(kit) -> None:
    # RFC 9618's case: each CA maps every policy to every other; the tree form grows as n^depth.
    oids = [f"1.2.398.3.3.9.{i}" for i in range(20)]
    pairs = [(a, b) for a in oids for b in oids if a != b][:400]
    root = kit.root("Root")
    parent, cas = root, []
    for level in range(5):
        ca = kit.ca(
            f"CA {level}", parent, extensions=[policies(*oids), (policy_mappings(pairs), False)]
        )
        cas.append(ca)
        parent = ca
    leaf = kit.leaf("Aigerim", parent, extensions=[policies(*oids)])

    report = await check(root, leaf, *cas, kit=kit, inputs=PathInputs(initial_explicit_policy=True))

    assert report.passed, report.to_json()["checks"]


# -- 6. and 9. critical extensions -----------------------------------------------------------


async def test_a_trust_anchors_unknown_critical_extension_is_refused(kit) -> None:
    odd = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00")
    root = kit.root("Root", extensions=[(odd, True)])
    leaf = kit.leaf("Aigerim", root)

    refused = await check(root, leaf, kit=kit)

    assert refused.code == "CHAIN_INVALID"
    assert "RFC 5937 trust anchor" in chain_detail(refused)


async def test_critical_name_constraints_and_policy_extensions_are_processed_not_refused(
    kit,
) -> None:
    root = kit.root("Root")
    extensions = [
        *constraints([x509.DirectoryName(_org("Allowed"))]),
        (
            x509.CertificatePolicies(
                [x509.PolicyInformation(x509.ObjectIdentifier(POLICY_A), None)]
            ),
            True,
        ),
        (x509.PolicyConstraints(None, 1), True),
        (x509.InhibitAnyPolicy(2), True),
    ]
    ca = kit.ca("CA", root, extensions=extensions)
    leaf = kit.leaf(dn("Aigerim", "Allowed"), ca, extensions=[policies(POLICY_A)])

    report = await check(root, leaf, ca, kit=kit)

    assert report.passed, report.to_json()["checks"]


# -- 7. names compared by §7.1 ---------------------------------------------------------------


async def test_names_are_compared_by_rfc5280_rules_not_by_bytes(kit) -> None:
    root = kit.root("Root")
    printable = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "egovsim  Path Tests"),
            x509.NameAttribute(
                NameOID.COMMON_NAME, "Issuing CA", x509.name._ASN1Type.PrintableString
            ),
        ]
    )
    ca = kit.issue(printable, root, ca=True)
    # The leaf names its issuer in UTF8String, another case and other white space.
    spelled = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, " EGOVSIM path tests "),
            x509.NameAttribute(NameOID.COMMON_NAME, "issuing ca", x509.name._ASN1Type.UTF8String),
        ]
    )
    leaf = kit.issue(dn("Aigerim"), ca, ca=False, issuer_name=spelled)
    crls = [kit.crl(root), kit.crl(ca)]

    report = await check(root, leaf, ca, kit=kit, crls=crls)

    assert report.passed, report.to_json()["checks"]


# -- 10. validity in whole seconds -----------------------------------------------------------


async def test_the_last_second_of_validity_counts_whole(kit) -> None:
    root = kit.root("Root")
    leaf = kit.leaf("Aigerim", root, not_after=NOW)
    verifier = Verifier([root.certificate], crls=[kit.crl(root)], prefer="crl")

    last = await verifier.verify_certificate(der(leaf), at=NOW + timedelta(microseconds=999_999))
    after = await verifier.verify_certificate(der(leaf), at=NOW + timedelta(seconds=1))

    assert last.passed, last.to_json()["checks"]
    assert after.code == "CERT_EXPIRED"


# -- the certificate rules of RFC 5280 §4 a validator holds ----------------------------------


async def test_a_certificate_naming_two_signature_algorithms_is_malformed(kit) -> None:
    root = kit.root("Root")
    leaf = kit.leaf("Aigerim", root)
    parsed = asn1_x509.Certificate.load(der(leaf))
    parsed["signature_algorithm"] = {"algorithm": "sha384_ecdsa"}
    verifier = Verifier([root.certificate], crls=[kit.crl(root)], prefer="crl")

    report = await verifier.verify_certificate(parsed.dump(force=True), at=NOW)

    assert report.code == "SIGNATURE_MALFORMED"
    assert "§4.1.1.2" in report.checks[0].detail


async def test_an_end_entity_asserting_key_cert_sign_is_refused(kit) -> None:
    root = kit.root("Root")
    leaf = kit.leaf("Aigerim", root, key_usage=ca_usage())

    report = await check(root, leaf, kit=kit)

    assert "§4.2.1.3 key usage" in chain_detail(report)


async def test_an_empty_subject_needs_a_critical_subject_alternative_name(kit) -> None:
    root = kit.root("Root")
    names = x509.SubjectAlternativeName([x509.RFC822Name("aigerim@egov.kz")])
    quiet = kit.leaf(x509.Name([]), root, extensions=[(names, False)])
    loud = kit.leaf(x509.Name([]), root, extensions=[(names, True)])

    assert "§4.2.1.6" in chain_detail(await check(root, quiet, kit=kit))
    assert (await check(root, loud, kit=kit)).passed


async def test_certificates_must_identify_their_keys(kit) -> None:
    root = kit.root("Root")
    anonymous_ca = kit.ca("CA", root, key_ids=False)
    leaf_under_it = kit.leaf("Aigerim", anonymous_ca)
    anonymous_leaf = kit.leaf("Aigerim", root, key_ids=False)

    ca_refused = await check(root, leaf_under_it, anonymous_ca, kit=kit)
    leaf_refused = await check(root, anonymous_leaf, kit=kit)

    assert "§4.2.1.1 authority key identifier" in chain_detail(ca_refused)
    assert "§4.2.1.1 authority key identifier" in chain_detail(leaf_refused)


async def test_a_ca_without_a_subject_key_identifier_is_refused(kit) -> None:
    root = kit.root("Root")
    ca = kit.ca("CA", root, with_ski=False)
    leaf = kit.leaf("Aigerim", ca)

    refused = await check(root, leaf, ca, kit=kit)

    assert "§4.2.1.2 subject key identifier" in chain_detail(refused)


async def test_a_serial_number_longer_than_20_octets_is_refused(kit) -> None:
    root = kit.root("Root")
    leaf = kit.leaf("Aigerim", root)
    parsed = asn1_x509.Certificate.load(der(leaf))
    parsed["tbs_certificate"]["serial_number"] = 2**170
    body = parsed["tbs_certificate"].dump(force=True)
    parsed["signature_value"] = root.key.sign(body, ec.ECDSA(hashes.SHA256()))
    verifier = Verifier([root.certificate], crls=[kit.crl(root)], prefer="crl")

    report = await verifier.verify_certificate(parsed.dump(force=True), at=NOW)

    assert "§4.1.2.2 serial number" in chain_detail(report)


# -- path building ----------------------------------------------------------------------------


async def test_path_building_tries_the_next_candidate_issuer_after_a_key_rollover(kit) -> None:
    root = kit.root("Root")
    old = kit.ca("Issuing CA", root)
    new = kit.ca("Issuing CA", root)  # the same name, a new key
    leaf = kit.leaf("Aigerim", new)

    report = await check(root, leaf, old, new, kit=kit)

    assert report.passed, report.to_json()["checks"]


async def test_a_thousand_candidate_issuers_end_in_a_verdict(kit) -> None:
    root = kit.root("Root")
    decoy_key = kit.ca("Decoy", root).key
    decoys = [kit.ca("Issuing CA", root, key=decoy_key).certificate for _ in range(1000)]
    real = kit.ca("Issuing CA", root)
    leaf = kit.leaf("Aigerim", real)
    crls = [kit.crl(root), kit.crl(real)]

    found = await check(root, leaf, real, kit=kit, crls=crls, extra=decoys)
    stray = kit.leaf("Aigerim", kit.ca("Issuing CA", root))  # signed by none of them
    lost = await check(root, stray, kit=kit, crls=crls, extra=[*decoys, real.certificate])

    assert found.passed, found.to_json()["checks"]
    assert lost.code == "CHAIN_INVALID"


async def test_forged_issuers_past_the_signature_budget_end_in_a_refusal(kit) -> None:
    # Each decoy claims the real issuer's key identifier and has a key of its own, so each
    # costs a signature check: the search stops at its budget and says so.
    root = kit.root("Root")
    real = kit.ca("Issuing CA", root)
    forged = real.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    decoys = [
        kit.ca("Issuing CA", root, subject_key_id=forged.value.digest).certificate
        for _ in range(150)
    ]
    leaf = kit.leaf("Aigerim", real)

    report = await check(root, leaf, kit=kit, extra=[*decoys, real.certificate])

    assert report.code == "CHAIN_INVALID"
    assert "work budget" in chain_detail(report)


async def test_a_loop_of_cross_certificates_ends(kit) -> None:
    root = kit.root("Root")
    a, b = kit.ca("CA A", root), kit.ca("CA B", root)
    a_by_b = kit.issue(a.name, b, ca=True, key=a.key)
    b_by_a = kit.issue(b.name, a, ca=True, key=b.key)
    leaf = kit.leaf("Aigerim", kit.issue(dn("Stray"), b, ca=True, issuer_name=dn("Elsewhere")))

    report = await check(root, leaf, a_by_b, b_by_a, kit=kit)

    assert report.code in ("CERT_UNTRUSTED", "CHAIN_INVALID")


async def test_path_building_prefers_the_issuer_valid_at_the_validation_time(kit) -> None:
    root = kit.root("Root")
    key = kit.ca("Key holder", root).key
    expired = kit.ca(
        "Issuing CA",
        root,
        key=key,
        not_before=NOW - timedelta(days=400),
        not_after=NOW - timedelta(days=30),
    )
    renewed = kit.ca("Issuing CA", root, key=key)  # the same CA and key, certified anew
    leaf = kit.leaf("Aigerim", renewed)

    report = await check(root, leaf, expired, renewed, kit=kit)

    assert report.passed, report.to_json()["checks"]


async def test_another_path_is_tried_when_the_first_has_a_revoked_ca(kit) -> None:
    root = kit.root("Root")
    key = kit.ca("Key holder", root).key
    revoked = kit.ca("Issuing CA", root, key=key)
    recertified = kit.ca("Issuing CA", root, key=key)  # the same CA and key, a new certificate
    leaf = kit.leaf("Aigerim", recertified)
    root_crl = kit.crl(root, [(revoked.certificate.serial_number, NOW - timedelta(days=1))])
    crls = [root_crl, kit.crl(recertified)]

    report = await check(root, leaf, revoked, recertified, kit=kit, crls=crls)
    alone = await check(root, leaf, revoked, kit=kit, crls=crls)

    assert report.passed, report.to_json()["checks"]
    assert alone.code == "CERT_REVOKED"


async def test_huge_name_constraint_sets_end_in_a_refusal_within_the_work_budget(kit) -> None:
    permitted = [x509.DNSName(f"host{i}.egov.kz") for i in range(1000)]
    root = kit.root("Root")
    ca = kit.ca("CA", root, extensions=constraints(permitted))
    names = [x509.DNSName(f"host{i}.egov.kz") for i in range(999, 799, -1)]
    leaf = kit.leaf("Aigerim", ca, extensions=with_names(*names))

    report = await check(root, leaf, ca, kit=kit)

    assert report.code == "CHAIN_INVALID"
    assert "too large to check" in chain_detail(report)
