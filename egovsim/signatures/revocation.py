"""Revocation status of a certificate from OCSP (RFC 6960) or CRLs with delta CRLs (RFC 5280).

Answers are verified (signature, issuer, freshness) and cached until their nextUpdate. Fetching
goes through a `Fetcher` the caller provides: this package never opens a connection itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from egovsim.pki.records import REASON_NAMES
from egovsim.signatures.certs import CertCache, CertInfo
from egovsim.signatures.signing_keys import verify_certificate_signature, verify_signature_by

StatusName = Literal["good", "revoked", "unknown", "unavailable"]


class FetchError(Exception):
    """A fetch that gave no usable answer (connection refused, timeout, HTTP error, too big)."""


class Fetcher(Protocol):
    """Where the verifier gets CRLs, OCSP answers and CA certificates from."""

    async def get(self, url: str) -> bytes:
        """The body of a GET, or FetchError."""

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        """The body of a POST, or FetchError."""


class RevocationStatus(NamedTuple):
    """The status of one certificate, with where it came from (a tuple: made per check)."""

    status: StatusName
    source: str  # "ocsp", "crl", "crl+delta", or "" when unavailable
    detail: str
    revoked_at: datetime | None = None
    reason: str | None = None
    this_update: datetime | None = None
    next_update: datetime | None = None


@dataclass(slots=True)
class ParsedCrl:
    """A verified CRL, ready for lookups."""

    url: str
    issuer_der: bytes
    number: int | None
    delta_base: int | None
    this_update: datetime
    next_update: datetime | None
    entries: dict[int, tuple[datetime, str]] = field(default_factory=dict)
    delta_urls: tuple[str, ...] = ()


def reason_name(flag: x509.ReasonFlags | None) -> str:
    """The RFC 5280 name of a revocation reason."""
    if flag is None:
        return "unspecified"
    if flag == x509.ReasonFlags.remove_from_crl:
        return "removeFromCRL"  # only in delta CRLs, so not a reason the PKI revokes for
    return REASON_NAMES.get(flag, "unspecified")


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL from DER or PEM; ValueError when it is neither."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


def parse_crl(crl: x509.CertificateRevocationList, issuer: CertInfo, url: str) -> ParsedCrl:
    """Check a CRL's issuer and signature and index its entries; ValueError when it fails."""
    if crl.issuer.public_bytes() != issuer.subject_der:
        raise ValueError(f"the CRL at {url} is not issued by {issuer.label()}")
    if not crl.is_signature_valid(issuer.public_key):  # type: ignore[arg-type]
        raise ValueError(f"the CRL at {url} has an invalid signature")
    number = delta_base = None
    delta_urls: tuple[str, ...] = ()
    for extension in crl.extensions:
        value = extension.value
        if isinstance(value, x509.CRLNumber):
            number = value.crl_number
        elif isinstance(value, x509.DeltaCRLIndicator):
            delta_base = value.crl_number
        elif isinstance(value, x509.FreshestCRL):
            delta_urls = tuple(
                n.value
                for point in value
                for n in point.full_name or ()
                if isinstance(n, x509.UniformResourceIdentifier)
            )
        elif extension.critical:
            raise ValueError(f"the CRL at {url} has an unknown critical extension {extension.oid}")
    entries: dict[int, tuple[datetime, str]] = {}
    for revoked in crl:
        try:
            reason = revoked.extensions.get_extension_for_class(x509.CRLReason).value.reason
        except x509.ExtensionNotFound:
            reason = None
        entries[revoked.serial_number] = (revoked.revocation_date_utc, reason_name(reason))
    return ParsedCrl(
        url,
        crl.issuer.public_bytes(),
        number,
        delta_base,
        crl.last_update_utc,
        crl.next_update_utc,
        entries,
        delta_urls,
    )


class RevocationChecker:
    """Finds the revocation status of a certificate, preferring OCSP or CRLs as configured."""

    def __init__(
        self,
        fetcher: Fetcher | None,
        *,
        prefer: Literal["ocsp", "crl"] = "ocsp",
        offline_crls: list[x509.CertificateRevocationList] | None = None,
        certs: CertCache | None = None,
        use_nonce: bool = True,
    ) -> None:
        self._fetcher = fetcher
        self._prefer = prefer
        self._offline = offline_crls or []
        self._certs = certs or CertCache()
        self._use_nonce = use_nonce
        self._crls: dict[str, ParsedCrl] = {}
        self._given: dict[bytes, list[ParsedCrl]] = {}
        self._ocsp: dict[tuple[bytes, int], RevocationStatus] = {}

    async def status(self, cert: CertInfo, issuer: CertInfo, at: datetime) -> RevocationStatus:
        """The status of `cert` at `at`; 'unavailable' when no source gave a usable answer."""
        sources = [self._by_ocsp, self._by_crl]
        if self._prefer == "crl":
            sources.reverse()
        reasons = []
        for source in sources:
            result = await source(cert, issuer, at)
            if result.status != "unavailable":
                return result
            reasons.append(result.detail)
        return RevocationStatus("unavailable", "", "; ".join(r for r in reasons if r))

    def forget(self) -> None:
        """Drop every fetched CRL and OCSP answer kept until its nextUpdate, so the next check
        asks the sources again (CRLs given up front stay)."""
        self._crls.clear()
        self._ocsp.clear()

    # -- CRLs -------------------------------------------------------------------------------

    def cached(self, cert: CertInfo, issuer: CertInfo, at: datetime) -> RevocationStatus | None:
        """The status from the preferred source's cache alone, or None when it must be asked.

        The verifier's hot path: a warm check needs no coroutine and no fetch.
        """
        if self._prefer == "ocsp":
            return self._ocsp_cached(cert, issuer, at)
        problems: list[str] = []
        full = self._given_full(issuer, problems)
        if full is None:
            for url in cert.crl_urls:
                full = self._crl_cached(url, issuer, at)
                if full is not None:
                    break
            if full is None or full.delta_base is not None:
                return None
        delta = None
        for url in cert.delta_crl_urls or full.delta_urls:
            delta = self._crl_cached(url, issuer, at)
            if delta is None:
                return None
            break
        return _crl_verdict(cert, full, delta, at)

    async def _by_crl(self, cert: CertInfo, issuer: CertInfo, at: datetime) -> RevocationStatus:
        problems: list[str] = []
        full = self._given_full(issuer, problems)
        if full is None:
            for url in cert.crl_urls:
                found = await self._crl_from(url, issuer, at, problems)
                if found is not None and found.delta_base is None:
                    full = found
                    break
        if full is None:
            return RevocationStatus(
                "unavailable",
                "",
                "no CRL: " + ("; ".join(problems) or "the certificate names none"),
            )
        delta = None
        for url in cert.delta_crl_urls or full.delta_urls:
            delta = await self._crl_from(url, issuer, at, [])
            break  # an unavailable delta leaves the full CRL to answer alone
        return _crl_verdict(cert, full, delta, at)

    def _given_full(self, issuer: CertInfo, problems: list[str]) -> ParsedCrl | None:
        if not self._offline:
            return None
        for crl in self._given_crls(issuer, problems):
            if crl.delta_base is None:
                return crl
        return None

    def _given_crls(self, issuer: CertInfo, problems: list[str]) -> list[ParsedCrl]:
        """The CRLs given by the caller that `issuer` signed, verified once."""
        found = self._given.get(issuer.fingerprint)
        if found is None:
            found = []
            for crl in self._offline:
                if crl.issuer.public_bytes() != issuer.subject_der:
                    continue
                try:
                    found.append(parse_crl(crl, issuer, "(given CRL)"))
                except ValueError as error:
                    problems.append(str(error))
            self._given[issuer.fingerprint] = found
        return found

    def _crl_cached(self, url: str, issuer: CertInfo, at: datetime) -> ParsedCrl | None:
        cached = self._crls.get(url)
        if (
            cached is not None
            and cached.issuer_der == issuer.subject_der
            and (cached.next_update is None or at <= cached.next_update)
        ):
            return cached
        return None

    async def _crl_from(
        self, url: str, issuer: CertInfo, at: datetime, problems: list[str]
    ) -> ParsedCrl | None:
        cached = self._crl_cached(url, issuer, at)
        if cached is not None:
            return cached
        if self._fetcher is None:
            problems.append(f"{url} not fetched (offline)")
            return None
        try:
            parsed = parse_crl(load_crl(await self._fetcher.get(url)), issuer, url)
        except FetchError as error:
            problems.append(f"{url}: {error}")
            return None
        except ValueError as error:
            problems.append(f"{url}: {error}")
            return None
        self._crls[url] = parsed
        return parsed

    # -- OCSP -------------------------------------------------------------------------------

    def _ocsp_cached(
        self, cert: CertInfo, issuer: CertInfo, at: datetime
    ) -> RevocationStatus | None:
        cached = self._ocsp.get((issuer.fingerprint, cert.serial))
        if cached is not None and (cached.next_update is None or at <= cached.next_update):
            return cached
        return None

    async def _by_ocsp(self, cert: CertInfo, issuer: CertInfo, at: datetime) -> RevocationStatus:
        key = (issuer.fingerprint, cert.serial)
        cached = self._ocsp_cached(cert, issuer, at)
        if cached is not None:
            return cached
        if not cert.ocsp_urls:
            return RevocationStatus("unavailable", "", "the certificate names no OCSP responder")
        if self._fetcher is None:
            return RevocationStatus("unavailable", "", "OCSP not asked (offline)")
        builder = ocsp.OCSPRequestBuilder().add_certificate(
            cert.certificate, issuer.certificate, hashes.SHA1()
        )
        nonce = os.urandom(16) if self._use_nonce else None
        if nonce is not None:
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        request = builder.build().public_bytes(serialization.Encoding.DER)
        url = cert.ocsp_urls[0]
        try:
            body = await self._fetcher.post(url, request, "application/ocsp-request")
            result = self._read_ocsp(body, cert, issuer, nonce, at, url)
        except FetchError as error:
            return RevocationStatus("unavailable", "", f"OCSP {url}: {error}")
        except ValueError as error:
            return RevocationStatus("unavailable", "", f"OCSP {url}: {error}")
        if result.status in ("good", "revoked"):
            self._ocsp[key] = result
        return result

    def _read_ocsp(
        self,
        body: bytes,
        cert: CertInfo,
        issuer: CertInfo,
        nonce: bytes | None,
        at: datetime,
        url: str,
    ) -> RevocationStatus:
        response = ocsp.load_der_ocsp_response(body)
        if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            raise ValueError(f"the responder answered {response.response_status.name}")
        signer = self._ocsp_signer(response, issuer)
        verify_signature_by(
            signer.public_key,
            response.signature,
            response.tbs_response_bytes,
            response.signature_hash_algorithm,
        )
        if nonce is not None:
            try:
                echoed = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
            except x509.ExtensionNotFound:
                echoed = None
            if echoed is not None and echoed != nonce:
                raise ValueError("the response's nonce is not the request's")
        single = next(
            (
                s
                for s in response.responses
                if s.serial_number == cert.serial and s.issuer_key_hash == _key_hash(issuer)
            ),
            None,
        )
        if single is None:
            raise ValueError("the response does not speak of this certificate")
        if single.next_update_utc is not None and at > single.next_update_utc:
            raise ValueError("the response is stale at the validation time")
        status = single.certificate_status
        if status == ocsp.OCSPCertStatus.GOOD:
            return RevocationStatus(
                "good",
                "ocsp",
                f"OCSP {url}",
                None,
                None,
                single.this_update_utc,
                single.next_update_utc,
            )
        if status == ocsp.OCSPCertStatus.REVOKED:
            revoked_at = single.revocation_time_utc
            assert revoked_at is not None
            if revoked_at > at:
                return RevocationStatus(
                    "good",
                    "ocsp",
                    f"OCSP {url} (revoked only later)",
                    None,
                    None,
                    single.this_update_utc,
                    single.next_update_utc,
                )
            return RevocationStatus(
                "revoked",
                "ocsp",
                f"OCSP {url}",
                revoked_at,
                reason_name(single.revocation_reason),
                single.this_update_utc,
                single.next_update_utc,
            )
        return RevocationStatus(
            "unknown",
            "ocsp",
            f"OCSP {url}: the responder does not know this certificate",
            None,
            None,
            single.this_update_utc,
            single.next_update_utc,
        )

    def _ocsp_signer(self, response: ocsp.OCSPResponse, issuer: CertInfo) -> CertInfo:
        """The issuer itself, or a delegated responder it certified for OCSP signing."""
        if _responder_is(response, issuer):
            return issuer
        for candidate in response.certificates:
            info = self._certs.add(candidate)
            if not _responder_is(response, info):
                continue
            if info.issuer_der != issuer.subject_der:
                raise ValueError("the responder's certificate is not issued by the CA")
            if info.eku is None or ExtendedKeyUsageOID.OCSP_SIGNING.dotted_string not in info.eku:
                raise ValueError("the responder's certificate is not for OCSP signing")
            verify_certificate_signature(info, issuer)
            return info
        raise ValueError("the responder is neither the CA nor delegated by it")


def _crl_verdict(
    cert: CertInfo, full: ParsedCrl, delta: ParsedCrl | None, at: datetime
) -> RevocationStatus:
    """The status a full CRL, and a delta newer than it that extends it, give at `at`."""
    if full.next_update is not None and at > full.next_update:
        return RevocationStatus(
            "unavailable",
            "crl",
            f"the CRL is stale: its nextUpdate {full.next_update.isoformat()} is before the "
            "validation time",
        )
    source, detail = "crl", f"full CRL #{full.number}"
    entry = full.entries.get(cert.serial)
    if (
        delta is not None
        and delta.delta_base is not None
        and full.number is not None
        and delta.number is not None
        and delta.delta_base <= full.number < delta.number
        and (delta.next_update is None or at <= delta.next_update)
    ):
        source, detail = "crl+delta", f"full CRL #{full.number} + delta CRL #{delta.number}"
        change = delta.entries.get(cert.serial)
        if change is not None:
            entry = None if change[1] == "removeFromCRL" else change
    if entry is not None and entry[0] <= at:
        return RevocationStatus(
            "revoked", source, detail, entry[0], entry[1], full.this_update, full.next_update
        )
    return RevocationStatus("good", source, detail, None, None, full.this_update, full.next_update)


_KEY_HASHES: dict[bytes, bytes] = {}


def _key_hash(info: CertInfo) -> bytes:
    """SHA-1 of the subject public key bits, as OCSP names a key (CertID, ResponderID)."""
    cached = _KEY_HASHES.get(info.fingerprint)
    if cached is None:
        cached = x509.SubjectKeyIdentifier.from_public_key(info.public_key).digest
        _KEY_HASHES[info.fingerprint] = cached
    return cached


def _responder_is(response: ocsp.OCSPResponse, info: CertInfo) -> bool:
    if response.responder_key_hash is not None:
        return response.responder_key_hash == _key_hash(info)
    name = response.responder_name
    return name is not None and name.public_bytes() == info.subject_der
