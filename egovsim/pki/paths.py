"""Certification paths made to order, for checking a validator against RFC 5280 and RFC 6960.

Anchors, CAs and end entities with the extensions path validation processes (name constraints,
certificate policies, policy mappings and constraints, key usage), separate CRL-signing
certificates, complete and delta CRLs with or without their required extensions, and OCSP
responses, all dated relative to the time given. EC P-256 keys keep making hundreds cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import algos as asn1_algos
from asn1crypto import core as asn1_core
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

Key = ec.EllipticCurvePrivateKey


@dataclass(frozen=True, slots=True)
class Party:
    """A certificate with its private key."""

    certificate: x509.Certificate
    key: Key

    @property
    def name(self) -> x509.Name:
        """The subject's name."""
        return self.certificate.subject


def new_key() -> Key:
    """A fresh EC P-256 key."""
    return ec.generate_private_key(ec.SECP256R1())


def dn(
    common_name: str, organization: str = "egovsim path tests", country: str = "KZ"
) -> x509.Name:
    """A distinguished name C, O, CN in the usual order."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def policy_mappings(pairs: list[tuple[str, str]]) -> x509.UnrecognizedExtension:
    """A policyMappings extension (`cryptography` cannot build one; asn1crypto encodes it)."""
    encoded = asn1_x509.PolicyMappings(
        [{"issuer_domain_policy": a, "subject_domain_policy": b} for a, b in pairs]
    ).dump()
    return x509.UnrecognizedExtension(ExtensionOID.POLICY_MAPPINGS, encoded)


class PathKit:
    """Issues certificates, CRLs and OCSP responses dated around `now`."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._serial = 0x1000

    def serial(self) -> int:
        """The next serial number."""
        self._serial += 1
        return self._serial

    def issue(
        self,
        subject: x509.Name,
        issuer: Party | None,
        *,
        ca: bool,
        key: Key | None = None,
        extensions: Sequence[tuple[x509.ExtensionType, bool]] = (),
        key_usage: x509.KeyUsage | None = None,
        path_length: int | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        issuer_name: x509.Name | None = None,
        subject_key_id: bytes | None = None,
        key_ids: bool = True,
        with_ski: bool = True,
        serial: int | None = None,
    ) -> Party:
        """A certificate for `subject` signed by `issuer` (self-signed when None); `key_ids`
        False leaves out both key identifiers, `with_ski` False the subject's alone."""
        key = key or new_key()
        signer_key = issuer.key if issuer is not None else key
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_name or (issuer.name if issuer is not None else subject))
            .public_key(key.public_key())
            .serial_number(serial if serial is not None else self.serial())
            .not_valid_before(not_before or self.now - timedelta(days=1))
            .not_valid_after(not_after or self.now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        )
        if key_ids and with_ski:
            ski = (
                x509.SubjectKeyIdentifier(subject_key_id)
                if subject_key_id is not None
                else x509.SubjectKeyIdentifier.from_public_key(key.public_key())
            )
            builder = builder.add_extension(ski, False)
        if issuer is not None and key_ids:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False
            )
        usage = key_usage or (ca_usage() if ca else signing_usage())
        builder = builder.add_extension(usage, critical=True)
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return Party(builder.sign(signer_key, hashes.SHA256()), key)

    def root(self, common_name: str, **options: object) -> Party:
        """A self-signed CA certificate, to be a trust anchor."""
        return self.issue(dn(common_name), None, ca=True, **options)  # type: ignore[arg-type]

    def ca(self, common_name: str, issuer: Party, **options: object) -> Party:
        """An intermediate CA certificate."""
        return self.issue(dn(common_name), issuer, ca=True, **options)  # type: ignore[arg-type]

    def leaf(self, subject: x509.Name | str, issuer: Party, **options: object) -> Party:
        """An end-entity certificate."""
        name = dn(subject) if isinstance(subject, str) else subject
        return self.issue(name, issuer, ca=False, **options)  # type: ignore[arg-type]

    def crl(
        self,
        signer: Party,
        revoked: Sequence[tuple[int, datetime]] = (),
        *,
        number: int | None = 1,
        number_critical: bool = False,
        delta_base: int | None = None,
        issuer_name: x509.Name | None = None,
        idp: x509.IssuingDistributionPoint | None = None,
        this_update: datetime | None = None,
        next_update: datetime | None = None,
        digest: hashes.SHA256 | hashes.SHA384 | None = None,
    ) -> x509.CertificateRevocationList:
        """A CRL signed by `signer` listing (serial, revocation time) pairs."""
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer_name or signer.name)
            .last_update(this_update or self.now - timedelta(hours=1))
            .next_update(next_update or self.now + timedelta(days=1))
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.key.public_key()), False
            )
        )
        if number is not None:
            builder = builder.add_extension(x509.CRLNumber(number), critical=number_critical)
        if delta_base is not None:
            builder = builder.add_extension(x509.DeltaCRLIndicator(delta_base), critical=True)
        if idp is not None:
            builder = builder.add_extension(idp, critical=True)
        for serial, at in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at).build()
            )
        return builder.sign(signer.key, digest or hashes.SHA256())

    def ocsp_response(
        self,
        subject: Party,
        issuer: Party,
        signer: Party,
        *,
        status: ocsp.OCSPCertStatus = ocsp.OCSPCertStatus.GOOD,
        named_issuer: x509.Name | None = None,
        digest: hashes.HashAlgorithm | None = None,
        this_update: datetime | None = None,
        next_update: datetime | None = None,
    ) -> ocsp.OCSPResponse:
        """A response about `subject`; `named_issuer` puts another issuer's name in its CertID."""
        algorithm = hashes.SHA1()
        name_hash = hashes.Hash(algorithm)
        name_hash.update((named_issuer or issuer.name).public_bytes())
        key_hash = x509.SubjectKeyIdentifier.from_public_key(issuer.key.public_key()).digest
        revoked = status == ocsp.OCSPCertStatus.REVOKED
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(
                name_hash.finalize(),
                key_hash,
                subject.certificate.serial_number,
                algorithm,
                status,
                this_update or self.now - timedelta(minutes=5),
                next_update or self.now + timedelta(hours=1),
                self.now - timedelta(minutes=30) if revoked else None,
                x509.ReasonFlags.key_compromise if revoked else None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, signer.certificate)
        )
        if signer is not issuer:
            builder = builder.certificates([signer.certificate])
        return builder.sign(signer.key, digest or hashes.SHA256())

    def responder(self, issuer: Party, *, nocheck: bool = True, **options: object) -> Party:
        """A delegated OCSP responder certificate issued by `issuer`."""
        extensions: list[tuple[x509.ExtensionType, bool]] = [
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False)
        ]
        if nocheck:
            extensions.append((x509.OCSPNoCheck(), False))
        return self.issue(
            dn(f"OCSP {issuer.name.rfc4514_string()}"[:64]),
            issuer,
            ca=False,
            extensions=extensions,
            **options,  # type: ignore[arg-type]
        )


def ca_usage(*, crl_sign: bool = True, cert_sign: bool = True) -> x509.KeyUsage:
    """A CA's keyUsage: keyCertSign and cRLSign unless told otherwise."""
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def signing_usage() -> x509.KeyUsage:
    """An end entity's keyUsage: digitalSignature and nonRepudiation."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def policies(*oids: str) -> tuple[x509.CertificatePolicies, bool]:
    """A certificatePolicies extension naming `oids`, not critical."""
    return (
        x509.CertificatePolicies(
            [x509.PolicyInformation(x509.ObjectIdentifier(oid), None) for oid in oids]
        ),
        False,
    )


def _resigned_with_sha1(signed: asn1_core.Sequence, tbs: str, value: str, signer: Party) -> bytes:
    """A certificate or CRL (asn1crypto) with its signed part re-signed by ECDSA-SHA1."""
    part = signed[tbs]
    part["signature"] = asn1_algos.SignedDigestAlgorithm({"algorithm": "sha1_ecdsa"})
    signed["signature_algorithm"] = asn1_algos.SignedDigestAlgorithm({"algorithm": "sha1_ecdsa"})
    signed[value] = signer.key.sign(part.dump(force=True), ec.ECDSA(hashes.SHA1()))
    encoded: bytes = signed.dump(force=True)
    return encoded


def with_sha1_signature(certificate: x509.Certificate, issuer: Party) -> x509.Certificate:
    """The certificate re-signed by `issuer` with ECDSA-SHA1, which `cryptography`'s builders
    refuse to make: the algorithm policy's refusals are tested with it."""
    parsed = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    encoded = _resigned_with_sha1(parsed, "tbs_certificate", "signature_value", issuer)
    return x509.load_der_x509_certificate(encoded)


def ocsp_with_sha1_signature(response: ocsp.OCSPResponse, signer: Party) -> bytes:
    """The OCSP response re-signed by `signer` with ECDSA-SHA1 (see `with_sha1_signature`)."""
    parsed = asn1_ocsp.OCSPResponse.load(response.public_bytes(serialization.Encoding.DER))
    basic = parsed["response_bytes"]["response"].parsed
    basic["signature_algorithm"] = asn1_algos.SignedDigestAlgorithm({"algorithm": "sha1_ecdsa"})
    basic["signature"] = signer.key.sign(basic["tbs_response_data"].dump(), ec.ECDSA(hashes.SHA1()))
    parsed["response_bytes"]["response"] = asn1_core.ParsableOctetString(basic.dump(force=True))
    encoded: bytes = parsed.dump(force=True)
    return encoded


def crl_with_sha1_signature(
    crl: x509.CertificateRevocationList, signer: Party
) -> x509.CertificateRevocationList:
    """The CRL re-signed by `signer` with ECDSA-SHA1 (see `with_sha1_signature`)."""
    parsed = asn1_crl.CertificateList.load(crl.public_bytes(serialization.Encoding.DER))
    return x509.load_der_x509_crl(_resigned_with_sha1(parsed, "tbs_cert_list", "signature", signer))
