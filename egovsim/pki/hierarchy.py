"""The test PKI's certification authorities: their names, and how the hierarchy is made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from egovsim.pki import profiles
from egovsim.pki.profiles import Endpoints, IssuerRef

ROOT = "root_rsa"
NCA = "nca_rsa"
NCA_DELTA = "nca_d_rsa"
OCSP_SIGNER = "ocsp_rsa"
UNTRUSTED = "untrusted_rsa"
#: The time-stamping authority, issued by the root; and one issued by the untrusted CA, which
#: signs the tokens while the `tsa-untrusted` fault switch is on.
TSA = "tsa_rsa"
TSA_UNTRUSTED = "tsa_untrusted_rsa"

# cryptography holds a CN to 64 UTF-8 bytes (RFC 5280 means 64 characters), so the Kazakh
# names are kept within 64 bytes: the root drops the parentheses around RSA.
ROOT_CN = "НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ RSA TEST"
NCA_CN = "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST"
OCSP_CN = "ҰКО OCSP (RSA) TEST"
UNTRUSTED_CN = "СЕНІМСІЗ ОРТАЛЫҚ (RSA) TEST"
TSA_CN = "ҰКО TSP (RSA) TEST"
TSA_UNTRUSTED_CN = "СЕНІМСІЗ TSP (RSA) TEST"

#: The CAs that issue end-entity certificates, with the CRLs each publishes.
ISSUERS: dict[str, tuple[str, str | None]] = {
    NCA: (NCA, NCA_DELTA),
    UNTRUSTED: (UNTRUSTED, None),
    ROOT: (ROOT, None),
}


@dataclass(frozen=True, slots=True)
class Authority:
    """A CA's certificate and key, with the names it publishes under."""

    name: str
    certificate: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes

    @property
    def ref(self) -> IssuerRef:
        """What certificates it issues must say of it."""
        crl_name, delta = ISSUERS[self.name]
        return IssuerRef(self.certificate, self.name, crl_name, delta)


def _authority(
    name: str,
    common_name: str,
    issuer: Authority | None,
    endpoints: Endpoints,
    now: datetime,
    age_days: int,
    life_years: int,
    path_length: int,
) -> Authority:
    key = profiles.generate_key("rsa2048")
    certificate = profiles.certification_authority(
        profiles.ca_name(common_name),
        key.public_key(),
        issuer.ref if issuer else None,
        endpoints,
        now - timedelta(days=age_days),
        now + timedelta(days=365 * life_years),
        x509.random_serial_number(),
        path_length=path_length,
    ).sign(issuer.key if issuer else key, hashes.SHA256())
    return Authority(name, certificate, key)


def create_hierarchy(endpoints: Endpoints, now: datetime) -> list[Authority]:
    """Fresh keys and certificates for the root, the issuing CA, its delegated OCSP signer, the
    untrusted CA and the two TSAs, dated around `now`."""
    root = _authority(ROOT, ROOT_CN, None, endpoints, now, 730, 20, path_length=1)
    nca = _authority(NCA, NCA_CN, root, endpoints, now, 365, 10, path_length=0)
    ocsp_key = profiles.generate_key("rsa2048")
    ocsp_cert = profiles.ocsp_signer(
        profiles.ca_name(OCSP_CN),
        ocsp_key.public_key(),
        nca.ref,
        now - timedelta(days=365),
        now + timedelta(days=365 * 10),
        x509.random_serial_number(),
    ).sign(nca.key, hashes.SHA256())
    untrusted = _authority(UNTRUSTED, UNTRUSTED_CN, None, endpoints, now, 730, 20, path_length=0)
    return [
        root,
        nca,
        Authority(OCSP_SIGNER, ocsp_cert, ocsp_key),
        untrusted,
        time_stamping(TSA, root, endpoints, now),
        time_stamping(TSA_UNTRUSTED, untrusted, endpoints, now),
    ]


def time_stamping(name: str, issuer: Authority, endpoints: Endpoints, now: datetime) -> Authority:
    """A TSA certificate and key issued by `issuer`, valid for ten years around `now`."""
    key = profiles.generate_key("rsa2048")
    certificate = profiles.time_stamping(
        profiles.ca_name(TSA_CN if name == TSA else TSA_UNTRUSTED_CN),
        key.public_key(),
        issuer.ref,
        endpoints,
        now - timedelta(days=365),
        now + timedelta(days=365 * 10),
        x509.random_serial_number(),
    ).sign(issuer.key, hashes.SHA256())
    return Authority(name, certificate, key)
