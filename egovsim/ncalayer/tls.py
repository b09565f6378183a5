"""The standalone signer's TLS certificate: NCALayer listens on wss://127.0.0.1:13579, so egovsim
serves that address with a server certificate its test PKI issues, for the test root to trust."""

from __future__ import annotations

import ipaddress
import os
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization

from egovsim.clock import as_utc, utcnow
from egovsim.pki.authority import NCA, ROOT, TestPki
from egovsim.pki.profiles import generate_key, tls_server

__all__ = ["HOSTS", "TlsFiles", "server_files"]

#: The names a browser may reach the signer by.
HOSTS = ["127.0.0.1", "localhost", "::1"]
DIRECTORY = "ncalayer"
LIFETIME = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """The server's certificate chain and key, and the root a client has to trust."""

    chain: Path
    key: Path
    root: Path

    def context(self) -> ssl.SSLContext:
        """A server-side TLS context with the chain and key."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.chain, self.key)
        return context


def server_files(pki: TestPki, hosts: list[str] | None = None) -> TlsFiles:
    """The files under `<certs>/ncalayer/`, issued anew unless the certificate there is still
    good for a day, names every host, and chains to the PKI's issuing CA."""
    names = hosts or HOSTS
    directory = pki.directory / DIRECTORY
    files = TlsFiles(directory / "server.pem", directory / "server.key", directory / "root.pem")
    issuer = pki.authority(NCA)
    root = pki.authority(ROOT).certificate
    # Browsers check a TLS certificate against the real time, not the simulator's clock.
    now = utcnow()
    if not _still_good(files, issuer.certificate, names, now):
        key = generate_key("rsa2048")
        not_before = max(now - timedelta(days=1), issuer.certificate.not_valid_before_utc)
        not_after = min(now + LIFETIME, issuer.certificate.not_valid_after_utc)
        certificate = tls_server(
            names,
            key.public_key(),
            issuer.ref,
            not_before,
            not_after,
            x509.random_serial_number(),
        ).sign(issuer.key, hashes.SHA256())
        directory.mkdir(parents=True, exist_ok=True)
        pem = serialization.Encoding.PEM
        files.chain.write_bytes(
            certificate.public_bytes(pem) + issuer.certificate.public_bytes(pem)
        )
        key_pem = key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # The key is written readable by its owner only, from the first byte.
        descriptor = os.open(files.key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(key_pem)
    files.root.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    return files


def _still_good(files: TlsFiles, issuer: x509.Certificate, names: list[str], now: datetime) -> bool:
    if not (files.chain.is_file() and files.key.is_file()):
        return False
    try:
        certificate = x509.load_pem_x509_certificate(files.chain.read_bytes())
        certificate.verify_directly_issued_by(issuer)
        alternatives = certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    present = {str(value) for value in alternatives.get_values_for_type(x509.IPAddress)}
    present |= set(alternatives.get_values_for_type(x509.DNSName))
    named = all(_canonical(name) in present for name in names)
    return named and as_utc(certificate.not_valid_after_utc) > now + timedelta(days=1)


def _canonical(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host
