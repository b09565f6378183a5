"""The NCA's certificate profile, both ways: building certificates and reading who they name."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    CertificatePublicKeyTypes,
)
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from egovsim.pki import oids
from egovsim.pki.oids import Role, Usage

KeyKind = Literal["rsa2048", "rsa3072", "rsa4096", "p256", "rsa1024"]
KEY_KINDS: tuple[KeyKind, ...] = ("rsa2048", "rsa3072", "rsa4096", "p256", "rsa1024")


def generate_key(kind: KeyKind) -> CertificateIssuerPrivateKeyTypes:
    """A fresh private key; rsa1024 exists only to exercise the algorithm policy."""
    if kind == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))


def key_description(key: CertificatePublicKeyTypes) -> str:
    """A short name of a public key: `RSA-2048`, `EC-secp256r1`."""
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA-{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC-{key.curve.name}"
    return type(key).__name__


@dataclass(frozen=True, slots=True)
class Holder:
    """The person a certificate is issued to; `bin` and `organization` make it a legal entity's."""

    iin: str
    surname: str
    name: str
    patronymic: str | None = None
    email: str | None = None
    bin: str | None = None
    organization: str | None = None
    role: Role = "individual"

    @property
    def is_legal(self) -> bool:
        """Whether the holder acts for a legal entity."""
        return self.bin is not None


@dataclass(frozen=True, slots=True)
class Endpoints:
    """The addresses on egovsim's own server that certificates point at (AIA, CDP)."""

    base_url: str

    def cert(self, name: str) -> str:
        """Where a CA certificate is published, e.g. `/cert/nca_rsa.cer`."""
        return f"{self.base_url}/cert/{name}.cer"

    def crl(self, name: str) -> str:
        """Where a CRL is published, e.g. `/crl/nca_rsa.crl`."""
        return f"{self.base_url}/crl/{name}.crl"

    @property
    def ocsp(self) -> str:
        """The OCSP responder."""
        return f"{self.base_url}/ocsp"


def holder_name(holder: Holder) -> x509.Name:
    """The subject of an individual or of a legal entity's employee, in the NCA's order."""
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, f"{holder.surname} {holder.name}"),
        x509.NameAttribute(NameOID.SURNAME, holder.surname),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{holder.iin}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
    ]
    if holder.organization is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, holder.organization))
    if holder.bin is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{holder.bin}"))
    if holder.patronymic:
        attributes.append(x509.NameAttribute(NameOID.GIVEN_NAME, holder.patronymic))
    if holder.email:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, holder.email))
    return x509.Name(attributes)


def ca_name(common_name: str) -> x509.Name:
    """The subject of a certification authority."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )


def _distribution(
    endpoints: Endpoints, crl_name: str, delta_name: str | None
) -> list[x509.ExtensionType]:
    full = x509.DistributionPoint(
        [x509.UniformResourceIdentifier(endpoints.crl(crl_name))], None, None, None
    )
    extensions: list[x509.ExtensionType] = [x509.CRLDistributionPoints([full])]
    if delta_name is not None:
        delta = x509.DistributionPoint(
            [x509.UniformResourceIdentifier(endpoints.crl(delta_name))], None, None, None
        )
        extensions.append(x509.FreshestCRL([delta]))
    return extensions


def _access(endpoints: Endpoints, issuer_name: str, with_ocsp: bool) -> x509.ExtensionType:
    descriptions = []
    if with_ocsp:
        descriptions.append(
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(endpoints.ocsp)
            )
        )
    descriptions.append(
        x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS,
            x509.UniformResourceIdentifier(endpoints.cert(issuer_name)),
        )
    )
    return x509.AuthorityInformationAccess(descriptions)


@dataclass(frozen=True, slots=True)
class IssuerRef:
    """What a certificate needs of its issuer: its certificate and its published names."""

    certificate: x509.Certificate
    cert_name: str  # e.g. "nca_rsa": the file name of its certificate at /cert/
    crl_name: str  # its full CRL at /crl/
    delta_crl_name: str | None  # its delta CRL at /crl/, if it publishes one


def end_entity(
    holder: Holder,
    usage: Usage,
    public_key: CertificatePublicKeyTypes,
    issuer: IssuerRef,
    endpoints: Endpoints,
    not_before: datetime,
    not_after: datetime,
    serial: int,
) -> x509.CertificateBuilder:
    """A signing or authentication certificate of the NCA's profile, ready to be signed."""
    role_oids = (
        [oids.LEGAL_ENTITY, oids.LEGAL_ROLE_OIDS[holder.role]]
        if holder.is_legal
        else [oids.INDIVIDUAL]
    )
    if usage == "sign":
        key_usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
        eku = x509.ExtendedKeyUsage([oids.EKU_SIGN, *role_oids])
    else:
        key_usage = x509.KeyUsage(True, False, True, False, False, False, False, False, False)
        eku = x509.ExtendedKeyUsage([oids.EKU_AUTH, *role_oids])
    policy = x509.CertificatePolicies(
        [x509.PolicyInformation(oids.policy_for(usage, holder.is_legal), None)]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(holder_name(holder))
        .issuer_name(issuer.certificate.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(key_usage, critical=True)
        .add_extension(eku, critical=False)
        .add_extension(policy, critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_authority_key_id(issuer.certificate), critical=False)
        .add_extension(_access(endpoints, issuer.cert_name, with_ocsp=True), critical=False)
    )
    for extension in _distribution(endpoints, issuer.crl_name, issuer.delta_crl_name):
        builder = builder.add_extension(extension, critical=False)
    return builder


def certification_authority(
    subject: x509.Name,
    public_key: CertificatePublicKeyTypes,
    issuer: IssuerRef | None,
    endpoints: Endpoints,
    not_before: datetime,
    not_after: datetime,
    serial: int,
    path_length: int | None,
) -> x509.CertificateBuilder:
    """A root (issuer None, self-signed) or subordinate CA certificate."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(_authority_key_id(issuer.certificate), critical=False)
        builder = builder.add_extension(
            _access(endpoints, issuer.cert_name, with_ocsp=False), critical=False
        )
        for extension in _distribution(endpoints, issuer.crl_name, issuer.delta_crl_name):
            builder = builder.add_extension(extension, critical=False)
    return builder


def ocsp_signer(
    subject: x509.Name,
    public_key: CertificatePublicKeyTypes,
    issuer: IssuerRef,
    not_before: datetime,
    not_after: datetime,
    serial: int,
) -> x509.CertificateBuilder:
    """A delegated OCSP responder certificate (RFC 6960 §4.2.2.2), with id-pkix-ocsp-nocheck."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        .add_extension(x509.OCSPNoCheck(), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_authority_key_id(issuer.certificate), critical=False)
    )


def time_stamping(
    subject: x509.Name,
    public_key: CertificatePublicKeyTypes,
    issuer: IssuerRef,
    endpoints: Endpoints,
    not_before: datetime,
    not_after: datetime,
    serial: int,
) -> x509.CertificateBuilder:
    """A TSA certificate (RFC 3161 §2.3): the critical EKU id-kp-timeStamping alone, with the
    issuer's OCSP, caIssuers and CRL addresses so its revocation can be checked."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_authority_key_id(issuer.certificate), critical=False)
        .add_extension(_access(endpoints, issuer.cert_name, with_ocsp=True), critical=False)
    )
    for extension in _distribution(endpoints, issuer.crl_name, issuer.delta_crl_name):
        builder = builder.add_extension(extension, critical=False)
    return builder


def tls_server(
    hosts: list[str],
    public_key: CertificatePublicKeyTypes,
    issuer: IssuerRef,
    not_before: datetime,
    not_after: datetime,
    serial: int,
) -> x509.CertificateBuilder:
    """A TLS server certificate (EKU serverAuth) for host names and IP addresses, such as the
    local wss:// socket of egovsim's NCALayer; the first host is its common name."""
    alternatives: list[x509.GeneralName] = []
    for host in hosts:
        try:
            alternatives.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alternatives.append(x509.DNSName(host))
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(issuer.certificate.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, True, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_authority_key_id(issuer.certificate), critical=False)
    )


def _authority_key_id(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


@dataclass(frozen=True, slots=True)
class CertificateSubject:
    """Who a certificate names and for what, read back from the NCA's profile."""

    common_name: str | None
    surname: str | None
    given_name: str | None
    iin: str | None
    bin: str | None
    organization: str | None
    email: str | None
    role: Role | None
    usage: Usage | None


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def read_subject(certificate: x509.Certificate) -> CertificateSubject:
    """Read IIN, BIN, names, role and usage the way the NCA's certificates carry them.

    The IIN is taken as written (`IIN` + digits): real NCA test certificates carry IINs that fail
    the checksum, and certificate checks must not reject them for it (SPEC §3).
    """
    subject = certificate.subject
    serial = _attribute(subject, NameOID.SERIAL_NUMBER) or ""
    unit = _attribute(subject, NameOID.ORGANIZATIONAL_UNIT_NAME) or ""
    iin = serial[3:] if serial.upper().startswith("IIN") else None
    bin_ = unit[3:] if unit.upper().startswith("BIN") else None
    role: Role | None = None
    usage: Usage | None = None
    try:
        eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = None
    if eku is not None:
        dotted = {oid.dotted_string for oid in eku}
        if oids.EKU_SIGN.dotted_string in dotted:
            usage = "sign"
        elif oids.EKU_AUTH.dotted_string in dotted:
            usage = "auth"
        for oid_text, legal_role in oids.ROLE_BY_OID.items():
            if oid_text in dotted:
                role = legal_role
                break
        else:
            if oids.INDIVIDUAL.dotted_string in dotted:
                role = "individual"
    return CertificateSubject(
        common_name=_attribute(subject, NameOID.COMMON_NAME),
        surname=_attribute(subject, NameOID.SURNAME),
        given_name=_attribute(subject, NameOID.GIVEN_NAME),
        iin=iin,
        bin=bin_,
        organization=_attribute(subject, NameOID.ORGANIZATION_NAME),
        email=_attribute(subject, NameOID.EMAIL_ADDRESS),
        role=role,
        usage=usage,
    )
